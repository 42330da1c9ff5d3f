import { describe, expect, it } from "vitest";
import { createCalendar } from "../../src/domain/business-hours.js";
import { atRiskInstant, computeDeadline } from "../../src/domain/deadline.js";
import { at, DEFAULT_SPEC, HOUR, local, MINUTE, PRIORITIES } from "./calendar-fixtures.js";

const tz = "Europe/Brussels";
const calendar = createCalendar(DEFAULT_SPEC);
const show = (ms: number) => local(ms, tz);

describe("computeDeadline with the default policy", () => {
  it.each([
    ["urgent", "2026-11-27T16:30+01:00", "2026-11-30T09:30+01:00"],
    ["normal", "2026-11-27T16:30+01:00", "2026-11-30T17:00+01:00"],
    ["production-down", "2026-11-27T16:30+01:00", "2026-11-27T17:00+01:00"],
    ["urgent", "2026-11-28T11:00+01:00", "2026-11-30T10:00+01:00"],
    ["normal", "2026-11-29T11:00+01:00", "2026-11-30T17:00+01:00"],
    ["production-down", "2026-11-28T23:45+01:00", "2026-11-29T00:15+01:00"],
    ["urgent", "2026-11-26T16:00+01:00", "2026-11-26T17:00+01:00"],
    // The calendar clock counts the real 30 minutes across the spring-forward gap.
    ["production-down", "2026-03-29T01:45+01:00", "2026-03-29T03:15+02:00"],
  ] as const)("%s opened %s → %s", (key, opened, expected) => {
    expect(show(computeDeadline(calendar, PRIORITIES[key], at(opened)))).toBe(expected);
  });

  it("applies the business-day close rule to next-business-day even on a calendar clock", () => {
    const rule = { response: { kind: "next-business-day" }, clock: "calendar" } as const;
    expect(show(computeDeadline(calendar, rule, at("2026-11-27T16:30+01:00")))).toBe(
      "2026-11-30T17:00+01:00",
    );
  });
});

describe("atRiskInstant", () => {
  const opened = at("2026-11-27T16:30+01:00");
  const risk = (key: keyof typeof PRIORITIES, warnAt: number) =>
    show(
      atRiskInstant(
        calendar,
        PRIORITIES[key],
        opened,
        computeDeadline(calendar, PRIORITIES[key], opened),
        warnAt,
      ),
    );

  it("measures business time on the business clock", () => {
    // 80 % of 1 h = 48 min: 30 min on Friday, 18 min on Monday.
    expect(risk("urgent", 0.8)).toBe("2026-11-30T09:18+01:00");
    // 80 % of 8.5 h (30 min Friday + Monday 09:00–17:00) = 6 h 48 min.
    expect(risk("normal", 0.8)).toBe("2026-11-30T15:18+01:00");
  });

  it("turns at risk at Friday's close when exactly that share is used up", () => {
    expect(risk("urgent", 0.5)).toBe("2026-11-27T17:00+01:00");
  });

  it("measures elapsed time on the calendar clock", () => {
    expect(risk("production-down", 0.8)).toBe("2026-11-27T16:54+01:00");
  });

  it("returns the deadline when it is not after the opening, and rejects a warnAt outside 0…1", () => {
    expect(atRiskInstant(calendar, PRIORITIES.urgent, opened, opened, 0.8)).toBe(opened);
    expect(() => atRiskInstant(calendar, PRIORITIES.urgent, opened, opened + HOUR, 1.5)).toThrow(RangeError);
    expect(() => atRiskInstant(calendar, PRIORITIES.urgent, opened, opened + HOUR, Number.NaN)).toThrow(
      RangeError,
    );
    expect(atRiskInstant(calendar, PRIORITIES["production-down"], opened, opened + 30 * MINUTE, 1)).toBe(
      opened + 30 * MINUTE,
    );
  });
});

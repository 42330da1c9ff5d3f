import { describe, expect, it } from "vitest";
import { createCalendar } from "../../src/domain/business-hours.js";
import { at, DEFAULT_SPEC, local } from "./calendar-fixtures.js";

const tz = "Europe/Brussels";
const calendar = createCalendar({
  ...DEFAULT_SPEC,
  holidays: ["2026-12-24"],
  holidayCalendar: { country: "BE" },
});
const show = (intervals: { start: number; end: number }[]) =>
  intervals.map((i) => `${local(i.start, tz)}/${local(i.end, tz)}`);

describe("businessIntervals", () => {
  it("lists the business time between two instants, clipped to them", () => {
    expect(
      show(calendar.businessIntervals(at("2026-11-27T16:30+01:00"), at("2026-12-01T12:00+01:00"))),
    ).toEqual([
      "2026-11-27T16:30+01:00/2026-11-27T17:00+01:00",
      "2026-11-30T09:00+01:00/2026-11-30T17:00+01:00",
      "2026-12-01T09:00+01:00/2026-12-01T12:00+01:00",
    ]);
  });

  it("leaves out holidays and is empty for an empty or reversed span", () => {
    expect(
      show(calendar.businessIntervals(at("2026-12-23T16:00+01:00"), at("2026-12-28T10:00+01:00"))),
    ).toEqual([
      "2026-12-23T16:00+01:00/2026-12-23T17:00+01:00",
      "2026-12-28T09:00+01:00/2026-12-28T10:00+01:00",
    ]);
    const t = at("2026-12-23T16:00+01:00");
    expect(calendar.businessIntervals(t, t)).toEqual([]);
    expect(calendar.businessIntervals(t, t - 1)).toEqual([]);
  });

  it("adds up to businessTimeBetween", () => {
    const from = at("2026-12-20T00:00+01:00");
    const to = at("2027-01-10T00:00+01:00");
    const sum = calendar.businessIntervals(from, to).reduce((total, i) => total + i.end - i.start, 0);
    expect(sum).toBe(calendar.businessTimeBetween(from, to));
  });
});

describe("closedDays", () => {
  it("explains each closed local date: weekend, explicit holiday, public holiday with its name", () => {
    expect(calendar.closedDays(at("2026-12-23T16:00+01:00"), at("2027-01-02T10:00+01:00"))).toEqual([
      { date: "2026-12-24", reason: "holiday" },
      { date: "2026-12-25", reason: "public-holiday", name: "Christmas Day" },
      { date: "2026-12-26", reason: "closed" },
      { date: "2026-12-27", reason: "closed" },
      { date: "2027-01-01", reason: "public-holiday", name: "New Year's Day" },
      { date: "2027-01-02", reason: "closed" },
    ]);
  });

  it("counts a date the span only touches after its local midnight", () => {
    // 23:30 UTC on Saturday is already Sunday in Brussels.
    expect(calendar.closedDays(at("2026-11-28T23:30:00Z"), at("2026-11-29T00:30:00Z"))).toEqual([
      { date: "2026-11-29", reason: "closed" },
    ]);
  });
});

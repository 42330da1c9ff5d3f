import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../../src/config/load.js";
import { buildReport } from "../../src/report/aggregate.js";
import type { ReportRow } from "../../src/report/types.js";
import {
  parseWeeklyMarker,
  renderWeeklyIssue,
  WEEKLY_MAX_BREACHES,
  weeklyMarker,
  weeklyReportDue,
  weekWindow,
} from "../../src/report/weekly.js";
import { NOW, SEED, toTracked } from "./seed.js";

const BRUSSELS = "Europe/Brussels";
const utc = (iso: string) => Date.parse(iso);

describe("weeklyReportDue", () => {
  it("is last week from Monday 09:00 local, until it has been posted", () => {
    const monday0900 = utc("2026-11-30T08:00:00Z"); // 09:00 CET
    expect(weeklyReportDue(null, monday0900, BRUSSELS)).toBe("2026-W48");
    expect(weeklyReportDue("2026-W47", monday0900, BRUSSELS)).toBe("2026-W48");
    expect(weeklyReportDue("2026-W48", monday0900, BRUSSELS)).toBeNull();
    expect(weeklyReportDue("2026-W48", utc("2026-12-06T22:59:00Z"), BRUSSELS)).toBeNull(); // Sun 23:59
  });

  it("before Monday 09:00 local it is still the week before (due since last Monday)", () => {
    const monday0859 = utc("2026-11-30T07:59:00Z");
    expect(weeklyReportDue("2026-W47", monday0859, BRUSSELS)).toBeNull();
    expect(weeklyReportDue("2026-W46", monday0859, BRUSSELS)).toBe("2026-W47");
  });

  it("reads Monday 09:00 in the policy's zone, not the host's", () => {
    const at = utc("2026-11-30T08:30:00Z"); // 09:30 in Brussels, 03:30 in New York
    expect(weeklyReportDue("2026-W47", at, BRUSSELS)).toBe("2026-W48");
    expect(weeklyReportDue("2026-W47", at, "America/New_York")).toBeNull();
  });

  it("names weeks by ISO week-numbering year across New Year", () => {
    // 2026 has 53 ISO weeks: Mon 28 Dec 2026 - Sun 3 Jan 2027 is 2026-W53.
    expect(weeklyReportDue("2026-W52", utc("2027-01-04T09:00:00Z"), BRUSSELS)).toBe("2026-W53");
    expect(weeklyReportDue("2026-W53", utc("2027-01-11T09:00:00Z"), BRUSSELS)).toBe("2027-W01");
  });
});

describe("weekWindow", () => {
  it("runs from Monday 00:00 to the next Monday 00:00 local", () => {
    expect(weekWindow("2026-W48", BRUSSELS)).toEqual({
      since: utc("2026-11-22T23:00:00Z"),
      until: utc("2026-11-29T23:00:00Z"),
    });
    // The week of the spring-forward change is an hour short.
    const dst = weekWindow("2026-W13", BRUSSELS);
    expect(dst).toEqual({ since: utc("2026-03-22T23:00:00Z"), until: utc("2026-03-29T22:00:00Z") });
  });

  it("rejects weeks that do not exist", () => {
    expect(weekWindow("2026-W53", BRUSSELS).since).toBe(utc("2026-12-27T23:00:00Z"));
    for (const bad of ["2025-W53", "2026-W00", "2026-W54", "2026-48", "last week"]) {
      expect(() => weekWindow(bad, BRUSSELS), bad).toThrow(/not an ISO week/);
    }
  });
});

describe("renderWeeklyIssue", () => {
  const policy = defaultPolicy();
  const rows = SEED.map((row) => toTracked(row) as ReportRow);
  const window = weekWindow("2026-W48", BRUSSELS);
  const report = buildReport(rows, { repo: "acme/app", ...window, now: NOW, policy });

  it("titles the issue with the week and its local dates", () => {
    expect(renderWeeklyIssue(report, "2026-W48").title).toBe(
      "SLA report acme/app: week 2026-W48 (23 Nov – 29 Nov 2026)",
    );
    expect(renderWeeklyIssue(report).title).toBe("SLA report acme/app: week 2026-W48 (23 Nov – 29 Nov 2026)");
  });

  it("carries the week's hidden marker and the markdown report one level down", () => {
    const { body } = renderWeeklyIssue(report, "2026-W48");
    expect(body.startsWith(weeklyMarker("2026-W48"))).toBe(true);
    expect(parseWeeklyMarker(body)).toBe("2026-W48");
    expect(parseWeeklyMarker("no marker here")).toBeNull();
    expect(body).toContain("## SLA report: acme/app");
    expect(body).toContain("### Totals by priority");
    expect(body).toContain(`--since ${report.window.since} --until ${report.window.until} --out DIR`);
    expect(body.length).toBeLessThan(65_536);
    expect(WEEKLY_MAX_BREACHES).toBeGreaterThan(0);
  });

  it("shows both years when the week spans New Year", () => {
    const newYear = buildReport(rows, {
      repo: "acme/app",
      ...weekWindow("2026-W53", BRUSSELS),
      now: NOW,
      policy,
    });
    expect(renderWeeklyIssue(newYear, "2026-W53").title).toBe(
      "SLA report acme/app: week 2026-W53 (28 Dec 2026 – 3 Jan 2027)",
    );
  });
});

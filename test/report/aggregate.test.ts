import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPolicy } from "../../src/config/load.js";
import { createCalendar } from "../../src/domain/business-hours.js";
import { computeDeadline } from "../../src/domain/deadline.js";
import { buildReport, nearestRank, outcomeOf } from "../../src/report/aggregate.js";
import { loadReportRows } from "../../src/report/query.js";
import type { ReportRow, ReportStats, SlaReport } from "../../src/report/types.js";
import { openStore, type Store } from "../../src/store/db.js";
import { HOUR, MIN, NOW, nov, SEED, seed } from "./seed.js";

const policy = defaultPolicy();
let store: Store;
let rows: ReportRow[];
let report: SlaReport;

beforeAll(async () => {
  store = await openStore("sqlite::memory:");
  await seed(store);
  rows = await loadReportRows(store, { repo: "Acme/App" });
  report = buildReport(rows, { repo: "acme/app", now: NOW, policy });
});
afterAll(() => store.close());

const cell = (priority: string, type: string) =>
  report.cells.find((c) => c.priority === priority && c.type === type)?.stats;
const total = (priority: string) => report.byPriority.find((p) => p.priority === priority)?.stats;

/** Counts and attainment of a stats block, for compact comparisons. */
const counts = (s: ReportStats | undefined) =>
  s && {
    issues: s.issues,
    met: s.met,
    breached: s.breached,
    breachedAnswered: s.breachedAnswered,
    breachedUnanswered: s.breachedUnanswered,
    running: s.running,
    cancelled: s.cancelled,
    attainment: s.attainment,
    answered: s.answered,
  };

describe("the seeded store", () => {
  it("has deadlines that agree with the default policy (the hand computations rest on them)", () => {
    const calendar = createCalendar(policy.calendar);
    for (const row of SEED) {
      const priority = policy.priorities.find((p) => p.key === row.priority);
      if (!priority) throw new Error(row.priority);
      expect([row.number, computeDeadline(calendar, priority, row.start)]).toEqual([
        row.number,
        row.deadline,
      ]);
      if (row.reply && priority.clock === "business") {
        expect(calendar.businessTimeBetween(row.start, row.reply.at)).toBe(row.reply.businessMs);
      }
    }
  });

  it("reads one repo's rows only, whatever the case of the name", () => {
    expect(rows.map((r) => r.number).sort((a, b) => a - b)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
  });
});

describe("buildReport: counts and attainment, unanswered issues included", () => {
  it("urgent × problem: 2 met, 1 answered late, 1 escalated without a reply", () => {
    expect(counts(cell("urgent", "problem"))).toEqual({
      issues: 4,
      met: 2,
      breached: 2,
      breachedAnswered: 1,
      breachedUnanswered: 1,
      running: 0,
      cancelled: 0,
      attainment: 0.5,
      answered: 3,
    });
  });

  it("urgent × guidance: a pending clock past its deadline is breached; pending and at-risk before it run", () => {
    expect(counts(cell("urgent", "guidance"))).toEqual({
      issues: 5,
      met: 1, // #9
      breached: 1, // #6, pending at 11:00 UTC deadline, NOW 12:00
      breachedAnswered: 0,
      breachedUnanswered: 1,
      running: 2, // #5 pending, #7 at risk
      cancelled: 1, // #8
      attainment: 0.5,
      answered: 1,
    });
  });

  it("normal: closed without a reply after the deadline is breached; attainment 0 with no met issue", () => {
    expect(counts(cell("normal", "problem"))).toMatchObject({ issues: 2, met: 1, breachedUnanswered: 1 });
    expect(counts(cell("normal", "guidance"))).toMatchObject({
      issues: 2,
      met: 0,
      breached: 1,
      breachedAnswered: 1,
      running: 1,
      attainment: 0,
    });
  });

  it("totals per priority and overall", () => {
    expect(counts(total("production-down"))).toMatchObject({
      issues: 2,
      met: 1,
      breached: 1,
      attainment: 0.5,
    });
    expect(counts(total("urgent"))).toEqual({
      issues: 9,
      met: 3,
      breached: 3,
      breachedAnswered: 1,
      breachedUnanswered: 2,
      running: 2,
      cancelled: 1,
      attainment: 0.5,
      answered: 4,
    });
    expect(counts(total("normal"))).toMatchObject({
      issues: 4,
      met: 1,
      breached: 2,
      running: 1,
      attainment: 1 / 3,
    });
    expect(counts(report.overall)).toEqual({
      issues: 15,
      met: 5,
      breached: 6,
      breachedAnswered: 3,
      breachedUnanswered: 3,
      running: 3,
      cancelled: 1,
      attainment: 5 / 11,
      answered: 8,
    });
  });

  it("keeps cells with issues only, in policy order; every priority has a total", () => {
    expect(report.cells.map((c) => `${c.priority}/${c.type}`)).toEqual([
      "production-down/problem",
      "urgent/guidance",
      "urgent/problem",
      "normal/guidance",
      "normal/problem",
    ]);
    expect(report.byPriority.map((p) => p.priority)).toEqual(["production-down", "urgent", "normal"]);
    expect(report.priorities.map((p) => [p.name, p.target])).toEqual([
      ["Production down", "30 min, 24/7"],
      ["Urgent", "1 h business time"],
      ["Normal", "next business day"],
    ]);
  });
});

describe("buildReport: response times (nearest-rank median and p90, answered issues only)", () => {
  it("urgent × problem: 20, 40, 150 min → median 40 min (rank 2), p90 150 min (rank 3)", () => {
    const s = cell("urgent", "problem");
    expect(s?.businessMs).toEqual({ median: 40 * MIN, p90: 150 * MIN });
    expect(s?.wallMs).toEqual({ median: 40 * MIN, p90: 150 * MIN });
  });

  it("business and wall time differ overnight: #9 took 45 business min, 16 h 45 min on the wall", () => {
    const s = cell("urgent", "guidance");
    expect(s?.businessMs).toEqual({ median: 45 * MIN, p90: 45 * MIN });
    expect(s?.wallMs).toEqual({ median: 16 * HOUR + 45 * MIN, p90: 16 * HOUR + 45 * MIN });
  });

  it("urgent: business 20, 40, 45, 150 → median rank 2 of 4 (the lower middle), p90 rank 4", () => {
    expect(total("urgent")?.businessMs).toEqual({ median: 40 * MIN, p90: 150 * MIN });
    expect(total("urgent")?.wallMs).toEqual({ median: 40 * MIN, p90: 16 * HOUR + 45 * MIN });
  });

  it("normal: 7 h and 10.5 business hours; 23 h and 90.5 h wall", () => {
    expect(total("normal")?.businessMs).toEqual({ median: 7 * HOUR, p90: 10.5 * HOUR });
    expect(total("normal")?.wallMs).toEqual({ median: 23 * HOUR, p90: 90.5 * HOUR });
  });

  it("overall over the 8 answered issues", () => {
    // business: 12, 20, 40, 45, 60, 150, 420, 630 min; wall: 12, 20, 40, 60, 150, 1005, 1380, 5430 min.
    expect(report.overall.businessMs).toEqual({ median: 45 * MIN, p90: 630 * MIN });
    expect(report.overall.wallMs).toEqual({ median: 60 * MIN, p90: 5430 * MIN });
  });

  it("the share of the target each reply used, on the priority's clock", () => {
    // production-down: 12/30, 60/30; urgent: 20/60, 40/60, 150/60, 45/60; normal: 7/14, 10.5/10.
    expect(total("production-down")?.ofTarget).toEqual({ median: 0.4, p90: 2 });
    expect(total("urgent")?.ofTarget.median).toBeCloseTo(2 / 3, 10);
    expect(total("normal")?.ofTarget).toEqual({ median: 0.5, p90: 1.05 });
  });

  it("nearestRank: the value at rank ⌈p·n/100⌉, no interpolation", () => {
    expect(nearestRank([], 50)).toBeNull();
    expect(nearestRank([5], 90)).toBe(5);
    expect(nearestRank([4, 1, 3, 2], 50)).toBe(2);
    expect(nearestRank([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(nearestRank([1, 2, 3, 4, 5], 90)).toBe(5);
    const thirty = Array.from({ length: 30 }, (_, i) => i + 1);
    expect(nearestRank(thirty, 90)).toBe(27); // rank exactly 27, not 28
  });
});

describe("buildReport: breaches", () => {
  it("lists every breach, earliest deadline first, with reply or 'none' and how overdue", () => {
    expect(
      report.breaches.map((b) => [b.number, b.kind, b.firstResponseAt !== null, b.overdueMs, b.ongoing]),
    ).toEqual([
      [12, "closed-unanswered", false, 17 * HOUR, false],
      [15, "answered-late", true, 30 * MIN, false],
      [3, "answered-late", true, 90 * MIN, false],
      [4, "escalated", false, 46 * HOUR, true],
      [11, "answered-late", true, 16.5 * HOUR, false],
      [6, "overdue", false, 1 * HOUR, true],
    ]);
    expect(report.breaches[1]).toMatchObject({
      repo: "acme/app",
      url: "https://github.com/acme/app/issues/15",
      priority: "production-down",
      type: "problem",
      deadlineAt: "2026-11-22T20:30:00.000Z",
      firstResponseAt: "2026-11-22T21:00:00.000Z",
      firstResponseBy: "engineer",
    });
  });
});

describe("buildReport: window, boundaries and unknown keys", () => {
  it("takes cycle starts in [since, until)", () => {
    const week = buildReport(rows, {
      repo: "acme/app",
      since: nov(23, 9),
      until: nov(25, 10),
      now: NOW,
      policy,
    });
    // #1 starts exactly at `since` (in), #6 exactly at `until` (out); #11, #12, #14, #15 before.
    expect(week.overall.issues).toBe(8); // 1, 2, 3, 4, 8, 9, 10, 13
    expect(week.cells.map((c) => c.priority)).not.toContain("production-down");
    expect(week.byPriority[0]).toMatchObject({
      priority: "production-down",
      stats: { issues: 0, attainment: null },
    });
    expect(week.window).toEqual({ since: "2026-11-23T09:00:00.000Z", until: "2026-11-25T10:00:00.000Z" });
  });

  it("a reply exactly at the deadline is on time; a running clock breaches strictly after it", () => {
    const base = rows.find((r) => r.number === 5) as ReportRow;
    const atDeadline = { ...base, state: "met" as const, first_response_at: base.deadline_at };
    expect(outcomeOf(atDeadline, NOW).outcome).toBe("met");
    expect(outcomeOf(base, base.deadline_at).outcome).toBe("running");
    expect(outcomeOf(base, base.deadline_at + 1)).toMatchObject({
      outcome: "breached",
      kind: "overdue",
      overdueMs: 1,
    });
  });

  it("decides by the facts: a reply recorded late is a breach even if the state says met", () => {
    const base = rows.find((r) => r.number === 1) as ReportRow;
    expect(outcomeOf({ ...base, first_response_late: 1 }, NOW).outcome).toBe("breached");
  });

  it("shows priorities and types missing from the policy after the configured ones", () => {
    const odd = { ...(rows[0] as ReportRow), number: 99, priority: "low", type: "billing" };
    const r = buildReport([...rows, odd], { repo: "acme/app", now: NOW, policy });
    expect(r.priorities.at(-1)).toMatchObject({ key: "low", name: "Low", inPolicy: false, targetMs: null });
    expect(r.types.at(-1)).toMatchObject({ key: "billing", inPolicy: false });
    expect(r.overall.issues).toBe(16);
  });

  it("an empty store gives zeros, null attainment and no breaches", () => {
    const empty = buildReport([], { repo: "acme/app", now: NOW, policy });
    expect(counts(empty.overall)).toMatchObject({ issues: 0, attainment: null, answered: 0 });
    expect(empty.overall.businessMs).toEqual({ median: null, p90: null });
    expect(empty.breaches).toEqual([]);
  });
});

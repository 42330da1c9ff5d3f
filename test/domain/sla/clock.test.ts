import { describe, expect, it } from "vitest";
import {
  decideDue,
  dueTransition,
  isRunning,
  nextDueAt,
  pagesAtStart,
  planCycle,
  type SlaRecord,
  type SlaState,
  startTracking,
} from "../../../src/domain/sla/clock.js";
import {
  at,
  calendar,
  FRIDAY_1630,
  MINUTE,
  priority,
  SECOND,
  seconds,
  show,
  urgentRow,
  WARN_AT,
} from "./fixtures.js";

describe("planCycle", () => {
  it.each([
    // 80 % of 1 business hour = 48 min: 30 on Friday, 18 on Monday.
    ["urgent", 0.8, "2026-11-30T09:30+01:00", "2026-11-30T09:18+01:00"],
    // 80 % of 8.5 business hours (Friday's last 30 min and Monday 09:00-17:00) = 6 h 48 min.
    ["normal", 0.8, "2026-11-30T17:00+01:00", "2026-11-30T15:18+01:00"],
    ["production-down", 0.8, "2026-11-27T17:00+01:00", "2026-11-27T16:54+01:00"],
    ["production-down", 0.5, "2026-11-27T17:00+01:00", "2026-11-27T16:45+01:00"],
  ] as const)("%s at warnAt %s from Friday 16:30: due %s, at risk %s", (key, warnAt, deadline, atRisk) => {
    const plan = planCycle(calendar, priority(key), FRIDAY_1630, warnAt);
    expect([show(plan.deadlineAt), show(plan.atRiskAt)]).toEqual([deadline, atRisk]);
  });

  it.each([
    [10, 0.8, 8 * SECOND],
    [1, 0.99, 990],
    [1, 0.01, 10],
    [10, 1, 10 * SECOND],
  ] as const)("a %ss calendar target at warnAt %s turns at risk after %s ms", (n, warnAt, riskMs) => {
    const plan = planCycle(calendar, seconds(n), FRIDAY_1630, warnAt);
    expect(plan).toEqual({ deadlineAt: FRIDAY_1630 + n * SECOND, atRiskAt: FRIDAY_1630 + riskMs });
  });

  it("counts a tiny business target in business time (Friday close to Monday opening)", () => {
    const start = at("2026-11-27T16:59:55+01:00");
    const plan = planCycle(calendar, { ...seconds(10), clock: "business" }, start, 0.8);
    expect(show(plan.deadlineAt)).toBe("2026-11-30T09:00:05.000+01:00");
    expect(show(plan.atRiskAt)).toBe("2026-11-30T09:00:03.000+01:00");
  });
});

describe("nextDueAt", () => {
  const atRiskAt = 1_000;
  const deadlineAt = 2_000;
  it.each([
    ["pending", atRiskAt, deadlineAt, atRiskAt],
    ["at-risk", atRiskAt, deadlineAt, deadlineAt],
    // A target too small to warn about: straight to the deadline.
    ["pending", deadlineAt, deadlineAt, deadlineAt],
    ["pending", deadlineAt + 5, deadlineAt, deadlineAt],
    ["breached", atRiskAt, deadlineAt, null],
    ["met", atRiskAt, deadlineAt, null],
    ["cancelled", atRiskAt, deadlineAt, null],
  ] as const)("%s with at-risk %s and deadline %s → %s", (state, risk, deadline, expected) => {
    expect(nextDueAt({ state, atRiskAt: risk, deadlineAt: deadline })).toBe(expected);
  });
});

describe("dueTransition", () => {
  const row = (state: SlaState, atRiskAt = 1_000, deadlineAt = 2_000) => ({ state, atRiskAt, deadlineAt });
  it.each([
    ["pending, before the at-risk instant", row("pending"), 999, null],
    ["pending, at the at-risk instant", row("pending"), 1_000, "at-risk"],
    ["pending, between at-risk and deadline", row("pending"), 1_500, "at-risk"],
    ["at-risk, before the deadline", row("at-risk"), 1_999, null],
    ["at-risk, at the deadline", row("at-risk"), 2_000, "breach"],
    // The process was down past the deadline: breach only, the at-risk warning is skipped.
    ["pending, past the deadline (downtime)", row("pending"), 9_000, "breach"],
    ["pending, at-risk instant equal to the deadline", row("pending", 2_000), 2_000, "breach"],
    ["pending, at-risk instant after the deadline", row("pending", 3_000), 2_000, "breach"],
    ["breached", row("breached"), 9_000, null],
    ["met", row("met"), 9_000, null],
    ["cancelled", row("cancelled"), 9_000, null],
  ] as const)("%s → %s", (_, r, now, expected) => {
    expect(dueTransition(r, now)).toBe(expected);
  });
});

describe("decideDue", () => {
  const urgent = priority("urgent");
  const normal = priority("normal");

  it("at risk: adds the label and tells Slack, never pages or comments", () => {
    const decision = decideDue(urgentRow(), at("2026-11-30T09:18+01:00"), urgent);
    expect(decision).toEqual({
      transition: "at-risk",
      patch: { state: "at-risk", nextDueAt: at("2026-11-30T09:30+01:00"), paged: false },
      addAtRiskLabel: true,
      addBreachedLabel: false,
      removeAtRiskLabel: false,
      postBreachComment: false,
      notifySlack: true,
      triggerPage: false,
    });
  });

  it("breach after at risk: replaces the at-risk label, comments, tells Slack, pages a paging priority", () => {
    const decision = decideDue(urgentRow({ state: "at-risk" }), at("2026-11-30T09:30+01:00"), urgent);
    expect(decision).toEqual({
      transition: "breach",
      patch: { state: "breached", nextDueAt: null, paged: true },
      addAtRiskLabel: false,
      addBreachedLabel: true,
      removeAtRiskLabel: true,
      postBreachComment: true,
      notifySlack: true,
      triggerPage: true,
    });
  });

  it("breach straight from pending after downtime: no at-risk label added or removed", () => {
    const decision = decideDue(urgentRow(), at("2026-11-30T14:00+01:00"), normal);
    expect(decision).toMatchObject({
      transition: "breach",
      addAtRiskLabel: false,
      removeAtRiskLabel: false,
      postBreachComment: true,
      triggerPage: false,
      patch: { state: "breached", paged: false },
    });
  });

  it("does not page again when the cycle already paged (Production down pages at intake)", () => {
    const decision = decideDue(
      urgentRow({ state: "at-risk", paged: true }),
      at("2026-11-30T09:30+01:00"),
      priority("production-down"),
    );
    expect(decision).toMatchObject({ triggerPage: false, patch: { paged: true } });
  });

  it("returns null when nothing is due or the row is terminal", () => {
    expect(decideDue(urgentRow(), at("2026-11-30T09:17+01:00"), urgent)).toBeNull();
    expect(decideDue(urgentRow({ state: "met" }), at("2026-12-30T09:17+01:00"), urgent)).toBeNull();
  });
});

describe("startTracking", () => {
  it("stores cycle 1 from the creation time, pending, due at the at-risk instant", () => {
    const { record, triggerPage } = startTracking(calendar, priority("urgent"), FRIDAY_1630, WARN_AT);
    expect(record).toEqual(urgentRow());
    expect(triggerPage).toBe(false);
  });

  it.each([
    ["production-down", true],
    ["urgent", false],
    ["normal", false],
  ] as const)("%s pages at intake: %s", (key, pages) => {
    expect(startTracking(calendar, priority(key), FRIDAY_1630, WARN_AT).triggerPage).toBe(pages);
    expect(pagesAtStart(priority(key))).toBe(pages);
  });
});

describe("a whole cycle, driven the way the scheduler drives it", () => {
  /** Applies decideDue at every due instant until the row is terminal; returns what happened. */
  function drive(row: SlaRecord, page: boolean, until: number) {
    const log: Array<{ due: number; transition: string }> = [];
    let current = row;
    for (let due = nextDueAt(current); due !== null && due <= until; due = nextDueAt(current)) {
      const decision = decideDue(current, due, { page });
      if (!decision) throw new Error(`nothing due at ${show(due)}`);
      log.push({ due, transition: decision.transition });
      current = { ...current, ...decision.patch };
    }
    return { log, row: current };
  }

  it("urgent from Friday 16:30: at risk Monday 09:18, breached Monday 09:30", () => {
    const { log, row } = drive(urgentRow(), true, at("2026-12-31T00:00Z"));
    expect(log.map((e) => `${show(e.due)} ${e.transition}`)).toEqual([
      "2026-11-30T09:18+01:00 at-risk",
      "2026-11-30T09:30+01:00 breach",
    ]);
    expect(row).toMatchObject({ state: "breached", nextDueAt: null, paged: true });
  });

  it.each([
    [10, 0.8, ["+8s at-risk", "+10s breach"]],
    [1, 0.99, ["+0.99s at-risk", "+1s breach"]],
    [10, 1, ["+10s breach"]],
  ] as const)("a %ss calendar target at warnAt %s", (n, warnAt, expected) => {
    const { record } = startTracking(calendar, seconds(n), FRIDAY_1630, warnAt);
    const { log } = drive(record, false, FRIDAY_1630 + 60 * MINUTE);
    expect(log.map((e) => `+${(e.due - FRIDAY_1630) / SECOND}s ${e.transition}`)).toEqual(expected);
  });

  it("the original row is never mutated", () => {
    const row = urgentRow();
    const frozen = Object.freeze({ ...row });
    drive(frozen, true, at("2026-12-31T00:00Z"));
    expect(frozen).toEqual(row);
  });
});

describe("isRunning", () => {
  it.each([
    ["pending", true],
    ["at-risk", true],
    ["breached", false],
    ["met", false],
    ["cancelled", false],
  ] as const)("%s → %s", (state, running) => {
    expect(isRunning(state)).toBe(running);
  });
});

import { describe, expect, it } from "vitest";
import { pagesAtStart } from "../../../src/domain/timers/ladder.js";
import { decideDue, levelInstants, type Timer } from "../../../src/domain/timers/timer.js";
import { at, calendar, FRIDAY_1630, MINUTE, priority, SECOND, seconds, show } from "../sla/fixtures.js";
import {
  AT_RISK_AT,
  AT_RISK_LABEL,
  BREACHED_LABEL,
  DEADLINE,
  firstResponse,
  ladderOf,
  urgentTimer,
} from "./first-response-fixtures.js";

/*
 * The first response on the default ladder, as users see it: when an issue turns at risk and
 * when it is due (on the business or the calendar clock), and what each escalation does (labels,
 * the breach comment, Slack, the page). Worked out by hand on the default calendar (Brussels,
 * Mon–Fri 09:00–17:00) from Friday 27 November 2026 at 16:30. That these are the instants and
 * effects of the clock before timers, for any calendar and target, is default-ladder.test.ts.
 */

const none = new Set<string>();
const urgent = priority("urgent");

describe("planning: the deadline and the at-risk instant", () => {
  it.each([
    // 80 % of 1 business hour = 48 min: 30 on Friday, 18 on Monday.
    ["urgent", 0.8, "2026-11-30T09:30+01:00", "2026-11-30T09:18+01:00"],
    // 80 % of 8.5 business hours (Friday's last 30 min and Monday 09:00-17:00) = 6 h 48 min.
    ["normal", 0.8, "2026-11-30T17:00+01:00", "2026-11-30T15:18+01:00"],
    ["production-down", 0.8, "2026-11-27T17:00+01:00", "2026-11-27T16:54+01:00"],
    ["production-down", 0.5, "2026-11-27T17:00+01:00", "2026-11-27T16:45+01:00"],
  ] as const)("%s at warn_at %s from Friday 16:30: due %s, at risk %s", (key, warnAt, deadline, atRisk) => {
    const timer = firstResponse(priority(key), FRIDAY_1630, warnAt);
    expect([show(timer.deadlineAt), show(timer.nextDueAt)]).toEqual([deadline, atRisk]);
    expect(timer).toMatchObject({ state: "pending", cycle: 1, startedAt: FRIDAY_1630, level: 0 });
  });

  it.each([
    [10, 0.8, 8 * SECOND],
    [1, 0.99, 990],
    [1, 0.01, 10],
    [10, 1, 10 * SECOND],
  ] as const)("a %ss calendar target at warn_at %s turns at risk after %s ms", (n, warnAt, riskMs) => {
    const timer = firstResponse(seconds(n), FRIDAY_1630, warnAt);
    expect(timer.deadlineAt).toBe(FRIDAY_1630 + n * SECOND);
    expect(levelInstants(timer, calendar, ladderOf(seconds(n), warnAt))).toEqual([
      FRIDAY_1630 + riskMs,
      FRIDAY_1630 + n * SECOND,
    ]);
  });

  it("counts a tiny business target in business time (Friday close to Monday opening)", () => {
    const start = at("2026-11-27T16:59:55+01:00");
    const timer = firstResponse({ ...seconds(10), clock: "business" }, start, 0.8);
    expect(show(timer.deadlineAt)).toBe("2026-11-30T09:00:05.000+01:00");
    expect(show(timer.nextDueAt)).toBe("2026-11-30T09:00:03.000+01:00");
  });

  it.each([
    ["production-down", true],
    ["urgent", false], // pages on a breach, not at intake: its clock is the business clock
    ["normal", false],
  ] as const)("%s pages on-call at intake: %s", (key, pages) => {
    expect(pagesAtStart(priority(key))).toBe(pages);
  });
});

describe("what falls due", () => {
  const due = (timer: Timer, now: number, p = urgent, paged?: boolean) =>
    decideDue(timer, now, calendar, ladderOf(p), none, paged === undefined ? {} : { paged });

  it.each([
    ["pending, before the at-risk instant", "pending", AT_RISK_AT - 1, null],
    ["pending, at the at-risk instant", "pending", AT_RISK_AT, "at-risk"],
    ["pending, between at-risk and deadline", "pending", AT_RISK_AT + 5 * MINUTE, "at-risk"],
    ["at-risk, before the deadline", "at-risk", DEADLINE - 1, null],
    ["at-risk, at the deadline", "at-risk", DEADLINE, "breach"],
    // The process was down past the deadline: breach only, the at-risk warning is skipped.
    ["pending, past the deadline (downtime)", "pending", DEADLINE + 3 * 3_600_000, "breach"],
    ["breached", "breached", DEADLINE + 99 * 3_600_000, null],
    ["met", "met", DEADLINE + 99 * 3_600_000, null],
    ["cancelled", "cancelled", DEADLINE + 99 * 3_600_000, null],
  ] as const)("%s → %s", (_, state, now, expected) => {
    expect(due(urgentTimer(state), now)?.firing.transition ?? null).toBe(expected);
  });

  it("a target too small to warn about (warn_at 100 %) goes straight to the breach", () => {
    const timer = firstResponse(seconds(10), FRIDAY_1630, 1);
    expect(timer.nextDueAt).toBe(FRIDAY_1630 + 10 * SECOND);
    const decision = decideDue(timer, FRIDAY_1630 + 10 * SECOND, calendar, ladderOf(seconds(10), 1), none);
    expect(decision?.firing.transition).toBe("breach");
  });

  it("at risk: adds the label and tells Slack, never pages or comments", () => {
    const decision = due(urgentTimer(), AT_RISK_AT);
    expect(decision?.firing.effects).toEqual([
      { kind: "add-label", label: AT_RISK_LABEL },
      { kind: "slack" },
    ]);
    expect(decision?.patch).toMatchObject({ state: "at-risk", nextDueAt: DEADLINE, paged: false });
  });

  it("breach after at risk: replaces the at-risk label, comments, tells Slack, pages a paging priority", () => {
    const decision = due(urgentTimer("at-risk"), DEADLINE);
    expect(decision?.firing.transition).toBe("breach");
    expect(decision?.firing.effects).toEqual([
      { kind: "add-label", label: BREACHED_LABEL },
      { kind: "remove-label", label: AT_RISK_LABEL },
      { kind: "comment", mention: [], mentionAssignees: false },
      { kind: "slack" },
      { kind: "page" },
    ]);
    expect(decision?.patch).toMatchObject({
      state: "breached",
      nextDueAt: null,
      paged: true,
      breachedAt: DEADLINE,
    });
  });

  it("breach straight from pending after downtime: no at-risk label added or removed, no page for Normal", () => {
    const normal = priority("normal");
    const decision = due(urgentTimer(), at("2026-11-30T14:00+01:00"), normal);
    expect(decision?.firing.transition).toBe("breach");
    expect(decision?.firing.effects).toEqual([
      { kind: "add-label", label: BREACHED_LABEL },
      { kind: "comment", mention: [], mentionAssignees: false },
      { kind: "slack" },
    ]);
    expect(decision?.patch).toMatchObject({ state: "breached", paged: false });
  });

  it("does not page again when the cycle already paged (Production down pages at intake)", () => {
    const decision = due(urgentTimer("at-risk"), DEADLINE, priority("production-down"), true);
    expect(decision?.firing.effects.map((e) => e.kind)).not.toContain("page");
    expect(decision?.patch.paged).toBe(true);
  });
});

describe("a whole cycle, driven the way the scheduler drives it", () => {
  /** Applies what falls due at every `nextDueAt` until nothing is left; returns what happened. */
  function drive(start: Timer, p: ReturnType<typeof priority>, until: number, warnAt?: number) {
    const ladder = ladderOf(p, warnAt);
    const log: Array<{ due: number; transition: string }> = [];
    let current = start;
    for (let next = current.nextDueAt; next !== null && next <= until; next = current.nextDueAt) {
      const decision = decideDue(current, next, calendar, ladder, none);
      if (!decision) throw new Error(`nothing due at ${show(next)}`);
      log.push({ due: next, transition: decision.firing.transition });
      current = { ...current, ...decision.patch };
    }
    return { log, timer: current };
  }

  it("urgent from Friday 16:30: at risk Monday 09:18, breached Monday 09:30, then quiet", () => {
    const { log, timer } = drive(urgentTimer(), urgent, at("2026-12-31T00:00Z"));
    expect(log.map((e) => `${show(e.due)} ${e.transition}`)).toEqual([
      "2026-11-30T09:18+01:00 at-risk",
      "2026-11-30T09:30+01:00 breach",
    ]);
    expect(timer).toMatchObject({ state: "breached", nextDueAt: null, paged: true });
  });

  it.each([
    [10, 0.8, ["+8s at-risk", "+10s breach"]],
    [1, 0.99, ["+0.99s at-risk", "+1s breach"]],
    [10, 1, ["+10s breach"]],
  ] as const)("a %ss calendar target at warn_at %s", (n, warnAt, expected) => {
    const { log } = drive(
      firstResponse(seconds(n), FRIDAY_1630, warnAt),
      seconds(n),
      FRIDAY_1630 + 60 * MINUTE,
      warnAt,
    );
    expect(log.map((e) => `+${(e.due - FRIDAY_1630) / SECOND}s ${e.transition}`)).toEqual(expected);
  });

  it("the timer it starts from is never mutated", () => {
    const timer = urgentTimer();
    const frozen = Object.freeze({ ...timer });
    drive(frozen, urgent, at("2026-12-31T00:00Z"));
    expect(frozen).toEqual(timer);
  });
});

import type { PriorityPolicy } from "../../../src/domain/policy.js";
import { ladderFor } from "../../../src/domain/timers/ladder.js";
import { startTimer, type Timer } from "../../../src/domain/timers/timer.js";
import { at, calendar, FRIDAY_1630, policy, priority, WARN_AT } from "../sla/fixtures.js";

/*
 * The first-response timer of an urgent issue opened on Friday 27 November 2026 at 16:30 in
 * Brussels (default policy: Mon–Fri 09:00–17:00, urgent = 1 business hour, warn at 80 %): at risk
 * Monday 09:18, due Monday 09:30.
 */

export const AT_RISK_LABEL = policy.labels.atRisk;
export const BREACHED_LABEL = policy.labels.breached;
/** Monday 30 November 2026, 09:30 in Brussels: the urgent issue's deadline. */
export const DEADLINE = at("2026-11-30T09:30+01:00");
/** Monday 30 November 2026, 09:18 in Brussels: 80 % of its business hour. */
export const AT_RISK_AT = at("2026-11-30T09:18+01:00");

/** The first-response ladder of `p` (the default ladder) with `escalation.warn_at` = `warnAt`. */
export function ladderOf(p: PriorityPolicy, warnAt = WARN_AT) {
  return ladderFor({ ...policy, escalation: { ...policy.escalation, warnAt } }, p, "first_response");
}

/** A first-response timer of `p` started at `start`, as intake plans it. */
export function firstResponse(p: PriorityPolicy, start: number, warnAt = WARN_AT, cycle = 1): Timer {
  return startTimer(
    { metric: "first_response", cycle, clock: p.clock, target: p.response },
    start,
    calendar,
    ladderOf(p, warnAt),
  );
}

/**
 * Cycle 1 of the urgent issue opened Friday 16:30, in `state` as the scheduler and the handlers
 * leave it (at risk: its `at-risk` level fired; breached: its `breach` level fired at the
 * deadline; met: answered Monday 09:10 by Engineer-Eva; cancelled: closed), fields overridable.
 */
export function urgentTimer(state: Timer["state"] = "pending", overrides: Partial<Timer> = {}): Timer {
  const pending = firstResponse(priority("urgent"), FRIDAY_1630);
  const byState: Record<Timer["state"], Partial<Timer>> = {
    pending: {},
    "at-risk": { state: "at-risk", level: 1, firings: 1, nextDueAt: DEADLINE },
    breached: { state: "breached", level: 2, firings: 1, nextDueAt: null, breachedAt: DEADLINE },
    met: {
      state: "met",
      nextDueAt: null,
      metAt: at("2026-11-30T09:10+01:00"),
      metBy: "Engineer-Eva",
      countedMs: 40 * 60_000,
    },
    cancelled: { state: "cancelled", nextDueAt: null },
  };
  return { ...pending, ...byState[state], ...overrides };
}

import type { BusinessCalendar } from "../../../src/domain/business-hours.js";
import { atRiskInstant, computeDeadline, type DeadlineRule } from "../../../src/domain/deadline.js";
import type { PriorityPolicy, SlaTarget } from "../../../src/domain/policy.js";

/*
 * THE BEHAVIOUR BEFORE TIMERS: a reference for tests, not app code. Nothing in src/ imports it.
 *
 * Until issue 12 the app ran the first response on this state machine (src/domain/sla/clock.ts,
 * last at commit 844d330); since then the first response is a timer on the default ladder
 * (src/domain/timers/timer.ts, ladder.ts, lifecycle.ts). Issue 12 requires that the default ladder
 * reproduce this behaviour exactly, so test/domain/timers/default-ladder.test.ts checks the timer
 * model against the functions below for random calendars, starts, targets and priorities: the
 * deadline and at-risk instant (`planCycle`), what falls due and its effects (`decideDue`), and
 * the team reply's decision (`onTeamResponse`). They are kept as they were, so that a change of
 * the timer model that users would notice fails that comparison. Do not "fix" them to match the
 * timers. The machine's close, reopen and re-plan decisions were not carried over: the timers'
 * are tested on their own (test/domain/timers/first-response-events.test.ts, lifecycle.test.ts).
 *
 *   pending ──warnAt of the target──▶ at-risk ──deadline──▶ breached
 *      │  └───────────deadline (at-risk skipped)──────────────▲
 *      ├──team reply──▶ met          (a reply after the deadline: breached, late)
 *      └──closed──────▶ cancelled    (reopened without a reply: a new cycle, pending)
 *
 * Instants are epoch milliseconds (UTC). Inputs are never mutated; no function reads the clock.
 */

export type SlaState = "pending" | "at-risk" | "breached" | "met" | "cancelled";

/** The clock is running: no team reply yet and the issue is not closed. */
export function isRunning(state: SlaState): state is "pending" | "at-risk" {
  return state === "pending" || state === "at-risk";
}

/** One tracked issue's first-response clock, as the row stored it. */
export interface SlaRecord {
  priority: string;
  state: SlaState;
  /** 1 for the cycle started by the creation; +1 per reopening without a reply. */
  cycle: number;
  /** Creation time for cycle 1, the reopening time after. */
  cycleStartAt: number;
  deadlineAt: number;
  atRiskAt: number;
  /** When the scheduler had to look at the row next; null in a terminal state. */
  nextDueAt: number | null;
  firstResponseAt: number | null;
  /** Login of the first team responder, as GitHub spells it. */
  firstResponseBy: string | null;
  /** Cycle start to first response on the priority's clock: business ms, or elapsed ms on the calendar clock. */
  businessMs: number | null;
  /** The first response came after the deadline. */
  late: boolean;
  /** A PagerDuty incident was triggered in this cycle and not resolved yet. */
  paged: boolean;
  /** The target the deadline was planned for; null when not recorded. */
  target: SlaTarget | null;
}

export type DueTransition = "at-risk" | "breach";

export interface CyclePlan {
  deadlineAt: number;
  atRiskAt: number;
}

/** The deadline and at-risk instant of a cycle starting at `cycleStartMs`. atRiskAt ≤ deadlineAt. */
export function planCycle(
  calendar: BusinessCalendar,
  priority: DeadlineRule,
  cycleStartMs: number,
  warnAt: number,
): CyclePlan {
  const deadlineAt = computeDeadline(calendar, priority, cycleStartMs);
  const atRiskAt = Math.min(atRiskInstant(calendar, priority, cycleStartMs, deadlineAt, warnAt), deadlineAt);
  return { deadlineAt, atRiskAt };
}

type DueRow = Pick<SlaRecord, "state" | "atRiskAt" | "deadlineAt">;

/**
 * What the scheduler had to do with a claimed row at `now`. Breach wins when both are due: a
 * process that was down past the deadline escalated the breach only, never an at-risk warning
 * about a deadline already passed.
 */
export function dueTransition(row: DueRow, now: number): DueTransition | null {
  if (!isRunning(row.state)) return null;
  if (now >= row.deadlineAt) return "breach";
  if (row.state === "pending" && now >= row.atRiskAt) return "at-risk";
  return null;
}

export interface DueDecision {
  transition: DueTransition;
  patch: Pick<SlaRecord, "state" | "nextDueAt" | "paged">;
  addAtRiskLabel: boolean;
  addBreachedLabel: boolean;
  /** A breach replaces the at-risk label rather than adding to it. */
  removeAtRiskLabel: boolean;
  postBreachComment: boolean;
  notifySlack: boolean;
  /** The priority pages on a breach and no incident is open for this cycle yet. */
  triggerPage: boolean;
}

/** The transition due at `now` with its fields and effects, or null when nothing is due. */
export function decideDue(
  row: DueRow & Pick<SlaRecord, "paged">,
  now: number,
  priority: Pick<PriorityPolicy, "page">,
): DueDecision | null {
  const transition = dueTransition(row, now);
  if (transition === null) return null;
  if (transition === "at-risk") {
    return {
      transition,
      patch: { state: "at-risk", nextDueAt: row.deadlineAt, paged: row.paged },
      addAtRiskLabel: true,
      addBreachedLabel: false,
      removeAtRiskLabel: false,
      postBreachComment: false,
      notifySlack: true,
      triggerPage: false,
    };
  }
  const triggerPage = priority.page && !row.paged;
  return {
    transition,
    patch: { state: "breached", nextDueAt: null, paged: row.paged || triggerPage },
    addAtRiskLabel: false,
    addBreachedLabel: true,
    removeAtRiskLabel: row.state === "at-risk",
    postBreachComment: true,
    notifySlack: true,
    triggerPage,
  };
}

type ResponseRow = Pick<SlaRecord, "state" | "cycleStartAt" | "deadlineAt" | "firstResponseAt" | "paged">;

export type ResponseDecision =
  | { record: false; reason: string }
  | {
      record: true;
      reason: string;
      patch: Pick<
        SlaRecord,
        "state" | "firstResponseAt" | "firstResponseBy" | "businessMs" | "late" | "nextDueAt"
      >;
      late: boolean;
      removeAtRiskLabel: boolean;
      /** A late reply the scheduler had not escalated yet: breached without the escalation. */
      addBreachedLabel: boolean;
      /** Escalated as breached but the reply was on time after all (a race): undo the label. */
      removeBreachedLabel: boolean;
      /** An incident is open for this cycle: the reply acknowledges it. */
      acknowledgePage: boolean;
    };

/**
 * A team reply at `at` by `by`. Only the first reply of a cycle counted. Late meant strictly
 * after the deadline; the state followed the facts: late → breached, on time → met.
 */
export function onTeamResponse(
  row: ResponseRow,
  at: number,
  by: string,
  calendar: BusinessCalendar,
  priority: Pick<PriorityPolicy, "clock">,
): ResponseDecision {
  if (row.firstResponseAt !== null)
    return { record: false, reason: "this cycle already has its first response" };
  if (row.state === "met") return { record: false, reason: "this cycle is already met" };
  if (row.state === "cancelled") return { record: false, reason: "the issue was closed before any reply" };
  if (at < row.cycleStartAt) return { record: false, reason: "the reply predates the current cycle" };
  const late = at > row.deadlineAt;
  const businessMs =
    priority.clock === "business"
      ? calendar.businessTimeBetween(row.cycleStartAt, at)
      : at - row.cycleStartAt;
  return {
    record: true,
    reason: late ? "first response, after the deadline" : "first response, on time",
    patch: {
      state: late ? "breached" : "met",
      firstResponseAt: at,
      firstResponseBy: by,
      businessMs,
      late,
      nextDueAt: null,
    },
    late,
    removeAtRiskLabel: row.state === "at-risk",
    addBreachedLabel: late && row.state !== "breached",
    removeBreachedLabel: !late && row.state === "breached",
    acknowledgePage: row.paged,
  };
}

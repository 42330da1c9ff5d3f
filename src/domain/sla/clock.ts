import type { BusinessCalendar } from "../business-hours.js";
import { atRiskInstant, computeDeadline, type DeadlineRule } from "../deadline.js";
import type { PriorityPolicy } from "../policy.js";

/**
 * The first-response clock of one issue as a pure state machine (PRODUCT.md, "Lifecycle of one
 * issue"; issue 4). Every function takes the tracked row (or the part of it it reads) and the
 * instants as arguments and returns a decision: the fields to write (`patch`, null when nothing
 * changes) and the effects to apply. Inputs are never mutated; no function reads the clock.
 *
 *   pending ──warnAt of the target──▶ at-risk ──deadline──▶ breached
 *      │  └───────────deadline (at-risk skipped)──────────────▲
 *      ├──team reply──▶ met          (a reply after the deadline: breached, late)
 *      └──closed──────▶ cancelled    (reopened without a reply: a new cycle, pending)
 *
 * A cycle is one run of the clock: cycle 1 starts at the creation, and each reopening of
 * an issue that never got a team reply starts the next one at the reopening.
 */

export type SlaState = "pending" | "at-risk" | "breached" | "met" | "cancelled";

export const SLA_STATES: readonly SlaState[] = ["pending", "at-risk", "breached", "met", "cancelled"];

/** The clock is running: no team reply yet and the issue is not closed. */
export function isRunning(state: SlaState): state is "pending" | "at-risk" {
  return state === "pending" || state === "at-risk";
}

/** What the clock needs from a priority. */
export type ClockPriority = Pick<PriorityPolicy, "key" | "response" | "clock" | "page">;

/** One tracked issue's clock. Instants are epoch milliseconds (UTC). */
export interface SlaRecord {
  priority: string;
  state: SlaState;
  /** 1 for the cycle started by the creation; +1 per reopening without a reply. */
  cycle: number;
  /** Creation time for cycle 1, the reopening time after. */
  cycleStartAt: number;
  deadlineAt: number;
  atRiskAt: number;
  /** When the scheduler must look at the row next; null in a terminal state. */
  nextDueAt: number | null;
  firstResponseAt: number | null;
  /** Login of the first team responder, as GitHub spells it. */
  firstResponseBy: string | null;
  /**
   * Time from the cycle start to the first response on the priority's clock: business ms on the
   * business clock, elapsed ms on the calendar clock. Wall time is firstResponseAt - cycleStartAt.
   */
  businessMs: number | null;
  /** The first response came after the deadline. */
  late: boolean;
  /** A PagerDuty incident was triggered in this cycle and not resolved yet. */
  paged: boolean;
  /**
   * The target the deadline was planned for (the priority's response and clock at the time);
   * null when it was not recorded (rows planned by a release before the store kept it).
   */
  target: SlaTarget | null;
}

/** What a deadline was planned for: a priority's first-response target and its clock. */
export type SlaTarget = Pick<PriorityPolicy, "response" | "clock">;

/** The target of `priority`, as recorded with the deadline planned for it. */
export function targetOf(priority: Pick<PriorityPolicy, "response" | "clock">): SlaTarget {
  return { response: { ...priority.response }, clock: priority.clock };
}

const sameTarget = (a: SlaTarget | null, b: SlaTarget | null) => JSON.stringify(a) === JSON.stringify(b);

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

/** Whether a priority pages on-call as soon as a cycle starts (Production down by default). */
export function pagesAtStart(priority: Pick<PriorityPolicy, "page" | "clock">): boolean {
  return priority.page && priority.clock === "calendar";
}

export interface TrackingStart {
  record: SlaRecord;
  /** Page on-call now: the priority pages at intake. */
  triggerPage: boolean;
}

/**
 * The row stored at intake. Its nextDueAt may already be past (an issue tracked late, after the
 * app was down): the scheduler then claims it at once.
 */
export function startTracking(
  calendar: BusinessCalendar,
  priority: ClockPriority,
  createdAt: number,
  warnAt: number,
): TrackingStart {
  const plan = planCycle(calendar, priority, createdAt, warnAt);
  const record: SlaRecord = {
    priority: priority.key,
    state: "pending",
    cycle: 1,
    cycleStartAt: createdAt,
    ...plan,
    nextDueAt: nextDueAt({ state: "pending", ...plan }),
    firstResponseAt: null,
    firstResponseBy: null,
    businessMs: null,
    late: false,
    paged: false,
    target: targetOf(priority),
  };
  return { record, triggerPage: pagesAtStart(priority) };
}

type DueRow = Pick<SlaRecord, "state" | "atRiskAt" | "deadlineAt">;

/**
 * When the scheduler must act next: the at-risk instant while pending (the deadline when the
 * at-risk instant is not before it: a target too small to warn about goes straight to breach),
 * the deadline while at risk; null once terminal.
 */
export function nextDueAt(row: DueRow): number | null {
  switch (row.state) {
    case "pending":
      return Math.min(row.atRiskAt, row.deadlineAt);
    case "at-risk":
      return row.deadlineAt;
    default:
      return null;
  }
}

/**
 * What the scheduler must do with a claimed row at `now`. Breach wins when both are due: a
 * process that was down past the deadline escalates the breach only, and never sends an at-risk
 * warning about a deadline that has already passed (the breach comment says all the warning would).
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
      /**
       * A reply after the deadline that the scheduler had not escalated yet: the row becomes
       * breached (the target was missed) without the escalation (someone has answered).
       */
      addBreachedLabel: boolean;
      /** The row was escalated as breached but the reply was on time after all (a race): undo the label. */
      removeBreachedLabel: boolean;
      /** An incident is open for this cycle: the reply acknowledges it (closing resolves it). */
      acknowledgePage: boolean;
    };

/**
 * A team reply (already accepted by `isTeamResponse`) at `at` by `by`. Only the first reply of a
 * cycle counts. Late means strictly after the deadline: a reply at the deadline is on time. The
 * state follows the facts rather than what the scheduler managed to do: late → breached, on time
 * → met, even when the row was escalated a moment before the reply was seen.
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

type CloseRow = Pick<SlaRecord, "state" | "cycleStartAt" | "paged">;

export interface CloseDecision {
  reason: string;
  patch: Partial<Pick<SlaRecord, "state" | "nextDueAt" | "paged">> | null;
  removeAtRiskLabel: boolean;
  resolvePage: boolean;
}

/**
 * The issue was closed at `at`. A running clock is cancelled (closed before any team reply); a
 * met or breached cycle keeps its state. An open incident is resolved either way. A close older
 * than the current cycle (delivered after the reopening that started it) changes nothing.
 */
export function onClose(row: CloseRow, at: number): CloseDecision {
  const none = { patch: null, removeAtRiskLabel: false, resolvePage: false };
  if (at < row.cycleStartAt) return { reason: "the close predates the current cycle", ...none };
  if (isRunning(row.state)) {
    return {
      reason: "closed before any team reply",
      patch: { state: "cancelled", nextDueAt: null, paged: false },
      removeAtRiskLabel: row.state === "at-risk",
      resolvePage: row.paged,
    };
  }
  if (row.paged) {
    return {
      reason: `closed (${row.state})`,
      patch: { paged: false },
      removeAtRiskLabel: false,
      resolvePage: true,
    };
  }
  return { reason: `closed (${row.state}): nothing to do`, ...none };
}

type ReopenRow = Pick<SlaRecord, "state" | "cycle" | "cycleStartAt" | "firstResponseAt" | "paged">;

export type ReopenDecision =
  | { newCycle: false; reason: string }
  | {
      newCycle: true;
      reason: string;
      patch: Omit<SlaRecord, "priority">;
      removeAtRiskLabel: boolean;
      /** The breach belonged to the previous cycle. */
      removeBreachedLabel: boolean;
      triggerPage: boolean;
    };

/**
 * The issue was reopened at `at`. Without a team reply in the current cycle a new cycle starts
 * at `at` (with the current priority); with one, the record stays as it is. A reopening not
 * after the current cycle's start is the one that started it (a duplicate) or an older one.
 */
export function onReopen(
  row: ReopenRow,
  at: number,
  calendar: BusinessCalendar,
  priority: Pick<PriorityPolicy, "response" | "clock" | "page">,
  warnAt: number,
): ReopenDecision {
  if (row.firstResponseAt !== null || row.state === "met")
    return { newCycle: false, reason: "the team already replied in this cycle" };
  if (at <= row.cycleStartAt)
    return { newCycle: false, reason: "the current cycle started at or after this reopening" };
  const plan = planCycle(calendar, priority, at, warnAt);
  const triggerPage = pagesAtStart(priority) && !row.paged;
  return {
    newCycle: true,
    reason: `reopened without a team reply: cycle ${row.cycle + 1}`,
    patch: {
      state: "pending",
      cycle: row.cycle + 1,
      cycleStartAt: at,
      ...plan,
      nextDueAt: nextDueAt({ state: "pending", ...plan }),
      firstResponseAt: null,
      firstResponseBy: null,
      businessMs: null,
      late: false,
      paged: row.paged || triggerPage,
      target: targetOf(priority),
    },
    removeAtRiskLabel: row.state === "at-risk",
    removeBreachedLabel: row.state === "breached",
    triggerPage,
  };
}

type ReplanRow = Pick<
  SlaRecord,
  "priority" | "state" | "cycleStartAt" | "atRiskAt" | "deadlineAt" | "paged" | "target"
>;

export type ReplanDecision =
  | { replanned: false; reason: string }
  | {
      replanned: true;
      reason: string;
      patch: Pick<SlaRecord, "priority" | "state" | "deadlineAt" | "atRiskAt" | "nextDueAt" | "target">;
      /** Anything in the patch differs from the row. */
      changed: boolean;
      /** What is due at once under the new plan (nextDueAt is then `now`); the scheduler applies it. */
      due: DueTransition | null;
      breachNow: boolean;
      /** The new at-risk instant is still ahead: the issue is no longer at risk. */
      removeAtRiskLabel: boolean;
      /** The new priority pages at intake (raised to Production down) and no incident is open. */
      triggerPage: boolean;
    };

/**
 * A priority change (or a config change) re-plans a running clock from the cycle start. The
 * transitions due at once are left to the scheduler, which owns their effects: the decision only
 * sets nextDueAt to `now`. A terminal row is not re-planned: a breach has been escalated and
 * stays a breach whatever the new target (raised or lowered), and met or cancelled cycles are over.
 */
export function onReplan(
  row: ReplanRow,
  newPriority: ClockPriority,
  calendar: BusinessCalendar,
  warnAt: number,
  now: number,
): ReplanDecision {
  if (!isRunning(row.state))
    return { replanned: false, reason: `the clock is ${row.state}: nothing to re-plan` };
  const plan = planCycle(calendar, newPriority, row.cycleStartAt, warnAt);
  const backToPending = row.state === "at-risk" && now < plan.atRiskAt;
  const state = backToPending ? "pending" : row.state;
  const due = dueTransition({ state, ...plan }, now);
  const patch = {
    priority: newPriority.key,
    state,
    ...plan,
    nextDueAt: due ? now : nextDueAt({ state, ...plan }),
    target: targetOf(newPriority),
  };
  return {
    replanned: true,
    reason: `re-planned for ${newPriority.key} from the cycle start`,
    patch,
    changed:
      patch.priority !== row.priority ||
      patch.state !== row.state ||
      patch.deadlineAt !== row.deadlineAt ||
      patch.atRiskAt !== row.atRiskAt ||
      !sameTarget(patch.target, row.target),
    due,
    breachNow: due === "breach",
    removeAtRiskLabel: backToPending,
    triggerPage: pagesAtStart(newPriority) && !row.paged,
  };
}

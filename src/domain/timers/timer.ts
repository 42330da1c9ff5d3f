import type { BusinessCalendar } from "../business-hours.js";
import type { ClockKind, EscalationLevel, ResponseTarget } from "../policy.js";

/**
 * The support SLA as timers (issue 12). Each tracked issue owns timers; a timer is one metric ×
 * one cycle. Every function here is pure: instants are epoch ms (UTC), durations on a timer's
 * clock are "counted ms" (business ms on the business clock, elapsed ms on the calendar clock,
 * paused intervals excluded). No function reads the clock or mutates its inputs.
 *
 *   pending ──level < 100 %──▶ at-risk ──level ≥ 100 %──▶ breached ──later levels, repeats…
 *      └──────────────── met (the metric's stop event) / cancelled (no longer applies) ──────────▶
 *
 * Pauses stop the count without changing the state: a paused timer has no deadline and no
 * `nextDueAt` until it resumes.
 */

/** The metrics (PRODUCT.md "SLA metrics"). */
export type Metric = "first_response" | "next_reply" | "resolution" | "updates" | "post_mortem";
export const METRICS: readonly Metric[] = [
  "first_response",
  "next_reply",
  "resolution",
  "updates",
  "post_mortem",
];

/** `met` and `cancelled` are final; `breached` keeps firing later levels and repeats until met. */
export type TimerState = "pending" | "at-risk" | "breached" | "met" | "cancelled";

/** A pause of the count: `end` null while it lasts. */
export interface Pause {
  start: number;
  end: number | null;
}

/** One timer of one issue. */
export interface Timer {
  metric: Metric;
  /** 1 for the first run; a new cycle per restart (first response after a reopen, each update interval, …). */
  cycle: number;
  state: TimerState;
  clock: ClockKind;
  /** The target the timer was planned for. */
  target: ResponseTarget;
  /** The target in counted ms, fixed when the cycle starts (next-business-day: the count to that close). */
  targetMs: number;
  startedAt: number;
  /** In order, non-overlapping; only the last may be open. */
  pauses: Pause[];
  /** When the count reaches `targetMs`; null while paused or once final. */
  deadlineAt: number | null;
  /** Ladder levels fired so far in this cycle (index of the last fired + 1; skipped ones count). */
  level: number;
  /** Times the last fired level has fired (1 after its first firing, +1 per repeat); 0 if none. */
  firings: number;
  /** The next instant the scheduler must look at it; null when paused or nothing more can fire. */
  nextDueAt: number | null;
  /** When it was met, by whom (a GitHub login, or null for a close / label), and the count then. */
  metAt: number | null;
  metBy: string | null;
  countedMs: number | null;
  /** Met after the deadline. */
  late: boolean;
  /** When a level at or past 100 % first fired (or a late meet found it missed). */
  breachedAt: number | null;
}

/** What a timer needs to start: its metric, cycle, clock and target. */
export interface TimerSpec {
  metric: Metric;
  cycle: number;
  clock: ClockKind;
  target: ResponseTarget;
}

/**
 * Counted ms between `from` and `to` on `clock`, minus the parts covered by `pauses` (an open
 * pause extends to `to`). Business clock: `calendar.businessTimeBetween`. 0 when `to <= from`.
 */
export declare function countedBetween(
  calendar: BusinessCalendar,
  clock: ClockKind,
  pauses: readonly Pause[],
  from: number,
  to: number,
): number;

/**
 * The instant at which the count from `startedAt` reaches `counted` ms, skipping `pauses`; null
 * when the count stops in an open pause before reaching it. Without pauses it equals
 * `computeDeadline` for the target's count (identical instants for `response` targets today).
 */
export declare function instantAtCounted(
  calendar: BusinessCalendar,
  clock: ClockKind,
  startedAt: number,
  pauses: readonly Pause[],
  counted: number,
): number | null;

/**
 * A new timer started at `at` (pending, no pauses, deadline and `nextDueAt` planned from the
 * ladder). The first-response deadline equals today's `computeDeadline`, its first `nextDueAt`
 * today's at-risk instant for the default ladder.
 */
export declare function startTimer(
  spec: TimerSpec,
  at: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Timer;

/**
 * The threshold instant of each ladder level for this timer (null while paused); fraction
 * levels below 1 are capped at the deadline, exactly as today's at-risk instant.
 */
export declare function levelInstants(
  timer: Timer,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): (number | null)[];

/** A side effect a transition asks for; the scheduler or handler applies it through the outbox. */
export type TimerEffect =
  | { kind: "add-label"; label: string }
  | { kind: "remove-label"; label: string }
  | { kind: "comment"; mention: string[]; mentionAssignees: boolean }
  | { kind: "slack" }
  | { kind: "page" }
  /** An open incident of the issue is acknowledged (the first team reply). */
  | { kind: "page-ack" };

/** One firing of one ladder level. */
export interface LevelFiring {
  level: EscalationLevel;
  /** Index in the ladder. */
  index: number;
  /** 0 for the first firing, 1… for repeats. Part of every effect key: each firing is exactly once. */
  repeat: number;
  /** The transition this firing makes: `at-risk` (below 100 %), `breach` (the first at or past 100 %), or `escalate`. */
  transition: "at-risk" | "breach" | "escalate";
  effects: TimerEffect[];
}

export interface DueDecision {
  firing: LevelFiring;
  /** Fields to write: state, level, firings, nextDueAt, breachedAt. */
  patch: Partial<Timer>;
}

/**
 * What is due at `now` for a running, unpaused timer: the last level whose threshold (or the
 * current level's next repeat) is reached, or null. Several levels due at once fire only the last
 * (today: a breach found late never sends the at-risk warning). A level's `label` replaces the
 * previous fired level's label unless `heldElsewhere` has it (another timer of the issue keeps it).
 */
export declare function decideDue(
  timer: Timer,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
  heldElsewhere: ReadonlySet<string>,
): DueDecision | null;

export interface MeetDecision {
  /** null: nothing to record (already met/cancelled, or the event predates the cycle). */
  patch: Partial<Timer> | null;
  reason: string;
  late: boolean;
  effects: TimerEffect[];
}

/**
 * The metric's stop event at `at` (a team reply, a close, the resolved or done label), by `by`.
 * Late = strictly after the deadline (counted past the target). Labels of fired levels are
 * removed unless `heldElsewhere`; a late meet the scheduler never escalated adds the breach
 * label (today's rule), an on-time meet of an escalated timer removes it (a race).
 */
export declare function meetTimer(
  timer: Timer,
  at: number,
  by: string | null,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
  heldElsewhere: ReadonlySet<string>,
): MeetDecision;

/** The timer no longer applies (closed before a reply, priority without this metric): cancelled, its labels removed. */
export declare function cancelTimer(
  timer: Timer,
  at: number,
  ladder: readonly EscalationLevel[],
  heldElsewhere: ReadonlySet<string>,
): { patch: Partial<Timer> | null; effects: TimerEffect[] };

/** Starts a pause at `at` (no-op when already paused or final, or `at` is before the last pause's end). */
export declare function pauseTimer(timer: Timer, at: number): Partial<Timer> | null;

/**
 * Ends the open pause at `at`: the deadline and `nextDueAt` are planned again from the count so
 * far. No-op when not paused. A resume at or before the pause's start closes it empty.
 */
export declare function resumeTimer(
  timer: Timer,
  at: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Partial<Timer> | null;

/**
 * A priority (or config) change: the running timer is planned again from its start with the new
 * target and clock, keeping its pauses. Levels already fired stay fired; a level now due is left
 * to the scheduler (`nextDueAt` = `now`). Final timers are unchanged (null).
 */
export declare function replanTimer(
  timer: Timer,
  target: ResponseTarget,
  clock: ClockKind,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Partial<Timer> | null;

/** A running timer's view for explanations: count so far, remaining, pauses, next level. */
export interface TimerStatus {
  metric: Metric;
  cycle: number;
  state: TimerState;
  paused: boolean;
  countedMs: number;
  targetMs: number;
  deadlineAt: number | null;
  pauses: Pause[];
  /** The next level to fire and when (null: none left, or paused). */
  next: { name: string; at: number; repeat: number } | null;
}

/** Where a timer stands at `now`. */
export declare function timerStatus(
  timer: Timer,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): TimerStatus;

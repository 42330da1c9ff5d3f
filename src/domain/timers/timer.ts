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
  /**
   * When the count reaches `targetMs`; null while paused. Kept once final: the deadline a meet was
   * judged against (a meet while paused records the deadline with the pause ended at the meet).
   */
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
  /**
   * A PagerDuty incident was triggered in this cycle (and not resolved): a later level does not
   * page again. Stored as `timers.paged` (0/1); projected as `tracked_issues.paged_cycle`.
   */
  paged: boolean;
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
export function countedBetween(
  calendar: BusinessCalendar,
  clock: ClockKind,
  pauses: readonly Pause[],
  from: number,
  to: number,
): number {
  if (!(to > from)) return 0;
  let total = 0;
  let cursor = from;
  for (const pause of pauses) {
    const end = pause.end ?? to;
    if (end <= cursor) continue;
    if (pause.start >= to) break;
    if (pause.start > cursor) total += clockBetween(calendar, clock, cursor, pause.start);
    cursor = Math.max(cursor, end);
    if (cursor >= to) return total;
  }
  return total + clockBetween(calendar, clock, cursor, to);
}

/**
 * The instant at which the count from `startedAt` reaches `counted` ms, skipping `pauses`; null
 * when the count stops in an open pause before reaching it. Without pauses it equals
 * `computeDeadline` for the target's count (identical instants for `response` targets today).
 */
export function instantAtCounted(
  calendar: BusinessCalendar,
  clock: ClockKind,
  startedAt: number,
  pauses: readonly Pause[],
  counted: number,
): number | null {
  let remaining = Math.max(0, counted);
  let cursor = startedAt;
  for (const pause of pauses) {
    if (pause.end !== null && pause.end <= cursor) continue;
    if (pause.start > cursor) {
      const available = clockBetween(calendar, clock, cursor, pause.start);
      if (remaining <= available) return clockAdd(calendar, clock, cursor, remaining);
      remaining -= available;
    } else if (remaining === 0) {
      return cursor;
    }
    if (pause.end === null) return null;
    cursor = pause.end;
  }
  return clockAdd(calendar, clock, cursor, remaining);
}

/**
 * A new timer started at `at` (pending, no pauses, deadline and `nextDueAt` planned from the
 * ladder). The first-response deadline equals today's `computeDeadline`, its first `nextDueAt`
 * today's at-risk instant for the default ladder.
 */
export function startTimer(
  spec: TimerSpec,
  at: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Timer {
  const targetMs = targetCount(calendar, spec.clock, spec.target, at);
  const timer: Timer = {
    metric: spec.metric,
    cycle: spec.cycle,
    state: "pending",
    clock: spec.clock,
    target: copyTarget(spec.target),
    targetMs,
    startedAt: at,
    pauses: [],
    deadlineAt: null,
    level: 0,
    firings: 0,
    nextDueAt: null,
    metAt: null,
    metBy: null,
    countedMs: null,
    late: false,
    breachedAt: null,
    paged: false,
  };
  timer.deadlineAt = instantAtCounted(calendar, spec.clock, at, [], targetMs);
  timer.nextDueAt = nextFiring(timer, calendar, ladder)?.at ?? null;
  return timer;
}

/**
 * The threshold instant of each ladder level for this timer (null while paused, for a threshold
 * the count has not reached before the pause); fraction levels below 1 are capped at the deadline,
 * exactly as today's at-risk instant (`Math.round` of the fraction of the target's count).
 */
export function levelInstants(
  timer: Timer,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): (number | null)[] {
  return ladder.map((level) =>
    instantAtCounted(calendar, timer.clock, timer.startedAt, timer.pauses, levelCount(level, timer.targetMs)),
  );
}

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
  /**
   * Fields to write: state, level, firings, nextDueAt, breachedAt, and paged (true once a firing
   * asked for a page; the scheduler may keep it false when the page could not be confirmed).
   */
  patch: Partial<Timer>;
}

/**
 * What is due at `now` for a running, unpaused timer: the last level whose threshold (or the
 * current level's next repeat) is reached, or null. Several levels due at once fire only the last
 * (today: a breach found late never sends the at-risk warning). A level's `label` replaces the
 * previous fired level's label unless `heldElsewhere` has it (another timer of the issue keeps it).
 */
export function decideDue(
  timer: Timer,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
  heldElsewhere: ReadonlySet<string>,
  context: TimerContext = {},
): DueDecision | null {
  if (isFinal(timer.state) || isPaused(timer)) return null;
  const instants = levelInstants(timer, calendar, ladder);
  let due = -1;
  for (let j = timer.level; j < ladder.length; j++) {
    const instant = instants[j];
    if (instant !== null && instant !== undefined && instant <= now) due = j;
  }
  const paged = context.paged ?? timer.paged;
  if (due >= 0) {
    const level = ladder[due] as EscalationLevel;
    const atOrPastTarget = !preBreach(level);
    const effects: TimerEffect[] = [];
    // The label the timer holds once this level fired: its own, or, when it has none, that of the
    // last labelled level it passed over (several levels due at once: a process that was down).
    const label = heldLevel({ level: due + 1 }, ladder)?.label ?? null;
    const held = heldLabel(timer, ladder);
    if (label !== null && (held === null || !sameLabel(held, label))) {
      effects.push({ kind: "add-label", label });
      if (held !== null && !heldElsewhere.has(held)) effects.push({ kind: "remove-label", label: held });
    }
    effects.push(...actionEffects(level, paged));
    // The first crossing of the target by a level that says nothing: the passed-over breach
    // level's comment still goes out (its handles were to hear of the breach).
    if (atOrPastTarget && timer.state !== "breached" && !level.comment) {
      const skipped = ladder.slice(timer.level, due).find((l) => !preBreach(l) && l.comment);
      if (skipped)
        effects.push({
          kind: "comment",
          mention: [...skipped.mention],
          mentionAssignees: skipped.mentionAssignees,
        });
    }
    const state: TimerState = atOrPastTarget || timer.state === "breached" ? "breached" : "at-risk";
    // A level that fires late (a process that was down, a store upgraded long after) stands for
    // its repeats due by now too: the next repeat is the first one still ahead, not one due at once.
    const every = repeatEvery(level);
    const passed =
      every === null
        ? 0
        : Math.floor(
            (countedBetween(calendar, timer.clock, timer.pauses, timer.startedAt, now) -
              levelCount(level, timer.targetMs)) /
              every,
          );
    const patch: Partial<Timer> = {
      state,
      level: due + 1,
      firings: 1 + Math.max(0, passed),
      breachedAt: timer.breachedAt ?? (atOrPastTarget ? now : null),
      paged: paged || level.page,
    };
    patch.nextDueAt = nextFiring({ ...timer, ...patch }, calendar, ladder)?.at ?? null;
    const transition = !atOrPastTarget ? "at-risk" : timer.state === "breached" ? "escalate" : "breach";
    return { firing: { level, index: due, repeat: 0, transition, effects }, patch };
  }
  if (timer.level === 0 || timer.firings < 1) return null;
  const index = timer.level - 1;
  const level = ladder[index];
  const every = level ? repeatEvery(level) : null;
  if (!level || every === null) return null;
  const base = levelCount(level, timer.targetMs);
  const count = countedBetween(calendar, timer.clock, timer.pauses, timer.startedAt, now);
  if (count < base + timer.firings * every) return null;
  const repeat = Math.floor((count - base) / every);
  const patch: Partial<Timer> = { state: timer.state, level: timer.level, firings: repeat + 1 };
  patch.nextDueAt = nextFiring({ ...timer, ...patch }, calendar, ladder)?.at ?? null;
  patch.breachedAt = timer.breachedAt;
  patch.paged = paged || level.page;
  const transition = preBreach(level) ? "at-risk" : "escalate";
  return {
    firing: { level, index, repeat, transition, effects: actionEffects(level, paged) },
    patch,
  };
}

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
export function meetTimer(
  timer: Timer,
  at: number,
  by: string | null,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
  heldElsewhere: ReadonlySet<string>,
  context: TimerContext = {},
): MeetDecision {
  const first = timer.metric === "first_response";
  if (timer.metAt !== null)
    return none(first ? "this cycle already has its first response" : "this cycle is already met");
  if (timer.state === "met") return none("this cycle is already met");
  if (timer.state === "cancelled")
    return none(first ? "the issue was closed before any reply" : "this timer was cancelled");
  if (at < timer.startedAt)
    return none(first ? "the reply predates the current cycle" : "the event predates the current cycle");
  const pauses = closePauses(timer.pauses, at);
  const deadlineAt =
    timer.deadlineAt ?? instantAtCounted(calendar, timer.clock, timer.startedAt, pauses, timer.targetMs);
  const late = deadlineAt !== null && at > deadlineAt;
  const countedMs = countedBetween(calendar, timer.clock, pauses, timer.startedAt, at);
  const effects: TimerEffect[] = [];
  const held = heldLevel(timer, ladder);
  if (held?.label && preBreach(held) && !heldElsewhere.has(held.label))
    effects.push({ kind: "remove-label", label: held.label });
  if (late && timer.state !== "breached") {
    const breach = ladder.find((level) => !preBreach(level) && level.label !== null);
    if (breach?.label) effects.push({ kind: "add-label", label: breach.label });
  }
  if (!late && timer.state === "breached") {
    for (const label of breachLabels(timer, ladder))
      if (!heldElsewhere.has(label)) effects.push({ kind: "remove-label", label });
  }
  if (context.paged ?? timer.paged) effects.push({ kind: "page-ack" });
  const what = METRIC_NAMES[timer.metric];
  return {
    patch: {
      state: "met",
      pauses,
      deadlineAt,
      nextDueAt: null,
      metAt: at,
      metBy: by,
      countedMs,
      late,
      breachedAt: timer.breachedAt ?? (late ? at : null),
    },
    reason: late ? `${what}, after the deadline` : `${what}, on time`,
    late,
    effects,
  };
}

/** The timer no longer applies (closed before a reply, priority without this metric): cancelled, its labels removed. */
export function cancelTimer(
  timer: Timer,
  at: number,
  ladder: readonly EscalationLevel[],
  heldElsewhere: ReadonlySet<string>,
): { patch: Partial<Timer> | null; effects: TimerEffect[] } {
  if (isFinal(timer.state) || at < timer.startedAt) return { patch: null, effects: [] };
  const effects: TimerEffect[] = [];
  const held = heldLevel(timer, ladder);
  if (held?.label && preBreach(held) && !heldElsewhere.has(held.label))
    effects.push({ kind: "remove-label", label: held.label });
  return {
    patch: { state: "cancelled", pauses: closePauses(timer.pauses, at), nextDueAt: null },
    effects,
  };
}

/** Starts a pause at `at` (no-op when already paused or final, or `at` is before the last pause's end). */
export function pauseTimer(timer: Timer, at: number): Partial<Timer> | null {
  if (isFinal(timer.state) || isPaused(timer)) return null;
  const last = timer.pauses[timer.pauses.length - 1];
  if (last && last.end !== null && at < last.end) return null;
  const start = Math.max(at, timer.startedAt);
  return {
    pauses: [...timer.pauses.map(copyPause), { start, end: null }],
    deadlineAt: null,
    nextDueAt: null,
  };
}

/**
 * Ends the open pause at `at`: the deadline and `nextDueAt` are planned again from the count so
 * far. No-op when not paused. A resume at or before the pause's start closes it empty.
 */
export function resumeTimer(
  timer: Timer,
  at: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Partial<Timer> | null {
  if (isFinal(timer.state) || !isPaused(timer)) return null;
  const open = timer.pauses[timer.pauses.length - 1] as Pause;
  const previous = timer.pauses[timer.pauses.length - 2];
  // A stale resume (delivered again after the next pause began) would end that pause: ignored.
  if (previous?.end != null && at < previous.end) return null;
  const pauses = [
    ...timer.pauses.slice(0, -1).map(copyPause),
    { start: open.start, end: Math.max(at, open.start) },
  ];
  const resumed: Timer = { ...timer, pauses };
  resumed.deadlineAt = instantAtCounted(calendar, timer.clock, timer.startedAt, pauses, timer.targetMs);
  return {
    pauses,
    deadlineAt: resumed.deadlineAt,
    nextDueAt: nextFiring(resumed, calendar, ladder)?.at ?? null,
  };
}

/**
 * A priority (or config) change: the running timer is planned again from its start with the new
 * target and clock, keeping its pauses. Levels already fired stay fired; a level now due is left
 * to the scheduler (`nextDueAt` = `now`). Final timers are unchanged (null).
 */
export function replanTimer(
  timer: Timer,
  target: ResponseTarget,
  clock: ClockKind,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Partial<Timer> | null {
  if (isFinal(timer.state)) return null;
  const targetMs = targetCount(calendar, clock, target, timer.startedAt);
  const planned: Timer = { ...timer, target: copyTarget(target), clock, targetMs };
  planned.deadlineAt = isPaused(planned)
    ? null
    : instantAtCounted(calendar, clock, timer.startedAt, timer.pauses, targetMs);
  // An at-risk timer whose fired levels are no longer reached under the new plan (the target was
  // raised) goes back to the last level still reached, as today's re-plan turned an at-risk issue
  // whose new at-risk instant is still ahead back to pending. A breach is never undone.
  let back: Partial<Timer> = {};
  if (timer.state === "at-risk" && timer.level > 0) {
    const instants = levelInstants(planned, calendar, ladder);
    let reached = 0;
    while (reached < timer.level && (instants[reached] ?? Number.POSITIVE_INFINITY) <= now) reached++;
    if (reached < timer.level) {
      back = { level: reached, firings: reached > 0 ? 1 : 0, state: reached > 0 ? "at-risk" : "pending" };
      Object.assign(planned, back);
    }
  }
  const next = nextFiring(planned, calendar, ladder)?.at ?? null;
  return {
    ...back,
    target: planned.target,
    clock,
    targetMs,
    deadlineAt: planned.deadlineAt,
    nextDueAt: next === null ? null : Math.max(next, now),
  };
}

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
export function timerStatus(
  timer: Timer,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): TimerStatus {
  const paused = isPaused(timer);
  const final = isFinal(timer.state);
  const countedMs =
    final && timer.countedMs !== null
      ? timer.countedMs
      : countedBetween(calendar, timer.clock, timer.pauses, timer.startedAt, now);
  const next = final ? null : nextFiring(timer, calendar, ladder);
  return {
    metric: timer.metric,
    cycle: timer.cycle,
    state: timer.state,
    paused,
    countedMs,
    targetMs: timer.targetMs,
    deadlineAt: timer.deadlineAt,
    pauses: timer.pauses.map(copyPause),
    next: next === null ? null : { name: next.level.name, at: next.at, repeat: next.repeat },
  };
}

/**
 * What the issue knows beside the timer (additive to the contract): `paged` = a PagerDuty incident
 * is open for the current cycle (today's `paged_cycle === cycle`), when the caller knows
 * better than `timer.paged` (an incident paged at intake or by another timer of the issue). A
 * level's `page` fires only when nothing is paged yet, and a meet acknowledges the open incident
 * (`page-ack`).
 */
export interface TimerContext {
  paged?: boolean;
}

/** The next firing of a timer: a level's first firing or a repeat of the last fired level. */
export interface NextFiring {
  level: EscalationLevel;
  index: number;
  repeat: number;
  at: number;
}

/** How the metric reads in decision reasons ("first response, on time"). */
const METRIC_NAMES: Record<Metric, string> = {
  first_response: "first response",
  next_reply: "next reply",
  resolution: "resolution",
  updates: "update",
  post_mortem: "post-mortem",
};

/** `met` and `cancelled` never change again. */
export function isFinal(state: TimerState): state is "met" | "cancelled" {
  return state === "met" || state === "cancelled";
}

/** The timer's last pause is still open: the count is stopped. */
export function isPaused(timer: Pick<Timer, "pauses">): boolean {
  const last = timer.pauses[timer.pauses.length - 1];
  return last !== undefined && last.end === null;
}

/**
 * The state `tracked_issues` showed before timers existed, for projecting a first-response timer:
 * a late meet and a cancel after a breach read `breached` (today's rows stay breached after a late
 * reply or a close), everything else reads as the timer's own state.
 */
export function legacyState(timer: Pick<Timer, "state" | "late" | "breachedAt">): TimerState {
  if (timer.state === "met" && timer.late) return "breached";
  if (timer.state === "cancelled" && timer.breachedAt !== null) return "breached";
  return timer.state;
}

/**
 * The count (ms on the timer's clock) at which `level` first fires: a fraction of the target
 * (rounded to the ms with `Math.round`, as `atRiskInstant` does; below 1 never past the target), or
 * the target plus the level's delay after the breach.
 */
export function levelCount(level: EscalationLevel, targetMs: number): number {
  if (level.at.kind === "after-breach") return targetMs + level.at.ms;
  const count = Math.round(targetMs * level.at.fraction);
  return level.at.fraction < 1 ? Math.min(count, targetMs) : count;
}

/** A level below 100 % of the target (an at-risk warning, a reminder before the deadline). */
export function preBreach(level: EscalationLevel): boolean {
  return level.at.kind === "fraction" && level.at.fraction < 1;
}

/**
 * The target in counted ms from `startedAt`: a duration as it is; `next-business-day` the count
 * to the close of the next business day (business ms on the business clock, elapsed ms on the
 * calendar clock), so the deadline lands on that close.
 */
export function targetCount(
  calendar: BusinessCalendar,
  clock: ClockKind,
  target: ResponseTarget,
  startedAt: number,
): number {
  if (target.kind === "duration") return target.ms;
  return clockBetween(calendar, clock, startedAt, calendar.nextBusinessDayClose(startedAt));
}

/**
 * The label a running timer holds on the issue: the label of the last fired level that has one
 * (each labelled level replaces the previous one's), or null. A labelled level that was skipped
 * (several due at once) is taken as held; removing a label that is absent changes nothing.
 */
export function heldLabel(timer: Pick<Timer, "level">, ladder: readonly EscalationLevel[]): string | null {
  return heldLevel(timer, ladder)?.label ?? null;
}

/**
 * The next firing at or after the timer's current level: the earliest of the next levels'
 * thresholds and the last fired level's next repeat (a level due at the same instant as a repeat
 * wins). Null when final, paused, or nothing is left to fire.
 */
export function nextFiring(
  timer: Timer,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): NextFiring | null {
  if (isFinal(timer.state) || isPaused(timer)) return null;
  let best: NextFiring | null = null;
  const instants = levelInstants(timer, calendar, ladder);
  for (let j = timer.level; j < ladder.length; j++) {
    const at = instants[j];
    if (at === null || at === undefined) continue;
    if (best === null || at < best.at)
      best = { level: ladder[j] as EscalationLevel, index: j, repeat: 0, at };
  }
  const last = timer.level > 0 && timer.firings > 0 ? ladder[timer.level - 1] : undefined;
  const every = last ? repeatEvery(last) : null;
  if (last && every !== null) {
    const count = levelCount(last, timer.targetMs) + timer.firings * every;
    const at = instantAtCounted(calendar, timer.clock, timer.startedAt, timer.pauses, count);
    if (at !== null && (best === null || at < best.at))
      best = { level: last, index: timer.level - 1, repeat: timer.firings, at };
  }
  return best;
}

/**
 * The resolution timer of a reopened issue resumes (additive to the contract): a `met` timer
 * (met by the close at `metAt`) runs again from `at`, the closed interval recorded as a pause,
 * its state back to what its fired levels say and the label it held put back. Null when the timer
 * is not met or `at` is before its meet (a stale or repeated delivery).
 */
export function reopenTimer(
  timer: Timer,
  at: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): { patch: Partial<Timer>; effects: TimerEffect[] } | null {
  if (timer.state !== "met" || timer.metAt === null || at < timer.metAt) return null;
  const pauses = [...timer.pauses.map(copyPause)];
  if (at > timer.metAt) pauses.push({ start: timer.metAt, end: at });
  const fired = timer.level > 0 ? ladder[timer.level - 1] : undefined;
  const state: TimerState = !fired ? "pending" : preBreach(fired) ? "at-risk" : "breached";
  const reopened: Timer = { ...timer, state, pauses, metAt: null, metBy: null, countedMs: null, late: false };
  reopened.deadlineAt = instantAtCounted(calendar, timer.clock, timer.startedAt, pauses, timer.targetMs);
  reopened.nextDueAt = nextFiring(reopened, calendar, ladder)?.at ?? null;
  const held = heldLabel(timer, ladder);
  return {
    patch: {
      state,
      pauses,
      deadlineAt: reopened.deadlineAt,
      nextDueAt: reopened.nextDueAt,
      metAt: null,
      metBy: null,
      countedMs: null,
      late: false,
    },
    effects: held !== null ? [{ kind: "add-label", label: held }] : [],
  };
}

function heldLevel(timer: Pick<Timer, "level">, ladder: readonly EscalationLevel[]): EscalationLevel | null {
  for (let j = Math.min(timer.level, ladder.length) - 1; j >= 0; j--) {
    const level = ladder[j] as EscalationLevel;
    if (level.label !== null) return level;
  }
  return null;
}

/** Labels of fired levels at or past 100 % (an on-time meet of an escalated timer takes them off). */
function breachLabels(timer: Pick<Timer, "level">, ladder: readonly EscalationLevel[]): string[] {
  const held = heldLevel(timer, ladder);
  return held?.label && !preBreach(held) ? [held.label] : [];
}

function sameLabel(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function repeatEvery(level: EscalationLevel): number | null {
  return level.repeatMs !== null && level.repeatMs > 0 ? level.repeatMs : null;
}

/** A level's comment, Slack and page actions (a page only when no incident is open). */
function actionEffects(level: EscalationLevel, paged: boolean): TimerEffect[] {
  const effects: TimerEffect[] = [];
  if (level.comment)
    effects.push({ kind: "comment", mention: [...level.mention], mentionAssignees: level.mentionAssignees });
  if (level.slack) effects.push({ kind: "slack" });
  if (level.page && !paged) effects.push({ kind: "page" });
  return effects;
}

function none(reason: string): MeetDecision {
  return { patch: null, reason, late: false, effects: [] };
}

function closePauses(pauses: readonly Pause[], at: number): Pause[] {
  return pauses.map((p) => (p.end === null ? { start: p.start, end: Math.max(at, p.start) } : copyPause(p)));
}

function copyPause(p: Pause): Pause {
  return { start: p.start, end: p.end };
}

function copyTarget(target: ResponseTarget): ResponseTarget {
  return target.kind === "duration" ? { kind: "duration", ms: target.ms } : { kind: "next-business-day" };
}

function clockBetween(calendar: BusinessCalendar, clock: ClockKind, from: number, to: number): number {
  if (!(to > from)) return 0;
  return clock === "business" ? calendar.businessTimeBetween(from, to) : to - from;
}

function clockAdd(calendar: BusinessCalendar, clock: ClockKind, from: number, counted: number): number {
  return clock === "business" ? calendar.addBusinessTime(from, counted) : from + counted;
}

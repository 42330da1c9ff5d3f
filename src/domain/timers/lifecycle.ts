import type { BusinessCalendar } from "../business-hours.js";
import type { EscalationLevel, Policy, PriorityPolicy } from "../policy.js";
import { ladderFor, metricTarget } from "./ladder.js";
import {
  cancelTimer,
  heldLabel,
  isFinal,
  isPaused,
  type Metric,
  meetTimer,
  pauseTimer,
  reopenTimer,
  replanTimer,
  resumeTimer,
  startTimer,
  type Timer,
  type TimerEffect,
} from "./timer.js";

/**
 * What each event in an issue's life does to the issue's timers (issue 12, "Metrics"), as one pure
 * decision: the timer rows to insert or patch and the effects to apply. Handlers read the issue's
 * timers (the current cycle of each metric), call {@link decideLifecycle}, apply the effects and
 * write the rows; they never decide a transition themselves. No function here reads the clock or
 * mutates its inputs; instants are epoch ms (UTC).
 *
 * | event                      | first_response        | next_reply                     | resolution                  | updates                 | post_mortem |
 * |----------------------------|-----------------------|--------------------------------|-----------------------------|-------------------------|-------------|
 * | intake                     | start (cycle 1)       | –                              | start, when configured      | start, when configured  | –           |
 * | team comment               | met                   | met                            | –                           | met, next cycle starts  | –           |
 * | customer comment           | –                     | start, after a team reply      | a pause ends; label removed | –                       | –           |
 * | waiting label (team)       | –                     | –                              | pause / resume              | –                       | –           |
 * | resolved label (team)      | –                     | –                              | met                         | –                       | –           |
 * | close                      | cancelled before reply| cancelled                      | met                         | cancelled               | –           |
 * | reopen                     | new cycle, no reply   | –                              | same timer resumes          | new cycle               | –           |
 * | priority / config change   | re-planned            | re-planned / off → cancelled   | re-planned / on → started   | idem                    | re-planned  |
 * | post-mortem labels         | –                     | –                              | –                           | –                       | start / met |
 *
 * Timer labels (`sla: at risk`, `sla: breached`) are shared by the issue's timers: a timer lets
 * go of a label only when no other running timer of the issue holds it ({@link heldElsewhere}).
 * The changes of one event are decided one timer after the other, each seeing the others as the
 * earlier ones left them, so the last timer to let go of a label is the one that removes it.
 */

/** The issue an event happens to: its policy, current priority, calendar and timers. */
export interface IssueTimers {
  policy: Policy;
  /** The issue's priority now (after a priority change: the new one). */
  priority: PriorityPolicy;
  calendar: BusinessCalendar;
  /** The current cycle of each metric the issue has (`getTimers`), any order. */
  timers: readonly Timer[];
  /** The issue is open (before a `close`, after a `reopen`): metrics turned on start only then. */
  open: boolean;
}

/** Something that happened to an issue, at `at` (epoch ms). */
export type LifecycleEvent =
  /** The issue is tracked for the first time; `at` is its creation (the channel's clock start). */
  | { kind: "intake"; at: number }
  /**
   * A team reply by `by` (a comment, or a PagerDuty acknowledgement). `metrics` limits what it
   * meets (an acknowledgement is a first response only); default: every metric a comment meets.
   */
  | { kind: "team-comment"; at: number; by: string; metrics?: readonly Metric[] }
  /** A comment by the customer's side (anyone not on the team, not a bot, not ignored). */
  | { kind: "customer-comment"; at: number; by: string }
  /** `labels.waiting` added or removed by a team member (bots' label events never get here). */
  | { kind: "waiting-label"; action: "added" | "removed"; at: number }
  /** `labels.resolved` added by a team member. */
  | { kind: "resolved-label"; at: number }
  | { kind: "close"; at: number }
  /** `waiting`: the waiting label is still on the issue (the resolution stays paused). */
  | { kind: "reopen"; at: number; waiting?: boolean }
  /** The priority or the config changed: targets, clocks and which metrics are on are read again. */
  | { kind: "replan"; at: number }
  /** `post_mortem.required_label` added by a team member. */
  | { kind: "post-mortem-required"; at: number }
  /** `post_mortem.done_label` added by team member `by`. */
  | { kind: "post-mortem-done"; at: number; by: string };

/** One row to write: a new timer, or a patch of an existing one (by metric and cycle). */
export type TimerChange =
  | { kind: "insert"; timer: Timer }
  | { kind: "update"; metric: Metric; cycle: number; patch: Partial<Timer> };

/** An effect beside a timer's own: the open incident of the issue is resolved (a close). */
export type LifecycleOnlyEffect = { kind: "page-resolve" };

/** An effect to apply, with the timer that asks for it (effect keys name the metric and cycle). */
export interface LifecycleEffect {
  metric: Metric;
  cycle: number;
  effect: TimerEffect | LifecycleOnlyEffect;
}

/** What happened to one timer, for logs and for the notices a handler sends. */
export interface LifecycleTransition {
  metric: Metric;
  cycle: number;
  change: "started" | "met" | "cancelled" | "paused" | "resumed" | "reopened" | "replanned" | "stopped";
  /** The timer before the change (absent for a start). */
  before?: Timer;
  /** For `met`: after the deadline. */
  late?: boolean;
  /** Why (met and cancelled: the domain's reason; others: a short phrase). */
  reason: string;
}

export interface LifecycleDecision {
  /** In order; at most one write per metric × cycle (an insert carries what followed it). */
  changes: TimerChange[];
  /** In order; label effects of several timers may repeat a label, the last one counts. */
  effects: LifecycleEffect[];
  transitions: LifecycleTransition[];
  /** The current cycle of each metric after the event. */
  timers: Timer[];
  /**
   * The intake comment should be rendered again: the `updates` timer started, reset or stopped,
   * so its "Next update by …" line changed.
   */
  refreshIntakeComment: boolean;
}

/** The metrics a team comment meets, in the order they are met. */
const TEAM_METRICS: readonly Metric[] = ["first_response", "next_reply", "updates"];

/**
 * The labels the issue's running timers other than `metric`'s hold (the label of each one's last
 * fired labelled level): what a timer of `metric` must leave on the issue when it lets go of its
 * own. Final timers hold nothing.
 */
export function heldElsewhere(
  timers: readonly Timer[],
  metric: Metric,
  ladderOf: (metric: Metric) => readonly EscalationLevel[],
): Set<string> {
  const held = new Set<string>();
  for (const t of timers) {
    if (t.metric === metric || isFinal(t.state)) continue;
    const label = heldLabel(t, ladderOf(t.metric));
    if (label !== null) held.add(label);
  }
  return held;
}

/** The timers of one decision as they stand while it is made, and what it has decided so far. */
class Work {
  readonly current = new Map<Metric, Timer>();
  readonly changes: TimerChange[] = [];
  readonly effects: LifecycleEffect[] = [];
  readonly transitions: LifecycleTransition[] = [];
  refreshIntakeComment = false;
  /** The issue is open: set by `issue.open`, then by the closes and reopenings decided. */
  open: boolean;
  private readonly ladders = new Map<Metric, EscalationLevel[]>();

  constructor(readonly issue: IssueTimers) {
    this.open = issue.open;
    for (const t of issue.timers) {
      const known = this.current.get(t.metric);
      if (!known || t.cycle > known.cycle) this.current.set(t.metric, t);
    }
  }

  ladder(metric: Metric): EscalationLevel[] {
    let ladder = this.ladders.get(metric);
    if (!ladder) {
      ladder = ladderFor(this.issue.policy, this.issue.priority, metric);
      this.ladders.set(metric, ladder);
    }
    return ladder;
  }

  get(metric: Metric): Timer | undefined {
    return this.current.get(metric);
  }

  held(metric: Metric): Set<string> {
    return heldElsewhere([...this.current.values()], metric, (m) => this.ladder(m));
  }

  insert(timer: Timer, reason: string): void {
    this.current.set(timer.metric, timer);
    this.changes.push({ kind: "insert", timer });
    this.transitions.push({ metric: timer.metric, cycle: timer.cycle, change: "started", reason });
  }

  /** Patches a timer (the current one of its metric, or an older cycle); merges into an earlier write of it. */
  patch(timer: Timer, patch: Partial<Timer>): void {
    const { metric, cycle } = timer;
    const merged = { ...timer, ...patch };
    if (this.current.get(metric)?.cycle === cycle) this.current.set(metric, merged);
    const earlier = this.changes.find((c) =>
      c.kind === "insert"
        ? c.timer.metric === metric && c.timer.cycle === cycle
        : c.metric === metric && c.cycle === cycle,
    );
    if (earlier?.kind === "insert") earlier.timer = { ...earlier.timer, ...patch };
    else if (earlier?.kind === "update") earlier.patch = { ...earlier.patch, ...patch };
    else this.changes.push({ kind: "update", metric, cycle, patch: { ...patch } });
  }

  effect(timer: Pick<Timer, "metric" | "cycle">, effect: TimerEffect | LifecycleOnlyEffect): void {
    this.effects.push({ metric: timer.metric, cycle: timer.cycle, effect });
  }

  note(transition: LifecycleTransition): void {
    this.transitions.push(transition);
  }

  /** Starts cycle `cycle` of `metric` at `at` with the priority's target, or does nothing when the metric is off. */
  start(metric: Metric, cycle: number, at: number, reason: string, paged = false): Timer | null {
    const planned = metricTarget(this.issue.policy, this.issue.priority, metric);
    if (!planned) return null;
    return this.startWith(metric, cycle, at, planned, reason, paged);
  }

  startWith(
    metric: Metric,
    cycle: number,
    at: number,
    planned: Pick<Timer, "target" | "clock">,
    reason: string,
    paged = false,
  ): Timer {
    const timer = {
      ...startTimer(
        { metric, cycle, clock: planned.clock, target: planned.target },
        at,
        this.issue.calendar,
        this.ladder(metric),
      ),
      paged,
    };
    this.insert(timer, reason);
    if (metric === "updates") this.refreshIntakeComment = true;
    return timer;
  }

  /** Meets a running timer; true when it was met. */
  meet(timer: Timer, at: number, by: string | null): boolean {
    const decision = meetTimer(
      timer,
      at,
      by,
      this.issue.calendar,
      this.ladder(timer.metric),
      this.held(timer.metric),
      { paged: timer.paged },
    );
    if (!decision.patch) return false;
    this.patch(timer, decision.patch);
    for (const e of decision.effects) this.effect(timer, e);
    this.note({
      metric: timer.metric,
      cycle: timer.cycle,
      change: "met",
      before: timer,
      late: decision.late,
      reason: decision.reason,
    });
    if (timer.metric === "updates") this.refreshIntakeComment = true;
    return true;
  }

  /** Cancels a timer that is not final; true when it was cancelled. */
  cancel(timer: Timer, at: number, reason: string): boolean {
    const decision = cancelTimer(timer, at, this.ladder(timer.metric), this.held(timer.metric));
    if (!decision.patch) return false;
    this.patch(timer, decision.patch);
    for (const e of decision.effects) this.effect(timer, e);
    this.note({ metric: timer.metric, cycle: timer.cycle, change: "cancelled", before: timer, reason });
    if (timer.metric === "updates") this.refreshIntakeComment = true;
    return true;
  }

  decision(): LifecycleDecision {
    return {
      changes: this.changes,
      effects: this.effects,
      transitions: this.transitions,
      timers: [...this.current.values()],
      refreshIntakeComment: this.refreshIntakeComment,
    };
  }
}

/**
 * What `events` (one, or several in order, e.g. a reopening then a priority change) do to the
 * issue's timers: one decision with at most one write per timer. Safe to call again with the
 * timers it produced: every branch is guarded by the timers' states and instants, so a
 * redelivered or stale event decides nothing (an empty decision). Throws what the calendar
 * throws (a deadline beyond its horizon, `CalendarError`).
 */
export function decideLifecycle(
  issue: IssueTimers,
  events: LifecycleEvent | readonly LifecycleEvent[],
): LifecycleDecision {
  const work = new Work(issue);
  for (const event of Array.isArray(events) ? events : [events as LifecycleEvent]) decideOne(work, event);
  return work.decision();
}

function decideOne(work: Work, event: LifecycleEvent): void {
  switch (event.kind) {
    case "intake":
      onIntake(work, event.at);
      break;
    case "team-comment":
      onTeamComment(work, event.at, event.by, event.metrics ?? TEAM_METRICS);
      break;
    case "customer-comment":
      onCustomerComment(work, event.at);
      break;
    case "waiting-label":
      onWaitingLabel(work, event.action, event.at);
      break;
    case "resolved-label":
      onResolvedLabel(work, event.at);
      break;
    case "close":
      onClose(work, event.at);
      break;
    case "reopen":
      onReopen(work, event.at, event.waiting === true);
      break;
    case "replan":
      onReplan(work, event.at);
      break;
    case "post-mortem-required":
      onPostMortemRequired(work, event.at);
      break;
    case "post-mortem-done":
      onPostMortemDone(work, event.at, event.by);
      break;
  }
}

/** Tracking starts: the first response, and resolution and updates when the priority has them. */
function onIntake(work: Work, at: number): void {
  for (const metric of ["first_response", "resolution", "updates"] as const) {
    if (work.get(metric)) continue; // an intake run again after a crash: already started
    work.start(metric, 1, at, "tracking starts");
  }
}

/**
 * A team reply meets the first response and the next reply; it meets the current update interval
 * and starts the next one at the reply. A reply not after the interval's start (the reply that
 * started it, delivered again) changes nothing.
 */
function onTeamComment(work: Work, at: number, by: string, metrics: readonly Metric[]): void {
  for (const metric of TEAM_METRICS) {
    if (!metrics.includes(metric)) continue;
    const timer = work.get(metric);
    if (!timer || isFinal(timer.state)) continue;
    if (metric !== "updates") {
      work.meet(timer, at, by);
      continue;
    }
    if (!(at > timer.startedAt) || !work.meet(timer, at, by)) continue;
    work.start("updates", timer.cycle + 1, at, "a team comment starts the next update interval");
  }
}

/**
 * A customer comment: lifts the waiting pause of the resolution timer (it resumes at the comment,
 * and the app takes the waiting label off), and starts the next-reply timer when the team has
 * replied before and none is running. The next reply counts from the oldest unanswered customer
 * comment: a comment while one runs changes nothing, and a comment not after the team's last
 * reply (answered already, delivered late or again) starts nothing.
 */
function onCustomerComment(work: Work, at: number): void {
  const { calendar, policy } = work.issue;
  const resolution = work.get("resolution");
  if (resolution && !isFinal(resolution.state) && isPaused(resolution)) {
    const pause = resolution.pauses[resolution.pauses.length - 1];
    if (pause && at > pause.start) {
      const patch = resumeTimer(resolution, at, calendar, work.ladder("resolution"));
      if (patch) {
        work.patch(resolution, patch);
        work.effect(resolution, { kind: "remove-label", label: policy.labels.waiting });
        work.note({
          metric: "resolution",
          cycle: resolution.cycle,
          change: "resumed",
          before: resolution,
          reason: "the customer answered: the waiting pause ends",
        });
      }
    }
  }
  if (!work.open) return;
  const first = work.get("first_response");
  const next = work.get("next_reply");
  // No team reply in the first response's cycle yet: the first response is what counts.
  if (!first || first.metAt === null) return;
  if (next && !isFinal(next.state)) return; // already counting from an older comment
  const lastReply = Math.max(first.metAt, next?.metAt ?? Number.NEGATIVE_INFINITY);
  if (!(at > lastReply)) return;
  if (next && !(at > next.startedAt)) return;
  work.start("next_reply", (next?.cycle ?? 0) + 1, at, "a customer comment after the team's reply");
}

/** The waiting label: added, the resolution count pauses at the label event; removed, it resumes. */
function onWaitingLabel(work: Work, action: "added" | "removed", at: number): void {
  const timer = work.get("resolution");
  if (!timer || isFinal(timer.state)) return;
  const patch =
    action === "added"
      ? pauseTimer(timer, at)
      : resumeTimer(timer, at, work.issue.calendar, work.ladder("resolution"));
  if (!patch) {
    // Removed while not paused: GitHub may deliver the removal before the addition it undoes
    // (webhook order is not guaranteed). An empty pause at the removal marks it, so an addition
    // older than it is refused (`pauseTimer` ignores what predates the last pause's end) instead
    // of opening a pause that nothing would ever end.
    const last = timer.pauses.at(-1);
    if (
      action === "removed" &&
      !isPaused(timer) &&
      at >= timer.startedAt &&
      (!last || (last.end ?? at) < at)
    ) {
      work.patch(timer, { pauses: [...timer.pauses, { start: at, end: at }] });
    }
    return;
  }
  work.patch(timer, patch);
  work.note({
    metric: "resolution",
    cycle: timer.cycle,
    change: action === "added" ? "paused" : "resumed",
    before: timer,
    reason: action === "added" ? "waiting for the customer" : "the waiting label was removed",
  });
}

/** The resolved label meets the resolution timer as a close would. */
function onResolvedLabel(work: Work, at: number): void {
  const timer = work.get("resolution");
  if (timer && !isFinal(timer.state)) work.meet(timer, at, null);
}

/**
 * A close: a first response not given yet is cancelled (a breached one stays breached and stops
 * escalating, as before timers); an open incident is resolved; next reply and updates are
 * cancelled; resolution is met. A close not after a timer's start, or not after the resolution's
 * last resume (a close delivered after the reopening that followed it), changes nothing.
 */
function onClose(work: Work, at: number): void {
  const first = work.get("first_response");
  if (first && at >= first.startedAt) {
    if (first.state === "pending" || first.state === "at-risk") {
      work.cancel(first, at, "closed before any team reply");
    } else if (first.state === "breached" && first.nextDueAt !== null) {
      work.patch(first, { nextDueAt: null });
      work.note({
        metric: "first_response",
        cycle: first.cycle,
        change: "stopped",
        before: first,
        reason: "closed after the breach: it escalates no further",
      });
    }
    const now = work.get("first_response") as Timer;
    if (now.paged) {
      work.effect(now, { kind: "page-resolve" });
      work.patch(now, { paged: false });
    }
  }
  for (const metric of ["next_reply", "updates"] as const) {
    const timer = work.get(metric);
    if (timer && !isFinal(timer.state)) work.cancel(timer, at, "the issue was closed");
  }
  const resolution = work.get("resolution");
  if (resolution && !isFinal(resolution.state)) {
    const last = resolution.pauses[resolution.pauses.length - 1];
    if (!(last?.end != null && at < last.end)) work.meet(resolution, at, null);
  }
  work.open = false;
}

/**
 * A reopening at `at`: without a team reply in the first response's cycle a new cycle starts at
 * `at` (the labels of the old one come off; an incident still open carries over); the resolution
 * timer resumes with the closed interval as a pause; a new update interval starts.
 */
function onReopen(work: Work, at: number, waiting: boolean): void {
  work.open = true;
  const first = work.get("first_response");
  if (first && first.metAt === null && first.state !== "met" && at > first.startedAt) {
    if (first.state === "pending" || first.state === "at-risk") {
      work.cancel(first, at, "reopened: a new cycle replaces it");
    } else if (first.state === "breached") {
      if (first.nextDueAt !== null) work.patch(first, { nextDueAt: null });
      const label = heldLabel(first, work.ladder("first_response"));
      if (label !== null && !work.held("first_response").has(label))
        work.effect(first, { kind: "remove-label", label });
    }
    // An incident still open (its close never resolved it) carries over, as before timers.
    work.start(
      "first_response",
      first.cycle + 1,
      at,
      `reopened without a team reply: cycle ${first.cycle + 1}`,
      first.paged,
    );
  }
  const resolution = work.get("resolution");
  if (resolution) {
    const reopened = reopenTimer(resolution, at, work.issue.calendar, work.ladder("resolution"));
    if (reopened) {
      work.patch(resolution, reopened.patch);
      for (const e of reopened.effects) work.effect(resolution, e);
      work.note({
        metric: "resolution",
        cycle: resolution.cycle,
        change: "reopened",
        before: resolution,
        reason: "reopened: the same timer resumes, the closed interval paused",
      });
      // The waiting label is still on: the team still waits for the customer, so the timer stays
      // paused (from the reopening) until the customer answers or the label comes off.
      const resumed = work.get("resolution");
      const paused = waiting && resumed ? pauseTimer(resumed, at) : null;
      if (resumed && paused) {
        work.patch(resumed, paused);
        work.note({
          metric: "resolution",
          cycle: resumed.cycle,
          change: "paused",
          before: resumed,
          reason: "reopened with the waiting label still on: the pause goes on",
        });
      }
    }
  }
  const updates = work.get("updates");
  if (!updates || (isFinal(updates.state) && at > updates.startedAt)) {
    work.start("updates", (updates?.cycle ?? 0) + 1, at, "reopened: a new update interval");
  }
}

/** Whether a re-plan's patch changes anything the timer has. */
function changes(timer: Timer, patch: Partial<Timer>): boolean {
  return (Object.keys(patch) as (keyof Timer)[]).some(
    (k) => JSON.stringify(patch[k]) !== JSON.stringify(timer[k]),
  );
}

/**
 * A priority or config change. Pending and at-risk timers are planned again from their start
 * with the new target and clock (their pauses kept); breached ones keep their plan (a breach was
 * escalated and stays one). A metric now off cancels its running timer (post-mortem excepted: a
 * team member asked for it). On an open issue, resolution and updates now on start at the change:
 * turning a metric on never breaches an issue for the time before.
 */
function onReplan(work: Work, at: number): void {
  const { policy, priority, calendar } = work.issue;
  for (const metric of ["first_response", "next_reply", "resolution", "updates", "post_mortem"] as const) {
    const timer = work.get(metric);
    const planned = metricTarget(policy, priority, metric);
    if (timer && !isFinal(timer.state)) {
      if (!planned) {
        if (metric !== "post_mortem" && metric !== "first_response")
          work.cancel(timer, at, `priority ${priority.key} has no ${metric} target`);
        continue;
      }
      if (timer.state === "breached") continue;
      const patch = replanTimer(timer, planned.target, planned.clock, at, calendar, work.ladder(metric));
      // Due already and still due: the instant it fell due is kept (it is no change).
      if (patch && patch.nextDueAt === at && timer.nextDueAt !== null && timer.nextDueAt <= at)
        patch.nextDueAt = timer.nextDueAt;
      if (patch && changes(timer, patch)) {
        // Back below a labelled level it had fired: its label comes off (unless another timer holds it).
        if (patch.level !== undefined && patch.level < timer.level) {
          const ladder = work.ladder(metric);
          const was = heldLabel(timer, ladder);
          if (
            was !== null &&
            was !== heldLabel({ level: patch.level }, ladder) &&
            !work.held(metric).has(was)
          )
            work.effect(timer, { kind: "remove-label", label: was });
        }
        work.patch(timer, patch);
        work.note({
          metric,
          cycle: timer.cycle,
          change: "replanned",
          before: timer,
          reason: `re-planned for ${priority.key} from the cycle start`,
        });
        if (metric === "updates") work.refreshIntakeComment = true;
      }
      continue;
    }
    if (!planned || !work.open) continue;
    if (metric !== "resolution" && metric !== "updates") continue;
    if (timer && timer.state !== "cancelled") continue; // met: that run is over
    work.startWith(metric, (timer?.cycle ?? 0) + 1, at, planned, `turned on for ${priority.key}`);
  }
}

/**
 * `post_mortem.required_label`: the follow-up starts at `at` on `post_mortem.due` (calendar
 * clock); for a priority that is not a post-mortem priority the team's label still starts it, with
 * the same target. Running or done already: nothing.
 */
function onPostMortemRequired(work: Work, at: number): void {
  const timer = work.get("post_mortem");
  if (timer && timer.state !== "cancelled") return;
  const { policy, priority } = work.issue;
  const planned = metricTarget(policy, priority, "post_mortem") ?? {
    target: { kind: "duration", ms: policy.postMortem.dueMs },
    clock: "calendar",
  };
  work.startWith("post_mortem", (timer?.cycle ?? 0) + 1, at, planned, "post-mortem required");
}

/** `post_mortem.done_label` meets the follow-up. */
function onPostMortemDone(work: Work, at: number, by: string): void {
  const timer = work.get("post_mortem");
  if (timer && !isFinal(timer.state)) work.meet(timer, at, by);
}

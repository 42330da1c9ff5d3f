import type { Logger } from "probot";
import type { BusinessCalendar } from "../domain/business-hours.js";
import type { EscalationLevel, Policy, PriorityPolicy } from "../domain/policy.js";
import { responseSlackText } from "../domain/sla/messages.js";
import { ladderFor } from "../domain/timers/ladder.js";
import { decideLifecycle, type LifecycleDecision, type LifecycleEvent } from "../domain/timers/lifecycle.js";
import { isFinal, levelInstants, type Metric, preBreach, type Timer } from "../domain/timers/timer.js";
import { addLabel, removeLabel } from "../github/labels.js";
import type { GitHub } from "../github/octokit.js";
import { deliver, effectKey, once } from "../outbox/index.js";
import type { TrackedRow } from "../store/intake-store.js";
import { getTimers, saveTimers, type TimerWrite } from "../store/timer-store.js";
import type { HandlerDeps } from "./deps.js";
import { type IntakeIssue, refreshIntakeComment } from "./intake.js";
import { findPriority, issueRef, notice, pagerIssue } from "./sla.js";

/*
 * The handlers' side of the timers: read an issue's timers, let the pure lifecycle decide what an
 * event does to them (src/domain/timers/lifecycle.ts), apply the effects it asks for and write the
 * rows. Nothing here decides a transition.
 */

/** What applying one lifecycle decision needs: the issue, its policy and who to tell. */
export interface TimerScope {
  deps: HandlerDeps;
  gh: GitHub;
  row: TrackedRow;
  policy: Policy;
  /** Bound to the issue. */
  log: Logger;
}

/** A priority's place in the config (0 = most urgent): the scheduler claims lower ranks first. */
export function priorityRank(policy: Policy, key: string): number {
  const index = policy.priorities.findIndex((p) => p.key === key);
  return index < 0 ? policy.priorities.length : index;
}

/**
 * The at-risk instant of a first-response timer for the `tracked_issues` projection (today's
 * `at_risk_at`): the instant of the ladder's first level below 100 %, capped at the deadline, or
 * the deadline when the ladder warns before none. Undefined while the timer has no deadline.
 */
export function atRiskOf(
  timer: Timer,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): number | undefined {
  if (timer.deadlineAt === null) return undefined;
  const index = ladder.findIndex(preBreach);
  if (index < 0) return timer.deadlineAt;
  const instant = levelInstants(timer, calendar, ladder)[index];
  return instant === null || instant === undefined ? timer.deadlineAt : Math.min(instant, timer.deadlineAt);
}

/**
 * The store writes of a decision: inserts and patches with the issue's installation and the
 * priority's rank (a priority change moves the rank of every running timer, written or not), and
 * for the first-response timer its at-risk instant for the projection.
 */
export function timerWrites(
  decision: Pick<LifecycleDecision, "changes" | "timers">,
  scope: { policy: Policy; priority: PriorityPolicy; calendar: BusinessCalendar; installationId: number },
  rerank: readonly Timer[] = [],
): TimerWrite[] {
  const rank = priorityRank(scope.policy, scope.priority.key);
  const ladder = ladderFor(scope.policy, scope.priority, "first_response");
  const after = (metric: Metric, cycle: number, patch: Partial<Timer>): Timer | undefined => {
    const current = decision.timers.find((t) => t.metric === metric && t.cycle === cycle);
    return current ? { ...current, ...patch } : undefined;
  };
  const projection = (timer: Timer | undefined) => {
    if (timer?.metric !== "first_response") return {};
    const atRiskAt = atRiskOf(timer, scope.calendar, ladder);
    return atRiskAt === undefined ? {} : { projection: { atRiskAt } };
  };
  const writes: TimerWrite[] = decision.changes.map((c) =>
    c.kind === "insert"
      ? { kind: "insert", timer: c.timer, installationId: scope.installationId, rank, ...projection(c.timer) }
      : {
          kind: "update",
          metric: c.metric,
          cycle: c.cycle,
          patch: c.patch,
          rank,
          ...(c.patch.deadlineAt !== undefined ? projection(after(c.metric, c.cycle, c.patch)) : {}),
        },
  );
  for (const t of rerank) {
    if (isFinal(t.state)) continue;
    const written = decision.changes.some((c) =>
      c.kind === "insert" ? c.timer.metric === t.metric : c.metric === t.metric && c.cycle === t.cycle,
    );
    if (!written) writes.push({ kind: "update", metric: t.metric, cycle: t.cycle, patch: {}, rank });
  }
  return writes;
}

/** `first_response c2 started`, … : what a decision did, for one log line (no customer text). */
export function transitionSummary(decision: LifecycleDecision): string[] {
  return decision.transitions.map(
    (t) => `${t.metric} c${t.cycle} ${t.change}${t.change === "met" && t.late ? " (late)" : ""}`,
  );
}

/**
 * The outbox key of an acknowledgement or resolution: one per incident, and the incident is the
 * issue's cycle (`pagerIssue`), whichever timers' meets ask for it (a reply meeting the first
 * response and the update interval acknowledges once).
 */
function incidentKey(row: Pick<TrackedRow, "repo" | "number" | "cycle">, name: string): string {
  return effectKey(row, name);
}

/**
 * Applies a decision's effects in order: labels (each label once, as the last effect on it says:
 * timers share them), the acknowledgement or resolution of an open incident (through the outbox),
 * and the Slack message about a first response to an issue the channel was warned about. Throws
 * what GitHub, PagerDuty or Slack throw (the caller's delivery is retried; the outbox keeps each
 * effect once).
 */
export async function applyTimerEffects(scope: TimerScope, decision: LifecycleDecision): Promise<void> {
  const { deps, gh, row, policy, log } = scope;
  const ref = issueRef(row);
  const labels = new Map<string, { name: string; add: boolean }>();
  for (const { effect } of decision.effects) {
    if (effect.kind !== "add-label" && effect.kind !== "remove-label") continue;
    const lower = effect.label.toLowerCase();
    labels.delete(lower); // the last word on a label counts, in the order of that word
    labels.set(lower, { name: effect.label, add: effect.kind === "add-label" });
  }
  for (const { name, add } of labels.values()) {
    if (add) await addLabel(gh, ref, name);
    else await removeLabel(gh, ref, name);
  }
  const { pagerduty, slack } = deps.notifiers;
  for (const e of decision.effects) {
    if (e.effect.kind === "page-ack" && pagerduty) {
      await once(
        deps,
        incidentKey(row, "page-ack"),
        "rerun",
        () => deliver("pagerduty", () => pagerduty.acknowledge(pagerIssue(row), log)),
        { channel: "pagerduty", log },
      );
    } else if (e.effect.kind === "page-resolve" && pagerduty) {
      // Not confirmed: `once` throws and the delivery is retried; the timer keeps its open incident.
      await once(
        deps,
        incidentKey(row, "page-resolve"),
        "rerun",
        () => deliver("pagerduty", () => pagerduty.resolve(pagerIssue(row), log)),
        { channel: "pagerduty", log },
      );
    }
  }
  if (!slack) return;
  for (const t of decision.transitions) {
    const before = t.before;
    if (t.metric !== "first_response" || t.change !== "met" || !before) continue;
    if (before.state !== "at-risk" && before.state !== "breached") continue;
    const met = decision.timers.find((x) => x.metric === t.metric && x.cycle === t.cycle);
    if (!met || met.metAt === null || met.metBy === null) continue;
    const text = responseSlackText({
      by: met.metBy,
      at: met.metAt,
      deadlineAt: before.deadlineAt ?? row.deadline_at,
      businessMs: met.countedMs ?? 0,
      businessClock: before.clock === "business",
    });
    await once(
      deps,
      effectKey({ repo: row.repo, number: row.number, cycle: t.cycle }, "response-slack"),
      "skip",
      () => deliver("slack", () => slack.notify(notice(row, policy, "met", text), log)),
      { channel: "slack", log },
    );
  }
}

export interface LifecycleOptions {
  /** The issue is open; default: the tracked row has no `closed_at`. */
  open?: boolean;
  /** The priority to decide with; default the tracked row's. */
  priority?: PriorityPolicy;
  /** Write the priority's rank onto every running timer (the config's order may have changed). */
  rerank?: boolean;
  /** The issue as the event delivered it, for the intake comment; absent: read from GitHub if needed. */
  issue?: IntakeIssue | null;
}

export interface LifecycleRun {
  decision: LifecycleDecision;
  /** The timers before the event (the current cycle of each metric). */
  before: Timer[];
}

/**
 * Reads the issue's timers, decides `events` with the issue's current priority (or `priority`),
 * applies the effects, renders the intake comment again when its next update moved, and writes the
 * timers: one event of the issue's life, end to end (see {@link LifecycleOptions}). Tells the
 * scheduler when a written timer is due.
 * Throws what the calendar, the store and the effects throw.
 */
export async function runLifecycle(
  scope: TimerScope,
  events: LifecycleEvent | readonly LifecycleEvent[],
  options: LifecycleOptions = {},
): Promise<LifecycleRun> {
  const { deps, row, policy } = scope;
  const priority = options.priority ?? findPriority(policy, row.priority);
  const calendar = deps.calendars.for(policy);
  const before = await getTimers(deps.store, row);
  const decision = decideLifecycle(
    { policy, priority, calendar, timers: before, open: options.open ?? row.closed_at == null },
    events,
  );
  await applyTimerEffects(scope, decision);
  // The comment before the rows: a failed edit leaves the timers as they were, so the retried
  // event decides (and edits) again.
  if (decision.refreshIntakeComment) {
    await refreshIntakeComment(deps, scope.gh, row, options.issue ?? null, scope.log, decision.timers);
  }
  await writeDecision(deps, row, decision, { policy, priority, calendar }, options.rerank ? before : []);
  return { decision, before };
}

/** Writes a decision's timers (nothing when it changes none) and wakes the scheduler for a due one. */
export async function writeDecision(
  deps: HandlerDeps,
  row: Pick<TrackedRow, "repo" | "number" | "installation_id">,
  decision: Pick<LifecycleDecision, "changes" | "timers">,
  scope: { policy: Policy; priority: PriorityPolicy; calendar: BusinessCalendar },
  rerank: readonly Timer[] = [],
): Promise<void> {
  const writes = timerWrites(decision, { ...scope, installationId: row.installation_id }, rerank);
  if (writes.length === 0) return;
  await saveTimers(deps.store, { repo: row.repo, number: row.number }, writes, { now: deps.clock.now() });
  const due = writes.some((w) =>
    w.kind === "insert"
      ? w.timer.nextDueAt !== null
      : w.patch.nextDueAt !== undefined && w.patch.nextDueAt !== null,
  );
  if (due) deps.kickScheduler?.();
}

/**
 * Adds `patch` of `timer` to a decision not written yet (e.g. the page intake confirmed): merged
 * into the decision's write of that timer, or a new update; the decision's timers follow.
 */
export function patchDecision(decision: LifecycleDecision, timer: Timer, patch: Partial<Timer>): void {
  const same = (t: Pick<Timer, "metric" | "cycle">) => t.metric === timer.metric && t.cycle === timer.cycle;
  const earlier = decision.changes.find((c) => (c.kind === "insert" ? same(c.timer) : same(c)));
  if (earlier?.kind === "insert") earlier.timer = { ...earlier.timer, ...patch };
  else if (earlier?.kind === "update") earlier.patch = { ...earlier.patch, ...patch };
  else
    decision.changes.push({ kind: "update", metric: timer.metric, cycle: timer.cycle, patch: { ...patch } });
  decision.timers = decision.timers.map((t) => (same(t) ? { ...t, ...patch } : t));
}

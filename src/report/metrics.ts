import type { BusinessCalendar } from "../domain/business-hours.js";
import type { ClockKind, Policy, ResponseTarget } from "../domain/policy.js";
import { countedBetween, type Pause } from "../domain/timers/timer.js";
import { iso, spread, summariseTargets, targetText, trackedTargets } from "./common.js";
import {
  REPORT_METRICS,
  type ReportMetric,
  type ReportMetricKey,
  type ReportPause,
  type ReportPriority,
  type ReportTimer,
  type ReportTimerStats,
  type ReportType,
} from "./types.js";

/*
 * The next-reply and resolution figures of the report (issue 12): attainment per priority × type
 * and the pauses, from the `timers` rows. Definitions: `ReportTimerStats` in types.ts.
 */

export type TimerOutcome =
  | { outcome: "met" | "running" | "cancelled" }
  /** `met`: met after its deadline; else not met and past it (unanswered, unresolved). */
  | { outcome: "breached"; met: boolean };

/**
 * Counted ms from `from` to `to` on `clock` with `pauses` taken out (the domain's
 * `countedBetween` on the repo's calendar); null when it cannot be told (no calendar, or a span
 * the calendar refuses, such as one past its horizon).
 */
export function countedMs(
  calendar: BusinessCalendar | null,
  clock: ClockKind,
  pauses: readonly Pause[],
  from: number,
  to: number,
): number | null {
  if (calendar === null) return null;
  try {
    return countedBetween(calendar, clock, pauses, from, to);
  } catch {
    return null;
  }
}

/**
 * The outcome of one timer at `now`, from its facts rather than from how far the scheduler got:
 * - cancelled: left out of the figures, unless it had breached before it was cancelled (a next
 *   reply left unanswered until the close): that stays a breach, as a first response closed
 *   unanswered after its deadline does;
 * - met: breached when recorded late or when its count passed the target, else met;
 * - not met: breached when a breach was recorded, the deadline has passed (`now` strictly after
 *   it, as a late reply is strictly after it), or the count so far (pauses excluded) is past the
 *   target, or has reached it while paused (a paused timer has no deadline); else running.
 */
export function timerOutcomeOf(
  timer: ReportTimer,
  now: number,
  calendar: BusinessCalendar | null,
): TimerOutcome {
  if (timer.state === "cancelled") {
    return timer.breachedAt !== null ? { outcome: "breached", met: false } : { outcome: "cancelled" };
  }
  if (timer.state === "met") {
    const late = timer.late || (timer.countedMs !== null && timer.countedMs > timer.targetMs);
    return late ? { outcome: "breached", met: true } : { outcome: "met" };
  }
  const breached = { outcome: "breached", met: false } as const;
  if (timer.state === "breached" || timer.breachedAt !== null) return breached;
  if (timer.deadlineAt !== null && now > timer.deadlineAt) return breached;
  const soFar = countedMs(calendar, timer.clock, timer.pauses, timer.startedAt, now);
  const paused = timer.pauses.at(-1)?.end === null;
  if (soFar !== null && (soFar > timer.targetMs || (paused && soFar >= timer.targetMs))) return breached;
  return { outcome: "running" };
}

interface Tally {
  timers: ReportTimer[];
  outcomes: TimerOutcome[];
  /** Paused counted ms of each timer, in the order of `timers`. */
  paused: number[];
}

const newTally = (): Tally => ({ timers: [], outcomes: [], paused: [] });

function stats(t: Tally): ReportTimerStats {
  const counted = t.outcomes.flatMap((o, i) => (o.outcome === "cancelled" ? [] : [i]));
  const count = (o: TimerOutcome["outcome"]) => t.outcomes.filter((x) => x.outcome === o).length;
  const met = count("met");
  const breached = count("breached");
  const breachedMet = t.outcomes.filter((x) => x.outcome === "breached" && x.met).length;
  const metTimes = t.timers.flatMap((timer, i) => {
    const o = t.outcomes[i];
    const wasMet = o?.outcome === "met" || (o?.outcome === "breached" && o.met);
    return wasMet && timer.countedMs !== null ? [timer.countedMs] : [];
  });
  return {
    timers: counted.length,
    issues: new Set(counted.map((i) => t.timers[i]?.number)).size,
    met,
    breached,
    breachedMet,
    breachedOpen: breached - breachedMet,
    running: count("running"),
    cancelled: count("cancelled"),
    attainment: met + breached === 0 ? null : met / (met + breached),
    countedMs: spread(metTimes),
    pausedMs: counted.reduce((n, i) => n + (t.paused[i] ?? 0), 0),
  };
}

export interface MetricsContext {
  /** The report's priorities and types (every key of `timers` among them), in report order. */
  priorities: readonly ReportPriority[];
  types: readonly ReportType[];
  policy: Policy;
  /** Whether `policy` is the repo's: only then is its target shown for a priority without timers. */
  policyIsRepos: boolean;
  calendar: BusinessCalendar | null;
  now: number;
}

/** The metric's target of a priority in the policy, on the priority's clock; null when it is off. */
function configuredTarget(policy: Policy, priority: string, metric: ReportMetricKey) {
  const p = policy.priorities.find((x) => x.key === priority);
  if (!p) return undefined;
  const target: ResponseTarget | null = metric === "next_reply" ? p.nextReply : p.resolution;
  return target === null ? null : { response: target, clock: p.clock };
}

const timerTarget = (t: ReportTimer) => ({ response: t.target, clock: t.clock });

/**
 * The next-reply and resolution figures of `timers` (already those of the report's repo and
 * window; timers of other metrics are left out): one {@link ReportMetric} per
 * {@link REPORT_METRICS}, and every pause of their counted (not cancelled) timers, earliest first.
 */
export function buildMetrics(
  timers: readonly ReportTimer[],
  context: MetricsContext,
): { metrics: ReportMetric[]; pauses: ReportPause[] } {
  const { calendar, now } = context;
  const pauses: ReportPause[] = [];
  const metrics = REPORT_METRICS.map(({ key, name }): ReportMetric => {
    const mine = timers.filter((t) => t.metric === key);
    const overall = newTally();
    const byPriority = new Map(context.priorities.map((p) => [p.key, newTally()]));
    const byCell = new Map<string, Tally>();
    for (const timer of mine) {
      const outcome = timerOutcomeOf(timer, now, calendar);
      let paused = 0;
      if (outcome.outcome !== "cancelled") {
        for (const pause of timer.pauses) {
          if (pause.end === pause.start) continue; // empty: excludes nothing, not listed
          const counted = countedMs(calendar, timer.clock, [], pause.start, pause.end ?? now);
          paused += counted ?? 0;
          pauses.push({
            repo: timer.repo,
            number: timer.number,
            title: timer.title,
            url: timer.url || `https://github.com/${timer.repo}/issues/${timer.number}`,
            priority: timer.priority,
            type: timer.type,
            metric: key,
            cycle: timer.cycle,
            from: iso(pause.start),
            to: pause.end === null ? null : iso(pause.end),
            countedMs: counted,
            ongoing: pause.end === null,
          });
        }
      }
      const cellKey = JSON.stringify([timer.priority, timer.type]);
      if (!byCell.has(cellKey)) byCell.set(cellKey, newTally());
      for (const tally of [overall, byPriority.get(timer.priority), byCell.get(cellKey)]) {
        if (!tally) continue;
        tally.timers.push(timer);
        tally.outcomes.push(outcome);
        tally.paused.push(paused);
      }
    }
    return {
      metric: key,
      name,
      byPriority: context.priorities.map((p) => {
        const tally = byPriority.get(p.key) ?? newTally();
        const configured = configuredTarget(context.policy, p.key, key);
        const configuredText =
          !context.policyIsRepos || configured === undefined
            ? null
            : configured === null
              ? "off"
              : targetText(configured);
        const tracked = trackedTargets(tally.timers.map(timerTarget));
        return {
          priority: p.key,
          target: summariseTargets(tracked, configuredText, "timer"),
          tracked,
          configured: configuredText,
          stats: stats(tally),
        };
      }),
      cells: context.priorities.flatMap((p) =>
        context.types.flatMap((t) => {
          const tally = byCell.get(JSON.stringify([p.key, t.key]));
          if (!tally) return [];
          const target = summariseTargets(trackedTargets(tally.timers.map(timerTarget)), null, "timer");
          return [{ priority: p.key, type: t.key, target, stats: stats(tally) }];
        }),
      ),
      overall: stats(overall),
    };
  });
  pauses.sort((a, b) => a.from.localeCompare(b.from) || a.number - b.number);
  return { metrics, pauses };
}

import type { BusinessCalendar } from "../domain/business-hours.js";
import type { Policy, PriorityPolicy, SlaTarget } from "../domain/policy.js";
import { targetFromColumns } from "../handlers/sla-record.js";
import {
  calendarOf,
  displayName,
  iso,
  spread,
  summariseTargets,
  targetText,
  trackedTargets,
} from "./common.js";
import { buildMetrics } from "./metrics.js";
import {
  type BreachKind,
  REPORT_CHANNELS,
  type ReportBreach,
  type ReportChannel,
  type ReportPriority,
  type ReportRow,
  type ReportStats,
  type ReportTimer,
  type ReportType,
  type SlaReport,
} from "./types.js";

export { displayName, NOT_RECORDED, nearestRank, targetText } from "./common.js";

export interface ReportOptions {
  /** `owner/name`; compared without regard to case. */
  repo: string;
  /** Inclusive lower bound on the cycle start (epoch ms); none = unbounded. */
  since?: number | undefined;
  /** Exclusive upper bound on the cycle start (epoch ms); none = unbounded. */
  until?: number | undefined;
  /** The instant outcomes are decided at: a running clock past its deadline is a breach. */
  now: number;
  /**
   * Names, order, labels and the business calendar (for `--since` dates and next-business-day
   * targets). Never the source of an issue's target: that is the one recorded with the issue.
   */
  policy: Policy;
  /**
   * Whether `policy` is the repo's own (the weekly report, `report --config`): default true. False
   * when it is the built-in default for want of the repo's config: a priority without issues then
   * shows no target rather than the default's, which may not be the repo's.
   */
  policyIsRepos?: boolean | undefined;
  /**
   * The timers of the repo (any: those of other repos, other metrics or started outside the
   * window are left out), for the next-reply and resolution figures (`metrics`) and the pauses.
   * Absent: the report has neither (`support-sla report` always passes them).
   */
  timers?: readonly ReportTimer[] | undefined;
}

export type Outcome =
  | { outcome: "met" | "running" | "cancelled" }
  | { outcome: "breached"; kind: BreachKind; overdueMs: number; ongoing: boolean };

/**
 * The outcome of one issue at `now`, from the facts (reply, deadline, close) rather than the
 * state the scheduler wrote: a reply is late strictly after the deadline, as in the clock; a
 * clock still running (or cancelled) after its deadline was breached even if nobody escalated it.
 */
export function outcomeOf(row: ReportRow, now: number): Outcome {
  const deadline = row.deadline_at;
  if (row.first_response_at !== null) {
    const late = row.first_response_late === 1 || row.first_response_at > deadline;
    if (!late) return { outcome: "met" };
    return {
      outcome: "breached",
      kind: "answered-late",
      overdueMs: row.first_response_at - deadline,
      ongoing: false,
    };
  }
  const closedAt = row.closed_at !== null && row.closed_at >= row.cycle_started_at ? row.closed_at : null;
  const overdue = (end: number | null) => ({
    overdueMs: Math.max(0, (end ?? now) - deadline),
    ongoing: end === null,
  });
  switch (row.state) {
    case "met":
      return { outcome: "met" };
    case "breached":
      return { outcome: "breached", kind: "escalated", ...overdue(closedAt) };
    case "cancelled":
      if (closedAt !== null && closedAt > deadline) {
        return { outcome: "breached", kind: "closed-unanswered", ...overdue(closedAt) };
      }
      return { outcome: "cancelled" };
    default:
      if (now > deadline) return { outcome: "breached", kind: "overdue", ...overdue(null) };
      return { outcome: "running" };
  }
}

function priorityEntry(
  base: Pick<ReportPriority, "key" | "label" | "name" | "configured" | "inPolicy">,
  rows: readonly ReportRow[],
): ReportPriority {
  const tracked = trackedTargets(rows.map(targetFromColumns));
  const only = tracked.length === 1 ? tracked[0] : undefined;
  return {
    key: base.key,
    label: base.label,
    name: base.name,
    target: summariseTargets(tracked, base.configured),
    targetMs: only?.response?.kind === "duration" ? only.response.ms : null,
    clock: only?.clock ?? null,
    tracked,
    configured: base.configured,
    inPolicy: base.inPolicy,
  };
}

interface Tally {
  rows: ReportRow[];
  outcomes: Outcome[];
  ofTarget: number[];
}

function stats(t: Tally): ReportStats {
  const count = (o: Outcome["outcome"]) => t.outcomes.filter((x) => x.outcome === o).length;
  const breachedAnswered = t.outcomes.filter(
    (x) => x.outcome === "breached" && x.kind === "answered-late",
  ).length;
  const met = count("met");
  const breached = count("breached");
  const answered = t.rows.filter((r) => r.first_response_at !== null);
  return {
    issues: t.rows.length,
    met,
    breached,
    breachedAnswered,
    breachedUnanswered: breached - breachedAnswered,
    running: count("running"),
    cancelled: count("cancelled"),
    attainment: met + breached === 0 ? null : met / (met + breached),
    answered: answered.length,
    businessMs: spread(
      answered.flatMap((r) => (r.first_response_business_ms === null ? [] : [r.first_response_business_ms])),
    ),
    wallMs: spread(answered.map((r) => (r.first_response_at ?? 0) - r.cycle_started_at)),
    ofTarget: spread(t.ofTarget),
  };
}

/**
 * The time the deadline allowed, on the clock of the target it was planned for: a recorded
 * duration is that time exactly; otherwise business time between the cycle start and the
 * deadline on the business clock (the recorded one, else the priority's in the policy), elapsed
 * time on the calendar clock and for priorities no longer in the policy. Null when it cannot be told.
 */
function allowedMs(
  row: ReportRow,
  target: SlaTarget | null,
  priority: PriorityPolicy | undefined,
  calendar: BusinessCalendar | null,
) {
  if (target?.response.kind === "duration") return target.response.ms;
  const elapsed = row.deadline_at - row.cycle_started_at;
  if ((target?.clock ?? priority?.clock) !== "business") return elapsed > 0 ? elapsed : null;
  if (!calendar) return null;
  try {
    const business = calendar.businessTimeBetween(row.cycle_started_at, row.deadline_at);
    return business > 0 ? business : null;
  } catch {
    return null;
  }
}

/**
 * The channel of a row: `github` unless the store linked the issue to a PagerDuty incident or a
 * Slack request (an unknown value counts as `github`, so that the channels add up to the total).
 */
export function channelOf(row: Pick<ReportRow, "channel">): ReportChannel {
  return REPORT_CHANNELS.find((c) => c.key === row.channel)?.key ?? "github";
}
const newTally = (): Tally => ({ rows: [], outcomes: [], ofTarget: [] });

/**
 * The SLA report of `rows` (any rows: those of other repos or outside the window are left out),
 * with totals per priority, per priority × type and per channel (`row.channel`, default GitHub);
 * with `options.timers`, also next reply and resolution per priority × type and their pauses
 * (`metrics`, `pauses`: see src/report/metrics.ts). Uses the policy's calendar for counts.
 */
export function buildReport(rows: readonly ReportRow[], options: ReportOptions): SlaReport {
  const { policy, now, since, until } = options;
  const repo = options.repo.toLowerCase();
  const selected = rows.filter(
    (r) =>
      r.repo.toLowerCase() === repo &&
      (since === undefined || r.cycle_started_at >= since) &&
      (until === undefined || r.cycle_started_at < until),
  );

  const policyIsRepos = options.policyIsRepos ?? true;
  const rowsOf = (key: string) => selected.filter((r) => r.priority === key);
  const priorities: ReportPriority[] = policy.priorities.map((p) =>
    priorityEntry(
      {
        key: p.key,
        label: p.label,
        name: displayName(p.label),
        configured: policyIsRepos ? targetText(p) : null,
        inPolicy: true,
      },
      rowsOf(p.key),
    ),
  );
  const types: ReportType[] = policy.types.map((t) => ({
    key: t.key,
    label: t.label,
    name: displayName(t.label),
    inPolicy: true,
  }));
  for (const row of selected) {
    if (!priorities.some((p) => p.key === row.priority)) {
      priorities.push(
        priorityEntry(
          {
            key: row.priority,
            label: row.priority,
            name: displayName(row.priority),
            configured: null,
            inPolicy: false,
          },
          rowsOf(row.priority),
        ),
      );
    }
    if (!types.some((t) => t.key === row.type)) {
      types.push({ key: row.type, label: row.type, name: displayName(row.type), inPolicy: false });
    }
  }

  const timers = options.timers?.filter(
    (t) =>
      t.repo.toLowerCase() === repo &&
      (since === undefined || t.startedAt >= since) &&
      (until === undefined || t.startedAt < until),
  );
  // A timer's issue may have its first-response clock outside the window, under a priority or
  // type no issue of the window has.
  for (const timer of timers ?? []) {
    if (!priorities.some((p) => p.key === timer.priority)) {
      priorities.push(
        priorityEntry(
          {
            key: timer.priority,
            label: timer.priority,
            name: displayName(timer.priority),
            configured: null,
            inPolicy: false,
          },
          [],
        ),
      );
    }
    if (!types.some((t) => t.key === timer.type)) {
      types.push({ key: timer.type, label: timer.type, name: displayName(timer.type), inPolicy: false });
    }
  }

  const calendar = calendarOf(policy);
  const overall = newTally();
  const byPriority = new Map(priorities.map((p) => [p.key, newTally()]));
  const byCell = new Map<string, Tally>();
  const byChannel = new Map(REPORT_CHANNELS.map((c) => [c.key, newTally()]));
  const breaches: ReportBreach[] = [];
  for (const row of selected) {
    const outcome = outcomeOf(row, now);
    const cellKey = JSON.stringify([row.priority, row.type]);
    if (!byCell.has(cellKey)) byCell.set(cellKey, newTally());
    const allowed =
      row.first_response_at === null || row.first_response_business_ms === null
        ? null
        : allowedMs(
            row,
            targetFromColumns(row),
            policy.priorities.find((p) => p.key === row.priority),
            calendar,
          );
    const channel = channelOf(row);
    for (const tally of [
      overall,
      byPriority.get(row.priority),
      byCell.get(cellKey),
      byChannel.get(channel),
    ]) {
      if (!tally) continue;
      tally.rows.push(row);
      tally.outcomes.push(outcome);
      if (allowed !== null) tally.ofTarget.push((row.first_response_business_ms ?? 0) / allowed);
    }
    if (outcome.outcome === "breached") {
      breaches.push({
        repo: row.repo,
        number: row.number,
        title: row.title,
        url: row.html_url || `https://github.com/${row.repo}/issues/${row.number}`,
        priority: row.priority,
        type: row.type,
        kind: outcome.kind,
        cycleStartedAt: iso(row.cycle_started_at),
        deadlineAt: iso(row.deadline_at),
        firstResponseAt: row.first_response_at === null ? null : iso(row.first_response_at),
        firstResponseBy: row.first_response_by,
        overdueMs: outcome.overdueMs,
        ongoing: outcome.ongoing,
        channel,
      });
    }
  }
  breaches.sort((a, b) => a.deadlineAt.localeCompare(b.deadlineAt) || a.number - b.number);

  const cells = priorities.flatMap((p) =>
    types.flatMap((t) => {
      const tally = byCell.get(JSON.stringify([p.key, t.key]));
      return tally ? [{ priority: p.key, type: t.key, stats: stats(tally) }] : [];
    }),
  );
  return {
    format: "support-sla.report/1",
    repo,
    generatedAt: iso(now),
    timezone: policy.calendar.timezone,
    window: {
      since: since === undefined ? null : iso(since),
      until: until === undefined ? null : iso(until),
    },
    priorities,
    types,
    cells,
    byPriority: priorities.map((p) => ({
      priority: p.key,
      stats: stats(byPriority.get(p.key) ?? newTally()),
    })),
    overall: stats(overall),
    breaches,
    byChannel: REPORT_CHANNELS.map((c) => ({
      channel: c.key,
      name: c.name,
      stats: stats(byChannel.get(c.key) ?? newTally()),
    })),
    ...(timers === undefined
      ? {}
      : buildMetrics(timers, { priorities, types, policy, policyIsRepos, calendar, now })),
  };
}

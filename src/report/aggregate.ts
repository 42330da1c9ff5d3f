import type { Policy, PriorityPolicy } from "../config/policy.js";
import { type BusinessCalendar, createCalendar } from "../domain/business-hours.js";
import { formatDuration } from "../domain/duration.js";
import type {
  BreachKind,
  ReportBreach,
  ReportPriority,
  ReportRow,
  ReportStats,
  ReportType,
  SlaReport,
  Spread,
} from "./types.js";

export interface ReportOptions {
  /** `owner/name`; compared without regard to case. */
  repo: string;
  /** Inclusive lower bound on the cycle start (epoch ms); none = unbounded. */
  since?: number | undefined;
  /** Exclusive upper bound on the cycle start (epoch ms); none = unbounded. */
  until?: number | undefined;
  /** The instant outcomes are decided at: a running clock past its deadline is a breach. */
  now: number;
  policy: Policy;
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

/** Nearest-rank percentile (`p` a whole percent, 1 … 100): the value at rank ⌈p·n/100⌉ of the sorted values. */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1] ?? null;
}

const spread = (values: number[]): Spread => ({
  median: nearestRank(values, 50),
  p90: nearestRank(values, 90),
});

/** The label without its `priority:` / `type:` prefix, capitalised: `priority: production down` → `Production down`. */
export function displayName(label: string): string {
  const bare = label.replace(/^[^:]{1,20}:\s*/, "").trim() || label;
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

function targetText(p: PriorityPolicy): string {
  if (p.response.kind === "next-business-day") return "next business day";
  return `${formatDuration(p.response.ms)}${p.clock === "business" ? " business time" : ", 24/7"}`;
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
 * The time the deadline allowed, on the priority's clock: business time on the business clock,
 * elapsed time otherwise (and for priorities no longer in the policy). Null when it cannot be told.
 */
function allowedMs(row: ReportRow, priority: PriorityPolicy | undefined, calendar: BusinessCalendar | null) {
  const elapsed = row.deadline_at - row.cycle_started_at;
  if (priority?.clock !== "business") return elapsed > 0 ? elapsed : null;
  if (!calendar) return null;
  try {
    const business = calendar.businessTimeBetween(row.cycle_started_at, row.deadline_at);
    return business > 0 ? business : null;
  } catch {
    return null;
  }
}

function calendarOf(policy: Policy): BusinessCalendar | null {
  try {
    return createCalendar(policy.calendar);
  } catch {
    return null;
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
const newTally = (): Tally => ({ rows: [], outcomes: [], ofTarget: [] });

/** The SLA report of `rows` (any rows: those of other repos or outside the window are left out). */
export function buildReport(rows: readonly ReportRow[], options: ReportOptions): SlaReport {
  const { policy, now, since, until } = options;
  const repo = options.repo.toLowerCase();
  const selected = rows.filter(
    (r) =>
      r.repo.toLowerCase() === repo &&
      (since === undefined || r.cycle_started_at >= since) &&
      (until === undefined || r.cycle_started_at < until),
  );

  const priorities: ReportPriority[] = policy.priorities.map((p) => ({
    key: p.key,
    label: p.label,
    name: displayName(p.label),
    target: targetText(p),
    targetMs: p.response.kind === "duration" ? p.response.ms : null,
    clock: p.clock,
    inPolicy: true,
  }));
  const types: ReportType[] = policy.types.map((t) => ({
    key: t.key,
    label: t.label,
    name: displayName(t.label),
    inPolicy: true,
  }));
  for (const row of selected) {
    if (!priorities.some((p) => p.key === row.priority)) {
      const name = displayName(row.priority);
      priorities.push({
        key: row.priority,
        label: row.priority,
        name,
        target: "not in the policy",
        targetMs: null,
        clock: null,
        inPolicy: false,
      });
    }
    if (!types.some((t) => t.key === row.type)) {
      types.push({ key: row.type, label: row.type, name: displayName(row.type), inPolicy: false });
    }
  }

  const calendar = calendarOf(policy);
  const overall = newTally();
  const byPriority = new Map(priorities.map((p) => [p.key, newTally()]));
  const byCell = new Map<string, Tally>();
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
            policy.priorities.find((p) => p.key === row.priority),
            calendar,
          );
    for (const tally of [overall, byPriority.get(row.priority), byCell.get(cellKey)]) {
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
  };
}

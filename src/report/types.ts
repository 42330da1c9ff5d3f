import type { ClockKind, ResponseTarget } from "../domain/policy.js";
import type { Timer } from "../domain/timers/timer.js";
import type { TrackedRow } from "../store/intake-store.js";

/**
 * The SLA report of one repo, as `support-sla report --format json` prints it and `report.json`
 * holds. The shape is stable: fields may be added, never renamed or removed without bumping
 * `format`. Instants are ISO 8601 strings in UTC; durations are milliseconds.
 *
 * Definitions (the same in every rendering):
 * - An issue is in the report when its current clock cycle started in the window
 *   [`since`, `until`) (the issue's creation, or its reopening without a reply).
 * - Each issue has exactly one outcome, decided from the facts at `generatedAt`, not from what
 *   the scheduler managed to record:
 *   - `met`: a team reply at or before the deadline.
 *   - `breached`: a team reply after the deadline (`breachedAnswered`), or no reply and the
 *     deadline has passed (`breachedUnanswered`): escalated by the scheduler, still waiting past
 *     the deadline and not escalated yet, or closed without a reply after the deadline.
 *   - `running`: no reply yet, the deadline has not passed (pending or at risk).
 *   - `cancelled`: closed without a reply before the deadline.
 * - `attainment` = met / (met + breached); running and cancelled issues are not in it. Null when
 *   no issue has an outcome yet.
 * - Targets are the ones each issue's deadline was planned for, as the store recorded them when
 *   it tracked the issue (or re-planned it), never the policy at hand when the report runs: a
 *   repo whose Urgent target was 8 s is reported against 8 s whatever `--config` says. Issues
 *   tracked before the store kept targets have none ("not recorded").
 * - Response times are over answered issues (met, or breached with a late reply). Median and p90
 *   are nearest-rank percentiles: the p-th percentile of n sorted values is the value at rank
 *   ⌈p·n/100⌉ (so the median of an even count is the lower of the two middle values; every figure
 *   is a time some issue really took).
 */
export interface SlaReport {
  format: "support-sla.report/1";
  /** `owner/name`, lower-case. */
  repo: string;
  /** The instant the outcomes were decided at. */
  generatedAt: string;
  /** The policy's zone: dates in the markdown are shown in it. */
  timezone: string;
  /** On the cycle start; null = unbounded. `until` is exclusive. */
  window: { since: string | null; until: string | null };
  /** Policy order, then priorities found only in the data (`inPolicy: false`). */
  priorities: ReportPriority[];
  /** Policy order, then types found only in the data. */
  types: ReportType[];
  /** One per priority × type with at least one issue, in priority then type order. */
  cells: ReportCell[];
  /** One per entry of `priorities`, empty ones included. */
  byPriority: ReportPriorityTotals[];
  overall: ReportStats;
  /** Every breached issue, earliest deadline first. */
  breaches: ReportBreach[];
  /**
   * Where the issues came from (added to format 1; absent in reports written before): always the
   * three channels, in the order of {@link REPORT_CHANNELS}, empty ones included. Their `issues`
   * add up to `overall.issues`.
   */
  byChannel: ReportChannelTotals[];
  /**
   * The other timed metrics (added to format 1 with the timers; absent in reports written before,
   * and when the report was built without timers): always one entry per {@link REPORT_METRICS},
   * in that order, empty ones included.
   */
  metrics?: ReportMetric[];
  /** Every pause of the timers counted in `metrics`, earliest first (added with `metrics`). */
  pauses?: ReportPause[];
}

/**
 * The timed metrics the report shows beside the first response (PRODUCT.md "More SLA metrics"):
 * `next_reply`, a team reply owed since the oldest unanswered customer comment; `resolution`,
 * creation to close (or the resolved label), paused while the team waits for the customer.
 */
export type ReportMetricKey = "next_reply" | "resolution";

/**
 * The metrics in report order, with the names the report shows and the word for a breached timer
 * that was never met (`2 (1 unanswered)`) and for one met after its deadline.
 */
export const REPORT_METRICS: ReadonlyArray<{
  key: ReportMetricKey;
  name: string;
  unmet: string;
  metLate: string;
}> = [
  { key: "next_reply", name: "Next reply", unmet: "unanswered", metLate: "answered late" },
  { key: "resolution", name: "Resolution", unmet: "unresolved", metLate: "resolved late" },
];

/**
 * Definitions for every timed metric (the same in every rendering):
 * - A timer is in the report when it started in the window [`since`, `until`) (next reply: at the
 *   oldest unanswered customer comment; resolution: at the issue's creation). Its priority and
 *   type are its issue's.
 * - Each timer has one outcome at `generatedAt`, decided from its facts:
 *   - `met`: met (team reply; close or resolved label) with no more counted than its target.
 *   - `breached`: met after its deadline (`breachedMet`), or not met and past its deadline
 *     (`breachedOpen`: the unanswered and unresolved are counted, escalated or not).
 *   - `running`: not met, its deadline not passed (paused ones included).
 *   - `cancelled`: it stopped applying (the issue was closed before a reply was owed, or its
 *     priority lost the metric). Cancelled timers are left out of every other figure.
 * - Time is counted on the timer's clock (business time, or elapsed time on a 24/7 clock) with
 *   its pauses taken out: a running timer's count so far is the domain's `countedBetween` on the
 *   repo's calendar, a met one's is the count recorded when it was met.
 */
export interface ReportTimerStats {
  /** Timers counted: met + breached + running (cancelled ones are not among them). */
  timers: number;
  /** The issues those timers belong to (next reply: an issue may owe several replies). */
  issues: number;
  met: number;
  breached: number;
  /** Of `breached`: met after the deadline (answered or resolved late). */
  breachedMet: number;
  /** Of `breached`: not met, and past the deadline at `generatedAt`. */
  breachedOpen: number;
  running: number;
  /** Cancelled timers: left out of every figure above and of attainment. */
  cancelled: number;
  /** met / (met + breached), 0 … 1; null when that is 0 / 0. */
  attainment: number | null;
  /** Counted time from start to met (pauses excluded), over met timers, on time or late. */
  countedMs: Spread;
  /** Time the counted timers spent paused, counted on their clocks (an open pause up to `generatedAt`). */
  pausedMs: number;
}

export interface ReportMetricPriority {
  priority: string;
  /**
   * Human text of the targets this priority's timers ran under (as {@link ReportPriority.target});
   * without timers, the configured target (or `off`) when the policy is the repo's, else `—`.
   */
  target: string;
  /** The targets its timers (cancelled ones included) ran under, most timers first (`issues` counts timers). */
  tracked: ReportTarget[];
  /** The metric's target for this priority in the repo's policy, `off`, or null (policy not the repo's, or priority not in it). */
  configured: string | null;
  stats: ReportTimerStats;
}

export interface ReportMetricCell {
  priority: string;
  type: string;
  /** The targets of the cell's timers, as {@link ReportMetricPriority.target}. */
  target: string;
  stats: ReportTimerStats;
}

/** One timed metric: its figures per priority, per priority × type and overall. */
export interface ReportMetric {
  metric: ReportMetricKey;
  /** `Next reply`, `Resolution`. */
  name: string;
  /** One per entry of `SlaReport.priorities`, in that order. */
  byPriority: ReportMetricPriority[];
  /** One per priority × type with at least one timer (cancelled ones included), in priority then type order. */
  cells: ReportMetricCell[];
  overall: ReportTimerStats;
}

/** One pause of a counted timer: time that did not count on its clock. */
export interface ReportPause {
  repo: string;
  number: number;
  title: string;
  url: string;
  priority: string;
  type: string;
  metric: ReportMetricKey;
  cycle: number;
  from: string;
  /** Null while the pause lasts. */
  to: string | null;
  /**
   * The time it kept off the timer's clock (business ms on a business clock, elapsed ms on a 24/7
   * one), up to `generatedAt` while it lasts; null when the calendar could not tell.
   */
  countedMs: number | null;
  ongoing: boolean;
}

/**
 * One timer as the report reads it: the domain timer's facts (src/domain/timers/timer.ts) with
 * its issue's repo, number, priority, type, title and link (from `tracked_issues`).
 */
export type ReportTimer = Pick<
  Timer,
  | "metric"
  | "cycle"
  | "state"
  | "clock"
  | "target"
  | "targetMs"
  | "startedAt"
  | "pauses"
  | "deadlineAt"
  | "metAt"
  | "metBy"
  | "countedMs"
  | "late"
  | "breachedAt"
> & {
  repo: string;
  number: number;
  priority: string;
  type: string;
  title: string;
  url: string;
};

/**
 * The way an issue came in (the support process's three ways in): `github`, opened on GitHub by
 * a customer (also an issue the app then paged on-call for); `pagerduty`, opened by the app for a
 * PagerDuty incident (the 24/7 phone line's Live Call Routing, or any on-call page); `slack`,
 * opened by the app for a Slack `/support` command or message shortcut. Read from the store's
 * `channel_links` rows of origin `channel` (src/channels/store.ts).
 */
export type ReportChannel = "github" | "pagerduty" | "slack";

/** The channels in report order, with the names the report shows. */
export const REPORT_CHANNELS: ReadonlyArray<{ key: ReportChannel; name: string }> = [
  { key: "github", name: "GitHub" },
  { key: "pagerduty", name: "PagerDuty" },
  { key: "slack", name: "Slack" },
];

/** The totals of the issues that came in through one channel. */
export interface ReportChannelTotals {
  channel: ReportChannel;
  /** `GitHub`, `PagerDuty`, `Slack`. */
  name: string;
  stats: ReportStats;
}

export interface ReportPriority {
  key: string;
  /** The label as configured, e.g. `priority: urgent`. */
  label: string;
  /** The label without its `priority:` prefix, capitalised: `Urgent`. */
  name: string;
  /**
   * Human text of the targets this priority's issues were tracked under (see `tracked`): one
   * target (`30 min, 24/7`, `1 h business time`, `next business day`), several with their issue
   * counts (`8 s business time (2 issues); 1 h business time (1 issue)`), `not recorded`; for a
   * priority without issues, the target of the policy the report was given when that policy is
   * the repo's (`configured`), else `—`.
   */
  target: string;
  /** The one target every issue was tracked under, when it is a duration: ms on `clock`; else null. */
  targetMs: number | null;
  /** The clock of that one target; null when the issues were tracked under several or unknown ones. */
  clock: ClockKind | null;
  /** The targets the priority's issues were tracked under, most issues first. Empty without issues. */
  tracked: ReportTarget[];
  /**
   * The priority's target in the policy the report was given, when that is the repo's own (the
   * weekly report, or `report --config`); null when the report ran on the built-in default policy
   * or the priority is not in the policy.
   */
  configured: string | null;
  inPolicy: boolean;
}

/** One target some of a priority's issues were tracked under. */
export interface ReportTarget {
  /** `20 s, 24/7`, `1 h business time`, `next business day`, or `not recorded`. */
  text: string;
  /** Null: not recorded (tracked before the store kept targets). */
  response: ResponseTarget | null;
  clock: ClockKind | null;
  /** Issues in the report tracked under it. */
  issues: number;
}

export interface ReportType {
  key: string;
  label: string;
  name: string;
  inPolicy: boolean;
}

/** Median and p90 (nearest rank); null when no issue was answered. */
export interface Spread {
  median: number | null;
  p90: number | null;
}

export interface ReportStats {
  /** Every issue: met + breached + running + cancelled. */
  issues: number;
  met: number;
  breached: number;
  /** Of `breached`: answered after the deadline. */
  breachedAnswered: number;
  /** Of `breached`: no reply by the deadline (escalated, overdue or closed unanswered). */
  breachedUnanswered: number;
  running: number;
  cancelled: number;
  /** met / (met + breached), 0 … 1; null when that is 0 / 0. */
  attainment: number | null;
  /** Issues with a first response (met + breachedAnswered). */
  answered: number;
  /** Cycle start to first response on the priority's clock: business ms, elapsed ms on a 24/7 clock. */
  businessMs: Spread;
  /** Cycle start to first response, elapsed. */
  wallMs: Spread;
  /**
   * First-response time as a fraction of the time its own deadline allowed, both on the
   * priority's clock (1 = answered right at the deadline). Comparable across priorities.
   */
  ofTarget: Spread;
}

export interface ReportCell {
  priority: string;
  type: string;
  stats: ReportStats;
}

export interface ReportPriorityTotals {
  priority: string;
  stats: ReportStats;
}

export type BreachKind =
  /** Answered, after the deadline. */
  | "answered-late"
  /** No reply; the scheduler escalated it. */
  | "escalated"
  /** No reply; past its deadline at `generatedAt` but not escalated (yet). */
  | "overdue"
  /** Closed without a reply, after the deadline. */
  | "closed-unanswered";

export interface ReportBreach {
  repo: string;
  number: number;
  title: string;
  url: string;
  priority: string;
  type: string;
  kind: BreachKind;
  cycleStartedAt: string;
  deadlineAt: string;
  /** Null: no reply yet (or none before the issue was closed). */
  firstResponseAt: string | null;
  firstResponseBy: string | null;
  /** From the deadline to the reply, the close, or (still open and unanswered) `generatedAt`. */
  overdueMs: number;
  /** True when the issue is still waiting for its first reply: `overdueMs` keeps growing. */
  ongoing: boolean;
  /** The way the issue came in (added to format 1). */
  channel: ReportChannel;
}

/**
 * The columns of `tracked_issues` a report reads, and the issue's channel (from `channel_links`;
 * absent or undefined: `github`).
 */
export type ReportRow = { channel?: ReportChannel | undefined } & Pick<
  TrackedRow,
  | "repo"
  | "number"
  | "type"
  | "priority"
  | "created_at"
  | "cycle"
  | "cycle_started_at"
  | "deadline_at"
  | "at_risk_at"
  | "state"
  | "first_response_at"
  | "first_response_by"
  | "first_response_business_ms"
  | "first_response_late"
  | "breached_at"
  | "closed_at"
  | "title"
  | "html_url"
  | "target_kind"
  | "target_ms"
  | "target_clock"
>;

export const REPORT_COLUMNS = [
  "repo",
  "number",
  "type",
  "priority",
  "created_at",
  "cycle",
  "cycle_started_at",
  "deadline_at",
  "at_risk_at",
  "state",
  "first_response_at",
  "first_response_by",
  "first_response_business_ms",
  "first_response_late",
  "breached_at",
  "closed_at",
  "title",
  "html_url",
  "target_kind",
  "target_ms",
  "target_clock",
] as const satisfies readonly (keyof ReportRow)[];

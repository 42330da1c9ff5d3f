import type { ClockKind, ResponseTarget } from "../domain/policy.js";
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
}

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

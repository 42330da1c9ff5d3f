import type { ColumnType, Generated } from "kysely";

/** Instants are stored as epoch milliseconds (UTC) in BIGINT columns on both databases. */
export interface DeliveriesTable {
  id: string;
  event: string;
  handled_at: number;
}

/** Where an issue's first-response clock stands. `met` and `cancelled` (and `breached`) are final. */
export type SlaState = "pending" | "at-risk" | "breached" | "met" | "cancelled";
export const SLA_STATES: readonly SlaState[] = ["pending", "at-risk", "breached", "met", "cancelled"];

/** A column with a database default: optional on insert, always present when read. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export interface TrackedIssuesTable {
  /** `owner/name`, lower-cased: GitHub names are case-insensitive. */
  repo: string;
  number: number;
  installation_id: number;
  author: string;
  type: string;
  priority: string;
  /** Priority a team member set by relabelling; wins until the customer changes the body's priority. */
  priority_override: string | null;
  /** Priority the body asked for when it was last parsed, to notice the customer changing it. */
  body_priority: string | null;
  intake: "valid" | "incomplete";
  created_at: number;
  deadline_at: number;
  intake_comment_id: number | null;
  /** Digest of the last rendered intake comment: an unchanged comment is not written again. */
  intake_comment_digest: string | null;
  updated_at: number;
  /** Bumped by every content change (not by leases): optimistic concurrency for unleased writers. */
  version: Generated<number>;

  // 0002_sla
  state: Defaulted<SlaState>;
  /** 1 from intake; +1 each time an issue that never got a team reply is reopened. */
  cycle: Defaulted<number>;
  /** Clock start of the current cycle: `created_at`, or the reopen instant. */
  cycle_started_at: Defaulted<number>;
  /** When the issue turns at risk (`escalation.warn_at` of the target). */
  at_risk_at: Defaulted<number>;
  /**
   * Unused since 0008: the scheduler claims timers (`timers.next_due_at`), and the app writes NULL
   * here (intake, and the first-response timer's projection). Kept for old rows: before 0008 it
   * was the next instant the scheduler had to act (`at_risk_at` while pending, `deadline_at` while
   * at risk, NULL after), and migration 0008 read it when it made their timers.
   */
  next_due_at: Defaulted<number | null>;
  /** The scheduler's lease on the row before 0008; the app leases timers since (unused, kept). */
  lease_owner: Defaulted<string | null>;
  lease_until: Defaulted<number | null>;
  title: Defaulted<string>;
  html_url: Defaulted<string>;
  first_response_at: Defaulted<number | null>;
  first_response_by: Defaulted<string | null>;
  /** Business milliseconds from `cycle_started_at` to the first response. */
  first_response_business_ms: Defaulted<number | null>;
  /** 1 when the first response came after the deadline. */
  first_response_late: Defaulted<number>;
  closed_at: Defaulted<number | null>;
  /** The cycle for which PagerDuty was triggered (acknowledge/resolve only that one). */
  paged_cycle: Defaulted<number | null>;
  breached_at: Defaulted<number | null>;

  // 0003_post_mortem
  /** null (not a post-mortem case), asked, required, done or overdue. */
  pm_state: Defaulted<PostMortemState | null>;
  pm_required_at: Defaulted<number | null>;
  pm_due_at: Defaulted<number | null>;
  pm_done_at: Defaulted<number | null>;

  // 0005_issue_version
  /**
   * GitHub's `updated_at` (epoch ms) of the newest issue state the app applied; an `issues` event
   * whose issue is older is stale and skipped. NULL until the first one (rows from older releases).
   */
  issue_updated_at: Defaulted<number | null>;

  // 0006_issue_target
  /**
   * The first-response target the current cycle's deadline was planned for, recorded whenever
   * the deadline is (re)planned: `duration` (with `target_ms`) or `next-business-day`. NULL when
   * not recorded (rows planned before 0006): the report shows it as such rather than guess.
   */
  target_kind: Defaulted<"duration" | "next-business-day" | null>;
  /** The duration of a `duration` target, on `target_clock`: business ms or elapsed ms. */
  target_ms: Defaulted<number | null>;
  /** The clock the target counts on: `business` or `calendar` (24/7). */
  target_clock: Defaulted<"business" | "calendar" | null>;
}

export type PostMortemState = "asked" | "required" | "done" | "overdue";

/** Webhook deliveries taken in before processing, so a crash never loses one. */
export interface InboxTable {
  delivery_id: string;
  event: string;
  installation_id: number | null;
  /** The webhook payload as JSON text. */
  payload: string;
  received_at: number;
  attempts: Defaulted<number>;
  /** When the delivery may be tried (again). */
  available_at: number;
  lease_owner: Defaulted<string | null>;
  lease_until: Defaulted<number | null>;
  done_at: Defaulted<number | null>;
  last_error: Defaulted<string | null>;
}

/**
 * Outbox of side effects (comment, label, Slack, page) by idempotency key: the one record of what
 * was sent. `done` only once the receiver confirmed it; `sending` while it runs (or after a try
 * that may have landed); `retry` after a try that did not land (the next attempt sends it);
 * `failed` once given up (a permanent refusal, or the retry limit passed).
 */
export interface EffectsTable {
  key: string;
  status: EffectRowStatus;
  /** Epoch ms of the last change. */
  updated_at: number;
  // 0004_effect_attempts
  /** Failed tries so far. */
  attempts: Defaulted<number>;
  /** Epoch ms of the first failed try: the give-up limit counts from here. */
  first_failed_at: Defaulted<number | null>;
  /** Epoch ms before which the next try should not run (the receiver's Retry-After). */
  retry_at: Defaulted<number | null>;
  /** The last failure, redacted (no secrets, no customer text). */
  last_error: Defaulted<string | null>;
}

export type EffectRowStatus = "sending" | "done" | "retry" | "failed";

/** Singleton jobs (reconciliation, ...) held by one replica at a time. */
export interface LeasesTable {
  name: string;
  owner: string;
  until: number;
}

/** Small named values: watermarks and the like. */
export interface MetaTable {
  key: string;
  value: string;
}

/**
 * One timer of one issue (0008_timers, issue 12): metric × cycle, as `src/domain/timers/timer.ts`
 * models it. Read and written through `src/store/timer-store.ts`, which maps it to `TimerRow`.
 */
export interface TimersTable {
  /** `owner/name`, lower-cased, as in `tracked_issues`. */
  repo: string;
  number: number;
  /** first_response, next_reply, resolution, updates or post_mortem. */
  metric: string;
  /** 1 for the first run of the metric on the issue; +1 per restart. */
  cycle: number;
  installation_id: number;
  /** The priority's position in the config when last written (0 = most urgent); 0 for migrated rows. */
  rank: number;
  state: SlaState;
  /** `business` or `calendar`. */
  clock: string;
  /** `duration` or `next-business-day`. */
  target_kind: string;
  /** The duration of a `duration` target on `clock`; NULL for `next-business-day`. */
  target_ms: number | null;
  /** The target in counted ms on `clock` (Timer.targetMs). */
  target_counted_ms: number;
  /**
   * `planned`: the target as the domain planned it. `derived`: backfilled by 0008 from a deadline
   * whose count SQL cannot know (a target not recorded, or next-business-day): a calendar count
   * from `started_at` to `deadline_at`, so the deadline is exactly the one planned then.
   */
  target_source: Defaulted<"planned" | "derived">;
  started_at: number;
  /** JSON text: `[{"start":ms,"end":ms|null}]`, in order, only the last open. */
  pauses: Defaulted<string>;
  deadline_at: number | null;
  level: Defaulted<number>;
  firings: Defaulted<number>;
  next_due_at: number | null;
  met_at: Defaulted<number | null>;
  met_by: Defaulted<string | null>;
  counted_ms: Defaulted<number | null>;
  /** 1 when met after the deadline. */
  late: Defaulted<number>;
  breached_at: Defaulted<number | null>;
  /** 1 when a page was triggered in this cycle. */
  paged: Defaulted<number>;
  lease_owner: Defaulted<string | null>;
  lease_until: Defaulted<number | null>;
  updated_at: number;
  /** Bumped by every content change (not by leases), like `tracked_issues.version`. */
  version: Defaulted<number>;
}

/**
 * A timer firing's comment waiting to be posted (0009_comment_queue, issue 12): the firing's state
 * and cheap signals (labels, Slack, page) are committed first; its comment, rendered then, waits
 * here until the installation's write pacing lets it out, so no issue's cheap signals wait behind
 * another issue's comment. Read and written through `src/store/comment-queue-store.ts`.
 */
export interface QueuedCommentsTable {
  /** The comment's outbox key (`timerEffectKey(…, "comment")`): exactly once with `effects`. */
  key: string;
  installation_id: number;
  /** `owner/name`, lower-cased. */
  repo: string;
  number: number;
  metric: string;
  cycle: number;
  /** The firing's transition: `at-risk`, `breach` or `escalate`. */
  transition: string;
  /** The issue's priority rank when queued (0 = most urgent): claims take lower ranks first. */
  rank: number;
  /** The comment's Markdown, marker included. */
  body: string;
  /** The marker that identifies the comment among the app's own (a retry checks for it). */
  marker: string;
  /** Epoch ms from which the issue's comments are read to find the marker (the timer's start). */
  since: number;
  /** Epoch ms the firing queued it. */
  queued_at: number;
  /** Epoch ms before which it is not tried (a failed try's backoff). */
  available_at: number;
  /** Failed tries so far. */
  attempts: Defaulted<number>;
  lease_owner: Defaulted<string | null>;
  lease_until: Defaulted<number | null>;
}

export interface Database {
  queued_comments: QueuedCommentsTable;
  timers: TimersTable;
  deliveries: DeliveriesTable;
  tracked_issues: TrackedIssuesTable;
  inbox: InboxTable;
  effects: EffectsTable;
  leases: LeasesTable;
  meta: MetaTable;
}

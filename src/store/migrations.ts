import {
  type ColumnDataType,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  sql,
} from "kysely";

/** Migrations live in code so the built app carries them; each runs once, in name order. */
const migrations: Record<string, Migration> = {
  "0001_intake": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("deliveries")
        .addColumn("id", "varchar(64)", (c) => c.primaryKey())
        .addColumn("event", "varchar(64)", (c) => c.notNull())
        .addColumn("handled_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("tracked_issues")
        .addColumn("repo", "varchar(200)", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("author", "varchar(100)", (c) => c.notNull())
        .addColumn("type", "varchar(100)", (c) => c.notNull())
        .addColumn("priority", "varchar(100)", (c) => c.notNull())
        .addColumn("priority_override", "varchar(100)")
        .addColumn("body_priority", "varchar(100)")
        .addColumn("intake", "varchar(16)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("deadline_at", "bigint", (c) => c.notNull())
        .addColumn("intake_comment_id", "bigint")
        .addColumn("intake_comment_digest", "varchar(64)")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("tracked_issues_pk", ["repo", "number"])
        .execute();
    },
  },
  "0002_sla": {
    async up(db: Kysely<unknown>) {
      // SQLite adds one column per ALTER TABLE; NOT NULL columns need a default for existing rows.
      const columns: [string, ColumnDataType, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder][] = [
        ["state", "varchar(16)", (c) => c.notNull().defaultTo("pending")],
        ["cycle", "integer", (c) => c.notNull().defaultTo(1)],
        ["cycle_started_at", "bigint", (c) => c.notNull().defaultTo(0)],
        ["at_risk_at", "bigint", (c) => c.notNull().defaultTo(0)],
        ["next_due_at", "bigint", (c) => c],
        ["lease_owner", "varchar(200)", (c) => c],
        ["lease_until", "bigint", (c) => c],
        ["title", "text", (c) => c.notNull().defaultTo("")],
        ["html_url", "text", (c) => c.notNull().defaultTo("")],
        ["first_response_at", "bigint", (c) => c],
        ["first_response_by", "varchar(100)", (c) => c],
        ["first_response_business_ms", "bigint", (c) => c],
        ["first_response_late", "integer", (c) => c.notNull().defaultTo(0)],
        ["closed_at", "bigint", (c) => c],
        ["paged_cycle", "integer", (c) => c],
        ["breached_at", "bigint", (c) => c],
      ];
      for (const [name, type, build] of columns) {
        await db.schema.alterTable("tracked_issues").addColumn(name, type, build).execute();
      }
      // Rows from intake-only releases: the clock started at creation; without a stored warn
      // instant they warn at the deadline. Due now or later, the scheduler re-reads the comments
      // before acting, so an issue answered meanwhile is recorded as met, not escalated.
      await sql`update tracked_issues set cycle_started_at = created_at, at_risk_at = deadline_at, next_due_at = deadline_at`.execute(
        db,
      );
      await db.schema
        .createIndex("tracked_issues_next_due_idx")
        .on("tracked_issues")
        .column("next_due_at")
        .where(sql.ref("next_due_at"), "is not", null)
        .execute();

      await db.schema
        .createTable("inbox")
        .addColumn("delivery_id", "varchar(64)", (c) => c.primaryKey())
        .addColumn("event", "varchar(64)", (c) => c.notNull())
        .addColumn("installation_id", "bigint")
        .addColumn("payload", "text", (c) => c.notNull())
        .addColumn("received_at", "bigint", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("available_at", "bigint", (c) => c.notNull())
        .addColumn("lease_owner", "varchar(200)")
        .addColumn("lease_until", "bigint")
        .addColumn("done_at", "bigint")
        .addColumn("last_error", "text")
        .execute();
      await db.schema.createIndex("inbox_due_idx").on("inbox").columns(["done_at", "available_at"]).execute();

      await db.schema
        .createTable("effects")
        .addColumn("key", "varchar(300)", (c) => c.primaryKey())
        .addColumn("status", "varchar(16)", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("leases")
        .addColumn("name", "varchar(200)", (c) => c.primaryKey())
        .addColumn("owner", "varchar(200)", (c) => c.notNull())
        .addColumn("until", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("meta")
        .addColumn("key", "varchar(200)", (c) => c.primaryKey())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();
    },
  },
  "0003_post_mortem": {
    async up(db: Kysely<unknown>) {
      // The post-mortem follow-up of a closed Production-down issue: asked → required → done, or
      // overdue (reminded once). Its due instant uses next_due_at once the SLA clock is over.
      const columns: Array<[string, "varchar(16)" | "bigint"]> = [
        ["pm_state", "varchar(16)"],
        ["pm_required_at", "bigint"],
        ["pm_due_at", "bigint"],
        ["pm_done_at", "bigint"],
      ];
      for (const [name, type] of columns)
        await db.schema.alterTable("tracked_issues").addColumn(name, type).execute();
    },
  },
  "0004_effect_attempts": {
    async up(db: Kysely<unknown>) {
      // The outbox keeps what a failed effect needs to be completed by a later attempt (issue 10,
      // kinds 1-2): how often it failed, since when (the give-up limit counts from there), the
      // last error (redacted, no customer text), and the earliest next try (Retry-After).
      const columns: Array<
        [string, ColumnDataType, (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder]
      > = [
        ["attempts", "integer", (c) => c.notNull().defaultTo(0)],
        ["first_failed_at", "bigint", (c) => c],
        ["retry_at", "bigint", (c) => c],
        ["last_error", "text", (c) => c],
      ];
      for (const [name, type, build] of columns) {
        await db.schema.alterTable("effects").addColumn(name, type, build).execute();
      }
    },
  },
  "0005_issue_version": {
    async up(db: Kysely<unknown>) {
      // GitHub's `updated_at` of the newest issue state applied (issue 10, kind 4): an issue event
      // older than it (a failed delivery retried late, deliveries out of order) is not applied.
      await db.schema.alterTable("tracked_issues").addColumn("issue_updated_at", "bigint").execute();
    },
  },
  "0006_issue_target": {
    async up(db: Kysely<unknown>) {
      // The target each deadline was planned for (issue 11, part 5): the report shows the policy an
      // issue was tracked under, not whatever policy is at hand when the report runs. Rows planned
      // before this stay NULL ("not recorded"): the clock and the business calendar of the time
      // are not stored, so no target can be derived from their deadline and start with certainty.
      const columns: Array<[string, "varchar(24)" | "bigint" | "varchar(16)"]> = [
        ["target_kind", "varchar(24)"],
        ["target_ms", "bigint"],
        ["target_clock", "varchar(16)"],
      ];
      for (const [name, type] of columns)
        await db.schema.alterTable("tracked_issues").addColumn(name, type).execute();
    },
  },
  "0007_channels": {
    async up(db: Kysely<unknown>) {
      // Issue 13: which repo claims which PagerDuty service / Slack channel (rebuilt from the
      // repos' configs), and which issue each incident or Slack request became (exactly once).
      await db.schema
        .createTable("channel_claims")
        .addColumn("kind", "varchar(16)", (c) => c.notNull())
        .addColumn("channel_key", "varchar(100)", (c) => c.notNull())
        .addColumn("repo", "varchar(200)", (c) => c.notNull())
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("channel_claims_pk", ["kind", "channel_key", "repo"])
        .execute();
      await db.schema.createIndex("channel_claims_repo_idx").on("channel_claims").column("repo").execute();
      await db.schema
        .createTable("channel_links")
        .addColumn("kind", "varchar(16)", (c) => c.notNull())
        .addColumn("source_id", "varchar(200)", (c) => c.notNull())
        .addColumn("origin", "varchar(16)", (c) => c.notNull())
        .addColumn("repo", "varchar(200)", (c) => c.notNull())
        .addColumn("number", "integer")
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("type", "varchar(100)", (c) => c.notNull())
        .addColumn("priority", "varchar(100)", (c) => c.notNull())
        .addColumn("clock_start", "bigint", (c) => c.notNull())
        .addColumn("detail", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("channel_links_pk", ["kind", "source_id"])
        .execute();
      await db.schema
        .createIndex("channel_links_issue_idx")
        .on("channel_links")
        .columns(["repo", "number"])
        .execute();
    },
  },
  "0008_timers": {
    async up(db: Kysely<unknown>) {
      // Issue 12: the SLA as timers, one row per issue × metric × cycle (src/store/timer-store.ts).
      await db.schema
        .createTable("timers")
        .addColumn("repo", "varchar(200)", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("metric", "varchar(32)", (c) => c.notNull())
        .addColumn("cycle", "integer", (c) => c.notNull())
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("rank", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("state", "varchar(16)", (c) => c.notNull())
        .addColumn("clock", "varchar(16)", (c) => c.notNull())
        .addColumn("target_kind", "varchar(24)", (c) => c.notNull())
        .addColumn("target_ms", "bigint")
        .addColumn("target_counted_ms", "bigint", (c) => c.notNull())
        .addColumn("target_source", "varchar(16)", (c) => c.notNull().defaultTo("planned"))
        .addColumn("started_at", "bigint", (c) => c.notNull())
        .addColumn("pauses", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("deadline_at", "bigint")
        .addColumn("level", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("firings", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_due_at", "bigint")
        .addColumn("met_at", "bigint")
        .addColumn("met_by", "varchar(100)")
        .addColumn("counted_ms", "bigint")
        .addColumn("late", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("breached_at", "bigint")
        .addColumn("paged", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("lease_owner", "varchar(200)")
        .addColumn("lease_until", "bigint")
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addColumn("version", "integer", (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint("timers_pk", ["repo", "number", "metric", "cycle"])
        .execute();
      // The claim: due rows by instant, and per installation by rank then instant. By issue: the key.
      await db.schema
        .createIndex("timers_next_due_idx")
        .on("timers")
        .column("next_due_at")
        .where(sql.ref("next_due_at"), "is not", null)
        .execute();
      await db.schema
        .createIndex("timers_installation_due_idx")
        .on("timers")
        .columns(["installation_id", "rank", "next_due_at"])
        .where(sql.ref("next_due_at"), "is not", null)
        .execute();
      await backfillFirstResponse(db);
      await backfillPostMortem(db);
      // tracked_issues.next_due_at stays as it was: the scheduler claims timers from now on, and
      // every timer write projects the first-response timer onto the row with next_due_at NULL.
    },
  },
  "0009_comment_queue": {
    async up(db: Kysely<unknown>) {
      // Issue 12: a firing's comment waits here for its installation's write pacing, after the
      // firing's cheap signals and state were committed (src/store/comment-queue-store.ts).
      await db.schema
        .createTable("queued_comments")
        .addColumn("key", "varchar(400)", (c) => c.primaryKey())
        .addColumn("installation_id", "bigint", (c) => c.notNull())
        .addColumn("repo", "varchar(200)", (c) => c.notNull())
        .addColumn("number", "integer", (c) => c.notNull())
        .addColumn("metric", "varchar(32)", (c) => c.notNull())
        .addColumn("cycle", "integer", (c) => c.notNull())
        .addColumn("transition", "varchar(16)", (c) => c.notNull())
        .addColumn("rank", "integer", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("marker", "varchar(400)", (c) => c.notNull())
        .addColumn("since", "bigint", (c) => c.notNull())
        .addColumn("queued_at", "bigint", (c) => c.notNull())
        .addColumn("available_at", "bigint", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("lease_owner", "varchar(200)")
        .addColumn("lease_until", "bigint")
        .execute();
      await db.schema
        .createIndex("queued_comments_installation_idx")
        .on("queued_comments")
        .columns(["installation_id", "rank", "queued_at"])
        .execute();
    },
  },
  "0010_timer_claim": {
    async up(db: Kysely<unknown>) {
      // Issue 12 (scale): the claim reads each rank's due rows in claim order from one range of
      // this index (rank = r and next_due_at <= now, then repo, number, metric, cycle), so it
      // never sorts the due rows; installation_id lets a claim with a per-installation share skip
      // a full installation's rows within the index (src/store/timer-store.ts, claimDueTimers).
      await db.schema
        .createIndex("timers_claim_idx")
        .on("timers")
        .columns(["rank", "next_due_at", "repo", "number", "metric", "cycle", "installation_id"])
        .where(sql.ref("next_due_at"), "is not", null)
        .execute();
      // nextTimerClaimAt: the leased rows (a release sets lease_until NULL) are a small set.
      await db.schema
        .createIndex("timers_lease_idx")
        .on("timers")
        .column("lease_until")
        .where(sql.ref("lease_until"), "is not", null)
        .execute();
    },
  },
};

/**
 * One `first_response` timer per tracked issue, for its current cycle, as the row describes it.
 * - State: a late first response was `breached` with `first_response_at`; as a timer it is `met`
 *   and `late` (the projection onto `tracked_issues` shows it as `breached` again).
 * - Level (fired ladder levels of the default ladder): pending 0, at-risk 1, breached 2; a met or
 *   cancelled cycle 2 when it breached, else 0. `firings` 1 once a level fired.
 * - `next_due_at`: today's rule from the state (the at-risk instant, capped at the deadline, while
 *   pending; the deadline while at risk; none after). Not the row's `next_due_at`, which may be a
 *   post-mortem due instant: that one goes to the post-mortem timer.
 * - Target: the recorded one (0006) when it is a duration; otherwise (not recorded, or
 *   next-business-day, whose business count needs the repo's calendar) a calendar count from the
 *   cycle's start to its deadline, marked `target_source = 'derived'`, so the deadline is exactly
 *   the one planned then; its at-risk instant is then 80 % of that calendar span.
 * - Rank 0: a priority's position in the config is not in the database; the next write of the
 *   timer by a handler or the scheduler records it.
 * - The row's lease is carried over, so a retry an older release scheduled (a lease kept until
 *   the retry instant) still waits for it.
 */
async function backfillFirstResponse(db: Kysely<unknown>): Promise<void> {
  const recorded = sql`(target_kind = 'duration' and target_ms is not null and target_clock in ('business', 'calendar'))`;
  const level = sql`(case state when 'pending' then 0 when 'at-risk' then 1 when 'breached' then 2
    else (case when breached_at is not null then 2 else 0 end) end)`;
  await sql`insert into timers (repo, number, metric, cycle, installation_id, rank, state, clock,
      target_kind, target_ms, target_counted_ms, target_source, started_at, pauses, deadline_at,
      level, firings, next_due_at, met_at, met_by, counted_ms, late, breached_at, paged,
      lease_owner, lease_until, updated_at, version)
    select repo, number, 'first_response', cycle, installation_id, 0,
      case when first_response_at is not null then 'met' else state end,
      case when ${recorded} then target_clock else 'calendar' end,
      'duration',
      case when ${recorded} then target_ms else deadline_at - cycle_started_at end,
      case when ${recorded} then target_ms else deadline_at - cycle_started_at end,
      case when ${recorded} then 'planned' else 'derived' end,
      cycle_started_at, '[]', deadline_at,
      ${level},
      case when ${level} > 0 then 1 else 0 end,
      case
        when first_response_at is not null then null
        when state = 'pending' then (case when at_risk_at < deadline_at then at_risk_at else deadline_at end)
        when state = 'at-risk' then deadline_at
        else null end,
      first_response_at, first_response_by, first_response_business_ms, first_response_late, breached_at,
      case when paged_cycle = cycle then 1 else 0 end,
      lease_owner, lease_until, updated_at, 0
    from tracked_issues`.execute(db);
}

/**
 * One `post_mortem` timer per tracked issue whose follow-up was started (`required`, `overdue`,
 * `done` with the required label's instant): calendar clock from `pm_required_at` to `pm_due_at`.
 * `overdue` (its one reminder sent) is `breached` at level 1 with one firing, so that reminder is
 * not sent again, and due at the deadline + 24 h (the default `post_mortem.repeat`) so the
 * reminder repeats until done; `done` is met (late when done after the deadline).
 */
async function backfillPostMortem(db: Kysely<unknown>): Promise<void> {
  await sql`insert into timers (repo, number, metric, cycle, installation_id, rank, state, clock,
      target_kind, target_ms, target_counted_ms, target_source, started_at, pauses, deadline_at,
      level, firings, next_due_at, met_at, met_by, counted_ms, late, breached_at, paged,
      lease_owner, lease_until, updated_at, version)
    select repo, number, 'post_mortem', 1, installation_id, 0,
      case pm_state when 'required' then 'pending' when 'overdue' then 'breached' else 'met' end,
      'calendar', 'duration', pm_due_at - pm_required_at, pm_due_at - pm_required_at, 'planned',
      pm_required_at, '[]', pm_due_at,
      case when pm_state = 'overdue' then 1 else 0 end,
      case when pm_state = 'overdue' then 1 else 0 end,
      case pm_state when 'required' then pm_due_at when 'overdue' then pm_due_at + ${sql.lit(POST_MORTEM_REPEAT_MS)} else null end,
      case when pm_state = 'done' then pm_done_at else null end,
      null,
      case when pm_state = 'done' and pm_done_at is not null then pm_done_at - pm_required_at else null end,
      case when pm_state = 'done' and pm_done_at > pm_due_at then 1 else 0 end,
      case when pm_state = 'overdue' or (pm_state = 'done' and pm_done_at > pm_due_at) then pm_due_at else null end,
      0, lease_owner, lease_until, updated_at, 0
    from tracked_issues
    where pm_state in ('required', 'overdue', 'done') and pm_required_at is not null and pm_due_at is not null`.execute(
    db,
  );
}

/** The default `post_mortem.repeat` (24 h): when a migrated overdue follow-up is reminded again. */
const POST_MORTEM_REPEAT_MS = 24 * 60 * 60 * 1000;

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

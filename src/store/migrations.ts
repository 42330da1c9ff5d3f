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
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

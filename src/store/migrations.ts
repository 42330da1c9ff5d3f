import type { Kysely, Migration, MigrationProvider } from "kysely";

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
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

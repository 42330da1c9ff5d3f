import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, type MigrationResultSet, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { migrationProvider } from "./migrations.js";
import type { Database } from "./schema.js";
import { startWalCheckpointer, type WalCheckpointer } from "./wal-checkpointer.js";

export const DEFAULT_DATABASE_URL = "sqlite:data/support-sla.db";

export interface Store {
  db: Kysely<Database>;
  dialect: "sqlite" | "postgres";
  close(): Promise<void>;
}

/** `sqlite:PATH` (relative to `cwd` or absolute), `sqlite::memory:`, or `postgres://…`. */
export function describeDatabaseUrl(
  url: string,
  cwd: string,
): { dialect: "sqlite"; path: string } | { dialect: "postgres" } {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: "postgres" };
  const match = /^sqlite:(.+)$/.exec(url);
  if (!match?.[1]) {
    throw new Error(
      `DATABASE_URL ${JSON.stringify(url.replace(/\/\/[^@]*@/, "//***@"))} is not supported: use sqlite:PATH or postgres://USER:PASSWORD@HOST/DB`,
    );
  }
  const path = match[1] === ":memory:" ? ":memory:" : resolve(cwd, match[1].replace(/^\/\/(?=\/)/, ""));
  return { dialect: "sqlite", path };
}

/** Most prepared statements kept per SQLite connection (least recently used dropped first). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The SQLite connection as Kysely's dialect sees it, with its prepared statements reused: Kysely
 * prepares every statement each time it runs, which costs more than most of the app's queries
 * themselves. A statement is only used by one query at a time: Kysely runs one query at a time on
 * its one SQLite connection. SQLite re-prepares a cached statement by itself after a schema change.
 */
function withStatementCache(sqlite: SQLite.Database): {
  close(): void;
  prepare(sql: string): SQLite.Statement;
} {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql); // most recently used last
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/**
 * With the background checkpointer, the log size (pages, 80 MB) at which the app's own commit
 * checkpoints anyway: a thread that falls behind a long run of writes (it never blocks the writer,
 * so it may never finish while writes keep coming) cannot let the log grow without bound. Well
 * above the thread's own `WAL_CHECKPOINT_PAGES` (8,000). SQLite's default is 1,000 pages.
 */
const WAL_BACKSTOP_PAGES = 20_000;

/** How a store is opened (see `openStore`). */
export interface StoreOptions {
  /**
   * A SQLite file's write-ahead log checkpoints: `automatic` (SQLite's own, in the commit that
   * takes the log past 1,000 pages; the default, for short-lived commands) or `background` (a
   * worker thread's, `startWalCheckpointer`, so that no commit of the app waits for one: the
   * server). Back to `automatic` while the thread's checkpoints fail, with `onCheckpointFailure`
   * told why, and `onCheckpointRecovered` when they succeed again.
   * Nothing for `:memory:` or PostgreSQL.
   */
  checkpoint?: "automatic" | "background";
  /** How often the background thread checkpoints (ms); default `WAL_CHECKPOINT_INTERVAL_MS`. */
  checkpointIntervalMs?: number;
  onCheckpointFailure?: (message: string) => void;
  /** The background thread's checkpoints succeed again after `onCheckpointFailure`. */
  onCheckpointRecovered?: () => void;
}

/**
 * Opens the store and brings its schema up to date. Throws when the URL is not supported, the
 * database cannot be opened, or a migration fails (the message names the migration).
 */
export async function openStore(
  url: string = DEFAULT_DATABASE_URL,
  cwd = process.cwd(),
  options: StoreOptions = {},
): Promise<Store> {
  const target = describeDatabaseUrl(url, cwd);
  let db: Kysely<Database>;
  let sqlite: SQLite.Database | undefined;
  if (target.dialect === "sqlite") {
    if (target.path !== ":memory:") mkdirSync(dirname(target.path), { recursive: true });
    sqlite = new SQLite(target.path);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("busy_timeout = 5000");
    sqlite.pragma("synchronous = NORMAL");
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  } else {
    // BIGINT columns hold epoch milliseconds and ids, all within Number's safe range.
    pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection the server dropped (restart, failover) must not crash the process: the
    // pool discards it and the next query opens a new one.
    pool.on("error", () => undefined);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const migrating = sqlite
    ? migrateSqlite(db, sqlite)
    : new Migrator({ db, provider: migrationProvider }).migrateToLatest();
  const { error, results } = await migrating.catch(async (e: unknown) => {
    await db.destroy();
    throw e;
  });
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new Error(
      `database migration ${failed ?? ""} failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let checkpointer: WalCheckpointer | undefined;
  if (
    sqlite &&
    target.dialect === "sqlite" &&
    target.path !== ":memory:" &&
    options.checkpoint === "background"
  ) {
    const connection = sqlite;
    connection.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
    checkpointer = startWalCheckpointer(target.path, {
      ...(options.checkpointIntervalMs === undefined ? {} : { intervalMs: options.checkpointIntervalMs }),
      onFailure(message) {
        if (connection.open) connection.pragma("wal_autocheckpoint = 1000");
        options.onCheckpointFailure?.(message);
      },
      onRecovered() {
        if (connection.open) connection.pragma(`wal_autocheckpoint = ${WAL_BACKSTOP_PAGES}`);
        options.onCheckpointRecovered?.();
      },
    });
  }
  return {
    db,
    dialect: target.dialect,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

let sqliteMigrations: Promise<unknown> = Promise.resolve();

/**
 * Kysely runs SQLite migrations outside a transaction and without a lock (on PostgreSQL it takes
 * an advisory lock and one transaction). One IMMEDIATE transaction makes them all-or-nothing and
 * makes another process opening the same file wait its turn. Within this process they run one
 * at a time: a second BEGIN IMMEDIATE would block the event loop the first one needs to finish.
 */
function migrateSqlite(db: Kysely<Database>, sqlite: SQLite.Database): Promise<MigrationResultSet> {
  const run = sqliteMigrations.then(async () => {
    sqlite.exec("BEGIN IMMEDIATE");
    let outcome: MigrationResultSet | undefined;
    try {
      outcome = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
    } finally {
      if (sqlite.inTransaction) sqlite.exec(outcome && !outcome.error ? "COMMIT" : "ROLLBACK");
    }
    return outcome;
  });
  sqliteMigrations = run.catch(() => undefined);
  return run;
}

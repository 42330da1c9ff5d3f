import { copyFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import SQLite from "better-sqlite3";
import { type Kysely, Migrator, sql } from "kysely";
import { expect } from "vitest";
import type { Timer } from "../../src/domain/timers/timer.js";
import { openStore, type Store } from "../../src/store/db.js";
import { migrationProvider } from "../../src/store/migrations.js";
import {
  claimDueTimers,
  getTimers,
  listTimers,
  nextTimerClaimAt,
  type TimerRow,
} from "../../src/store/timer-store.js";
import { T0 } from "./fixtures.js";

/** The store file the release before issue 12 wrote (test/fixtures/store/README.md). */
export const V0007_FIXTURE = fileURLToPath(new URL("../fixtures/store/v0007.sqlite", import.meta.url));

const H = 3_600_000;
const M = 60_000;

/** Tables the 0007 release kept, each read in a fixed order (by its key). */
const OLD_TABLES: Record<string, string> = {
  tracked_issues: "repo, number",
  effects: "key",
  inbox: "delivery_id",
  deliveries: "id",
  meta: "key",
  leases: "name",
  channel_claims: "kind, channel_key, repo",
  channel_links: "kind, source_id",
};

/** Every row of the old tables, as the fixture file holds them. */
export function readFixture(path: string = V0007_FIXTURE): Record<string, Record<string, unknown>[]> {
  const db = new SQLite(path, { readonly: true });
  try {
    return Object.fromEntries(
      Object.entries(OLD_TABLES).map(([table, order]) => [
        table,
        db.prepare(`select * from ${table} order by ${order}`).all() as Record<string, unknown>[],
      ]),
    );
  } finally {
    db.close();
  }
}

/** The same rows read through a store (numbers as numbers on either database). */
async function readTables(store: Store): Promise<Record<string, Record<string, unknown>[]>> {
  const db = store.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [table, order] of Object.entries(OLD_TABLES)) {
    const rows = await sql<
      Record<string, unknown>
    >`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db);
    out[table] = rows.rows.map((row) =>
      Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === "bigint" ? Number(v) : v])),
    );
  }
  return out;
}

/**
 * Copies the fixture's rows into a database migrated to 0007 (PostgreSQL: the same data as the
 * file, written into the schema the old release made there).
 */
export async function seed0007(
  raw: Kysely<unknown>,
  rows: Record<string, Record<string, unknown>[]>,
): Promise<void> {
  const migrated = await new Migrator({ db: raw, provider: migrationProvider }).migrateTo("0007_channels");
  expect(migrated.error).toBeUndefined();
  const db = raw as unknown as Kysely<Record<string, Record<string, unknown>>>;
  for (const [table, list] of Object.entries(rows)) {
    if (list.length > 0) await db.insertInto(table).values(list).execute();
  }
}

/** A migrated timer as expected: the row's issue, rank 0, no lease, version 0, no pauses. */
function expected(
  repo: string,
  number: number,
  timer: Partial<Timer> & Pick<Timer, "metric" | "state" | "clock" | "targetMs" | "startedAt">,
  extra: Partial<TimerRow> = {},
): TimerRow {
  return {
    repo,
    number,
    installation_id: 42,
    rank: 0,
    lease_owner: null,
    lease_until: null,
    version: 0,
    targetSource: "planned",
    cycle: 1,
    target: { kind: "duration", ms: timer.targetMs },
    pauses: [],
    deadlineAt: null,
    level: 0,
    firings: 0,
    nextDueAt: null,
    metAt: null,
    metBy: null,
    countedMs: null,
    late: false,
    breachedAt: null,
    paged: false,
    ...timer,
    ...extra,
  };
}

const fr = (number: number, t: Partial<Timer> & Pick<Timer, "state">, extra: Partial<TimerRow> = {}) =>
  expected(
    extra.repo ?? "acme/app",
    number,
    {
      metric: "first_response",
      clock: "business",
      targetMs: 4 * H,
      startedAt: T0,
      deadlineAt: T0 + 4 * H,
      ...t,
    },
    extra,
  );
const closedMet = {
  state: "met",
  clock: "calendar",
  targetMs: 30 * M,
  deadlineAt: T0 + 30 * M,
  metAt: T0 + 10 * M,
  metBy: "teammate",
  countedMs: 10 * M,
} as const;
const pm = (number: number, t: Partial<Timer> & Pick<Timer, "state" | "startedAt" | "deadlineAt">) =>
  expected("acme/app", number, { metric: "post_mortem", clock: "calendar", targetMs: 72 * H, ...t });

/** What 0008 makes of the fixture: one first-response timer per issue, one post-mortem timer per started follow-up. */
const EXPECTED: TimerRow[] = [
  fr(1, { state: "pending", nextDueAt: T0 + 3 * H + 12 * M }),
  fr(2, {
    state: "pending",
    clock: "calendar",
    targetMs: 150 * M,
    deadlineAt: T0 + 150 * M,
    nextDueAt: T0 + 2 * H,
  }),
  fr(
    3,
    {
      state: "at-risk",
      targetMs: 170 * M,
      deadlineAt: T0 + 170 * M,
      level: 1,
      firings: 1,
      nextDueAt: T0 + 170 * M,
    },
    { lease_owner: "old-replica", lease_until: T0 + 3 * H + 30_000 },
  ),
  fr(4, {
    state: "breached",
    clock: "calendar",
    targetMs: 30 * M,
    deadlineAt: T0 + 30 * M,
    level: 2,
    firings: 1,
    breachedAt: T0 + 30 * M + 2_000,
    paged: true,
  }),
  fr(5, { state: "met", metAt: T0 + H, metBy: "teammate", countedMs: H }),
  // Answered late: `breached` with a first response before, `met` and late as a timer.
  fr(6, {
    state: "met",
    metAt: T0 + 5 * H,
    metBy: "teammate",
    countedMs: 5 * H,
    late: true,
    breachedAt: T0 + 4 * H,
    level: 2,
    firings: 1,
  }),
  fr(7, { state: "cancelled", clock: "calendar", targetMs: 30 * M, deadlineAt: T0 + 30 * M }),
  fr(8, closedMet),
  pm(8, { state: "pending", startedAt: T0 + H, deadlineAt: T0 + 73 * H, nextDueAt: T0 + 73 * H }),
  fr(9, closedMet),
  // Overdue, reminded once: breached at the reminder level, reminded again a day later.
  pm(9, {
    state: "breached",
    startedAt: T0 - 80 * H,
    deadlineAt: T0 - 8 * H,
    level: 1,
    firings: 1,
    breachedAt: T0 - 8 * H,
    nextDueAt: T0 + 16 * H,
  }),
  fr(10, closedMet),
  pm(10, { state: "pending", startedAt: T0 - 73 * H, deadlineAt: T0 - H, nextDueAt: T0 - H }),
  fr(11, closedMet),
  pm(11, {
    state: "met",
    startedAt: T0 - 100 * H,
    deadlineAt: T0 - 28 * H,
    metAt: T0 - 20 * H,
    countedMs: 80 * H,
    late: true,
    breachedAt: T0 - 28 * H,
  }),
  // Next-business-day and not recorded: the deadline as a calendar count from the cycle's start.
  fr(
    12,
    {
      cycle: 2,
      state: "pending",
      clock: "calendar",
      targetMs: 7 * H,
      startedAt: T0 + H,
      deadlineAt: T0 + 8 * H,
      nextDueAt: T0 + 150 * M,
    },
    { targetSource: "derived" },
  ),
  fr(
    13,
    { state: "pending", clock: "calendar", targetMs: 2 * H, deadlineAt: T0 + 2 * H, nextDueAt: T0 + H },
    { targetSource: "derived" },
  ),
  fr(
    14,
    {
      state: "at-risk",
      targetMs: 2 * H,
      deadlineAt: T0 + 2 * H,
      level: 1,
      firings: 1,
      nextDueAt: T0 + 2 * H,
    },
    { repo: "globex/site", installation_id: 7, lease_owner: "crashed", lease_until: T0 + 2 * H + M },
  ),
];

/**
 * Opens `url` (a store holding the fixture's data at schema 0007) with the current code and checks
 * migration 0008: the timers it made, what the scheduler claims from them, and that every row the
 * old release wrote is unchanged.
 */
export async function checkUpgradeFrom0007(
  url: string,
  before: Record<string, Record<string, unknown>[]>,
): Promise<void> {
  const store = await openStore(url);
  try {
    const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
      store.db,
    );
    // Every migration since 0007 ran, in order (0008 made the timers; later ones come after it).
    expect(names.rows.map((r) => r.name).slice(7)).toEqual(
      Object.keys(await migrationProvider.getMigrations()).slice(7),
    );
    expect(names.rows.map((r) => r.name)[7]).toBe("0008_timers");

    const all = [];
    for (const row of before.tracked_issues ?? []) {
      all.push(...(await listTimers(store, { repo: String(row.repo), number: Number(row.number) })));
    }
    expect(all).toEqual(EXPECTED);
    expect(
      (await getTimers(store, { repo: "acme/app", number: 12 })).map((t) => [t.metric, t.cycle]),
    ).toEqual([["first_response", 2]]);

    // Nothing the old release wrote changed, tracked_issues.next_due_at included.
    expect(await readTables(store)).toEqual(before);

    // The scheduler claims exactly the due, free timers: most overdue first (all rank 0 after a migration).
    const key = (r: Pick<TimerRow, "repo" | "number" | "metric" | "cycle">) =>
      `${r.repo}#${r.number}:${r.metric}`;
    expect(await nextTimerClaimAt(store)).toBe(T0 - H);
    const claimed = await claimDueTimers(store, { now: T0 + 3 * H, owner: "new", leaseMs: M, limit: 100 });
    expect(claimed.map(key)).toEqual([
      "acme/app#10:post_mortem",
      "acme/app#13:first_response",
      "acme/app#2:first_response",
      "globex/site#14:first_response",
      "acme/app#12:first_response",
    ]);
    // The live old replica's lease is honoured until it ends.
    expect(await nextTimerClaimAt(store)).toBe(T0 + 3 * H + 30_000);
    expect(
      await claimDueTimers(store, { now: T0 + 3 * H + 29_999, owner: "new", leaseMs: M, limit: 100 }),
    ).toEqual([]);
    const later = await claimDueTimers(store, {
      now: T0 + 3 * H + 30_000,
      owner: "new",
      leaseMs: M,
      limit: 100,
    });
    expect(later.map(key)).toEqual(["acme/app#3:first_response"]);
  } finally {
    await store.close();
  }
}

/** Copies the fixture file to `path` (the test never writes the committed file). */
export function copyFixture(path: string): void {
  copyFileSync(V0007_FIXTURE, path);
}

import type { ExpressionBuilder, Kysely, Selectable, Transaction } from "kysely";
import type { Store } from "./db.js";
import type { Database, QueuedCommentsTable } from "./schema.js";
import { earliestClaimAt, type InstallationQuota, quotaParts, shareOf } from "./tracking-store.js";

/**
 * The comment queue (`queued_comments`, migration 0009_comment_queue): a timer firing's comment,
 * rendered when the firing was decided, waiting for its installation's write pacing. The firing
 * queues it in the same transaction that records the timer's new state (`saveTimers` with
 * `comments`), after its cheap signals (labels, Slack, page) went out; `postQueuedComment`
 * (src/scheduler/post-comment.ts) posts it through the outbox under its effect key, exactly once.
 * Claims take leases like the timers' (fenced by `lease_owner`); a claimed comment's lease is
 * renewed while it waits for the pacing, and once more right before it is sent.
 */

/** A queued comment as stored. Instants are epoch ms. */
export type QueuedComment = Selectable<QueuedCommentsTable>;

/** What a firing queues: everything but the attempts and the lease. */
export type QueuedCommentInsert = Omit<QueuedComment, "attempts" | "lease_owner" | "lease_until">;

/**
 * Queues comments inside a transaction (or on the store). A key already queued changes nothing (a
 * firing recorded twice never posts twice; the outbox key would stop it anyway).
 */
export async function queueComments(
  db: Kysely<Database> | Transaction<Database>,
  comments: readonly QueuedCommentInsert[],
): Promise<void> {
  if (comments.length === 0) return;
  await db
    .insertInto("queued_comments")
    .values([...comments])
    .onConflict((oc) => oc.column("key").doNothing())
    .execute();
}

/** Options of `claimQueuedComments`: at `now` (epoch ms), for `owner`, leased for `leaseMs`, at most `limit`. */
export interface CommentClaimOptions {
  now: number;
  owner: string;
  leaseMs: number;
  limit: number;
  /** Most comments per installation in flight in the claimer's process (the scheduler uses 1). */
  perInstallation?: InstallationQuota;
}

const available = (now: number) => (eb: ExpressionBuilder<Database, "queued_comments">) =>
  eb.and([
    eb("available_at", "<=", now),
    eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]),
  ]);

/**
 * Atomically leases up to `limit` queued comments that are available (`available_at <= now`,
 * lease free or expired): within an installation lower `rank` (more urgent) first, then the
 * oldest; with `perInstallation`, at most the installation's free share. Concurrent claimers (two
 * replicas on one PostgreSQL: `FOR UPDATE SKIP LOCKED`; one SQLite file) never get the same row.
 * Returns the leased rows, most urgent first.
 */
export async function claimQueuedComments(
  store: Store,
  options: CommentClaimOptions,
): Promise<QueuedComment[]> {
  const { now, owner, leaseMs, limit } = options;
  const quota = options.perInstallation;
  let numbered = store.db
    .selectFrom("queued_comments")
    .select((eb) => [
      "key",
      "installation_id",
      "rank",
      "queued_at",
      eb.fn
        .agg<number>("row_number")
        .over((ob) => ob.partitionBy("installation_id").orderBy("rank").orderBy("queued_at").orderBy("key"))
        .as("rn"),
    ])
    .where(available(now));
  const parts = quota ? quotaParts(quota) : { full: [], partial: [] };
  if (parts.full.length > 0) numbered = numbered.where("installation_id", "not in", parts.full);
  let shared = store.db.selectFrom(numbered.as("c")).select("c.key");
  if (quota)
    shared = shared.where((eb) =>
      eb("c.rn", "<=", shareOf(eb, "c.installation_id", parts.partial, quota.max)),
    );
  const chosen = shared.orderBy("c.rank").orderBy("c.queued_at").orderBy("c.key").limit(limit);
  let candidates = store.db
    .selectFrom("queued_comments")
    .select("key")
    .where("key", "in", chosen)
    .where(available(now));
  if (store.dialect === "postgres") candidates = candidates.forUpdate().skipLocked();
  const rows = await store.db
    .updateTable("queued_comments")
    .set({ lease_owner: owner, lease_until: now + leaseMs })
    .where("key", "in", candidates)
    .where(available(now))
    .returningAll()
    .execute();
  return rows
    .map(normalise)
    .sort((a, b) => a.rank - b.rank || a.queued_at - b.queued_at || a.key.localeCompare(b.key));
}

/** BIGINT columns come back as strings from PostgreSQL: numbers, as the type says. */
function normalise(row: QueuedComment): QueuedComment {
  return {
    ...row,
    installation_id: Number(row.installation_id),
    since: Number(row.since),
    queued_at: Number(row.queued_at),
    available_at: Number(row.available_at),
    lease_until: row.lease_until === null ? null : Number(row.lease_until),
  };
}

/** The earliest instant (epoch ms) `claimQueuedComments` could return a row; null when none is queued. */
export async function nextQueuedCommentAt(store: Store): Promise<number | null> {
  const row = await store.db
    .selectFrom("queued_comments")
    .select(earliestClaimAt().as("at"))
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
}

/** Keeps `owner`'s lease of a claimed comment until `until` (epoch ms). False when the lease was lost. */
export async function renewQueuedComment(
  store: Store,
  key: string,
  owner: string,
  until: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable("queued_comments")
    .set({ lease_until: until })
    .where("key", "=", key)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Removes a comment `owner` holds (posted, already posted, or no longer to be posted). False when the lease was lost. */
export async function finishQueuedComment(store: Store, key: string, owner: string): Promise<boolean> {
  const result = await store.db
    .deleteFrom("queued_comments")
    .where("key", "=", key)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Gives a comment `owner` holds back to be tried again at `retryAt` (epoch ms), counting the
 * failed try. Returns the attempts so far, or null when the lease was lost.
 */
export async function retryQueuedComment(
  store: Store,
  key: string,
  owner: string,
  retryAt: number,
): Promise<number | null> {
  const row = await store.db
    .updateTable("queued_comments")
    .set((eb) => ({
      available_at: retryAt,
      attempts: eb("attempts", "+", 1),
      lease_owner: null,
      lease_until: null,
    }))
    .where("key", "=", key)
    .where("lease_owner", "=", owner)
    .returning("attempts")
    .executeTakeFirst();
  return row === undefined ? null : Number(row.attempts);
}

/** Comments waiting to be posted (for /metrics and the benchmarks). */
export async function countQueuedComments(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("queued_comments")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

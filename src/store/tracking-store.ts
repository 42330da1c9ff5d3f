import { type Expression, type ExpressionBuilder, type Selectable, sql, type Updateable } from "kysely";
import type { Store } from "./db.js";
import type { IssueKey, TrackedRow } from "./intake-store.js";
import {
  type EffectRowStatus,
  type EffectsTable,
  type InboxTable,
  SLA_STATES,
  type SlaState,
  type TrackedIssuesTable,
} from "./schema.js";

/*
 * The tracked issues' webhook-driven writes, the effects outbox, the webhook inbox, named leases
 * and meta. The scheduler claims timers (`claimDueTimers`, src/store/timer-store.ts), never
 * tracked_issues rows (since migration 0008).
 * - Webhook-driven writes (close, post-mortem state, the intake comment) never wait for a lease:
 *   they apply unconditionally (`updateTrackedUnleased`) and bump `version`.
 * - Side effects are made exactly once through the `effects` outbox, keyed by transition.
 */

export type { IssueKey, TrackedRow } from "./intake-store.js";
export type { SlaState } from "./schema.js";

/**
 * Columns a tracking write may change: not the key, the lease, the version, nor `next_due_at`
 * (unused since migration 0008: the scheduler claims timers).
 */
export type TrackedPatch = Omit<
  Updateable<TrackedIssuesTable>,
  "repo" | "number" | "version" | "lease_owner" | "lease_until" | "next_due_at"
>;

/**
 * A webhook-driven write (a close, the post-mortem state, the intake comment): applies whoever
 * holds the row's lease and bumps `version`. Writes exactly the columns of `patch`. False when
 * the row does not exist.
 */
export async function updateTrackedUnleased(
  store: Store,
  key: IssueKey,
  patch: TrackedPatch,
): Promise<boolean> {
  const result = await store.db
    .updateTable("tracked_issues")
    .set((eb) => ({ ...patch, version: eb("version", "+", 1) }))
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The earliest `tracked_issues.next_due_at`, leased or not; null when there is none. Nothing fills
 * that column since migration 0008 (timers carry their own `next_due_at`), so only rows written
 * before it have one. Kept as `/healthz`'s read probe (src/index.ts) and for bench/store.mjs.
 */
export async function nextDueAt(store: Store): Promise<number | null> {
  const row = await store.db
    .selectFrom("tracked_issues")
    .select((eb) => eb.fn.min("next_due_at").as("at"))
    .where("next_due_at", "is not", null)
    .executeTakeFirst();
  return toNumberOrNull(row?.at);
}

/**
 * How many tracked issues are in each first-response state (`tracked_issues.state`, which the
 * first-response timer's projection keeps); every state present, 0 when none.
 */
export async function countByState(store: Store): Promise<Record<SlaState, number>> {
  const rows = await store.db
    .selectFrom("tracked_issues")
    .select((eb) => ["state", eb.fn.countAll().as("n")])
    .groupBy("state")
    .execute();
  const counts = Object.fromEntries(SLA_STATES.map((s) => [s, 0])) as Record<SlaState, number>;
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}

/**
 * Not used by the app since migration 0008 (the scheduler claims timers: `claimDueTimers` in
 * src/store/timer-store.ts), and nothing fills `tracked_issues.next_due_at` any more: kept only for
 * bench/store.mjs, which still measures this claim on rows it fills itself.
 *
 * Takes up to `limit` rows due at `now` (`next_due_at <= now`) whose lease is free (none, or
 * expired), earliest first, and leases them to `owner` until `now + leaseMs`. Atomic: concurrent
 * claimers (several processes on one PostgreSQL, or on one SQLite file) never get the same row.
 */
export async function claimDue(
  store: Store,
  options: Omit<ClaimOptions, "perInstallation">,
): Promise<TrackedRow[]> {
  const { now, owner, leaseMs, limit } = options;
  const due = store.db
    .selectFrom("tracked_issues")
    .where("next_due_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
    .orderBy("next_due_at")
    .limit(limit);
  const update = store.db
    .updateTable("tracked_issues")
    .set({ lease_owner: owner, lease_until: now + leaseMs })
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]));
  const rows =
    store.dialect === "postgres"
      ? // Rows another claimer is taking right now are skipped rather than waited for; the outer
        // re-check of the lease covers a claim committed between our snapshot and our lock.
        await update
          .where((eb) =>
            eb(
              eb.refTuple("repo", "number"),
              "in",
              due.select(["repo", "number"]).forUpdate().skipLocked().$asTuple("repo", "number"),
            ),
          )
          .returningAll()
          .execute()
      : // SQLite runs one writer at a time, so the statement is atomic; rowid spares a key lookup.
        await update
          .where(sql`rowid`, "in", due.select(sql<number>`rowid`.as("id")))
          .returningAll()
          .execute();
  return rows.sort((a, b) => (a.next_due_at ?? 0) - (b.next_due_at ?? 0));
}

// --- Effects outbox --------------------------------------------------------------------------

/**
 * What `beginEffect` found: `new` (this caller registered it), `retry` (an earlier try failed
 * without landing; this caller took it over and must perform it), or the row's status as it is
 * (`sending`, `done`, `failed`).
 */
export type EffectStatus = "new" | EffectRowStatus;

/** One outbox row as stored. */
export type EffectRow = Selectable<EffectsTable>;

/**
 * Registers the intent to perform the effect `key` (e.g. `breach-comment:acme/app#12:1`).
 * 'new': this caller inserted it and must perform it, then `finishEffect`. 'sending': someone
 * began it and did not confirm (a crash, or a concurrent attempt): check the outside world
 * (e.g. the comment's marker) before doing it again. 'done': already made; skip it.
 * Of concurrent callers on one key, exactly one gets 'new'.
 */
export async function beginEffect(store: Store, key: string, now: number): Promise<EffectStatus> {
  for (;;) {
    const inserted = await store.db
      .insertInto("effects")
      .values({ key, status: "sending", updated_at: now })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("key")
      .executeTakeFirst();
    if (inserted) return "new";
    const row = await store.db
      .selectFrom("effects")
      .select("status")
      .where("key", "=", key)
      .executeTakeFirst();
    // Gone between the two statements (cancelled or pruned): try to register it again.
    if (!row) continue;
    if (row.status !== "retry") return row.status;
    // A failed try that did not land: exactly one caller takes it over (back to `sending`).
    const taken = await store.db
      .updateTable("effects")
      .set({ status: "sending", updated_at: now })
      .where("key", "=", key)
      .where("status", "=", "retry")
      .executeTakeFirst();
    if (taken.numUpdatedRows > 0n) return "retry";
  }
}

/** The outbox row of `key`, or undefined when the effect was never begun. */
export async function getEffect(store: Store, key: string): Promise<EffectRow | undefined> {
  return await store.db.selectFrom("effects").selectAll().where("key", "=", key).executeTakeFirst();
}

export interface EffectFailure {
  /**
   * `retry`: it did not land (or is idempotent): the next attempt sends it again. `sending`: it
   * may have landed and must not be doubled: never sent again. `failed`: given up.
   */
  status: "retry" | "sending" | "failed";
  /** Redacted one-line error, kept for operators (no secrets, no customer text). */
  error: string;
  /** Epoch ms before which the next try should not run (Retry-After), or null. */
  retryAt: number | null;
}

/**
 * Records a failed try of the effect `key` at `now` (epoch ms): counts it, keeps the first
 * failure's instant (the give-up limit counts from it) and the error. Never marks it `done`.
 * Returns the row as it is afterwards.
 */
export async function failEffect(
  store: Store,
  key: string,
  now: number,
  failure: EffectFailure,
): Promise<EffectRow> {
  const error = failure.error.slice(0, 1_000);
  await store.db
    .insertInto("effects")
    .values({
      key,
      status: failure.status,
      updated_at: now,
      attempts: 1,
      first_failed_at: now,
      retry_at: failure.retryAt,
      last_error: error,
    })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet((eb) => ({
        status: failure.status,
        updated_at: now,
        attempts: eb("effects.attempts", "+", 1),
        first_failed_at: eb.fn.coalesce("effects.first_failed_at", eb.val(now)),
        retry_at: failure.retryAt,
        last_error: error,
      })),
    )
    .execute();
  const row = await getEffect(store, key);
  if (!row) throw new Error(`effect ${key} vanished while its failure was recorded`);
  return row;
}

/** Records that the effect `key` was made. */
export async function finishEffect(store: Store, key: string, now: number): Promise<void> {
  await store.db
    .insertInto("effects")
    .values({ key, status: "done", updated_at: now })
    .onConflict((oc) => oc.column("key").doUpdateSet({ status: "done", updated_at: now }))
    .execute();
}

/** Forgets an effect that is known not to have been made (the call failed), so it can be retried as 'new'. */
export async function cancelEffect(store: Store, key: string): Promise<void> {
  await store.db.deleteFrom("effects").where("key", "=", key).where("status", "=", "sending").execute();
}

// --- Inbox -----------------------------------------------------------------------------------

/** How `claimInbox` takes deliveries: at `now`, for `owner`, leased for `leaseMs`, at most `limit`. */
export interface ClaimOptions {
  now: number;
  /** Unique per process (and per restart): fencing compares it. */
  owner: string;
  leaseMs: number;
  limit: number;
  /**
   * Fairness between installations: take at most `max - busy.get(id)` deliveries of installation
   * `id` (`max` of one not in `busy`), none of an installation whose count reached `max`. Without
   * it, the oldest deliveries are taken whoever they belong to.
   */
  perInstallation?: InstallationQuota;
}

/** See `ClaimOptions.perInstallation`; the shape of the DueLoop's GroupQuota. */
export interface InstallationQuota {
  /** Most deliveries of one installation in flight (in the claimer's process) at once. */
  max: number;
  /** Deliveries in flight per installation id now. */
  busy: ReadonlyMap<number, number>;
}

/** Installations with no free share, and the free share of each partly busy one. */
export function quotaParts(quota: InstallationQuota): { full: number[]; partial: Array<[number, number]> } {
  const full: number[] = [];
  const partial: Array<[number, number]> = [];
  for (const [id, busy] of quota.busy) {
    const free = quota.max - busy;
    if (free <= 0) full.push(id);
    else partial.push([id, free]);
  }
  return { full, partial };
}

/** `CASE installation WHEN id THEN free … ELSE max END`: the free share of the row's installation. */
export function shareOf<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  column: string,
  partial: Array<[number, number]>,
  max: number,
): Expression<number> {
  if (partial.length === 0) return sql.lit(max);
  const cases = partial.map(([id, free]) => sql`when ${sql.lit(id)} then ${sql.lit(free)}`);
  return sql<number>`case ${eb.ref(column as never)} ${sql.join(cases, sql` `)} else ${sql.lit(max)} end`;
}

export interface Delivery {
  /** `X-GitHub-Delivery`. */
  deliveryId: string;
  /** `X-GitHub-Event`, with the action if the caller wants it (e.g. `issues.opened`). */
  event: string;
  installationId: number | null;
  /** Any JSON value; stored as JSON text and parsed again by `claimInbox`. */
  payload: unknown;
  now: number;
}

export type InboxRow = Omit<Selectable<InboxTable>, "payload"> & { payload: unknown };

/** Stores a webhook delivery for processing. False when that delivery id is already there (a redelivery). */
export async function enqueueDelivery(store: Store, delivery: Delivery): Promise<boolean> {
  const inserted = await store.db
    .insertInto("inbox")
    .values({
      delivery_id: delivery.deliveryId,
      event: delivery.event,
      installation_id: delivery.installationId,
      payload: JSON.stringify(delivery.payload),
      received_at: delivery.now,
      available_at: delivery.now,
    })
    .onConflict((oc) => oc.column("delivery_id").doNothing())
    .returning("delivery_id")
    .executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Takes up to `limit` deliveries not done, available at `now`, whose lease is free, oldest
 * first; leases them to `owner` and counts the attempt. Atomic: concurrent claimers (several
 * processes on one PostgreSQL, where locked rows are skipped, or on one SQLite file) never get
 * the same delivery.
 */
export async function claimInbox(store: Store, options: ClaimOptions): Promise<InboxRow[]> {
  const { now, owner, leaseMs, limit } = options;
  let candidates = options.perInstallation
    ? fairInboxCandidates(store, options, options.perInstallation)
    : store.db
        .selectFrom("inbox")
        .select("delivery_id")
        .where("done_at", "is", null)
        .where("available_at", "<=", now)
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
        .orderBy("available_at")
        .orderBy("received_at")
        .limit(limit);
  if (store.dialect === "postgres") candidates = candidates.forUpdate().skipLocked();
  const rows = await store.db
    .updateTable("inbox")
    .set((eb) => ({ lease_owner: owner, lease_until: now + leaseMs, attempts: eb("attempts", "+", 1) }))
    .where("delivery_id", "in", candidates)
    .where("done_at", "is", null)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]))
    .returningAll()
    .execute();
  return rows
    .map((row) => ({ ...row, payload: JSON.parse(row.payload) as unknown }))
    .sort((a, b) => a.available_at - b.available_at || a.received_at - b.received_at);
}

/**
 * The deliveries `claimInbox` takes with a share per installation: numbered per installation
 * (oldest first, a window function), those beyond an installation's free share left, the oldest
 * `limit` of the rest. A plain `SELECT delivery_id FROM inbox WHERE delivery_id IN (…)` around
 * the window, so PostgreSQL can lock its rows (`FOR UPDATE` is not allowed beside a window).
 */
function fairInboxCandidates(store: Store, options: ClaimOptions, quota: InstallationQuota) {
  const { now, limit } = options;
  const { full, partial } = quotaParts(quota);
  let numbered = store.db
    .selectFrom("inbox")
    .select((eb) => [
      "delivery_id",
      "installation_id",
      "available_at",
      "received_at",
      eb.fn
        .agg<number>("row_number")
        .over((ob) => ob.partitionBy("installation_id").orderBy("available_at").orderBy("received_at"))
        .as("rn"),
    ])
    .where("done_at", "is", null)
    .where("available_at", "<=", now)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]));
  if (full.length > 0) numbered = numbered.where("installation_id", "not in", full);
  const chosen = store.db
    .selectFrom(numbered.as("c"))
    .select("c.delivery_id")
    .where((eb) => eb("c.rn", "<=", shareOf(eb, "c.installation_id", partial, quota.max)))
    .orderBy("c.available_at")
    .orderBy("c.received_at")
    .limit(limit);
  return store.db
    .selectFrom("inbox")
    .select("delivery_id")
    .where("delivery_id", "in", chosen)
    .where("done_at", "is", null)
    .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]));
}

/** Marks `owner`'s delivery processed. False when the lease was lost (another process has it). */
export async function finishInbox(store: Store, id: string, owner: string, now: number): Promise<boolean> {
  const result = await store.db
    .updateTable("inbox")
    .set({ done_at: now, lease_owner: null, lease_until: null, last_error: null })
    .where("delivery_id", "=", id)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives `owner`'s delivery back to be tried again at `retryAt`, keeping the error. */
export async function failInbox(
  store: Store,
  id: string,
  owner: string,
  error: string,
  retryAt: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable("inbox")
    .set({ available_at: retryAt, last_error: error, lease_owner: null, lease_until: null })
    .where("delivery_id", "=", id)
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * `min(max(lease_until, available_at))` over a queue's rows: the earliest instant a claim could take
 * one (a leased row counts from its lease's end), for a table with `available_at` and `lease_until`.
 */
export function earliestClaimAt() {
  return sql<number | null>`min(case when lease_until > available_at then lease_until else available_at end)`;
}

/** The earliest instant `claimInbox` could return a delivery (a leased one counts from its expiry). */
export async function nextInboxAt(store: Store): Promise<number | null> {
  const row = await store.db
    .selectFrom("inbox")
    .select(earliestClaimAt().as("at"))
    .where("done_at", "is", null)
    .executeTakeFirst();
  return toNumberOrNull(row?.at);
}

/** Deliveries not processed yet. */
export async function inboxBacklog(store: Store): Promise<number> {
  const row = await store.db
    .selectFrom("inbox")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("done_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Deletes deliveries processed before `before`; returns how many. */
export async function pruneInbox(store: Store, before: number): Promise<number> {
  const result = await store.db.deleteFrom("inbox").where("done_at", "<", before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

// --- Singleton leases ------------------------------------------------------------------------

/**
 * Takes the named lease for `owner` until `now + ms`: when nobody holds it, when it expired, or
 * to renew `owner`'s own. Atomic on both databases (one upsert). False when someone else holds it.
 */
export async function tryAcquireLease(
  store: Store,
  name: string,
  owner: string,
  now: number,
  ms: number,
): Promise<boolean> {
  const row = await store.db
    .insertInto("leases")
    .values({ name, owner, until: now + ms })
    .onConflict((oc) =>
      oc
        .column("name")
        .doUpdateSet((eb) => ({ owner: eb.ref("excluded.owner"), until: eb.ref("excluded.until") }))
        .where((eb) => eb.or([eb("leases.owner", "=", owner), eb("leases.until", "<=", now)])),
    )
    .returning("owner")
    .executeTakeFirst();
  return row !== undefined;
}

/** Gives the named lease back (only `owner`'s). */
export async function releaseNamedLease(store: Store, name: string, owner: string): Promise<boolean> {
  const result = await store.db
    .deleteFrom("leases")
    .where("name", "=", name)
    .where("owner", "=", owner)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

// --- Meta ------------------------------------------------------------------------------------

export async function getMeta(store: Store, key: string): Promise<string | undefined> {
  const row = await store.db.selectFrom("meta").select("value").where("key", "=", key).executeTakeFirst();
  return row?.value;
}

export async function setMeta(store: Store, key: string, value: string): Promise<void> {
  await store.db
    .insertInto("meta")
    .values({ key, value })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value }))
    .execute();
}

function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

import {
  type CompiledQuery,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  type SelectQueryBuilder,
  sql,
  type Transaction,
  type Updateable,
} from "kysely";
import type { ClockKind, ResponseTarget } from "../domain/policy.js";
import { METRICS, type Metric, type Pause, type Timer } from "../domain/timers/timer.js";
import { type QueuedCommentInsert, queueComments } from "./comment-queue-store.js";
import { compiledOnce } from "./compiled-query.js";
import type { Store } from "./db.js";
import type { IssueKey } from "./intake-store.js";
import type { Database, SlaState, TimersTable, TrackedIssuesTable } from "./schema.js";

/**
 * Timers as rows (`timers`, migration 0008_timers): one row per issue × metric × cycle. The
 * scheduler claims due rows (`next_due_at <= now`, lease free) exactly as it claimed tracked
 * issues before; handlers write them under the issue lock. The first-response timer of the
 * issue's current cycle is also projected onto `tracked_issues` (state, deadline_at, at_risk_at,
 * first_response_*, breached_at, cycle, cycle_started_at, target_*) in the same transaction, so
 * the report and older readers see what they saw before.
 *
 * Concurrency is `tracking-store.ts`'s: the scheduler owns a row only while it holds its lease,
 * and its writes are fenced by `lease_owner` (and, with `version`, by the version it claimed);
 * webhook writes never wait for a lease and bump `version`; leases do not bump it.
 */

/** A timer as stored: the domain timer plus its issue, installation, rank, lease and version. */
export interface TimerRow extends Timer {
  repo: string;
  number: number;
  installation_id: number;
  /** The priority's position in the config (0 = most urgent): claims take lower ranks first. */
  rank: number;
  lease_owner: string | null;
  lease_until: number | null;
  version: number;
  /**
   * `planned`: `target`, `clock` and `targetMs` are what the domain planned. `derived`: a row
   * migration 0008 carried over from a deadline whose count it could not know (a target not
   * recorded, or next-business-day): a calendar count from `startedAt` to that deadline, so the
   * deadline is the one planned then. A write that sets `target` makes it `planned`.
   */
  targetSource: "planned" | "derived";
}

type TimerColumns = Selectable<TimersTable>;

/** The row as the domain sees it. Throws on a metric, state or clock the code does not know. */
function toTimerRow(row: TimerColumns): TimerRow {
  if (!(METRICS as readonly string[]).includes(row.metric)) {
    throw new Error(
      `timers row ${row.repo}#${row.number} has an unknown metric ${JSON.stringify(row.metric)}`,
    );
  }
  const target: ResponseTarget =
    row.target_kind === "next-business-day"
      ? { kind: "next-business-day" }
      : { kind: "duration", ms: Number(row.target_ms ?? row.target_counted_ms) };
  return {
    repo: row.repo,
    number: row.number,
    installation_id: row.installation_id,
    rank: row.rank,
    lease_owner: row.lease_owner,
    lease_until: row.lease_until,
    version: row.version,
    targetSource: row.target_source === "derived" ? "derived" : "planned",
    metric: row.metric as Metric,
    cycle: row.cycle,
    state: row.state,
    clock: row.clock as ClockKind,
    target,
    targetMs: row.target_counted_ms,
    startedAt: row.started_at,
    pauses: parsePauses(row.pauses),
    deadlineAt: row.deadline_at,
    level: row.level,
    firings: row.firings,
    nextDueAt: row.next_due_at,
    metAt: row.met_at,
    metBy: row.met_by,
    countedMs: row.counted_ms,
    late: row.late !== 0,
    breachedAt: row.breached_at,
    paged: row.paged !== 0,
  };
}

/**
 * The `timers.pauses` column (`[{"start":ms,"end":ms|null}]`) → pauses; an empty or unreadable
 * text, or an entry without a numeric start, is no pause. Never throws.
 */
export function parsePauses(text: string): Pause[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((p: unknown) => {
    if (typeof p !== "object" || p === null) return [];
    const { start, end } = p as { start?: unknown; end?: unknown };
    if (typeof start !== "number") return [];
    return [{ start, end: typeof end === "number" ? end : null }];
  });
}

/** The columns of the fields `patch` has (undefined = not given). */
function timerColumns(patch: Partial<Timer>): Updateable<TimersTable> {
  const out: Updateable<TimersTable> = {};
  if (patch.state !== undefined) out.state = patch.state;
  if (patch.clock !== undefined) out.clock = patch.clock;
  if (patch.target !== undefined) {
    out.target_kind = patch.target.kind;
    out.target_ms = patch.target.kind === "duration" ? patch.target.ms : null;
    out.target_source = "planned";
  }
  if (patch.targetMs !== undefined) out.target_counted_ms = patch.targetMs;
  if (patch.startedAt !== undefined) out.started_at = patch.startedAt;
  if (patch.pauses !== undefined)
    out.pauses = JSON.stringify(patch.pauses.map((p) => ({ start: p.start, end: p.end })));
  if (patch.deadlineAt !== undefined) out.deadline_at = patch.deadlineAt;
  if (patch.level !== undefined) out.level = patch.level;
  if (patch.firings !== undefined) out.firings = patch.firings;
  if (patch.nextDueAt !== undefined) out.next_due_at = patch.nextDueAt;
  if (patch.metAt !== undefined) out.met_at = patch.metAt;
  if (patch.metBy !== undefined) out.met_by = patch.metBy;
  if (patch.countedMs !== undefined) out.counted_ms = patch.countedMs;
  if (patch.late !== undefined) out.late = patch.late ? 1 : 0;
  if (patch.breachedAt !== undefined) out.breached_at = patch.breachedAt;
  if (patch.paged !== undefined) out.paged = patch.paged ? 1 : 0;
  return out;
}

const metricOrder = (m: string) => (METRICS as readonly string[]).indexOf(m);

/** The current cycle of each metric of an issue (the newest row per metric), in metric order. */
export async function getTimers(store: Store, key: IssueKey): Promise<TimerRow[]> {
  const rows = await store.db
    .selectFrom("timers as t")
    .selectAll("t")
    .where("t.repo", "=", key.repo)
    .where("t.number", "=", key.number)
    .where((eb) =>
      eb(
        "t.cycle",
        "=",
        eb
          .selectFrom("timers as n")
          .select((e) => e.fn.max("n.cycle").as("c"))
          .whereRef("n.repo", "=", "t.repo")
          .whereRef("n.number", "=", "t.number")
          .whereRef("n.metric", "=", "t.metric"),
      ),
    )
    .execute();
  return rows.map(toTimerRow).sort((a, b) => metricOrder(a.metric) - metricOrder(b.metric));
}

/** One timer of an issue by metric and cycle (any cycle, current or past); undefined when there is none. */
export async function getTimer(
  store: Store,
  key: IssueKey,
  metric: Metric,
  cycle: number,
): Promise<TimerRow | undefined> {
  const row = await store.db
    .selectFrom("timers")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .where("metric", "=", metric)
    .where("cycle", "=", cycle)
    .executeTakeFirst();
  return row ? toTimerRow(row) : undefined;
}

/** Every cycle of every metric of an issue, by metric then cycle (history, explanations). */
export async function listTimers(store: Store, key: IssueKey): Promise<TimerRow[]> {
  const rows = await store.db
    .selectFrom("timers")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .orderBy("cycle")
    .execute();
  return rows
    .map(toTimerRow)
    .sort((a, b) => metricOrder(a.metric) - metricOrder(b.metric) || a.cycle - b.cycle);
}

/**
 * What the store cannot derive from a first-response timer for the `tracked_issues` projection:
 * `atRiskAt`, the instant of the ladder's first level below 100 % (today's `at_risk_at`; needs the
 * calendar and the ladder). Without it the row keeps its `at_risk_at` while the cycle and the
 * deadline are unchanged, and takes the deadline otherwise (0002's rule for rows without one).
 */
export interface TrackedProjection {
  atRiskAt?: number;
}

/** One timer to write: a whole new timer, or a patch of an existing one (by metric and cycle). */
export type TimerWrite =
  | {
      kind: "insert";
      timer: Timer;
      installationId: number;
      rank: number;
      /** first_response only: see `TrackedProjection`. */
      projection?: TrackedProjection;
    }
  | {
      kind: "update";
      metric: Timer["metric"];
      cycle: number;
      patch: Partial<Timer>;
      rank?: number;
      /** first_response only: see `TrackedProjection`. */
      projection?: TrackedProjection;
    };

/** Options of `saveTimers`. */
export interface SaveTimersOptions {
  /** The scheduler's lease owner: the write is fenced by the claimed timer's lease. */
  owner?: string;
  /** Frees the lease of this (claimed) timer in the same transaction; it is also the fenced row. */
  release?: { metric: Timer["metric"]; cycle: number };
  /** The claimed (fenced) timer when the lease is kept (`release` absent). */
  claimed?: { metric: Timer["metric"]; cycle: number };
  /**
   * Apply only if the fenced timer still has this `version` (the one claimed): a webhook write
   * made meanwhile (a team reply meeting it) makes the scheduler's write fail, so it re-reads.
   */
  version?: number;
  /** Epoch ms written as `updated_at` of the timers and of the projected `tracked_issues` row; default now. */
  now?: number;
  /**
   * Comments the firing queues for posting (`queued_comments`), in the same transaction: none
   * when the fence does not hold, so a firing's comment is queued exactly when its state is.
   */
  comments?: readonly QueuedCommentInsert[];
}

/** Thrown inside the transaction to roll it back when the fence does not hold. */
class FenceLost extends Error {}

/**
 * Writes timers of one issue in one transaction and projects its first-response timer onto
 * `tracked_issues`. Unleased writers (webhook handlers, under the issue lock) pass no `owner`; the
 * scheduler passes `owner` and its write is fenced by the lease (returns false when the lease was
 * lost: nothing written) and, with `release`, frees the lease of the claimed row.
 *
 * - Fence: the timer named by `release` (or `claimed`) must be leased by `owner` (and have
 *   `version` when given); with neither, every timer the call updates must be. Leased writes
 *   without `owner` never check it.
 * - An insert of a metric × cycle that exists already changes nothing (a redelivered start never
 *   restarts a timer); an update of a timer that does not exist changes nothing.
 * - Every write bumps the timer's `version`; a lease release does not.
 * - When a first-response timer is written, the issue's newest first-response timer is projected
 *   onto `tracked_issues`: state (met late shows as `breached`, today's convention), cycle,
 *   cycle_started_at, deadline_at (kept when the timer has none), at_risk_at (see
 *   `TrackedProjection`), first_response_at/by/business_ms/late, breached_at, paged_cycle,
 *   target_* (a `derived` target leaves them as they were), `next_due_at` NULL (the scheduler
 *   claims timers, never that row), `version` + 1.
 * - `comments` are queued (`queued_comments`) in the same transaction.
 */
export async function saveTimers(
  store: Store,
  key: IssueKey,
  writes: TimerWrite[],
  options: SaveTimersOptions = {},
): Promise<boolean> {
  const now = options.now ?? Date.now();
  try {
    await store.db.transaction().execute(async (tx) => {
      if (options.owner !== undefined) await fence(tx, key, writes, options, options.owner);
      let projection: TrackedProjection | undefined;
      let projects = false;
      for (const write of writes) {
        const metric = write.kind === "insert" ? write.timer.metric : write.metric;
        if (metric === "first_response") {
          projects = true;
          if (write.projection) projection = write.projection;
        }
        if (write.kind === "insert") await insertTimer(tx, key, write, now);
        else await updateTimer(tx, key, write, now);
      }
      if (options.release) {
        await tx
          .updateTable("timers")
          .where(keyIs(key, options.release))
          .set({ lease_owner: null, lease_until: null })
          .where("lease_owner", "=", options.owner ?? "")
          .execute();
      }
      if (projects) await project(tx, key, projection ?? {}, now);
      if (options.comments) await queueComments(tx, options.comments);
    });
    return true;
  } catch (error) {
    if (error instanceof FenceLost) return false;
    throw error;
  }
}

/** The condition "this timer" on `timers`. */
const keyIs =
  (key: IssueKey, timer: { metric: string; cycle: number }) => (eb: ExpressionBuilder<Database, "timers">) =>
    eb.and([
      eb("repo", "=", key.repo),
      eb("number", "=", key.number),
      eb("metric", "=", timer.metric),
      eb("cycle", "=", timer.cycle),
    ]);

/**
 * Checks (and, being a write, locks) the fenced timers: leased by `owner`, with `version` if
 * given. The first statement of the transaction is a write, so SQLite takes its write lock at
 * once and a concurrent writer cannot slip in between the check and the writes.
 */
async function fence(
  tx: Transaction<Database>,
  key: IssueKey,
  writes: TimerWrite[],
  options: SaveTimersOptions,
  owner: string,
): Promise<void> {
  const named = options.release ?? options.claimed;
  const fenced = named
    ? [named]
    : writes.flatMap((w) => (w.kind === "update" ? [{ metric: w.metric, cycle: w.cycle }] : []));
  for (const timer of fenced) {
    let query = tx
      .updateTable("timers")
      .where(keyIs(key, timer))
      .set({ lease_owner: owner })
      .where("lease_owner", "=", owner);
    if (named && options.version !== undefined) query = query.where("version", "=", options.version);
    const result = await query.executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new FenceLost();
  }
}

/**
 * The `timers` row a new timer is stored as (lease free, version 1 by default): one place for the
 * mapping, also used by the scale benchmark's bulk load. `now` (epoch ms) is `updated_at`.
 */
export function timerRow(
  key: IssueKey,
  write: Pick<Extract<TimerWrite, { kind: "insert" }>, "timer" | "installationId" | "rank">,
  now: number,
): Insertable<TimersTable> {
  const t = write.timer;
  return {
    repo: key.repo,
    number: key.number,
    metric: t.metric,
    cycle: t.cycle,
    installation_id: write.installationId,
    rank: write.rank,
    state: t.state,
    clock: t.clock,
    target_kind: t.target.kind,
    target_ms: t.target.kind === "duration" ? t.target.ms : null,
    target_counted_ms: t.targetMs,
    target_source: "planned",
    started_at: t.startedAt,
    pauses: JSON.stringify(t.pauses.map((p) => ({ start: p.start, end: p.end }))),
    deadline_at: t.deadlineAt,
    level: t.level,
    firings: t.firings,
    next_due_at: t.nextDueAt,
    met_at: t.metAt,
    met_by: t.metBy,
    counted_ms: t.countedMs,
    late: t.late ? 1 : 0,
    breached_at: t.breachedAt,
    paged: t.paged ? 1 : 0,
    updated_at: now,
  };
}

async function insertTimer(
  tx: Transaction<Database>,
  key: IssueKey,
  write: Extract<TimerWrite, { kind: "insert" }>,
  now: number,
): Promise<void> {
  await tx
    .insertInto("timers")
    .values(timerRow(key, write, now))
    .onConflict((oc) => oc.columns(["repo", "number", "metric", "cycle"]).doNothing())
    .execute();
}

async function updateTimer(
  tx: Transaction<Database>,
  key: IssueKey,
  write: Extract<TimerWrite, { kind: "update" }>,
  now: number,
): Promise<void> {
  const columns = timerColumns(write.patch);
  await tx
    .updateTable("timers")
    .where(keyIs(key, write))
    .set((eb) => ({
      ...columns,
      ...(write.rank !== undefined ? { rank: write.rank } : {}),
      updated_at: now,
      version: eb("version", "+", 1),
    }))
    .execute();
}

/** The issue's newest first-response timer onto its `tracked_issues` row (see `saveTimers`). */
async function project(
  tx: Transaction<Database>,
  key: IssueKey,
  projection: TrackedProjection,
  now: number,
): Promise<void> {
  const row = await tx
    .selectFrom("timers")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .where("metric", "=", "first_response")
    .orderBy("cycle", "desc")
    .limit(1)
    .executeTakeFirst();
  if (!row) return;
  const t = toTimerRow(row);
  const state: SlaState = t.state === "met" && t.late ? "breached" : t.state;
  const patch: Updateable<TrackedIssuesTable> = {
    state,
    cycle: t.cycle,
    cycle_started_at: t.startedAt,
    first_response_at: t.metAt,
    first_response_by: t.metBy,
    first_response_business_ms: t.countedMs,
    first_response_late: t.late ? 1 : 0,
    breached_at: t.breachedAt,
    paged_cycle: t.paged ? t.cycle : null,
    next_due_at: null,
    updated_at: now,
  };
  if (t.deadlineAt !== null) patch.deadline_at = t.deadlineAt;
  if (t.targetSource === "planned") {
    patch.target_kind = t.target.kind;
    patch.target_ms = t.target.kind === "duration" ? t.target.ms : null;
    patch.target_clock = t.clock;
  }
  await tx
    .updateTable("tracked_issues")
    .set((eb) => ({
      ...patch,
      at_risk_at: atRiskOf(eb, projection, t),
      version: eb("version", "+", 1),
    }))
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .execute();
}

/** `at_risk_at` for the projection: given, else kept for the same cycle and deadline, else the deadline. */
function atRiskOf(
  eb: ExpressionBuilder<Database, "tracked_issues">,
  projection: TrackedProjection,
  t: TimerRow,
): Expression<number> {
  if (projection.atRiskAt !== undefined) return eb.val(projection.atRiskAt);
  if (t.deadlineAt === null) return eb.ref("at_risk_at");
  // Casts: PostgreSQL cannot type a CASE whose branches are untyped parameters.
  const deadline = sql<number>`cast(${t.deadlineAt} as bigint)`;
  return sql<number>`case when ${eb.ref("cycle")} = ${sql.lit(t.cycle)} and ${eb.ref("deadline_at")} = ${deadline} then ${eb.ref("at_risk_at")} else ${deadline} end`;
}

export interface TimerClaimOptions {
  /** The claim's instant (epoch ms): a row is due when `next_due_at <= now`. */
  now: number;
  /** Most rows leased by this claim. */
  limit: number;
  /** The lease owner written on the claimed rows (the scheduler replica). */
  owner: string;
  /** The lease's length in ms: the rows are leased until `now + leaseMs`. */
  leaseMs: number;
  /** Most rows per installation in this claim, less those already in flight (`busy`). */
  perInstallation?: { max: number; busy: ReadonlyMap<number, number> };
}

/** Lease free: none, or expired at `now`. */
const leaseFree = (now: number) => (eb: ExpressionBuilder<Database, "timers">) =>
  eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]);

/** A due row as the claim reads it before leasing: its key, its claim order and its installation. */
interface DueRow {
  repo: string;
  number: number;
  metric: string;
  cycle: number;
  rank: number;
  next_due_at: number | null;
  installation_id: number;
}

/**
 * Atomically leases up to `limit` due timers (`next_due_at <= now`, lease free or expired), lower
 * `rank` first, then earliest `next_due_at`, then repo, number (then metric, cycle): within an
 * installation Production down and Urgent escalate before Normal. Returns the leased rows in that
 * order; a row is never leased by two claimers (the leasing update re-checks due and lease-free,
 * and on PostgreSQL locks the rows `FOR UPDATE SKIP LOCKED`, so a row another claimer is taking
 * right now is skipped rather than waited for).
 *
 * Reads are index range scans, never a sort of every due row: the ranks in use are a few small
 * integers (one per priority), found by a loose scan of `timers_claim_idx` (migration
 * 0010_timer_claim), and each rank's due rows are one range of that index in claim order. Since
 * rank leads the order, the claim order is the ranks' ranges one after the other, and a read
 * walks them in turn and stops at its limit (`dueStream`).
 *
 * - Without `perInstallation`: one statement reads and leases the first `limit` rows.
 * - With `perInstallation`: each installation gets at most its free share (`max - busy`, none once
 *   it reaches `max`; `max` for an installation not in `busy`), its rows taken in the claim order,
 *   and the claim takes the first `limit` of those in the claim order, so an installation with
 *   many urgent due rows never keeps another's due rows from being claimed. The ranges are read
 *   in claim order, skipping an installation once its share is taken (within the index), and the
 *   chosen rows are then leased in one statement that re-checks them, so a row another claimer
 *   took meanwhile is left out of the result.
 */
/**
 * A claimed timer as the claim returns it: its key, installation, rank, due instant (epoch ms) and
 * lease; what the scheduler needs to take it up (it reads the whole timer again under the issue
 * lock, `getTimers`). Few columns keep the claim cheap.
 */
export interface ClaimedTimer {
  repo: string;
  number: number;
  metric: Metric;
  cycle: number;
  installation_id: number;
  rank: number;
  nextDueAt: number | null;
  lease_owner: string | null;
  lease_until: number | null;
}

export async function claimDueTimers(store: Store, options: TimerClaimOptions): Promise<ClaimedTimer[]> {
  const { now, owner, leaseMs, limit, perInstallation } = options;
  if (limit <= 0 || (perInstallation && perInstallation.max <= 0)) return [];
  const until = now + leaseMs;
  const keyColumns = sql.join(KEY.map((c) => sql.ref(c)));
  /** The leasing update of `candidates` (a subquery of keys), re-checking due and lease-free. */
  const lease = (
    v: { now: number; owner: string; until: number },
    candidates: SelectQueryBuilder<Database, "timers", Pick<TimersTable, (typeof KEY)[number]>>,
  ) =>
    store.db
      .updateTable("timers")
      .set({ lease_owner: v.owner, lease_until: v.until })
      // Rows another claimer is taking right now are skipped rather than waited for; the outer
      // re-check of the lease covers a claim committed between our snapshot and our lock.
      .where(
        sql<boolean>`(${keyColumns}) in ${store.dialect === "postgres" ? candidates.forUpdate().skipLocked() : candidates}`,
      )
      .where("next_due_at", "<=", v.now)
      .where(leaseFree(v.now))
      .returning([
        "repo",
        "number",
        "metric",
        "cycle",
        "installation_id",
        "rank",
        "next_due_at",
        "lease_owner",
        "lease_until",
      ]);
  let query: CompiledQuery;
  if (perInstallation) {
    const chosen = await fairCandidates(store, options, perInstallation);
    if (chosen.length === 0) return [];
    const keys = JSON.stringify(chosen.map((r) => [r.repo, r.number, r.metric, r.cycle]));
    query = compiledOnce(store.db, "claim chosen timers", { now, owner, until, keys }, (v) =>
      lease(
        v,
        store.db
          .selectFrom("timers")
          .select(KEY)
          .where(sql<boolean>`(${keyColumns}) in ${chosenKeys(store, v.keys)}`)
          .where("next_due_at", "<=", v.now)
          .where(leaseFree(v.now)),
      ),
    );
  } else {
    query = compiledOnce(store.db, "claim due timers", { now, owner, until, limit }, (v) =>
      lease(v, dueStream(store, v.now, { limit: v.limit }).clearSelect().select(KEY)),
    );
  }
  const { rows } =
    await store.db.executeQuery<
      Pick<
        Selectable<TimersTable>,
        (typeof KEY)[number] | "installation_id" | "rank" | "next_due_at" | "lease_owner" | "lease_until"
      >
    >(query);
  return rows
    .map((row): ClaimedTimer => {
      if (!(METRICS as readonly string[]).includes(row.metric)) {
        throw new Error(
          `timers row ${row.repo}#${row.number} has an unknown metric ${JSON.stringify(row.metric)}`,
        );
      }
      return {
        repo: row.repo,
        number: Number(row.number),
        metric: row.metric as Metric,
        cycle: Number(row.cycle),
        installation_id: Number(row.installation_id),
        rank: Number(row.rank),
        nextDueAt: row.next_due_at === null ? null : Number(row.next_due_at),
        lease_owner: row.lease_owner,
        lease_until: row.lease_until === null ? null : Number(row.lease_until),
      };
    })
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        (a.nextDueAt ?? 0) - (b.nextDueAt ?? 0) ||
        a.repo.localeCompare(b.repo) ||
        a.number - b.number ||
        metricOrder(a.metric) - metricOrder(b.metric),
    );
}

/**
 * Timer keys (`keys`: a JSON array of [repo, number, metric, cycle]) as a parenthesized subquery
 * of (repo, number, metric, cycle) rows, from one JSON parameter: key tuples as placeholders
 * would make the statement's text, and so its preparation (on SQLite, for every run), grow with
 * the claim's size.
 */
function chosenKeys(store: Store, keys: string) {
  return store.dialect === "postgres"
    ? sql`(select k.value ->> 0, cast(k.value ->> 1 as integer), k.value ->> 2, cast(k.value ->> 3 as integer) from jsonb_array_elements(cast(${keys} as jsonb)) as k)`
    : sql`(select k.value ->> 0, k.value ->> 1, k.value ->> 2, k.value ->> 3 from json_each(${keys}) as k)`;
}

/**
 * `rank` is one of the ranks in use (of the rows with a `next_due_at`), found by a loose index
 * scan of `timers_claim_idx` (one seek per rank) in the same statement. The form lets each
 * database walk the ranks' ranges in index order: SQLite iterates an IN subquery's values in
 * order; PostgreSQL (17 and later) scans `= any(array(...))` in index order.
 */
function rankInUse(store: Store) {
  const scan = sql`with recursive r (rank) as (
      select min(rank) from timers where next_due_at is not null
      union all
      select (select min(t.rank) from timers t where t.next_due_at is not null and t.rank > r.rank)
      from r where r.rank is not null
    )
    select rank from r where rank is not null`;
  return store.dialect === "postgres"
    ? sql<boolean>`${sql.ref("rank")} = any(array(${scan}))`
    : sql<boolean>`${sql.ref("rank")} in (${scan})`;
}

/**
 * The first `limit` due, lease-free rows in claim order (rank, next_due_at, repo, number, metric,
 * cycle), as one range of `timers_claim_idx` per rank in use (`rankInUse`), walked in index order
 * up to the limit, without sorting. `exclude`: installations whose rows are skipped (within the
 * index). `after`: only rows after this one in claim order (a keyset cursor, for reading on).
 */
function dueStream(
  store: Store,
  now: number,
  options: { limit: number; exclude?: readonly number[]; after?: DueRow },
) {
  const { limit, exclude = [], after } = options;
  let query = store.db
    .selectFrom("timers")
    .select(["repo", "number", "metric", "cycle", "rank", "next_due_at", "installation_id"])
    .where(rankInUse(store))
    .where("next_due_at", "<=", now)
    .where(leaseFree(now));
  if (exclude.length > 0) query = query.where("installation_id", "not in", exclude);
  if (after !== undefined) {
    const order = [after.rank, after.next_due_at, after.repo, after.number, after.metric, after.cycle];
    query = query.where(
      sql<boolean>`(${sql.join(CLAIM_ORDER.map((c) => sql.ref(c)))}) > (${sql.join(order)})`,
    );
  }
  return CLAIM_ORDER.reduce((q, column) => q.orderBy(column), query).limit(limit);
}

/**
 * `dueStream(store, now, { limit, exclude, after })` read, compiled once per shape (how many
 * installations are excluded, and whether it reads on after a row: `compiledOnce`).
 */
async function readDue(
  store: Store,
  now: number,
  limit: number,
  exclude: readonly number[],
  after: DueRow | undefined,
): Promise<DueRow[]> {
  const values: Record<string, string | number | null> = {
    now,
    limit,
    ...Object.fromEntries(exclude.map((id, i) => [`x${i}`, id])),
    ...(after ? Object.fromEntries(CLAIM_ORDER.map((column) => [column, after[column]])) : {}),
  };
  const shape = `due timers, ${exclude.length} excluded${after ? ", after a row" : ""}`;
  const query = compiledOnce(store.db, shape, values, (v) =>
    dueStream(store, v.now as number, {
      limit: v.limit as number,
      exclude: exclude.map((_, i) => v[`x${i}`] as number),
      // The cursor's claim-order columns, in the places of `after`'s (installation_id is not read).
      ...(after ? { after: { ...after, ...Object.fromEntries(CLAIM_ORDER.map((c) => [c, v[c]])) } } : {}),
    }),
  );
  return (await store.db.executeQuery<DueRow>(query)).rows;
}

/** The claim order: the columns of `timers_claim_idx` before `installation_id`. */
const CLAIM_ORDER = ["rank", "next_due_at", "repo", "number", "metric", "cycle"] as const;

/** A timer's key (the primary key of `timers`). */
const KEY = ["repo", "number", "metric", "cycle"] as const;

/**
 * The rows a claim with a per-installation share takes (see `claimDueTimers`), in claim order:
 * the due rows read in claim order (`dueStream`), each installation's taken while it has room
 * left (`max - busy`, else `max`); an installation whose room is used up is excluded from the
 * reads that follow, which read on after the last row seen. A read of twice the rows still wanted
 * that does not end the claim skipped rows of installations excluded from then on.
 */
async function fairCandidates(
  store: Store,
  options: TimerClaimOptions,
  quota: { max: number; busy: ReadonlyMap<number, number> },
): Promise<DueRow[]> {
  const { now, limit } = options;
  const room = new Map<number, number>();
  const full: number[] = [];
  for (const [id, busy] of quota.busy) {
    room.set(id, quota.max - busy);
    if (quota.max - busy <= 0) full.push(id);
  }
  const chosen: DueRow[] = [];
  let after: DueRow | undefined;
  for (;;) {
    // Twice the rows still wanted: an installation reaching its share mid-read rarely costs a read.
    const batch = 2 * (limit - chosen.length);
    const rows = await readDue(store, now, batch, full, after);
    for (const row of rows) {
      const id = Number(row.installation_id);
      const left = room.get(id) ?? quota.max;
      if (left <= 0) continue;
      chosen.push(row);
      room.set(id, left - 1);
      if (left === 1) full.push(id);
      if (chosen.length === limit) return chosen;
    }
    after = rows.at(-1);
    if (rows.length < batch || after === undefined) return chosen;
  }
}

/**
 * The earliest instant (epoch ms) `claimDueTimers` could return a row: `next_due_at` of a row
 * without a lease (or one ending by then), the lease's end for a row leased past its due instant;
 * null when no row has a `next_due_at`. Two index reads in one statement: the first such free row
 * in `next_due_at` order (`timers_next_due_idx`), and the earliest lease end among the leased rows
 * (`timers_lease_idx`, migration 0010_timer_claim: a released lease is NULL, so those are few).
 */
export async function nextTimerClaimAt(store: Store): Promise<number | null> {
  const row = await store.db
    .selectNoFrom((eb) => [
      eb
        .selectFrom("timers")
        .select("next_due_at")
        .where("next_due_at", "is not", null)
        .where((w) => w.or([w("lease_until", "is", null), w("lease_until", "<=", w.ref("next_due_at"))]))
        .orderBy("next_due_at")
        .limit(1)
        .as("free"),
      eb
        .selectFrom("timers")
        .select((s) => s.fn.min("lease_until").as("until"))
        .where("lease_until", "is not", null)
        .where("next_due_at", "is not", null)
        .whereRef("lease_until", ">", "next_due_at")
        .as("leased"),
    ])
    .executeTakeFirst();
  const instants = [row?.free, row?.leased]
    .filter((at) => at !== null && at !== undefined)
    .map((at) => Number(at));
  return instants.length === 0 ? null : Math.min(...instants);
}

/** Frees a claimed timer's lease (nothing else changes). False when `owner` no longer held it. */
export async function releaseTimerLease(
  store: Store,
  row: Pick<TimerRow, "repo" | "number" | "metric" | "cycle">,
  owner: string,
): Promise<boolean> {
  const result = await store.db
    .updateTable("timers")
    .where(keyIs(row, row))
    .set({ lease_owner: null, lease_until: null })
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Keeps a claimed timer leased until `until` (a failed escalation retries then). False when the lease was lost. */
export async function renewTimerLease(
  store: Store,
  row: Pick<TimerRow, "repo" | "number" | "metric" | "cycle">,
  owner: string,
  until: number,
): Promise<boolean> {
  const result = await store.db
    .updateTable("timers")
    .where(keyIs(row, row))
    .set({ lease_until: until })
    .where("lease_owner", "=", owner)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Counts of timers per metric and state (for /metrics), by metric then state; absent pairs are 0. */
export async function countTimersByState(
  store: Store,
): Promise<{ metric: string; state: string; count: number }[]> {
  const rows = await store.db
    .selectFrom("timers")
    .select((eb) => ["metric", "state", eb.fn.countAll().as("n")])
    .groupBy(["metric", "state"])
    .execute();
  return rows
    .map((r) => ({ metric: r.metric, state: r.state, count: Number(r.n) }))
    .sort((a, b) => metricOrder(a.metric) - metricOrder(b.metric) || a.state.localeCompare(b.state));
}

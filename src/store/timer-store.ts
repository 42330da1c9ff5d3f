import {
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Selectable,
  sql,
  type Transaction,
  type Updateable,
} from "kysely";
import type { ClockKind, ResponseTarget } from "../domain/policy.js";
import { METRICS, type Metric, type Pause, type Timer } from "../domain/timers/timer.js";
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
  now: number;
  limit: number;
  owner: string;
  leaseMs: number;
  /** Most rows per installation in this claim, less those already in flight (`busy`). */
  perInstallation?: { max: number; busy: ReadonlyMap<number, number> };
}

/** Lease free: none, or expired at `now`. */
const leaseFree = (now: number) => (eb: ExpressionBuilder<Database, "timers">) =>
  eb.or([eb("lease_until", "is", null), eb("lease_until", "<=", now)]);

/**
 * Atomically leases up to `limit` due timers (`next_due_at <= now`, lease free or expired), lower
 * `rank` first, then earliest `next_due_at`: within an installation Production down and Urgent
 * escalate before Normal. One statement on both databases (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
 *
 * With `perInstallation`, the due rows are numbered per installation in that order (a window
 * function) and those beyond the installation's free share (`max - busy`, none once it reaches
 * `max`) are left; the rows are then locked at a query level of their own, since PostgreSQL does
 * not allow a row lock beside a window function. Returns the leased rows in claim order.
 */
export async function claimDueTimers(store: Store, options: TimerClaimOptions): Promise<TimerRow[]> {
  const { now, owner, leaseMs, limit } = options;
  const free = leaseFree(now);
  let candidates = options.perInstallation
    ? fairCandidates(store, options, options.perInstallation)
    : store.db
        .selectFrom("timers")
        .select(["repo", "number", "metric", "cycle"])
        .where("next_due_at", "<=", now)
        .where(free)
        .orderBy("rank")
        .orderBy("next_due_at")
        .orderBy("repo")
        .orderBy("number")
        .limit(limit);
  // Rows another claimer is taking right now are skipped rather than waited for; the outer
  // re-check of the lease covers a claim committed between our snapshot and our lock.
  if (store.dialect === "postgres") candidates = candidates.forUpdate().skipLocked();
  const rows = await store.db
    .updateTable("timers")
    .set({ lease_owner: owner, lease_until: now + leaseMs })
    .where((eb) =>
      eb(
        eb.refTuple("repo", "number", "metric", "cycle"),
        "in",
        candidates.$asTuple("repo", "number", "metric", "cycle"),
      ),
    )
    .where("next_due_at", "<=", now)
    .where(free)
    .returningAll()
    .execute();
  return rows
    .map(toTimerRow)
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        (a.nextDueAt ?? 0) - (b.nextDueAt ?? 0) ||
        a.repo.localeCompare(b.repo) ||
        a.number - b.number ||
        metricOrder(a.metric) - metricOrder(b.metric),
    );
}

/** The keys of the rows a fair claim takes (see `claimDueTimers`), as a lockable plain select. */
function fairCandidates(
  store: Store,
  options: TimerClaimOptions,
  quota: { max: number; busy: ReadonlyMap<number, number> },
) {
  const { now, limit } = options;
  const free = leaseFree(now);
  const full: number[] = [];
  const partial: Array<[number, number]> = [];
  for (const [id, busy] of quota.busy) {
    const room = quota.max - busy;
    if (room <= 0) full.push(id);
    else partial.push([id, room]);
  }
  let numbered = store.db
    .selectFrom("timers")
    .select((eb) => [
      "repo",
      "number",
      "metric",
      "cycle",
      "installation_id",
      "rank",
      "next_due_at",
      eb.fn
        .agg<number>("row_number")
        .over((ob) =>
          ob
            .partitionBy("installation_id")
            .orderBy("rank")
            .orderBy("next_due_at")
            .orderBy("repo")
            .orderBy("number"),
        )
        .as("rn"),
    ])
    .where("next_due_at", "<=", now)
    .where(free);
  if (full.length > 0) numbered = numbered.where("installation_id", "not in", full);
  const share =
    partial.length === 0
      ? sql.lit(quota.max)
      : sql<number>`case ${sql.ref("c.installation_id")} ${sql.join(
          partial.map(([id, room]) => sql`when ${sql.lit(id)} then ${sql.lit(room)}`),
          sql` `,
        )} else ${sql.lit(quota.max)} end`;
  const chosen = store.db
    .selectFrom(numbered.as("c"))
    .select(["c.repo", "c.number", "c.metric", "c.cycle"])
    .where((eb) => eb("c.rn", "<=", share))
    .orderBy("c.rank")
    .orderBy("c.next_due_at")
    .orderBy("c.repo")
    .orderBy("c.number")
    .limit(limit);
  return store.db
    .selectFrom("timers")
    .select(["repo", "number", "metric", "cycle"])
    .where((eb) =>
      eb(
        eb.refTuple("repo", "number", "metric", "cycle"),
        "in",
        chosen.$asTuple("repo", "number", "metric", "cycle"),
      ),
    )
    .where(free);
}

/** The earliest instant `claimDueTimers` could return a row (a leased row counts at its lease end). */
export async function nextTimerClaimAt(store: Store): Promise<number | null> {
  const row = await store.db
    .selectFrom("timers")
    .select((eb) =>
      eb.fn
        .min(
          eb
            .case()
            .when("lease_until", ">", eb.ref("next_due_at"))
            .then(eb.ref("lease_until"))
            .else(eb.ref("next_due_at"))
            .end(),
        )
        .as("at"),
    )
    .where("next_due_at", "is not", null)
    .executeTakeFirst();
  return row?.at === null || row?.at === undefined ? null : Number(row.at);
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

import type { Timer } from "../domain/timers/timer.js";
import type { Store } from "./db.js";
import type { IssueKey } from "./intake-store.js";

/**
 * Timers as rows (`timers`, migration 0008_timers): one row per issue × metric × cycle. The
 * scheduler claims due rows (`next_due_at <= now`, lease free) exactly as it claimed tracked
 * issues before; handlers write them under the issue lock. The first-response timer of the
 * issue's current cycle is also projected onto `tracked_issues` (state, deadline_at, at_risk_at,
 * first_response_*, breached_at, cycle, cycle_started_at, target_*) in the same transaction, so
 * the report and older readers see what they saw before.
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
}

/** The current cycle of each metric of an issue (the newest row per metric), in metric order. */
export declare function getTimers(store: Store, key: IssueKey): Promise<TimerRow[]>;

/** One timer to write: a whole new timer, or a patch of an existing one (by metric and cycle). */
export type TimerWrite =
  | { kind: "insert"; timer: Timer; installationId: number; rank: number }
  | { kind: "update"; metric: Timer["metric"]; cycle: number; patch: Partial<Timer>; rank?: number };

/**
 * Writes timers of one issue in one transaction and projects its first-response timer onto
 * `tracked_issues`. Unleased writers (webhook handlers, under the issue lock) pass no `owner`; the
 * scheduler passes `owner` and its write is fenced by the lease (returns false when the lease was
 * lost: nothing written) and, with `release`, frees the lease of the claimed row.
 */
export declare function saveTimers(
  store: Store,
  key: IssueKey,
  writes: TimerWrite[],
  options?: { owner?: string; release?: { metric: Timer["metric"]; cycle: number } },
): Promise<boolean>;

export interface TimerClaimOptions {
  now: number;
  limit: number;
  owner: string;
  leaseMs: number;
  /** Most rows per installation in this claim, less those already in flight (`busy`). */
  perInstallation?: { max: number; busy: ReadonlyMap<number, number> };
}

/**
 * Atomically leases up to `limit` due timers (`next_due_at <= now`, lease free or expired), lower
 * `rank` first, then earliest `next_due_at`: within an installation Production down and Urgent
 * escalate before Normal. One statement on both databases (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
 */
export declare function claimDueTimers(store: Store, options: TimerClaimOptions): Promise<TimerRow[]>;

/** The earliest instant `claimDueTimers` could return a row (a leased row counts at its lease end). */
export declare function nextTimerClaimAt(store: Store): Promise<number | null>;

/** Frees a claimed timer's lease (nothing else changes). */
export declare function releaseTimerLease(
  store: Store,
  row: Pick<TimerRow, "repo" | "number" | "metric" | "cycle">,
  owner: string,
): Promise<boolean>;

/** Keeps a claimed timer leased until `until` (a failed escalation retries then). */
export declare function renewTimerLease(
  store: Store,
  row: Pick<TimerRow, "repo" | "number" | "metric" | "cycle">,
  owner: string,
  until: number,
): Promise<boolean>;

/** Counts of timers per metric and state (for /metrics). */
export declare function countTimersByState(
  store: Store,
): Promise<{ metric: string; state: string; count: number }[]>;

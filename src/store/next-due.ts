import type { SlaState } from "./schema.js";

/**
 * The `tracked_issues.next_due_at` the store filled before migration 0008: the at-risk instant
 * while pending, the deadline while at risk, null once breached, met or cancelled. Nothing in the
 * app uses it since 0008 (the scheduler claims timers, which plan their own `next_due_at`): kept
 * only for bench/store.mjs, which fills the old column with it to measure `claimDue`.
 */
export function nextDueFor(state: SlaState, atRiskAt: number, deadlineAt: number): number | null {
  if (state === "pending") return atRiskAt;
  if (state === "at-risk") return deadlineAt;
  return null;
}

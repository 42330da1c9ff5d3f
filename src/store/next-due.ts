import { type RawBuilder, sql } from "kysely";
import type { SlaState } from "./schema.js";

/** The next instant the scheduler must act on an issue in `state`; null once nothing is left to do. */
export function nextDueFor(state: SlaState, atRiskAt: number, deadlineAt: number): number | null {
  if (state === "pending") return atRiskAt;
  if (state === "at-risk") return deadlineAt;
  return null;
}

interface DuePatch {
  state?: SlaState;
  at_risk_at?: number;
  deadline_at?: number;
  next_due_at?: number | null;
}

/**
 * `next_due_at` for an UPDATE that changes `state`, `at_risk_at` or `deadline_at` without setting
 * `next_due_at`: the same rule as `nextDueFor`, in SQL, over the new values where the patch has
 * them and the row's current values where it does not. Empty when nothing needs deriving.
 */
export function derivedNextDue(patch: DuePatch): { next_due_at?: RawBuilder<number | null> } {
  if (patch.next_due_at !== undefined) return {};
  if (patch.state === undefined && patch.at_risk_at === undefined && patch.deadline_at === undefined)
    return {};
  // Casts: PostgreSQL cannot type a CASE whose branches are all untyped parameters.
  const state =
    patch.state === undefined ? sql.ref("tracked_issues.state") : sql`cast(${patch.state} as varchar(16))`;
  const atRisk =
    patch.at_risk_at === undefined
      ? sql.ref("tracked_issues.at_risk_at")
      : sql`cast(${patch.at_risk_at} as bigint)`;
  const deadline =
    patch.deadline_at === undefined
      ? sql.ref("tracked_issues.deadline_at")
      : sql`cast(${patch.deadline_at} as bigint)`;
  return {
    next_due_at: sql<
      number | null
    >`case when ${state} = 'pending' then ${atRisk} when ${state} = 'at-risk' then ${deadline} else null end`,
  };
}

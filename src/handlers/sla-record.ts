import type { SlaRecord } from "../domain/sla/clock.js";
import type { TrackedRow } from "../store/intake-store.js";
import type { TrackedIssuesTable } from "../store/schema.js";

type Row = Pick<
  TrackedRow,
  | "priority"
  | "state"
  | "cycle"
  | "cycle_started_at"
  | "deadline_at"
  | "at_risk_at"
  | "next_due_at"
  | "first_response_at"
  | "first_response_by"
  | "first_response_business_ms"
  | "first_response_late"
  | "paged_cycle"
>;

/** The clock's view of a stored row. */
export function toSlaRecord(row: Row): SlaRecord {
  return {
    priority: row.priority,
    state: row.state,
    cycle: row.cycle,
    cycleStartAt: row.cycle_started_at,
    deadlineAt: row.deadline_at,
    atRiskAt: row.at_risk_at,
    nextDueAt: row.next_due_at,
    firstResponseAt: row.first_response_at,
    firstResponseBy: row.first_response_by,
    businessMs: row.first_response_business_ms,
    late: row.first_response_late === 1,
    paged: row.paged_cycle !== null && row.paged_cycle === row.cycle,
  };
}

type ColumnPatch = Partial<{
  [K in keyof TrackedIssuesTable]: TrackedIssuesTable[K] extends { __update__: infer U }
    ? U
    : TrackedIssuesTable[K];
}>;

/** The columns a clock patch writes; `cycle` is needed to store `paged` as the paged cycle. */
export function toColumns(patch: Partial<SlaRecord>, cycle: number): ColumnPatch {
  const out: Record<string, unknown> = {};
  if (patch.priority !== undefined) out.priority = patch.priority;
  if (patch.state !== undefined) out.state = patch.state;
  if (patch.cycle !== undefined) out.cycle = patch.cycle;
  if (patch.cycleStartAt !== undefined) out.cycle_started_at = patch.cycleStartAt;
  if (patch.deadlineAt !== undefined) out.deadline_at = patch.deadlineAt;
  if (patch.atRiskAt !== undefined) out.at_risk_at = patch.atRiskAt;
  if (patch.nextDueAt !== undefined) out.next_due_at = patch.nextDueAt;
  if (patch.firstResponseAt !== undefined) out.first_response_at = patch.firstResponseAt;
  if (patch.firstResponseBy !== undefined) out.first_response_by = patch.firstResponseBy;
  if (patch.businessMs !== undefined) out.first_response_business_ms = patch.businessMs;
  if (patch.late !== undefined) out.first_response_late = patch.late ? 1 : 0;
  if (patch.paged !== undefined) out.paged_cycle = patch.paged ? (patch.cycle ?? cycle) : null;
  return out as ColumnPatch;
}

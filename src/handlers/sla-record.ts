import type { SlaRecord, SlaTarget } from "../domain/sla/clock.js";
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
  | "target_kind"
  | "target_ms"
  | "target_clock"
>;

type TargetColumns = Pick<TrackedRow, "target_kind" | "target_ms" | "target_clock">;

/**
 * The recorded target of a row (migration 0006), or null when the row has none, or only part of
 * one (a duration without its length, a target without its clock): never a guess.
 */
export function targetFromColumns(row: TargetColumns): SlaTarget | null {
  const clock = row.target_clock;
  if (clock !== "business" && clock !== "calendar") return null;
  if (row.target_kind === "next-business-day") return { response: { kind: "next-business-day" }, clock };
  if (row.target_kind === "duration" && row.target_ms !== null && row.target_ms > 0) {
    return { response: { kind: "duration", ms: row.target_ms }, clock };
  }
  return null;
}

/** The columns that record `target` (all NULL for null: not recorded). */
export function targetColumns(target: SlaTarget | null): TargetColumns {
  if (target === null) return { target_kind: null, target_ms: null, target_clock: null };
  return {
    target_kind: target.response.kind,
    target_ms: target.response.kind === "duration" ? target.response.ms : null,
    target_clock: target.clock,
  };
}

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
    target: targetFromColumns(row),
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
  if (patch.target !== undefined) Object.assign(out, targetColumns(patch.target));
  return out as ColumnPatch;
}

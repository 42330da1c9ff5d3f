import type { SlaTarget } from "../domain/policy.js";
import type { TrackedRow } from "../store/intake-store.js";

type TargetColumns = Pick<TrackedRow, "target_kind" | "target_ms" | "target_clock">;

/**
 * The first-response target recorded on a tracked row (`target_kind`, `target_ms`,
 * `target_clock`: migration 0006, written since 0008 by the first-response timer's projection in
 * src/store/timer-store.ts), or null when the row has none, or only part of one (a duration
 * without its length, a target without its clock): never a guess. The report reads it
 * (src/report/aggregate.ts) to show what each issue was tracked under.
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

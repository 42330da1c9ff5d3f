import type { Store } from "../store/db.js";
import { REPORT_COLUMNS, type ReportRow } from "./types.js";

export interface ReportQuery {
  /** `owner/name`; stored lower-case. */
  repo: string;
  /** Cycle start ≥ since (epoch ms). */
  since?: number | undefined;
  /** Cycle start < until (epoch ms). */
  until?: number | undefined;
}

/** The tracked issues of one repo whose current cycle started in [since, until). */
export async function loadReportRows(store: Store, query: ReportQuery): Promise<ReportRow[]> {
  let select = store.db
    .selectFrom("tracked_issues")
    .select(REPORT_COLUMNS)
    .where("repo", "=", query.repo.toLowerCase());
  if (query.since !== undefined) select = select.where("cycle_started_at", ">=", query.since);
  if (query.until !== undefined) select = select.where("cycle_started_at", "<", query.until);
  return await select.orderBy("cycle_started_at").orderBy("number").execute();
}

import type { Generated } from "kysely";

/** Instants are stored as epoch milliseconds (UTC) in BIGINT columns on both databases. */
export interface DeliveriesTable {
  id: string;
  event: string;
  handled_at: number;
}

export interface TrackedIssuesTable {
  /** `owner/name`, lower-cased: GitHub names are case-insensitive. */
  repo: string;
  number: number;
  installation_id: number;
  author: string;
  type: string;
  priority: string;
  /** Priority a team member set by relabelling; wins until the customer changes the body's priority. */
  priority_override: string | null;
  /** Priority the body asked for when it was last parsed, to notice the customer changing it. */
  body_priority: string | null;
  intake: "valid" | "incomplete";
  created_at: number;
  deadline_at: number;
  intake_comment_id: number | null;
  /** Digest of the last rendered intake comment: an unchanged comment is not written again. */
  intake_comment_digest: string | null;
  updated_at: number;
  version: Generated<number>;
}

export interface Database {
  deliveries: DeliveriesTable;
  tracked_issues: TrackedIssuesTable;
}

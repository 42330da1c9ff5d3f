import type { Store } from "../../src/store/db.js";
import type { TrackedIssue } from "../../src/store/intake-store.js";

/** 2026-03-02T09:00:00Z: every instant in the store tests is an offset from it. */
export const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

export interface Context {
  store: Store;
  /** Another connection to the same database (the same store when the database is private). */
  peer(): Promise<Store>;
}

/** An intake record for `acme/app#number`, due (at risk) a minute after T0 unless overridden. */
export function issue(number: number, overrides: Partial<TrackedIssue> = {}): TrackedIssue {
  return {
    repo: "acme/app",
    number,
    installation_id: 42,
    author: "customer",
    type: "problem",
    priority: "production-down",
    priority_override: null,
    body_priority: "production-down",
    intake: "valid",
    created_at: T0,
    deadline_at: T0 + 60_000,
    intake_comment_id: null,
    intake_comment_digest: null,
    updated_at: T0,
    ...overrides,
  };
}

import type { Timer } from "../../src/domain/timers/timer.js";
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

/** A pending first-response timer of cycle 1 started at T0, due (at risk) at T0 + 48 s, deadline T0 + 60 s. */
export function timer(overrides: Partial<Timer> = {}): Timer {
  return {
    metric: "first_response",
    cycle: 1,
    state: "pending",
    clock: "calendar",
    target: { kind: "duration", ms: 60_000 },
    targetMs: 60_000,
    startedAt: T0,
    pauses: [],
    deadlineAt: T0 + 60_000,
    level: 0,
    firings: 0,
    nextDueAt: T0 + 48_000,
    metAt: null,
    metBy: null,
    countedMs: null,
    late: false,
    breachedAt: null,
    paged: false,
    ...overrides,
  };
}

import { type Selectable, sql } from "kysely";
import type { Store } from "./db.js";
import type { TrackedIssuesTable } from "./schema.js";

/** One tracked issue as stored, `version` included. */
export type TrackedRow = Selectable<TrackedIssuesTable>;

/** Columns the intake handler owns. */
type IntakeColumn =
  | "repo"
  | "number"
  | "installation_id"
  | "author"
  | "type"
  | "priority"
  | "priority_override"
  | "body_priority"
  | "intake"
  | "created_at"
  | "deadline_at"
  | "intake_comment_id"
  | "intake_comment_digest"
  | "updated_at";

/**
 * What `saveTrackedIssue` takes: the intake columns, plus any SLA columns the caller knows.
 * A row read back (`getTrackedIssue`) is one too, with every column present.
 */
export type TrackedIssue = Pick<TrackedRow, IntakeColumn> & Partial<Omit<TrackedRow, IntakeColumn>>;

export interface IssueKey {
  repo: string;
  number: number;
}

export const repoKey = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

export async function getTrackedIssue(store: Store, key: IssueKey): Promise<TrackedRow | undefined> {
  return await store.db
    .selectFrom("tracked_issues")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .executeTakeFirst();
}

/**
 * Inserts or updates the issue. A new row starts its first cycle at `created_at` and is at risk
 * at `at_risk_at` (default: the deadline), unless given; `next_due_at` stays NULL unless given
 * (nothing claims it since migration 0008: the scheduler claims timers). An existing row keeps
 * the columns not given (state, cycle, lease, first response, ...) and its `version` is bumped.
 */
export async function saveTrackedIssue(store: Store, issue: TrackedIssue): Promise<void> {
  // A key present with `undefined` means "not given", as in Kysely's own updates.
  const { version: _version, ...given } = Object.fromEntries(
    Object.entries(issue).filter(([, value]) => value !== undefined),
  ) as TrackedIssue;
  const inserted = {
    cycle_started_at: given.created_at,
    at_risk_at: given.deadline_at,
    ...given,
  };
  const { repo: _repo, number: _number, ...changed } = given;
  await store.db
    .insertInto("tracked_issues")
    .values(inserted)
    .onConflict((oc) =>
      oc.columns(["repo", "number"]).doUpdateSet({
        ...changed,
        version: sql<number>`tracked_issues.version + 1`,
      }),
    )
    .execute();
}

export async function isDeliveryHandled(store: Store, id: string): Promise<boolean> {
  const row = await store.db.selectFrom("deliveries").select("id").where("id", "=", id).executeTakeFirst();
  return row !== undefined;
}

export async function markDeliveryHandled(
  store: Store,
  id: string,
  event: string,
  at: number,
): Promise<void> {
  await store.db
    .insertInto("deliveries")
    .values({ id, event, handled_at: at })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
}

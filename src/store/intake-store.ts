import type { Selectable } from "kysely";
import type { Store } from "./db.js";
import type { TrackedIssuesTable } from "./schema.js";

export type TrackedIssue = Omit<Selectable<TrackedIssuesTable>, "version">;
export interface IssueKey {
  repo: string;
  number: number;
}

export const repoKey = (owner: string, name: string) => `${owner}/${name}`.toLowerCase();

export async function getTrackedIssue(store: Store, key: IssueKey): Promise<TrackedIssue | undefined> {
  const row = await store.db
    .selectFrom("tracked_issues")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .executeTakeFirst();
  if (!row) return undefined;
  const { version: _version, ...issue } = row;
  return issue;
}

/** Inserts or replaces the issue's intake state. */
export async function saveTrackedIssue(store: Store, issue: TrackedIssue): Promise<void> {
  const { repo, number, ...rest } = issue;
  await store.db
    .insertInto("tracked_issues")
    .values(issue)
    .onConflict((oc) => oc.columns(["repo", "number"]).doUpdateSet({ ...rest }))
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

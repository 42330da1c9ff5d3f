import type { Store } from "./db.js";

/**
 * Frees every lease `owner` holds: called once at start, before any loop runs, so a process that
 * restarts under the same name (same host and port) takes back at once what its killed
 * predecessor had claimed, instead of waiting for those leases to expire.
 */
export async function releaseLeasesOf(store: Store, owner: string): Promise<number> {
  const [issues, timers, inbox, named, comments] = await Promise.all([
    store.db
      .updateTable("tracked_issues")
      .set({ lease_owner: null, lease_until: null })
      .where("lease_owner", "=", owner)
      .executeTakeFirst(),
    store.db
      .updateTable("timers")
      .set({ lease_owner: null, lease_until: null })
      .where("lease_owner", "=", owner)
      .executeTakeFirst(),
    store.db
      .updateTable("inbox")
      .set({ lease_owner: null, lease_until: null })
      .where("lease_owner", "=", owner)
      .executeTakeFirst(),
    store.db.deleteFrom("leases").where("owner", "=", owner).executeTakeFirst(),
    store.db
      .updateTable("queued_comments")
      .set({ lease_owner: null, lease_until: null })
      .where("lease_owner", "=", owner)
      .executeTakeFirst(),
  ]);
  return (
    Number(issues.numUpdatedRows) +
    Number(timers.numUpdatedRows) +
    Number(inbox.numUpdatedRows) +
    Number(named.numDeletedRows) +
    Number(comments.numUpdatedRows)
  );
}

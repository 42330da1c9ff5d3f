import type { Store } from "./db.js";
import type { IssueKey } from "./intake-store.js";

/**
 * The newest issue state the app applied, as GitHub's `updated_at` of that issue (epoch ms), or
 * null when none is recorded (an untracked issue, a row from a release before 0005).
 */
export async function appliedIssueVersion(store: Store, key: IssueKey): Promise<number | null> {
  const row = await store.db
    .selectFrom("tracked_issues")
    .select("issue_updated_at")
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .executeTakeFirst();
  return row?.issue_updated_at ?? null;
}

/**
 * Records that the issue's state as of `updatedAtMs` (GitHub's `updated_at`, epoch ms) is applied.
 * Only ever moves forward, touches nothing else and does not bump the row's `version` (it is not
 * content other writers compare). A no-op for an untracked issue.
 */
export async function recordIssueVersion(store: Store, key: IssueKey, updatedAtMs: number): Promise<void> {
  await store.db
    .updateTable("tracked_issues")
    .set({ issue_updated_at: updatedAtMs })
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .where((eb) => eb.or([eb("issue_updated_at", "is", null), eb("issue_updated_at", "<", updatedAtMs)]))
    .execute();
}

import { type Kysely, Migrator } from "kysely";
import { expect } from "vitest";
import { openStore } from "../../src/store/db.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { migrationProvider } from "../../src/store/migrations.js";
import type { Database } from "../../src/store/schema.js";
import { nextDueAt } from "../../src/store/tracking-store.js";
import { issue, T0 } from "./fixtures.js";

/**
 * A database an intake-only release (migration 0001) wrote to, opened by this one: its rows get
 * the SLA columns with their clock started at creation and due at the deadline.
 */
export async function checkUpgradeFrom0001(raw: Kysely<Database>, url: string): Promise<void> {
  const migrated = await new Migrator({ db: raw, provider: migrationProvider }).migrateTo("0001_intake");
  expect(migrated.error).toBeUndefined();
  await raw.insertInto("tracked_issues").values(issue(5)).execute();
  await raw.destroy();

  const store = await openStore(url);
  try {
    expect(await getTrackedIssue(store, { repo: "acme/app", number: 5 })).toMatchObject({
      state: "pending",
      cycle: 1,
      cycle_started_at: T0,
      at_risk_at: T0 + 60_000,
      next_due_at: T0 + 60_000,
      lease_owner: null,
      title: "",
      first_response_late: 0,
    });
    expect(await nextDueAt(store)).toBe(T0 + 60_000);
  } finally {
    await store.close();
  }
}

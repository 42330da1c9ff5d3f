import { type Kysely, Migrator } from "kysely";
import { expect } from "vitest";
import { defaultPolicy } from "../../src/config/load.js";
import { buildReport } from "../../src/report/aggregate.js";
import { countRepoIssues, knownRepos, loadReportRows } from "../../src/report/query.js";
import { openStore } from "../../src/store/db.js";
import { getTrackedIssue, saveTrackedIssue } from "../../src/store/intake-store.js";
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

/**
 * A database written by the release before targets were recorded (migrations up to 0005), opened
 * by this one: migration 0006 adds the target columns, NULL on the old rows ("not recorded": the
 * clock and calendar they were planned with are not stored), which the report shows as such; rows
 * saved from then on keep their target, as numbers on either database.
 */
export async function checkUpgradeFrom0005(raw: Kysely<Database>, url: string): Promise<void> {
  const migrated = await new Migrator({ db: raw, provider: migrationProvider }).migrateTo(
    "0005_issue_version",
  );
  expect(migrated.error).toBeUndefined();
  // The row as 0005 wrote it: its columns only (no target_*), a breached Urgent issue.
  await raw
    .insertInto("tracked_issues")
    .values({
      ...issue(5, { priority: "urgent", state: "breached", deadline_at: T0 + 8_000 }),
      cycle_started_at: T0,
      at_risk_at: T0 + 4_000,
      breached_at: T0 + 8_000,
      issue_updated_at: T0,
    })
    .execute();
  await raw.destroy();

  const store = await openStore(url);
  try {
    const old = await getTrackedIssue(store, { repo: "acme/app", number: 5 });
    expect(old).toMatchObject({
      state: "breached",
      deadline_at: T0 + 8_000,
      target_kind: null,
      target_ms: null,
      target_clock: null,
    });
    const report = buildReport(await loadReportRows(store, { repo: "acme/app" }), {
      repo: "acme/app",
      now: T0 + 60_000,
      policy: defaultPolicy(),
      policyIsRepos: false,
    });
    expect(report.priorities.find((p) => p.key === "urgent")).toMatchObject({
      target: "not recorded",
      targetMs: null,
    });

    await saveTrackedIssue(
      store,
      issue(6, { target_kind: "duration", target_ms: 2 ** 33, target_clock: "business" }),
    );
    const fresh = await getTrackedIssue(store, { repo: "acme/app", number: 6 });
    expect(fresh).toMatchObject({ target_kind: "duration", target_ms: 2 ** 33, target_clock: "business" });
    expect(typeof fresh?.target_ms).toBe("number");
    // What `report` lists for a repo the store does not track: counts as numbers on either database.
    expect(await countRepoIssues(store, "ACME/app")).toBe(2);
    expect(await countRepoIssues(store, "acme/ap")).toBe(0);
    expect(await knownRepos(store)).toEqual([{ repo: "acme/app", issues: 2 }]);
  } finally {
    await store.close();
  }
}

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppProcess, requireBuiltApp, settle } from "./harness.js";
import { problemBody, sqliteRows, World } from "./world.js";

/**
 * Issue 10, kind 4, end to end: a stale delivery is never applied over newer state. The built
 * server (`node dist/main.js`, or SUPPORT_SLA_TEST_DIST) against the GitHub stand-in, signed
 * webhooks over HTTP. The first attempt of `issues.opened` meets one GitHub error; while it waits
 * for its retry the customer fixes the body and the `issues.edited` is applied; the retried
 * `opened` (an older snapshot of the issue) must not flip the fixed issue back to incomplete.
 */

const OWNER = "acme";
const SETTLE_MS = 2_000;
const world = new World();
let app: AppProcess;

beforeAll(async () => {
  requireBuiltApp();
  await world.start();
  app = await world.startApp();
}, 60_000);

afterAll(async () => {
  await world.stop();
}, 30_000);

/** The inbox row of one delivery, as the app stored it. */
function inboxRow(deliveryId: string): { attempts: number; done_at: number | null } | undefined {
  const sqlitePath = app.sqlitePath;
  if (!sqlitePath) throw new Error("this e2e test runs on SQLite");
  const rows = (sqliteRows(sqlitePath).inbox ?? []) as Array<{
    delivery_id: string;
    attempts: number;
    done_at: number | null;
  }>;
  return rows.find((r) => r.delivery_id === deliveryId);
}

describe("a failed `opened` retried after the customer's fix was applied", () => {
  it("keeps the issue complete: no `intake: incomplete`, one intake comment without the missing fields", async () => {
    const repo = "stale-retry";
    world.seedRepo(OWNER, repo);
    const { number } = world.openIssue(OWNER, repo, { body: problemBody({ service: "", impact: "" }) });
    // GitHub's payload for the opening, as it was sent then: the incomplete body.
    const opened = world.gh.issueEvent("opened", OWNER, repo, number);
    const issueWrites = new RegExp(`^/repos/${OWNER}/${repo}/issues/${number}/(labels|comments)$`, "i");
    world.gh.failNext({ method: "POST", pathPattern: issueWrites, status: 502 });

    const first = await app.send("issues", opened);
    expect(first.status, first.body).toBeLessThan(300);
    await world.waitFor(
      () => world.gh.requests((r) => r.fault === true && issueWrites.test(r.path)).length > 0,
      {
        message: "the first attempt of `opened` meeting the injected 502",
      },
    );

    const edited = await world.editIssueBody(OWNER, repo, number, problemBody());
    const second = await app.send("issues", edited.payload, { id: edited.guid });
    expect(second.status, second.body).toBeLessThan(300);
    await world.waitFor(
      () =>
        world.labels(OWNER, repo, number).includes("priority: urgent") &&
        world.intakeComments(OWNER, repo, number).length === 1,
      { message: "the fixed issue labelled and commented" },
    );

    // The retried `opened` has run (done, after more than one attempt), whatever it did.
    await world.waitFor(
      () => {
        const row = inboxRow(first.id);
        return row !== undefined && row.done_at !== null && row.attempts >= 2;
      },
      { message: "the retry of `opened` done", timeoutMs: 30_000 },
    );
    await settle(SETTLE_MS);

    const labels = world.labels(OWNER, repo, number);
    expect(labels).toEqual(expect.arrayContaining(["type: problem", "priority: urgent"]));
    expect(labels).not.toContain("intake: incomplete");
    const comments = world.intakeComments(OWNER, repo, number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).not.toMatch(/missing or needs fixing/);
    expect(comments[0]?.body).not.toContain("Affected service");
  }, 90_000);
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppProcess, requireBuiltApp, settle } from "./harness.js";
import { problemBody, sqliteRows, World } from "./world.js";

/**
 * Intake end to end: the built server (`node dist/main.js`, as `npm start` runs it) in a child
 * process, signed webhooks over HTTP, a GitHub stand-in reached through GHE_HOST. Every test uses
 * its own repo, so one app serves the whole file. Effects are polled for, never assumed done when
 * the webhook's HTTP response returns.
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

describe("rejected deliveries", () => {
  it("a missing or wrong signature gets 4xx; nothing is done on GitHub and nothing is stored", async () => {
    const repo = "rejected";
    world.seedRepo(OWNER, repo);
    // Closed in the stand-in so that no reconciliation of open issues has a reason to touch it;
    // the forged payload still says "opened".
    const { number } = world.openIssue(OWNER, repo, { state: "closed" });
    const payload = world.gh.issueEvent("opened", OWNER, repo, number);
    (payload.issue as { state: string }).state = "open";
    const startedAt = Date.now();

    const unsigned = await app.send("issues", payload, { signature: null });
    const wrongSecret = await app.send("issues", payload, { secret: "not-the-secret" });
    const garbage = await app.send("issues", payload, { signature: `sha256=${"0".repeat(64)}` });

    for (const res of [unsigned, wrongSecret, garbage]) {
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status, res.body).toBeLessThan(500);
    }
    await settle(SETTLE_MS);
    expect(world.appRequests((r) => r.path.toLowerCase().includes(`/repos/${OWNER}/${repo}`))).toEqual([]);
    expect(world.gh.writes().filter((r) => r.timestamp >= startedAt)).toEqual([]);
    expect(world.labels(OWNER, repo, number)).toEqual(["type: problem"]);
    expect(world.comments(OWNER, repo, number)).toEqual([]);

    const sqlitePath = app.sqlitePath;
    if (!sqlitePath) throw new Error("the intake e2e tests run on SQLite");
    const tables = sqliteRows(sqlitePath);
    expect(tables.tracked_issues ?? [], "tracked_issues rows").toEqual([]);
    const ids = [unsigned.id, wrongSecret.id, garbage.id];
    for (const [table, rows] of Object.entries(tables)) {
      const dump = JSON.stringify(rows).toLowerCase();
      expect(dump.includes(`${OWNER}/${repo}`), `${table} mentions ${OWNER}/${repo}`).toBe(false);
      for (const id of ids) expect(dump.includes(id), `${table} holds delivery ${id}`).toBe(false);
    }
  }, 60_000);
});

describe("issues.opened", () => {
  it("a valid problem/urgent issue gets its type and priority labels and one comment with the deadline", async () => {
    const repo = "valid";
    world.seedRepo(OWNER, repo);
    const { number } = world.openIssue(OWNER, repo, { created_at: "2026-11-27T15:30:00Z" });

    const res = await app.send("issues", world.gh.issueEvent("opened", OWNER, repo, number));
    expect(res.status, res.body).toBeLessThan(300);

    await world.waitFor(() => world.intakeComments(OWNER, repo, number).length > 0, {
      message: "the intake comment",
    });
    await world.waitFor(() => world.labels(OWNER, repo, number).includes("priority: urgent"), {
      message: "the priority label",
    });
    await settle(SETTLE_MS);
    const labels = world.labels(OWNER, repo, number);
    expect(labels).toEqual(expect.arrayContaining(["type: problem", "priority: urgent"]));
    expect(labels).not.toContain("intake: incomplete");
    const comments = world.intakeComments(OWNER, repo, number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(
      "Thanks, your request is registered as **Problem / troubleshooting**, priority **Urgent**.",
    );
    expect(comments[0]?.body).toContain("Mon 30 Nov 2026, 09:30 CET");
    expect(comments[0]?.body).toContain("2026-11-30 08:30 UTC");
  }, 60_000);

  it("an incomplete issue is labelled; fixing it by an edit removes the label and updates the same comment", async () => {
    const repo = "incomplete";
    world.seedRepo(OWNER, repo);
    const { number } = world.openIssue(OWNER, repo, { body: problemBody({ service: "", impact: "" }) });

    await app.send("issues", world.gh.issueEvent("opened", OWNER, repo, number));
    await world.waitFor(
      () =>
        world.labels(OWNER, repo, number).includes("intake: incomplete") &&
        world.intakeComments(OWNER, repo, number).length > 0,
      { message: "`intake: incomplete` and the intake comment" },
    );
    const [first] = world.intakeComments(OWNER, repo, number);
    expect(first?.body).toContain("- **Affected service**: missing — add it");
    expect(first?.body).toContain("- **Impact on end users**: missing — add it");
    expect(first?.body.split("Affected service")).toHaveLength(2);

    const edited = await world.editIssueBody(OWNER, repo, number, problemBody());
    expect(edited.payload.changes).toMatchObject({ body: { from: expect.any(String) } });
    await app.send("issues", edited.payload, { id: edited.guid });

    await world.waitFor(
      () =>
        !world.labels(OWNER, repo, number).includes("intake: incomplete") &&
        world.intakeComments(OWNER, repo, number)[0]?.body !== first?.body,
      { message: "the label removed and the comment updated" },
    );
    await settle(SETTLE_MS);
    expect(world.labels(OWNER, repo, number)).toEqual(
      expect.arrayContaining(["type: problem", "priority: urgent"]),
    );
    expect(world.labels(OWNER, repo, number)).not.toContain("intake: incomplete");
    const comments = world.comments(OWNER, repo, number);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.id).toBe(first?.id);
    expect(comments[0]?.body).not.toContain("Affected service");
    const posts = world
      .appWrites(OWNER, repo)
      .filter((r) => r.method === "POST" && /\/comments$/.test(r.path));
    expect(posts).toHaveLength(1);
  }, 60_000);

  it("the same delivery sent twice is applied once", async () => {
    const repo = "twice";
    world.seedRepo(OWNER, repo);
    const { number } = world.openIssue(OWNER, repo);
    const payload = world.gh.issueEvent("opened", OWNER, repo, number);

    const first = await app.send("issues", payload);
    await world.waitFor(() => world.intakeComments(OWNER, repo, number).length > 0, {
      message: "the intake comment",
    });
    await settle(SETTLE_MS);
    const writesAfterFirst = world.appWrites(OWNER, repo);

    const again = await app.send("issues", payload, { id: first.id });
    expect(again.status, again.body).toBeLessThan(300);
    await settle(SETTLE_MS);

    expect(world.comments(OWNER, repo, number)).toHaveLength(1);
    const writes = world.appWrites(OWNER, repo);
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual(
      writesAfterFirst.map((w) => `${w.method} ${w.path}`),
    );
    const labelAdds = writes.filter(
      (w) => w.method === "POST" && w.path.endsWith(`/issues/${number}/labels`),
    );
    expect(labelAdds).toHaveLength(1);
  }, 60_000);
});

describe("GitHub failing transiently", () => {
  it("a 502 on the comment POST is retried: the comment lands, once", async () => {
    const repo = "flaky";
    world.seedRepo(OWNER, repo);
    const { number } = world.openIssue(OWNER, repo);
    const commentsPath = `/repos/${OWNER}/${repo}/issues/${number}/comments`;
    world.gh.failNext({ method: "POST", pathPattern: commentsPath, status: 502 });

    await app.send("issues", world.gh.issueEvent("opened", OWNER, repo, number));
    await world.waitFor(() => world.intakeComments(OWNER, repo, number).length > 0, {
      timeoutMs: 30_000,
      message: "the intake comment after a 502",
    });
    await settle(SETTLE_MS);
    expect(world.gh.pendingFaults()).toEqual([]);
    expect(world.comments(OWNER, repo, number)).toHaveLength(1);
    const posts = world.appRequests((r) => r.method === "POST" && r.path === commentsPath);
    expect(posts.map((p) => p.status)).toEqual([502, 201]);
    expect(world.labels(OWNER, repo, number)).toEqual(
      expect.arrayContaining(["type: problem", "priority: urgent"]),
    );
  }, 60_000);

  it("a secondary rate limit (403, retry-after: 1) on the labels POST is waited out: labels land, once", async () => {
    const repo = "throttled";
    world.seedRepo(OWNER, repo);
    const { number } = world.openIssue(OWNER, repo);
    const labelsPath = `/repos/${OWNER}/${repo}/issues/${number}/labels`;
    world.gh.failNext({
      method: "POST",
      pathPattern: labelsPath,
      status: 403,
      secondaryRateLimit: true,
      retryAfterSeconds: 1,
    });

    await app.send("issues", world.gh.issueEvent("opened", OWNER, repo, number));
    await world.waitFor(
      () =>
        world.labels(OWNER, repo, number).includes("priority: urgent") &&
        world.intakeComments(OWNER, repo, number).length > 0,
      {
        timeoutMs: 30_000,
        message:
          "the labels and the intake comment after a secondary rate limit (Probot's default throttle options do not retry secondary limits: the app must configure its Octokit to)",
      },
    );
    await settle(SETTLE_MS);
    expect(world.gh.pendingFaults()).toEqual([]);
    const posts = world.appRequests((r) => r.method === "POST" && r.path === labelsPath);
    expect(posts.map((p) => p.status)).toEqual([403, 200]);
    expect(world.comments(OWNER, repo, number)).toHaveLength(1);
  }, 60_000);
});

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pushPayload } from "../helpers/payloads.js";
import type { Json } from "../standin/github-shapes.js";
import {
  acknowledged,
  annotated,
  incident,
  type PagerDutyUser,
  PagerDutyWebhooks,
  pagerDutySignature,
  resolved,
  triggered,
} from "../standin/pagerduty-webhooks.js";
import { type AppProcess, BUILT_MAIN, freePort, requireBuiltApp, settle } from "./harness.js";
import { createFreshDatabase, type FreshDatabase } from "./postgres.js";
import { INTAKE_MARKER, problemBody, sqliteRows, World } from "./world.js";

/**
 * PagerDuty → GitHub (issue 13) end to end: the built server, a PagerDuty stand-in sending signed
 * v3 webhooks to `POST /api/pagerduty/webhooks`, the GitHub stand-in. Each test has its own world.
 */

const OWNER = "acme";
const REPO = "portal";
const SERVICE = "PSERVICE1";
const SECRET = "pd-webhook-secret-e2e";
const ALICE: PagerDutyUser = { id: "PUSER01", name: "Alice Example" };
const SETTLE_MS = 3_000;

function config(options: { response?: string; closeOnResolve?: boolean; notes?: boolean } = {}): string {
  return [
    "escalation:",
    '  phone: "+32 2 123 45 67"',
    ...(options.response
      ? ["priorities:", `  production-down: { response: ${options.response}, clock: calendar }`]
      : []),
    "channels:",
    "  pagerduty:",
    `    services: ["${SERVICE}"]`,
    `    users: { ${ALICE.id}: alice }`,
    `    close_on_resolve: ${options.closeOnResolve ?? false}`,
    `    notes: ${options.notes ?? false}`,
    "",
  ].join("\n");
}

let worlds: World[] = [];
let database: FreshDatabase | undefined;

afterEach(async () => {
  await Promise.allSettled(worlds.map((w) => w.stop()));
  worlds = [];
  await database?.drop();
  database = undefined;
}, 30_000);

interface Setup {
  w: World;
  app: AppProcess;
  pd: PagerDutyWebhooks;
}

/** A world with acme/portal claiming SERVICE, and the app started once its channel index is built. */
async function setup(
  options: { config?: string; databaseUrl?: string; replicas?: number; env?: Record<string, string> } = {},
): Promise<Setup & { apps: AppProcess[] }> {
  requireBuiltApp();
  const w = new World();
  worlds.push(w);
  await w.start();
  w.seedRepo(OWNER, REPO, { config: options.config ?? config() });
  const apps: AppProcess[] = [];
  for (let i = 0; i < (options.replicas ?? 1); i++) {
    const app = await w.startApp({
      name: `replica-${i}`,
      logLevel: "info",
      env: {
        PAGERDUTY_WEBHOOK_SECRET: SECRET,
        LOG_FORMAT: "json",
        ...(options.replicas ? { SUPPORT_SLA_INSTANCE: `replica-${i}` } : {}),
        ...options.env,
      },
      ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    });
    apps.push(app);
  }
  const [app] = apps as [AppProcess];
  await w.waitFor(() => apps.some((a) => a.output().includes("channel index rebuilt")), {
    message: "the channel index to be built at start",
  });
  return { w, app, apps, pd: new PagerDutyWebhooks(`${app.url}/api/pagerduty/webhooks`, [SECRET]) };
}

/** The issues of the repo, numbers from 1 up. */
function issues(w: World, repo = REPO): Json[] {
  const out: Json[] = [];
  for (let n = 1; ; n++) {
    const issue = w.gh.issue(OWNER, repo, n);
    if (!issue) return out;
    out.push(issue);
  }
}

function trackedRows(app: AppProcess): Array<Record<string, unknown>> {
  if (!app.sqlitePath) throw new Error("SQLite only");
  return (sqliteRows(app.sqlitePath).tracked_issues ?? []) as Array<Record<string, unknown>>;
}

/** JSON log lines of the app with this message. */
function logLines(app: AppProcess, msg: RegExp): Array<Record<string, unknown>> {
  return app
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => msg.test(String(l.msg)));
}

describe("PagerDuty incidents open issues", { timeout: 60_000 }, () => {
  it("a signed incident.triggered opens one issue with labels, body and intake comment; its redelivery opens none", async () => {
    const { w, app, pd } = await setup();
    const createdAt = new Date(Date.now() - 5 * 60_000).toISOString();
    const inc = incident({ serviceId: SERVICE, title: "Caller: checkout is down @everyone", createdAt });
    const event = triggered(inc);

    const first = await pd.send(event, { webhookId: "wh-1" });
    expect(first.status, first.body).toBe(202);
    expect(first.json).toEqual({ status: "accepted" });
    const issue = await w.waitFor(() => issues(w)[0], { message: "the issue opened for the incident" });
    const n = issue.number as number;
    await w.waitFor(() => w.intakeComments(OWNER, REPO, n).length === 1, { message: "the intake comment" });

    const again = await pd.send(event, { webhookId: "wh-1" });
    expect(again.status).toBe(202);
    expect(again.json).toEqual({ status: "duplicate" });
    await settle(SETTLE_MS);

    expect(issues(w)).toHaveLength(1);
    expect(issue.title).toBe("[On-call]: Caller: checkout is down @everyone");
    const body = String(issue.body);
    expect(body).toContain(inc.html_url);
    expect(body).toContain("Escalation phone line");
    expect(body).toContain(SERVICE);
    expect(body).not.toMatch(/@everyone/); // echoed text never pings
    expect(w.labels(OWNER, REPO, n).sort()).toEqual(["priority: production down", "type: on-call"]);
    const [comment] = w.intakeComments(OWNER, REPO, n);
    expect(comment?.body).toContain("+32 2 123 45 67");
    // The caller is not told to call the number they just called.
    expect(comment?.body).toContain(
      "came in through our on-call line, and our on-call engineer has been alerted",
    );
    expect(comment?.body).not.toContain("now and describe the problem");
    expect(w.intakeComments(OWNER, REPO, n)).toHaveLength(1);
    // The clock starts when the incident was created, not when the issue was opened.
    const [row] = trackedRows(app);
    expect(row?.created_at).toBe(Date.parse(createdAt));
    expect(row?.deadline_at).toBe(Date.parse(createdAt) + 30 * 60_000);
    expect(row?.priority).toBe("production-down");
    expect(row?.type).toBe("on-call");
    // On-call was the one paged: the issue does not page PagerDuty again.
    expect(w.pd.events()).toEqual([]);
  });

  it("a low-urgency incident opens an Urgent issue", async () => {
    const { w, pd } = await setup();
    const res = await pd.send(triggered(incident({ serviceId: SERVICE, urgency: "low" })));
    expect(res.status).toBe(202);
    const issue = await w.waitFor(() => issues(w)[0]);
    await w.waitFor(() => w.intakeComments(OWNER, REPO, issue.number as number).length === 1);
    expect(w.labels(OWNER, REPO, issue.number as number).sort()).toEqual([
      "priority: urgent",
      "type: on-call",
    ]);
  });

  it("an incident of a service no repo claims is answered 'not mapped', logged once, nothing stored", async () => {
    const { w, app, pd } = await setup();
    const res = await pd.send(triggered(incident({ serviceId: "POTHER9" })));
    expect(res.status).toBe(202);
    expect(res.json?.status).toBe("not mapped");
    expect(String(res.json?.message)).toContain("POTHER9");
    await settle(SETTLE_MS);
    expect(issues(w)).toEqual([]);
    expect(logLines(app, /not mapped/)).toHaveLength(1);
    const tables = sqliteRows(app.sqlitePath as string);
    expect(tables.inbox).toEqual([]);
    expect(tables.channel_links).toEqual([]);
  });
});

describe("refused requests", { timeout: 60_000 }, () => {
  it("an unsigned or forged request gets 4xx, one warn line each, nothing stored, nothing on GitHub", async () => {
    const { w, app, pd } = await setup();
    const event = triggered(incident({ serviceId: SERVICE, title: "secret customer words" }));
    const body = JSON.stringify(event);
    const writesBefore = w.gh.writes().length;

    const unsigned = await pd.send(event, { signature: null });
    const forged = await pd.send(event, { signature: pagerDutySignature(body, "not-the-secret") });
    const garbage = await pd.send(event, { signature: "v1=zz" });
    for (const res of [unsigned, forged, garbage]) {
      expect(res.status, res.body).toBeGreaterThanOrEqual(400);
      expect(res.status, res.body).toBeLessThan(500);
    }
    await settle(SETTLE_MS);
    expect(issues(w)).toEqual([]);
    expect(w.gh.writes().length).toBe(writesBefore);
    const tables = sqliteRows(app.sqlitePath as string);
    expect(tables.inbox).toEqual([]);
    expect(tables.channel_links).toEqual([]);
    const refused = logLines(app, /pagerduty webhook refused/);
    expect(refused.map((l) => l.reason)).toEqual([
      "missing signature",
      "signature does not match",
      "signature does not match",
    ]);
    expect(refused.every((l) => l.level === 40)).toBe(true);
    expect(app.output()).not.toContain("secret customer words");
  });

  it("a signature made with a rotated-in secret next to a wrong one is accepted (comma-separated signatures)", async () => {
    const { w, pd } = await setup();
    const event = triggered(incident({ serviceId: SERVICE }));
    const signature = pagerDutySignature(JSON.stringify(event), "old-secret", SECRET);
    const res = await pd.send(event, { signature });
    expect(res.status).toBe(202);
    await w.waitFor(() => issues(w).length === 1);
  });
});

describe("acknowledgement, notes and resolution", { timeout: 60_000 }, () => {
  it("an acknowledgement in time is the first response, by the mapped login, with one comment", async () => {
    const { w, app, pd } = await setup({ config: config({ notes: true }) });
    const inc = incident({ serviceId: SERVICE });
    await pd.send(triggered(inc));
    const issue = await w.waitFor(() => issues(w)[0]);
    const n = issue.number as number;
    await w.waitFor(() => w.intakeComments(OWNER, REPO, n).length === 1);
    const ackAt = new Date().toISOString();
    const ack = acknowledged(inc, ALICE, ackAt);
    expect((await pd.send(ack)).status).toBe(202);
    expect((await pd.send(ack)).json).toEqual({ status: "duplicate" });
    await pd.send(annotated(inc, "Restarted the payment workers; @team watching", ALICE));

    await w.waitFor(() => w.escalationComments(OWNER, REPO, n).length === 2, {
      message: "ack and note comments",
    });
    await settle(SETTLE_MS);
    const [row] = trackedRows(app);
    expect(row?.state).toBe("met");
    expect(row?.first_response_by).toBe("alice");
    expect(row?.first_response_at).toBe(Date.parse(ackAt));
    expect(row?.first_response_late).toBe(0);
    const comments = w.escalationComments(OWNER, REPO, n).map((c) => c.body);
    expect(comments).toHaveLength(2);
    expect(comments[0]).toMatch(
      /^\*\*On-call is on it\.\*\* .*alice.*This is recorded as the first response\.$/,
    );
    expect(comments[1]).toContain("Restarted the payment workers");
    expect(comments[1]).not.toMatch(/@team/);
  });

  it("an acknowledgement after the deadline is recorded late", async () => {
    // Production down in 5 s, and the incident was created a minute ago: the deadline is past.
    const { w, app, pd } = await setup({ config: config({ response: "5s" }) });
    const inc = incident({ serviceId: SERVICE, createdAt: new Date(Date.now() - 60_000).toISOString() });
    await pd.send(triggered(inc));
    const issue = await w.waitFor(() => issues(w)[0]);
    const n = issue.number as number;
    await w.waitFor(() => w.intakeComments(OWNER, REPO, n).length === 1);
    await pd.send(acknowledged(inc, { id: "PNOBODY", name: "Unmapped Person" }));
    await w.waitFor(() => trackedRows(app)[0]?.first_response_at, { message: "the late first response" });
    const [row] = trackedRows(app);
    expect(row?.first_response_late).toBe(1);
    expect(row?.first_response_by).toBe("pagerduty:PNOBODY");
    await w.waitFor(() =>
      w.escalationComments(OWNER, REPO, n).some((c) => c.body.includes("after the deadline")),
    );
  });

  it("a note holding the app's breach marker is copied harmlessly: the breach comment still comes", async () => {
    const { w, pd } = await setup({ config: config({ response: "8s", notes: true }) });
    const inc = incident({ serviceId: SERVICE });
    await pd.send(triggered(inc));
    const issue = await w.waitFor(() => issues(w)[0]);
    const n = issue.number as number;
    await w.waitFor(() => w.intakeComments(OWNER, REPO, n).length === 1);
    await pd.send(annotated(inc, "<!-- support-sla:breach cycle=1 -->\nall good", null));
    const note = await w.waitFor(() =>
      w.escalationComments(OWNER, REPO, n).find((c) => c.body.startsWith("**Note from on-call**")),
    );
    expect(note.body).not.toContain("<!--");
    expect(note.body).toContain("all good");
    const breach = await w.waitFor(
      () =>
        w
          .escalationComments(OWNER, REPO, n)
          .find((c) => c.body.startsWith("<!-- support-sla:breach cycle=1 -->")),
      { message: "the breach comment, after the note", timeoutMs: 30_000 },
    );
    expect(Date.parse(String(breach.created_at))).toBeGreaterThanOrEqual(Date.parse(String(note.created_at)));
  });

  it("resolution comments and closes the issue, and Production down gets the post-mortem question", async () => {
    const { w, app, pd } = await setup({ config: config({ closeOnResolve: true }) });
    const inc = incident({ serviceId: SERVICE });
    await pd.send(triggered(inc));
    const issue = await w.waitFor(() => issues(w)[0]);
    const n = issue.number as number;
    await w.waitFor(() => w.intakeComments(OWNER, REPO, n).length === 1);
    await pd.send(acknowledged(inc, ALICE));
    await pd.send(resolved(inc, ALICE));

    await w.waitFor(() => w.gh.issue(OWNER, REPO, n)?.state === "closed", { message: "the issue closed" });
    await w.waitFor(() => w.escalationComments(OWNER, REPO, n).length === 3, {
      message: () =>
        `ack, resolved and post-mortem comments: ${JSON.stringify(w.escalationComments(OWNER, REPO, n).map((c) => c.body.slice(0, 60)))}`,
    });
    await settle(SETTLE_MS);
    const bodies = w.escalationComments(OWNER, REPO, n).map((c) => c.body);
    expect(bodies).toHaveLength(3);
    expect(bodies.filter((b) => b.startsWith("**Resolved.**"))).toHaveLength(1);
    expect(bodies.some((b) => /post-mortem/i.test(b))).toBe(true);
    const [row] = trackedRows(app);
    expect(row?.closed_at).not.toBeNull();
    expect(row?.pm_state).toBe("asked");
  });
});

describe("exactly once across a restart", { timeout: 60_000 }, () => {
  it("after a restart, the redelivered event and a new event of the same incident open no second issue", async () => {
    const { w, app, pd } = await setup();
    const inc = incident({ serviceId: SERVICE });
    const first = triggered(inc);
    await pd.send(first);
    const issue = await w.waitFor(() => issues(w)[0]);
    await w.waitFor(() => w.intakeComments(OWNER, REPO, issue.number as number).length === 1);
    await app.restart({ signal: "SIGKILL" });

    expect((await pd.send(first)).json).toEqual({ status: "duplicate" });
    // Another event about the same incident (PagerDuty re-sends its state): deduplicated by incident id.
    expect((await pd.send(triggered(inc))).json).toEqual({ status: "accepted" });
    await settle(SETTLE_MS);
    expect(issues(w)).toHaveLength(1);
    expect(w.intakeComments(OWNER, REPO, issue.number as number)).toHaveLength(1);
    const links = sqliteRows(app.sqlitePath as string).channel_links ?? [];
    expect(links).toEqual([
      expect.objectContaining({ source_id: inc.id, number: issue.number, origin: "channel" }),
    ]);
  });
});

describe("a service claimed twice", { timeout: 60_000 }, () => {
  it("opens nothing, and both repos' check runs name the other claimant until one lets go", async () => {
    const { w, app, pd } = await setup();
    // The first claimant's default branch head: where its config check run belongs.
    const portalHead = "a".repeat(40);
    w.gh.aliasRef(OWNER, REPO, portalHead, "main");
    // Another repo of the same installation claims the same service.
    const repo = "shop";
    w.seedRepo(OWNER, repo, { config: config() });
    const sha = "f".repeat(40);
    w.gh.aliasRef(OWNER, repo, sha, "main");
    const push = pushPayload({ after: sha, paths: [".github/support-sla.yml"], repo });
    (push.installation as { id: number }).id = w.gh.installationId;
    await app.send("push", push);
    const run = await w.waitFor(() => w.gh.checkRuns(OWNER, repo)[0], {
      message: "the check run of the push",
    });
    expect(run.conclusion).toBe("failure");
    expect(JSON.stringify(run.output)).toContain(
      `channels.pagerduty.services[0]: PagerDuty service ${SERVICE} is also claimed by ${OWNER}/${REPO}`,
    );
    // The repo that claimed it first learns it too, on its own default branch's head.
    const portalRun = await w.waitFor(() => w.gh.checkRuns(OWNER, REPO)[0], {
      message: "the check run of the first claimant",
    });
    expect(portalRun).toMatchObject({
      name: "support-sla config",
      head_sha: portalHead,
      conclusion: "failure",
    });
    expect(JSON.stringify(portalRun.output)).toContain(
      `channels.pagerduty.services[0]: PagerDuty service ${SERVICE} is also claimed by ${OWNER}/${repo}`,
    );

    const res = await pd.send(triggered(incident({ serviceId: SERVICE })));
    expect(res.json?.status).toBe("not mapped");
    expect(String(res.json?.message)).toContain(
      `claimed by 2 repositories (${OWNER}/${REPO}, ${OWNER}/${repo})`,
    );
    await settle(SETTLE_MS);
    expect(issues(w)).toEqual([]);
    expect(issues(w, repo)).toEqual([]);

    // The second repo lets go of the service: the first one's check run turns green again.
    w.gh.setFile(OWNER, repo, ".github/support-sla.yml", "escalation:\n  warn_at: 80%\n");
    const release = pushPayload({ after: "e".repeat(40), paths: [".github/support-sla.yml"], repo });
    (release.installation as { id: number }).id = w.gh.installationId;
    await app.send("push", release);
    const cleared = await w.waitFor(() => w.gh.checkRuns(OWNER, REPO)[1], {
      message: "the first claimant's check run after the conflict ended",
    });
    expect(cleared).toMatchObject({ head_sha: portalHead, conclusion: "success" });
    expect(w.gh.checkRuns(OWNER, repo)[1]).toMatchObject({ conclusion: "success" });
    expect((await pd.send(triggered(incident({ serviceId: SERVICE })))).json).toEqual({ status: "accepted" });
    await w.waitFor(() => issues(w)[0], { message: "the issue of the now mapped incident" });
  });
});

describe("a customer's issue quoting the incident's hidden marker", { timeout: 90_000 }, () => {
  it("a crash after opening the issue and before recording it: the retry takes the app's issue, never the customer's", async () => {
    const { w, app, pd } = await setup({ env: { SUPPORT_SLA_FAILPOINT: "after-channel-issue" } });
    const inc = incident({ serviceId: SERVICE, title: "Caller: checkout is down" });
    expect((await pd.send(triggered(inc))).status).toBe(202);
    // The app opens the issue, then dies (SIGKILL) before it records the issue's number.
    await w.waitFor(() => !app.running, { timeoutMs: 30_000, message: "the app to crash at the failpoint" });
    const [opened] = issues(w);
    expect(issues(w)).toHaveLength(1);
    expect(w.intakeComments(OWNER, REPO, 1)).toEqual([]);
    // A customer files an issue that quotes the incident's marker (it is newer: listed first).
    const forged = w.gh.createIssue(OWNER, REPO, {
      title: "[Problem]: checkout is down",
      body: `Same as the phone call.\n<!-- support-sla:pagerduty-incident:${inc.id} -->`,
      user: { login: "mallory", type: "User" },
    });

    await app.restart(); // same environment: a second issue would crash it again
    await w.waitFor(() => w.intakeComments(OWNER, REPO, 1).length === 1, {
      timeoutMs: 30_000,
      message: () => `the intake comment of the app's issue\n${app.output().slice(-3_000)}`,
    });
    await settle(SETTLE_MS);
    expect(app.running).toBe(true);
    expect(issues(w)).toHaveLength(2);
    expect(issues(w).filter((i) => (i.user as { type?: string }).type === "Bot")).toEqual([
      expect.objectContaining({ number: opened?.number, title: opened?.title }),
    ]);
    const n = forged.number as number;
    expect(w.gh.comments(OWNER, REPO, n)).toEqual([]);
    expect(w.labels(OWNER, REPO, n)).toEqual([]);
    expect(w.gh.issue(OWNER, REPO, n)?.body).toBe(forged.body);
    const links = sqliteRows(app.sqlitePath as string).channel_links ?? [];
    expect(links).toEqual([expect.objectContaining({ source_id: inc.id, number: opened?.number })]);
    expect(trackedRows(app).map((r) => r.number)).toEqual([opened?.number]);
  });
});

describe("no loops", { timeout: 60_000 }, () => {
  it("the app's own page of a GitHub issue is matched back by its dedup key: no second issue, no echo", async () => {
    const { w, app, pd } = await setup({ config: config({ response: "30m" }) });
    // A Production-down problem filed on GitHub pages on-call at intake (calendar clock).
    const { number } = w.openIssue(OWNER, REPO, {
      title: "[Problem]: site down",
      body: problemBody({ priority: "Production down" }),
    });
    await app.send("issues", w.gh.issueEvent("opened", OWNER, REPO, number));
    const page = await w.waitFor(() => w.pd.events().find((e) => e.event_action === "trigger"), {
      message: "the app's page at intake",
    });
    // PagerDuty opens an incident for it and tells every webhook subscription.
    const inc = incident({ serviceId: "PAPPSVC", incidentKey: String(page.dedup_key) });
    expect((await pd.send(triggered(inc))).status).toBe(202);
    expect((await pd.send(acknowledged(inc, null))).status).toBe(202);
    expect((await pd.send(resolved(inc, null))).status).toBe(202);
    await settle(SETTLE_MS);

    expect(issues(w)).toHaveLength(1);
    expect(w.escalationComments(OWNER, REPO, number)).toEqual([]);
    const links = (sqliteRows(app.sqlitePath as string).channel_links ?? []) as Array<
      Record<string, unknown>
    >;
    expect(links).toEqual([expect.objectContaining({ origin: "app", number, repo: `${OWNER}/${REPO}` })]);
  });
});

describe("exactly once across replicas", () => {
  const adminUrl = process.env.TEST_DATABASE_URL;
  it.skipIf(!adminUrl && !process.env.CI)(
    "two replicas on PostgreSQL receiving every event: one issue per incident, one comment per event (needs TEST_DATABASE_URL, see scripts/with-postgres.sh)",
    async () => {
      if (!adminUrl) {
        throw new Error(
          "TEST_DATABASE_URL is not set, and CI is: run through `bash scripts/with-postgres.sh`",
        );
      }
      database = await createFreshDatabase(adminUrl);
      const { w, apps } = await setup({ databaseUrl: database.url, replicas: 2 });
      const senders = apps.map((a) => new PagerDutyWebhooks(`${a.url}/api/pagerduty/webhooks`, [SECRET]));
      const incidents = [1, 2, 3].map((i) => incident({ serviceId: SERVICE, title: `Incident ${i}` }));
      // Each event reaches both replicas at once (a redelivery landing on the other replica).
      await Promise.all(
        incidents.flatMap((inc) => {
          const event = triggered(inc);
          return senders.map((s) => s.send(event));
        }),
      );
      await Promise.all(
        incidents.flatMap((inc) => {
          const event = acknowledged(inc, ALICE);
          return senders.map((s) => s.send(event));
        }),
      );
      await w.waitFor(
        () =>
          issues(w).length === 3 &&
          issues(w).every((i) => w.escalationComments(OWNER, REPO, i.number as number).length === 1),
        {
          timeoutMs: 30_000,
          message: () => `3 issues with one ack comment each: ${issues(w).length}`,
        },
      );
      await settle(SETTLE_MS);
      expect(
        issues(w)
          .map((i) => i.title)
          .sort(),
      ).toEqual(["[On-call]: Incident 1", "[On-call]: Incident 2", "[On-call]: Incident 3"]);
      for (const i of issues(w)) {
        const n = i.number as number;
        expect(w.intakeComments(OWNER, REPO, n)).toHaveLength(1);
        expect(w.escalationComments(OWNER, REPO, n)).toHaveLength(1);
        expect(w.intakeComments(OWNER, REPO, n)[0]?.body).toContain(INTAKE_MARKER);
      }
    },
    90_000,
  );
});

/** Top-level keys that occur more than once in one JSON log line (JSON.parse keeps only the last). */
function duplicateKeys(line: string): string[] {
  const seen = new Set<string>();
  const dupes: string[] = [];
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      let j = i + 1;
      while (j < line.length && line[j] !== '"') j += line[j] === "\\" ? 2 : 1;
      const key = line.slice(i + 1, j);
      if (depth === 1 && line[j + 1] === ":") {
        if (seen.has(key)) dupes.push(key);
        seen.add(key);
      }
      i = j;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
  }
  return dupes;
}

describe("log lines", { timeout: 60_000 }, () => {
  it("no key twice in one line, and ids from requests clipped to 100 characters", async () => {
    expect(duplicateKeys('{"a":1,"b":{"a":"x\\"y"},"a":3}')).toEqual(["a"]); // the check itself
    const { w, app, pd } = await setup();
    const inc = incident({ serviceId: SERVICE });
    expect((await pd.send(triggered(inc))).status).toBe(202);
    await w.waitFor(() => logLines(app, /issue opened from a PagerDuty incident/).length === 1);
    await pd.send(acknowledged(inc, ALICE));
    await w.waitFor(() => w.comments(OWNER, REPO, 1).length >= 2, { message: "the ack comment" });
    const longId = "W".repeat(5_000);
    await pd.send(triggered(incident({ serviceId: SERVICE })), { signature: null, webhookId: longId });
    await settle(SETTLE_MS);
    const lines = app
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"));
    expect(lines.flatMap((l) => duplicateKeys(l).map((k) => `${k} in ${JSON.parse(l).msg}`))).toEqual([]);
    const [opened] = logLines(app, /issue opened from a PagerDuty incident/);
    expect(opened).toMatchObject({ incident: inc.id, issue: `${OWNER}/${REPO}#1` });
    const [refused] = logLines(app, /pagerduty webhook refused/);
    expect(String(refused?.webhookId)).toHaveLength(100);
    expect(app.output()).not.toContain(longId);
  });
});

describe("body cap and several subscriptions", { timeout: 60_000 }, () => {
  it("a body over 1 MB gets 413 and one warn line; one just under 1 MB is read and accepted", async () => {
    const { w, app, pd } = await setup();
    const MB = 1024 * 1024;
    const padded = (bytes: number) => {
      const event = triggered(incident({ serviceId: SERVICE })) as Record<string, unknown>;
      const base = JSON.stringify({ ...event, padding: "" }).length;
      return { ...event, padding: "x".repeat(bytes - base) };
    };
    const over = padded(MB + 1);
    expect(JSON.stringify(over).length).toBe(MB + 1);
    const tooLarge = await pd.send(over);
    expect(tooLarge.status).toBe(413);
    const under = padded(MB - 1);
    const accepted = await pd.send(under);
    expect(accepted.status, accepted.body).toBe(202);
    await w.waitFor(() => issues(w).length === 1, { message: "the issue of the 1 MB - 1 event" });
    await settle(SETTLE_MS);
    expect(issues(w)).toHaveLength(1);
    expect(logLines(app, /pagerduty webhook refused/).map((l) => l.reason)).toEqual(["payload too large"]);
  });

  it("PAGERDUTY_WEBHOOK_SECRET with two subscriptions' secrets: events signed with either open issues, others are refused", async () => {
    const OTHER = "pd-webhook-secret-second-subscription";
    const { w, app, pd } = await setup({ env: { PAGERDUTY_WEBHOOK_SECRET: `${SECRET}, ${OTHER}` } });
    const first = await pd.send(triggered(incident({ serviceId: SERVICE, title: "first subscription" })));
    const second = new PagerDutyWebhooks(pd.url, [OTHER]);
    const fromSecond = await second.send(
      triggered(incident({ serviceId: SERVICE, title: "second subscription" })),
    );
    const stranger = new PagerDutyWebhooks(pd.url, ["neither-secret"]);
    const forged = await stranger.send(triggered(incident({ serviceId: SERVICE, title: "forged" })));
    expect([first.status, fromSecond.status, forged.status]).toEqual([202, 202, 401]);
    await w.waitFor(() => issues(w).length === 2, { message: "one issue per subscription" });
    await settle(SETTLE_MS);
    expect(
      issues(w)
        .map((i) => String(i.title))
        .sort(),
    ).toEqual(["[On-call]: first subscription", "[On-call]: second subscription"]);
    expect(logLines(app, /pagerduty webhook refused/).map((l) => l.reason)).toEqual([
      "signature does not match",
    ]);
    expect(app.output()).not.toContain(OTHER);
  });

  it("a blank entry in PAGERDUTY_WEBHOOK_SECRET: exit 1 with one line naming the variable, no secret", async () => {
    requireBuiltApp();
    const cwd = mkdtempSync(join(tmpdir(), "support-sla-pd-secret-"));
    const child = spawn(process.execPath, [BUILT_MAIN], {
      cwd,
      env: {
        PATH: process.env.PATH ?? "",
        PORT: String(await freePort()),
        HOST: "127.0.0.1",
        PAGERDUTY_WEBHOOK_SECRET: `${SECRET},,other-secret`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    const code = await new Promise<number | null>((done) => child.once("exit", done));
    rmSync(cwd, { recursive: true, force: true });
    expect(code).toBe(1);
    expect(output.split("\n").filter((l) => l.trim() !== "")).toEqual([
      "support-sla: PAGERDUTY_WEBHOOK_SECRET: entry 2 of 3 is blank: list one signing secret per webhook subscription, separated by single commas",
    ]);
  });
});

import { createVerify } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, createProbot, Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubStandIn } from "./github.js";
import { generateKeyPair } from "./keys.js";

const APP_ID = 123;
const INSTALLATION = 4242;
const SECRET = "s3cret";
const gh = new GitHubStandIn({ appId: APP_ID, installationId: INSTALLATION });
const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** What a real Probot app received, through its own webhook verification. */
const received: Array<{ name: string; action: string | undefined; sender: string }> = [];
let appServer: Server;
let webhookUrl: string;

function tokenOctokit(token: string) {
  const off = { enabled: false };
  return new ProbotOctokit({ auth: { token }, baseUrl: gh.apiUrl, log: quiet, retry: off, throttle: off });
}

function newProbot(): Probot {
  return new Probot({
    appId: APP_ID,
    privateKey: generateKeyPair().privateKey,
    secret: SECRET,
    baseUrl: gh.apiUrl,
    logLevel: "fatal",
    Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
  });
}

function verifyJwt(jwt: string): { iss: unknown } {
  const [header, payload, signature] = jwt.split(".") as [string, string, string];
  const ok = createVerify("RSA-SHA256")
    .update(`${header}.${payload}`)
    .verify(generateKeyPair().publicKey, Buffer.from(signature, "base64url"));
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(payload, "base64url").toString());
}

beforeAll(async () => {
  await gh.start();
  const middleware = await createNodeMiddleware(
    (app) => {
      app.onAny(async (context) => {
        const payload = context.payload as { action?: string; sender?: { login: string } };
        received.push({ name: context.name, action: payload.action, sender: payload.sender?.login ?? "" });
      });
    },
    { probot: newProbot() },
  );
  appServer = createServer((req, res) => {
    void middleware(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => appServer.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/api/github/webhooks`;
});
afterAll(async () => {
  await gh.stop();
  appServer.closeAllConnections();
  await new Promise((resolve) => appServer.close(resolve));
});
afterEach(() => {
  expect(gh.unmatched()).toEqual([]);
  gh.clearLog();
  received.length = 0;
  gh.setWebhookTarget(null);
});

describe("as the app (Probot's own auth flow)", () => {
  it("signs an app JWT, gets an installation token, and writes as the bot", async () => {
    gh.createIssue("acme", "web", { title: "Down", user: "carla" });
    const probot = newProbot();
    const appOctokit = await probot.auth();
    const app = await appOctokit.rest.apps.getAuthenticated();
    expect(app.data).toMatchObject({ id: APP_ID, slug: "support-sla" });

    const octokit = await probot.auth(INSTALLATION);
    const comment = await octokit.rest.issues.createComment({
      owner: "acme",
      repo: "web",
      issue_number: 1,
      body: "hi",
    });
    expect(comment.data.user).toMatchObject({ login: "support-sla[bot]", type: "Bot" });

    const [tokenRequest] = gh.requests({
      method: "POST",
      path: `/app/installations/${INSTALLATION}/access_tokens`,
    });
    const jwt = String(tokenRequest?.headers.authorization).replace(/^bearer /i, "");
    expect(verifyJwt(jwt).iss).toBe(APP_ID);
    const [commentRequest] = gh.requests({ method: "POST", path: "/repos/acme/web/issues/1/comments" });
    expect(commentRequest?.headers.authorization).toBe(`token ${gh.issuedTokens()[0]}`);
    expect(gh.writes().map((w) => w.path)).toEqual(["/repos/acme/web/issues/1/comments"]);
  });

  it("works from Probot's environment (GHE_HOST, GHE_PROTOCOL, APP_ID, PRIVATE_KEY) as the child process gets it", async () => {
    const env = {
      ...gh.env(),
      PRIVATE_KEY: generateKeyPair().privateKey,
      WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: "fatal" as const,
    };
    expect(env).toMatchObject({
      GHE_HOST: `127.0.0.1:${gh.port}`,
      GHE_PROTOCOL: "http",
      APP_ID: String(APP_ID),
    });
    const octokit = await createProbot({ env }).auth(INSTALLATION);
    const repo = await octokit.rest.repos.get({ owner: "acme", repo: "web" });
    expect(repo.data).toMatchObject({
      full_name: "acme/web",
      default_branch: "main",
      html_url: `${gh.url}/acme/web`,
    });
    expect(gh.requests().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /app/installations/${INSTALLATION}/access_tokens`,
      "GET /repos/acme/web",
    ]);
  });

  it("refuses app-level endpoints without a JWT, and writes without any credentials", async () => {
    const withToken = tokenOctokit("ghs_x");
    await expect(withToken.rest.apps.listWebhookDeliveries()).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${gh.apiUrl}/repos/acme/web/issues/1/comments`, {
      method: "POST",
      body: '{"body":"x"}',
    });
    expect(res.status).toBe(401);
  });

  it("answers team membership, collaborator permission and check runs", async () => {
    const o = tokenOctokit("x");
    gh.addTeamMember("acme", "support", "eve");
    gh.setPermission("acme", "web", "dan", "maintain");
    const member = await o.rest.teams.getMembershipForUserInOrg({
      org: "acme",
      team_slug: "support",
      username: "EVE",
    });
    expect(member.data).toMatchObject({ state: "active", role: "member" });
    await expect(
      o.rest.teams.getMembershipForUserInOrg({ org: "acme", team_slug: "support", username: "dan" }),
    ).rejects.toMatchObject({ status: 404 });
    const perm = (username: string) =>
      o.rest.repos.getCollaboratorPermissionLevel({ owner: "acme", repo: "web", username });
    expect((await perm("dan")).data).toMatchObject({ permission: "write", role_name: "maintain" });
    expect((await perm("zed")).data.permission).toBe("read");
    const run = await o.rest.checks.create({
      owner: "acme",
      repo: "web",
      name: "support-sla config",
      head_sha: "abc",
      conclusion: "failure",
      output: { title: "1 problem", summary: "timezone: unknown" },
    });
    expect(run.status).toBe(201);
    expect(gh.checkRuns("acme", "web")).toMatchObject([{ name: "support-sla config", status: "completed" }]);
  });

  it("acts as a seeded user for a registered token, with the right author_association", async () => {
    gh.addTeamMember("acme", "support", "eve");
    gh.setTokenUser("eve-token", "eve");
    const o = tokenOctokit("eve-token");
    const c = await o.rest.issues.createComment({
      owner: "acme",
      repo: "web",
      issue_number: 1,
      body: "on it",
    });
    expect(c.data).toMatchObject({ user: { login: "eve", type: "User" }, author_association: "MEMBER" });
  });

  it("records unknown routes as unmatched 404s", async () => {
    const o = tokenOctokit("x");
    await expect(
      o.request("GET /repos/{owner}/{repo}/pulls", { owner: "acme", repo: "web" }),
    ).rejects.toMatchObject({
      status: 404,
    });
    expect(gh.unmatched().map((r) => r.path)).toEqual(["/repos/acme/web/pulls"]);
    gh.clearLog();
  });
});

describe("webhooks to the app", () => {
  it("delivers a signed event that Probot verifies, and records it as a delivery", async () => {
    gh.setWebhookTarget({ url: webhookUrl, secret: SECRET });
    const payload = gh.issueEvent("opened", "acme", "web", 1);
    expect(payload).toMatchObject({
      action: "opened",
      installation: { id: INSTALLATION },
      sender: { login: "carla" },
    });
    const res = await gh.deliver("issues", payload);
    expect(res.status).toBe(200);
    expect(received).toEqual([{ name: "issues", action: "opened", sender: "carla" }]);
    expect(gh.deliveries()[0]).toMatchObject({
      id: res.deliveryId,
      event: "issues",
      action: "opened",
      status: "OK",
    });
  });

  it("lists deliveries newest first with cursor pagination, and redelivers on POST .../attempts", async () => {
    gh.setWebhookTarget({ url: webhookUrl, secret: SECRET });
    const failed = gh.addDelivery({
      event: "issues",
      action: "opened",
      status_code: 500,
      status: "Invalid HTTP Response: 500",
      delivered_at: "2999-01-01T00:00:00Z",
      payload: gh.issueEvent("opened", "acme", "web", 1),
    });
    for (let i = 0; i < 3; i++)
      gh.addDelivery({ event: "push", delivered_at: `2026-01-0${i + 1}T00:00:00Z` });
    const jwtOctokit = await newProbot().auth();
    const firstPage = await jwtOctokit.rest.apps.listWebhookDeliveries({ per_page: 2 });
    expect(firstPage.data[0]).toMatchObject({ id: failed.id, status_code: 500, redelivery: false });
    expect(firstPage.headers.link).toMatch(/cursor=v1_\d+>; rel="next"/);
    const all = await jwtOctokit.paginate(jwtOctokit.rest.apps.listWebhookDeliveries, { per_page: 2 });
    expect(all.length).toBe(gh.deliveries().length);

    const attempt = await jwtOctokit.rest.apps.redeliverWebhookDelivery({ delivery_id: failed.id as number });
    expect(attempt.status).toBe(202);
    await gh.idle();
    expect(gh.redeliveryAttempts()).toEqual([failed.id]);
    expect(received).toEqual([{ name: "issues", action: "opened", sender: "carla" }]);
    expect(gh.deliveries()[0]).toMatchObject({ guid: failed.guid, redelivery: true, status_code: 200 });
  });

  it("with autoDeliver, sends the webhooks the app's own API calls cause (sender: the bot)", async () => {
    gh.setWebhookTarget({ url: webhookUrl, secret: SECRET }, { autoDeliver: true });
    const o = tokenOctokit("x");
    await o.rest.issues.addLabels({ owner: "acme", repo: "web", issue_number: 1, labels: ["type: problem"] });
    await gh.idle();
    expect(received).toEqual([{ name: "issues", action: "labeled", sender: "support-sla[bot]" }]);
  });
});

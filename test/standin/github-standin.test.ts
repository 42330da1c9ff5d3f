import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GitHubStandIn } from "./github.js";

const gh = new GitHubStandIn({ now: () => Date.parse("2026-11-27T15:31:00Z") });
const OWNER = "acme";
const REPO = "web";

type Options = { retry?: object; throttle?: object };

function octokit(options: Options = {}, token = "x") {
  return new ProbotOctokit({
    auth: { token },
    baseUrl: gh.apiUrl,
    retry: { enabled: false, ...options.retry },
    throttle: { enabled: false, ...options.throttle },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
}

function status(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}

beforeAll(async () => {
  await gh.start();
});
afterAll(async () => {
  await gh.stop();
});
afterEach(() => {
  expect(gh.unmatched()).toEqual([]);
  expect(gh.pendingFaults()).toEqual([]);
  gh.clearLog();
});

describe("repository contents", () => {
  beforeAll(() => {
    gh.setFile(OWNER, REPO, ".github/ISSUE_TEMPLATE/problem.yml", "name: Problem\n");
    gh.setFile(OWNER, REPO, ".github/ISSUE_TEMPLATE/config.yml", "blank_issues_enabled: false\n");
    gh.setFile(OWNER, REPO, ".github/ISSUE_TEMPLATE/nested/x.yml", "x: 1\n");
    gh.setFile(OWNER, REPO, ".github/ISSUE_TEMPLATE/problem.yml", "name: Problem (branch)\n", "feature");
    gh.aliasRef(OWNER, REPO, "0123abcd", "feature");
  });

  it("serves a file raw, as text/plain (never the JSON content-type the config plugin reads as a directory)", async () => {
    const res = await octokit().request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: OWNER,
      repo: REPO,
      path: ".github/ISSUE_TEMPLATE/problem.yml",
      mediaType: { format: "raw" },
    });
    expect(res.data).toBe("name: Problem\n");
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["x-github-request-id"]).toMatch(/^[0-9A-F:]+$/);
    expect(Number(res.headers["x-ratelimit-remaining"])).toBeGreaterThan(0);
    const [logged] = gh.requests();
    expect(logged?.path).toBe(`/repos/${OWNER}/${REPO}/contents/.github/ISSUE_TEMPLATE/problem.yml`);
    expect(logged?.headers.accept).toBe("application/vnd.github.v3.raw");
    expect(logged?.route).toBe("/repos/:owner/:repo/contents/:path*");
  });

  it("serves a file as base64 JSON with its git blob sha, and answers 304 to a matching If-None-Match", async () => {
    const gh1 = octokit();
    const res = await gh1.rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: ".github/ISSUE_TEMPLATE/problem.yml",
    });
    const data = res.data as { type: string; content: string; encoding: string; sha: string; name: string };
    expect(data).toMatchObject({ type: "file", name: "problem.yml", encoding: "base64" });
    expect(Buffer.from(data.content, "base64").toString()).toBe("name: Problem\n");
    expect(data.sha).toBe("e2bd972384696e8767c1a7bd4cbcf6d183d4a0cc"); // git hash-object
    const etag = res.headers.etag as string;
    const again = gh1.rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: ".github/ISSUE_TEMPLATE/problem.yml",
      headers: { "if-none-match": etag },
    });
    await expect(again).rejects.toMatchObject({ status: 304 });
  });

  it("lists a directory (files and sub-directories) as JSON, also when asked for raw", async () => {
    const list = await octokit().rest.repos.getContent({
      owner: OWNER,
      repo: REPO,
      path: ".github/ISSUE_TEMPLATE",
    });
    expect(
      (list.data as Array<{ name: string; type: string; path: string }>).map((e) => [e.type, e.name, e.path]),
    ).toEqual([
      ["file", "config.yml", ".github/ISSUE_TEMPLATE/config.yml"],
      ["dir", "nested", ".github/ISSUE_TEMPLATE/nested"],
      ["file", "problem.yml", ".github/ISSUE_TEMPLATE/problem.yml"],
    ]);
    const raw = await octokit().request("GET /repos/{owner}/{repo}/contents/{path}", {
      owner: OWNER,
      repo: REPO,
      path: ".github/ISSUE_TEMPLATE",
      mediaType: { format: "raw" },
    });
    expect(raw.headers["content-type"]).toBe("application/json; charset=utf-8");
  });

  it("reads ?ref= from a branch, a sha alias, and falls back to the default branch for unknown refs", async () => {
    const read = async (ref: string) =>
      (
        await octokit().request("GET /repos/{owner}/{repo}/contents/{path}", {
          owner: OWNER,
          repo: REPO,
          path: ".github/ISSUE_TEMPLATE/problem.yml",
          ref,
          mediaType: { format: "raw" },
        })
      ).data;
    expect(await read("feature")).toBe("name: Problem (branch)\n");
    expect(await read("0123abcd")).toBe("name: Problem (branch)\n");
    expect(await read("refs/heads/main")).toBe("name: Problem\n");
    expect(await read("no-such-ref")).toBe("name: Problem\n");
  });

  it("answers 404 for a missing file or repo", async () => {
    const missing = (repo: string) =>
      octokit().rest.repos.getContent({ owner: OWNER, repo, path: ".github/support-sla.yml" }).catch(status);
    expect(await missing(REPO)).toBe(404);
    expect(await missing("nope")).toBe(404);
  });
});

describe("octokit.config.get (the config plugin bundled in ProbotOctokit)", () => {
  const path = ".github/support-sla.yml";

  it("reads the repo's file", async () => {
    gh.setFile(OWNER, "with-config", path, "timezone: Europe/Brussels\nescalation:\n  warn_at: 80%\n");
    const { config, files } = await octokit().config.get({ owner: OWNER, repo: "with-config", path });
    expect(config).toEqual({ timezone: "Europe/Brussels", escalation: { warn_at: "80%" } });
    expect(files).toHaveLength(1);
  });

  it("falls back to the org's .github repo, and follows _extends", async () => {
    gh.addRepo(OWNER, "no-config");
    gh.setFile(OWNER, ".github", path, "_extends: policies:base.yml\ntimezone: Europe/Paris\n");
    gh.setFile(OWNER, "policies", "base.yml", "timezone: UTC\nholidays: ['2026-12-24']\n");
    const { config, files } = await octokit().config.get({ owner: OWNER, repo: "no-config", path });
    expect(config).toEqual({ timezone: "Europe/Paris", holidays: ["2026-12-24"] });
    expect(files.map((f) => [f.repo, f.config === null])).toEqual([
      ["no-config", true],
      [".github", false],
      ["policies", false],
    ]);
  });
});

describe("labels", () => {
  it("adds (auto-creating unknown repo labels) and removes issue labels, with URL-encoded names", async () => {
    const o = octokit();
    gh.addLabel(OWNER, REPO, { name: "type: problem", color: "d73a4a", description: "Broken" });
    const issue = gh.createIssue(OWNER, REPO, { title: "Down", labels: ["type: problem"] });
    const n = issue.number as number;
    const added = await o.rest.issues.addLabels({
      owner: OWNER,
      repo: REPO,
      issue_number: n,
      labels: ["priority: urgent"],
    });
    expect(added.data.map((l) => l.name)).toEqual(["type: problem", "priority: urgent"]);
    expect(gh.labels(OWNER, REPO).find((l) => l.name === "priority: urgent")).toMatchObject({
      color: "ededed",
    });

    const left = await o.rest.issues
      .removeLabel({ owner: OWNER, repo: REPO, issue_number: n, name: "type: add/remove user" })
      .catch(status);
    expect(left).toBe(404);
    const removed = await o.rest.issues.removeLabel({
      owner: OWNER,
      repo: REPO,
      issue_number: n,
      name: "type: problem",
    });
    expect(removed.data.map((l) => l.name)).toEqual(["priority: urgent"]);
    expect(gh.issueLabels(OWNER, REPO, n)).toEqual(["priority: urgent"]);
    expect(gh.writes().map((w) => `${w.method} ${w.path} ${w.status}`)).toEqual([
      `POST /repos/acme/web/issues/${n}/labels 200`,
      `DELETE /repos/acme/web/issues/${n}/labels/type: add/remove user 404`,
      `DELETE /repos/acme/web/issues/${n}/labels/type: problem 200`,
    ]);
    expect(gh.apiEvents().map((e) => `${e.name}.${e.payload.action}`)).toContain("issues.unlabeled");
  });

  it("creates repo labels once (422 already_exists after) and paginates the list with a Link header", async () => {
    const o = octokit();
    gh.addRepo(OWNER, "many-labels");
    const created = await o.rest.issues.createLabel({
      owner: OWNER,
      repo: "many-labels",
      name: "x",
      color: "b60205",
    });
    expect(created.status).toBe(201);
    const again = await o.rest.issues
      .createLabel({ owner: OWNER, repo: "many-labels", name: "X", color: "b60205" })
      .catch((e) => e);
    expect(again.status).toBe(422);
    expect(again.response.data.errors[0].code).toBe("already_exists");
    for (let i = 0; i < 44; i++) gh.addLabel(OWNER, "many-labels", { name: `l${i}` });
    const first = await o.rest.issues.listLabelsForRepo({ owner: OWNER, repo: "many-labels", per_page: 20 });
    expect(first.data).toHaveLength(20);
    expect(first.headers.link).toMatch(/page=2>; rel="next".*page=3>; rel="last"/);
    const all = await o.paginate(o.rest.issues.listLabelsForRepo, {
      owner: OWNER,
      repo: "many-labels",
      per_page: 20,
    });
    expect(all).toHaveLength(45);
  });
});

describe("issues and comments", () => {
  it("creates, updates and paginates over 150 comments; the app's comments are the bot's", async () => {
    const o = octokit();
    const issue = gh.createIssue(OWNER, "busy", { title: "Help", body: "b", user: { login: "carla" } });
    const n = issue.number as number;
    for (let i = 0; i < 149; i++) gh.addComment(OWNER, "busy", n, { body: `c${i}`, user: "carla" });
    const mine = await o.rest.issues.createComment({
      owner: OWNER,
      repo: "busy",
      issue_number: n,
      body: "<!-- m --> hi",
    });
    expect(mine.status).toBe(201);
    expect(mine.data.user).toMatchObject({ login: "support-sla[bot]", type: "Bot" });
    const edited = await o.rest.issues.updateComment({
      owner: OWNER,
      repo: "busy",
      comment_id: mine.data.id,
      body: "<!-- m --> v2",
    });
    expect(edited.data.body).toBe("<!-- m --> v2");

    const all = await o.paginate(o.rest.issues.listComments, {
      owner: OWNER,
      repo: "busy",
      issue_number: n,
      per_page: 100,
    });
    expect(all).toHaveLength(150);
    expect(all.at(-1)).toMatchObject({ id: mine.data.id, body: "<!-- m --> v2" });
    expect(all[0]).toMatchObject({
      body: "c0",
      author_association: "NONE",
      user: { login: "carla", type: "User" },
    });
    expect(gh.requests({ method: "GET", path: `/repos/acme/busy/issues/${n}/comments` })).toHaveLength(2);
    expect((await o.rest.issues.get({ owner: OWNER, repo: "busy", issue_number: n })).data.comments).toBe(
      150,
    );

    await o.rest.issues.deleteComment({ owner: OWNER, repo: "busy", comment_id: mine.data.id });
    expect(gh.comments(OWNER, "busy", n)).toHaveLength(149);
  });

  it("shapes issues like GitHub and supports PATCH (state, labels, body) and the open-issues list", async () => {
    const o = octokit();
    gh.addTeamMember(OWNER, "support", "eve");
    const created = gh.createIssue(OWNER, "shapes", {
      title: "T",
      body: "B",
      user: { login: "eve", type: "User" },
      created_at: "2026-11-27T15:30:00.000Z",
    });
    expect(created).toMatchObject({
      number: 1,
      state: "open",
      created_at: "2026-11-27T15:30:00Z",
      author_association: "MEMBER",
      labels: [],
      comments: 0,
    });
    expect(created.html_url).toBe(`${gh.url}/acme/shapes/issues/1`);
    gh.createIssue(OWNER, "shapes", { title: "second" });
    const patched = await o.rest.issues.update({
      owner: OWNER,
      repo: "shapes",
      issue_number: 1,
      state: "closed",
      labels: ["a"],
      body: "B2",
    });
    expect(patched.data).toMatchObject({ state: "closed", body: "B2", closed_at: "2026-11-27T15:31:00Z" });
    expect(patched.data.labels.map((l) => (typeof l === "string" ? l : l.name))).toEqual(["a"]);
    const open = await o.paginate(o.rest.issues.listForRepo, { owner: OWNER, repo: "shapes", state: "open" });
    expect(open.map((i) => i.title)).toEqual(["second"]);
  });
});

describe("fault injection", () => {
  it("fails the next matching request with 502 (HTML body), then behaves normally", async () => {
    gh.createIssue(OWNER, "faulty", { title: "x" });
    gh.failNext({ method: "GET", pathPattern: "/repos/:owner/:repo/issues/:n", status: 502 });
    const o = octokit();
    const first = await o.rest.issues.get({ owner: OWNER, repo: "faulty", issue_number: 1 }).catch((e) => e);
    expect(first.status).toBe(502);
    expect(String(first.response.data)).toContain("<html>");
    const second = await o.rest.issues.get({ owner: OWNER, repo: "faulty", issue_number: 1 });
    expect(second.status).toBe(200);
    expect(gh.requests().map((r) => [r.status, r.fault])).toEqual([
      [502, true],
      [200, false],
    ]);
  });

  it("Octokit's retry plugin gets through two 500s", async () => {
    gh.failNext({ pathPattern: /\/issues\/1$/, status: 500, times: 2 });
    const o = octokit({ retry: { enabled: true, retryAfterBaseValue: 1 } });
    const res = await o.rest.issues.get({ owner: OWNER, repo: "faulty", issue_number: 1 });
    expect(res.status).toBe(200);
    expect(gh.requests().map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it("answers a secondary rate limit with 403, GitHub's message and retry-after; the throttle plugin waits and retries", async () => {
    gh.failNext({
      method: "POST",
      pathPattern: /\/comments$/,
      status: 403,
      secondaryRateLimit: true,
      retryAfterSeconds: 7,
    });
    const raw = await octokit()
      .rest.issues.createComment({ owner: OWNER, repo: "faulty", issue_number: 1, body: "x" })
      .catch((e) => e);
    expect(raw.status).toBe(403);
    expect(raw.response.headers["retry-after"]).toBe("7");
    expect(raw.message).toMatch(/secondary rate limit/);

    expect(gh.comments(OWNER, "faulty", 1)).toEqual([]);

    // GETs: writes are spaced 1 s apart by the throttle plugin, which would only slow this down.
    gh.failNext({
      pathPattern: "/repos/:o/:r/issues/:n",
      status: 403,
      secondaryRateLimit: true,
      retryAfterSeconds: 3,
    });
    gh.failNext({ pathPattern: "/repos/:o/:r/issues/:n", status: 429, retryAfterSeconds: 2 });
    const waits: number[] = [];
    const throttled = octokit({
      throttle: {
        enabled: true,
        retryAfterBaseValue: 1,
        onSecondaryRateLimit: (after: number) => {
          waits.push(after);
          return true;
        },
        onRateLimit: () => false,
      },
    });
    const ok = await throttled.rest.issues.get({ owner: OWNER, repo: "faulty", issue_number: 1 });
    expect(ok.status).toBe(200);
    expect(waits).toEqual([3, 2]);
    expect(gh.requests({ path: "/repos/acme/faulty/issues/1" }).map((r) => r.status)).toEqual([
      403, 429, 200,
    ]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { requireBuiltApp, settle } from "./harness.js";
import { pagerDutyTriggers, problemBody, sqliteRows, World } from "./world.js";

/**
 * Issue 10, kinds 1 and 2, end to end through the built server: no flag or message claims a page
 * the outbox has not confirmed, and a page PagerDuty refuses for a while (429, Retry-After) is
 * retried through the store until it lands, once, with a warn line and a metric per failure.
 */

const OWNER = "acme";
const PAGED = /paged/i;
let worlds: World[] = [];

async function newWorld(): Promise<World> {
  requireBuiltApp();
  const w = new World();
  worlds.push(w);
  return await w.start();
}

afterEach(async () => {
  await Promise.allSettled(worlds.map((w) => w.stop()));
  worlds = [];
}, 30_000);

/** A Production-down problem, as the shipped form files it. */
function openProductionDown(w: World, repo: string) {
  return w.openIssue(OWNER, repo, { body: problemBody({ priority: "Production down" }) });
}

/** JSON log lines the app printed at `level` or above. */
function logLines(output: string, minLevel: number): Array<Record<string, unknown>> {
  return output.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) return [];
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return Number(parsed.level) >= minLevel ? [parsed] : [];
    } catch {
      return [];
    }
  });
}

/** `support_sla_effect_failures_total{channel,outcome}` from the app's /metrics, 0 when absent. */
async function effectFailures(url: string, channel: string, outcome: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) =>
      l.startsWith(`support_sla_effect_failures_total{channel="${channel}",outcome="${outcome}"}`),
    );
  return line ? Number(line.split(" ").pop()) : 0;
}

/** Accepted PagerDuty POSTs (any action) and every POST the stand-in answered, with times. */
function pdPosts(w: World) {
  return w.pd.requests((r) => r.method === "POST").map((r) => ({ status: r.status, at: r.timestamp }));
}

describe("state recorded only after the effect (kind 1)", () => {
  it("a Production-down issue whose first intake attempt meets one GitHub error is paged once, and no comment claims a page before it landed", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "pd-github-blip";
    // A breach within the test: its comment must tell the truth about the page too.
    w.seedRepo(OWNER, repo, {
      config: [
        "priorities:",
        "  production-down: { response: 6s }",
        "escalation:",
        '  mention: ["@acme/oncall"]',
        "",
      ].join("\n"),
    });
    const { number } = openProductionDown(w, repo);
    // The first attempt's intake comment fails once (GitHub 502); the inbox retries the delivery.
    w.gh.failNext({
      method: "POST",
      pathPattern: `/repos/${OWNER}/${repo}/issues/${number}/comments`,
      status: 502,
    });

    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));

    await w.waitFor(() => w.escalationComments(OWNER, repo, number).length > 0, {
      timeoutMs: 40_000,
      message: () => `the breach comment of ${repo}#${number}\n${w.receivers()}`,
    });
    await settle(3_000);
    expect(w.gh.pendingFaults(), "the injected GitHub error was consumed").toEqual([]);
    const triggers = w.pd.requests((r) => r.method === "POST" && r.status === 202);
    expect(pagerDutyTriggers(w, 0), `exactly one page\n${w.receivers()}`).toHaveLength(1);
    expect(w.pd.incidents()).toHaveLength(1);
    const pagedAt = triggers[0]?.timestamp ?? Number.POSITIVE_INFINITY;
    // Every comment write of the app that tells the customer on-call was paged came after the page.
    const claims = w.appRequests(
      (r) =>
        (r.method === "POST" || r.method === "PATCH") &&
        r.status < 300 &&
        /\/issues\/(\d+\/)?comments/.test(r.path) &&
        PAGED.test(String((r.body as { body?: unknown } | undefined)?.body ?? "")),
    );
    for (const claim of claims)
      expect(claim.timestamp, `${claim.method} ${claim.path}`).toBeGreaterThanOrEqual(pagedAt);
    // The comments as they stand: a page is claimed only because one landed.
    const [breach] = w.escalationComments(OWNER, repo, number);
    expect(breach?.body).toMatch(PAGED);
    expect(w.intakeComments(OWNER, repo, number)).toHaveLength(1);
  }, 90_000);
});

describe("notifications retried through the store (kind 2)", () => {
  it("PagerDuty answers 429 for 20 s: the page lands once afterwards, each failure is a warn line with the issue and a metric", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "pd-throttled";
    w.seedRepo(OWNER, repo);
    const { number } = openProductionDown(w, repo);
    // Longer than any in-memory retry of the old notifier (5 tries, ≤ 15 s of backoff).
    w.pd.failFor(429, 20_000);

    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));

    await w.waitFor(() => pagerDutyTriggers(w, 0).length > 0, {
      timeoutMs: 60_000,
      message: () => `the page after the throttled window\n${w.receivers()}`,
    });
    await settle(3_000);
    expect(pagerDutyTriggers(w, 0)).toHaveLength(1);
    expect(w.pd.incidents()).toHaveLength(1);
    const refused = pdPosts(w).filter((p) => p.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    const issue = `${OWNER}/${repo}#${number}`;
    const warns = logLines(app.output(), 40).filter((l) => l.issue === issue && l.channel === "pagerduty");
    expect(warns.length, app.output().slice(-4_000)).toBeGreaterThanOrEqual(refused.length);
    expect(await effectFailures(app.url, "pagerduty", "retry")).toBe(refused.length);
    // The customer's comment says on-call is being paged, now that it is true.
    const [intake] = w.intakeComments(OWNER, repo, number);
    expect(intake?.body).toMatch(/being paged now/);
    // No customer text in the warn lines.
    expect(JSON.stringify(warns)).not.toContain("checkout is down");
  }, 90_000);

  it("PagerDuty answers 429 with Retry-After: 120: the app waits that long, through the store, and says so", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "pd-retry-after";
    w.seedRepo(OWNER, repo);
    const { number } = openProductionDown(w, repo);
    w.pd.failNext(429, 1, { retryAfter: "120" });

    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));
    await w.waitFor(() => pdPosts(w).length > 0, { message: "the first page attempt" });
    const refusedAt = pdPosts(w)[0]?.at ?? 0;
    const issue = `${OWNER}/${repo}#${number}`;
    await w.waitFor(
      () => logLines(app.output(), 40).some((l) => l.issue === issue && l.retryAfterMs === 120_000),
      { message: () => `a warn line with the issue and retryAfterMs\n${app.output().slice(-3_000)}` },
    );
    // Not dropped and not retried early: nothing more reaches PagerDuty for a while...
    await settle(8_000);
    expect(pdPosts(w)).toHaveLength(1);
    expect(pagerDutyTriggers(w, 0)).toHaveLength(0);
    expect(await effectFailures(app.url, "pagerduty", "retry")).toBe(1);
    // ...and the store holds the page as pending, due no sooner than Retry-After.
    const rows = sqliteRows(app.sqlitePath ?? "");
    const page = (rows.effects as Array<Record<string, unknown>>).find((e) =>
      String(e.key).endsWith(":page"),
    );
    expect(page).toMatchObject({ status: "retry", attempts: 1 });
    expect(Number(page?.retry_at)).toBeGreaterThanOrEqual(refusedAt + 119_000);
    const delivery = (rows.inbox as Array<Record<string, unknown>>).find((d) => d.event === "issues");
    expect(delivery?.done_at).toBeNull();
    expect(Number(delivery?.available_at)).toBeGreaterThanOrEqual(refusedAt + 119_000);
    // The customer is not told on-call is being paged while it is not.
    const [intake] = w.intakeComments(OWNER, repo, number);
    expect(intake?.body).not.toMatch(/being paged/);
  }, 60_000);

  it("PagerDuty answers 429 with a short Retry-After twice, then accepts: never retried sooner, paged once, even across a restart", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "pd-retry-after-short";
    w.seedRepo(OWNER, repo);
    const { number } = openProductionDown(w, repo);
    w.pd.failNext(429, 2, { retryAfter: "4" });

    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));
    await w.waitFor(() => pdPosts(w).length >= 1, { message: "the first page attempt" });
    await w.waitFor(() => /effect failed/.test(app.output()), { message: "the failure's warn line" });
    // A restart while the page is pending: the store, not memory, holds it.
    await app.restart({ signal: "SIGKILL" });
    await w.waitFor(() => pagerDutyTriggers(w, 0).length > 0, {
      timeoutMs: 40_000,
      message: () => `the page after two 429s\n${w.receivers()}`,
    });
    await settle(3_000);
    const posts = pdPosts(w);
    expect(posts.map((p) => p.status)).toEqual([429, 429, 202]);
    for (let i = 1; i < posts.length; i++) {
      expect((posts[i]?.at ?? 0) - (posts[i - 1]?.at ?? 0), `gap before try ${i + 1}`).toBeGreaterThanOrEqual(
        3_900,
      );
    }
    expect(w.pd.incidents()).toHaveLength(1);
  }, 90_000);
});

import { afterEach, describe, expect, it } from "vitest";
import { requireBuiltApp, sleep } from "./harness.js";
import { pagerDutyTriggers, slackBreaches, World } from "./world.js";

/** The running server as operators see it: a crash mid-escalation, health, metrics, SIGTERM. */

const OWNER = "acme";
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

/** Business clock open 24/7: no page at intake, so the only trigger is the breach's. */
function config(seconds: number): string {
  const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  return [
    "business_hours:",
    ...days.map((d) => `  ${d}: ["00:00-24:00"]`),
    "priorities:",
    `  urgent: { response: ${seconds}s, clock: business }`,
    "escalation:",
    '  mention: ["@acme/support"]',
    "  warn_at: 90%",
    "",
  ].join("\n");
}

describe("a crash in the middle of an escalation", () => {
  it("SIGKILL right after the breach comment, before its commit: after a restart every effect lands once", async () => {
    const w = await newWorld();
    const app = await w.startApp({ env: { SUPPORT_SLA_FAILPOINT: "after-breach-comment" } });
    const repo = "crash-mid-breach";
    w.seedRepo(OWNER, repo, { config: config(3) });
    const { number, issue } = w.openIssue(OWNER, repo);
    const deadline = Date.parse(String(issue.created_at)) + 3_000;
    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));

    // The app kills itself (SIGKILL) once the breach comment is posted.
    await w.waitFor(() => !app.running, {
      timeoutMs: 30_000,
      message: () => "the app to crash at the failpoint",
    });
    expect(w.escalationComments(OWNER, repo, number)).toHaveLength(1);
    // The cheap signals (page, Slack, labels) go before the comment, which comes last.
    expect(slackBreaches(w, deadline)).toHaveLength(1);

    await app.restart(); // same port, same instance name: its leases are taken back at once
    const metrics = async () => (await fetch(`${app.url}/metrics`)).text();
    // The breach was recorded before the comment went out; its comment stayed queued.
    expect(await metrics()).toContain('support_sla_timers{metric="first_response",state="breached"} 1');
    // The restarted process takes the queued comment, finds it posted by its marker, and records it.
    await w.waitFor(async () => (await metrics()).includes("support_sla_comments_queued 0"), {
      timeoutMs: 30_000,
      message: () => `the queued comment taken up after the restart\n${w.receivers()}`,
    });
    await sleep(3_000);
    expect(w.escalationComments(OWNER, repo, number)).toHaveLength(1);
    expect(w.labels(OWNER, repo, number)).toContain("sla: breached");
    expect(slackBreaches(w, deadline)).toHaveLength(1);
    expect(pagerDutyTriggers(w, 0)).toHaveLength(1);
  }, 90_000);
});

describe("operations", () => {
  it("serves /healthz and /metrics, and stops cleanly on SIGTERM", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "ops";
    w.seedRepo(OWNER, repo, { config: config(3600) });
    const { number } = w.openIssue(OWNER, repo);
    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));
    await w.waitFor(() => w.intakeComments(OWNER, repo, number).length > 0, {
      message: "the intake comment",
    });

    await w.waitFor(async () => (await fetch(`${app.url}/healthz`)).status === 200, {
      message: "a healthy /healthz",
    });
    const health = (await (await fetch(`${app.url}/healthz`)).json()) as { status: string; database: string };
    expect(health).toMatchObject({ status: "ok", database: "ok" });

    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/support_sla_webhooks_total\{event="issues",outcome="handled"\} 1/);
    expect(metrics).toMatch(/support_sla_deadlines\{state="pending"\} 1/);
    expect(metrics).toContain("# TYPE support_sla_escalation_lateness_seconds histogram");
    expect(metrics).toMatch(/support_sla_github_requests_total\{method="POST"\} \d+/);

    const exit = await app.kill("SIGTERM");
    expect(exit.code).toBe(0);
  }, 60_000);
});

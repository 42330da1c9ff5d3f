import { afterEach, describe, expect, it } from "vitest";
import type { CommentSeed } from "../standin/github.js";
import { requireBuiltApp, settle, sleep } from "./harness.js";
import { createFreshDatabase, type FreshDatabase } from "./postgres.js";
import { pagerDutyTriggers, slackBreaches, slackWarnings, World } from "./world.js";

/**
 * The SLA clock end to end (issue 4): targets of seconds, the built server in a child process, real
 * time. Each test has its own world (stand-ins, app processes, database) and tears it down.
 * "Exactly once" is checked after a settle period, so a late duplicate would be seen.
 */

const OWNER = "acme";
const MENTION = "@acme/support";
const BREACHED = "sla: breached";
const SETTLE_MS = 4_000;
/** From the deadline to the escalation being visible: GitHub writes are throttled to one a second. */
const ESCALATION_WITHIN_MS = 20_000;

/** The issue's literal example: a calendar target of seconds (urgent pages by default). */
function calendarConfig(seconds: number): string {
  return [
    "priorities:",
    `  urgent: { response: ${seconds}s, clock: calendar }`,
    "escalation:",
    `  mention: ["${MENTION}"]`,
    "  warn_at: 50%",
    "",
  ].join("\n");
}

/**
 * The same target on a business clock that never closes: identical deadline, but no page at intake
 * (only the calendar clock pages at once), so the one PagerDuty trigger is the breach's.
 */
function alwaysOpenConfig(seconds: number): string {
  const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  return [
    "business_hours:",
    ...days.map((d) => `  ${d}: ["00:00-24:00"]`),
    "priorities:",
    `  urgent: { response: ${seconds}s, clock: business }`,
    "escalation:",
    `  mention: ["${MENTION}"]`,
    "  warn_at: 50%",
    "",
  ].join("\n");
}

let world: World | undefined;
let database: FreshDatabase | undefined;

async function newWorld(): Promise<World> {
  requireBuiltApp();
  world = await new World().start();
  return world;
}

afterEach(async () => {
  await world?.stop();
  world = undefined;
  await database?.drop();
  database = undefined;
}, 30_000);

function deadlineOf(issue: { created_at?: unknown }, seconds: number): number {
  return Date.parse(String(issue.created_at)) + seconds * 1_000;
}

function escalationState(w: World, repo: string, n: number, deadlineMs: number) {
  const where = `${OWNER}/${repo}`;
  return {
    labels: w.labels(OWNER, repo, n),
    escalationComments: w.escalationComments(OWNER, repo, n).length,
    slackBreaches: slackBreaches(w, deadlineMs, where).length,
    pagerDutyTriggers: pagerDutyTriggers(w, deadlineMs, where).length,
  };
}

/** Waits for the breach of one issue, lets duplicates show up, then checks each effect happened once. */
async function expectEscalatedOnce(w: World, repo: string, n: number, deadlineMs: number): Promise<void> {
  const state = () => escalationState(w, repo, n, deadlineMs);
  await w.waitFor(
    () => {
      const s = state();
      return (
        s.labels.includes(BREACHED) &&
        s.escalationComments > 0 &&
        s.slackBreaches > 0 &&
        s.pagerDutyTriggers > 0
      );
    },
    {
      timeoutMs: Math.max(0, deadlineMs - Date.now()) + ESCALATION_WITHIN_MS,
      message: () =>
        `the breach of ${OWNER}/${repo}#${n} (label, comment, Slack, PagerDuty): ${JSON.stringify(state())}`,
    },
  );
  await settle(SETTLE_MS);
  expect(state(), `${OWNER}/${repo}#${n} after ${SETTLE_MS} ms more`).toEqual({
    labels: expect.arrayContaining([BREACHED]),
    escalationComments: 1,
    slackBreaches: 1,
    pagerDutyTriggers: 1,
  });
  const [comment] = w.escalationComments(OWNER, repo, n);
  expect(comment?.body).toContain(MENTION);
  expect(w.intakeComments(OWNER, repo, n)).toHaveLength(1);
  // Not early: the breach comment was posted at or after the deadline.
  const posted = w.appRequests(
    (r) =>
      r.method === "POST" &&
      r.status === 201 &&
      r.path === `/repos/${OWNER}/${repo}/issues/${n}/comments` &&
      String((r.body as { body?: unknown })?.body).includes(MENTION),
  );
  expect(posted).toHaveLength(1);
  expect(posted[0]?.timestamp).toBeGreaterThanOrEqual(deadlineMs);
  expect(slackWarnings(w).length, "at-risk Slack warnings").toBeLessThanOrEqual(1);
}

describe("breach", () => {
  it("no reply by a calendar deadline of seconds: one breach comment, the label, one Slack message, one page", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "sla-breach";
    const seconds = 3;
    w.seedRepo(OWNER, repo, { config: calendarConfig(seconds) });
    const { number, issue } = w.openIssue(OWNER, repo);
    const deadline = deadlineOf(issue, seconds);

    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));

    await expectEscalatedOnce(w, repo, number, deadline);
    expect(w.pd.incidents()).toHaveLength(1);
  }, 60_000);
});

describe("first response", () => {
  it("a team reply before the deadline stops the clock; a reply by the author or by a bot does not", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const seconds = 10;
    // The customer is a collaborator (as in a private support repo) and the bot is given a team
    // association too: only the author and bot rules can keep their replies from counting.
    const customer = { login: "customer", type: "User" as const };
    const cases: Array<{ repo: string; reply: CommentSeed }> = [
      {
        repo: "sla-team",
        reply: { body: "Looking at it now.", user: { login: "engineer" }, author_association: "MEMBER" },
      },
      {
        repo: "sla-author",
        reply: { body: "Any news? Still down.", user: customer, author_association: "COLLABORATOR" },
      },
      {
        repo: "sla-bot",
        reply: {
          body: "Automated: linked to incident INC-1.",
          user: { login: "helper-bot[bot]", type: "Bot" },
          author_association: "COLLABORATOR",
        },
      },
    ];
    const issues = cases.map(({ repo }) => {
      w.seedRepo(OWNER, repo, { config: calendarConfig(seconds) });
      const { number, issue } = w.openIssue(OWNER, repo, {
        user: customer,
        author_association: "COLLABORATOR",
      });
      return { repo, number, deadline: deadlineOf(issue, seconds) };
    });
    for (const { repo, number } of issues)
      await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));

    for (const [i, { repo, reply }] of cases.entries()) {
      const { number, deadline } = issues[i] as (typeof issues)[number];
      await w.waitFor(() => w.intakeComments(OWNER, repo, number).length > 0, {
        message: `the intake comment of ${OWNER}/${repo}#${number}`,
      });
      const comment = w.gh.addComment(OWNER, repo, number, reply);
      const res = await app.send(
        "issue_comment",
        w.gh.commentEvent("created", OWNER, repo, Number(comment.id)),
      );
      expect(res.status, res.body).toBeLessThan(300);
      expect(
        Date.now(),
        `the reply on ${repo} must come before its deadline for this test to mean anything`,
      ).toBeLessThan(deadline);
    }

    const [team, author, bot] = issues as [(typeof issues)[0], (typeof issues)[0], (typeof issues)[0]];
    await expectEscalatedOnce(w, author.repo, author.number, author.deadline);
    await expectEscalatedOnce(w, bot.repo, bot.number, bot.deadline);

    const wait = team.deadline + SETTLE_MS - Date.now();
    if (wait > 0) await sleep(wait);
    expect(escalationState(w, team.repo, team.number, team.deadline)).toEqual({
      labels: expect.not.arrayContaining([BREACHED]),
      escalationComments: 0,
      slackBreaches: 0,
      pagerDutyTriggers: 0,
    });
    expect(w.comments(OWNER, team.repo, team.number)).toHaveLength(2); // intake + the engineer's reply
  }, 90_000);
});

describe("restart", () => {
  it("killed (SIGKILL) after intake and started again after the deadline: the breach is escalated, once", async () => {
    const w = await newWorld();
    const app = await w.startApp();
    const repo = "sla-crash";
    const seconds = 5;
    w.seedRepo(OWNER, repo, { config: alwaysOpenConfig(seconds) });
    const { number, issue } = w.openIssue(OWNER, repo);
    const deadline = deadlineOf(issue, seconds);

    await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));
    await w.waitFor(() => w.intakeComments(OWNER, repo, number).length > 0, {
      message: "the intake comment",
    });
    const exit = await app.kill("SIGKILL");
    expect(exit.signal).toBe("SIGKILL");
    expect(
      Date.now(),
      "the app must be down before the deadline for this test to mean anything",
    ).toBeLessThan(deadline);

    await sleep(deadline + 1_000 - Date.now());
    expect(w.escalationComments(OWNER, repo, number)).toHaveLength(0);
    await app.restart();

    await expectEscalatedOnce(w, repo, number, deadline);
    expect(w.pd.incidents()).toHaveLength(1);
  }, 90_000);
});

describe("PostgreSQL, two replicas", () => {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const skip = !adminUrl && !process.env.CI;

  it.skipIf(skip)(
    "two app processes on one database, the webhook sent to one of them: one escalation (needs TEST_DATABASE_URL, see scripts/with-postgres.sh)",
    async () => {
      if (!adminUrl) {
        throw new Error(
          "TEST_DATABASE_URL is not set, and CI is: the PostgreSQL path must run in CI. " +
            "Run the suite through `bash scripts/with-postgres.sh npx vitest run` (it starts a throwaway server).",
        );
      }
      const w = await newWorld();
      database = await createFreshDatabase(adminUrl);
      const [a, b] = await Promise.all([
        w.startApp({ databaseUrl: database.url, name: "replica-a" }),
        w.startApp({ databaseUrl: database.url, name: "replica-b", registerWebhook: false }),
      ]);
      const repo = "sla-replicas";
      const seconds = 4;
      w.seedRepo(OWNER, repo, { config: alwaysOpenConfig(seconds) });
      const { number, issue } = w.openIssue(OWNER, repo);
      const deadline = deadlineOf(issue, seconds);
      const payload = w.gh.issueEvent("opened", OWNER, repo, number);

      const first = await a.send("issues", payload);
      await w.waitFor(() => w.intakeComments(OWNER, repo, number).length > 0, {
        message: "the intake comment",
      });
      // GitHub's redelivery may land on the other replica: the shared store still knows it.
      await b.send("issues", payload, { id: first.id });

      await expectEscalatedOnce(w, repo, number, deadline);
      expect(w.pd.incidents()).toHaveLength(1);
      expect(a.running && b.running, "both replicas still running").toBe(true);
    },
    90_000,
  );
});

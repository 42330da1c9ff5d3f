import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCalendar } from "../../src/domain/business-hours.js";
import type { EscalationLevel, Policy } from "../../src/domain/policy.js";
import { ladderFor } from "../../src/domain/timers/ladder.js";
import { meetTimer } from "../../src/domain/timers/timer.js";
import { createNotifiers, type Notifiers } from "../../src/notify/index.js";
import { ISSUE_BUSY_RETRY_MS, SCHEDULER_SLOTS_PER_INSTALLATION } from "../../src/scheduler/index.js";
import { saveTimers } from "../../src/store/timer-store.js";
import { getEffect, releaseNamedLease, tryAcquireLease } from "../../src/store/tracking-store.js";
import { API, createHarness, type Harness, LEVEL, mockToken, recorder } from "../helpers/harness.js";
import { testPolicy } from "../helpers/policy.js";
import { REPO_KEY, seedTimer, timerOf, usePolicy } from "./seed.js";

/**
 * The scheduler on timers other than the first response, with timers written straight into the
 * store (as the handlers would) and GitHub, Slack and PagerDuty mocked: what it posts, labels,
 * pages and logs, and that every firing happens once.
 */

const HOUR = 3_600_000;
const SLACK = "https://hooks.slack.test";
const PD = "https://events.pd.test";
const issuePath = (n: number) => `/repos/${REPO_KEY}/issues/${n}`;

let h: Harness;
/** Every GitHub, Slack and PagerDuty request made, in order (`METHOD path`). */
let calls: string[];
let crashAt: string | null;
/** Records a request, but not the installation token Probot asks for once. */
const record = (req: { method?: string; path?: string }) => {
  const path = (req.path ?? "").split("?")[0] ?? "";
  if (!path.endsWith("/access_tokens")) calls.push(`${req.method} ${path}`);
};

async function start(notifiers?: Notifiers, now = "2026-11-30T09:00:00Z", githubRetry = false) {
  h = await createHarness({
    now,
    captureLogs: true,
    githubRetry,
    ...(notifiers ? { notifiers } : {}),
    failpoint: (name) => {
      if (name === crashAt) {
        crashAt = null;
        throw new Error(`killed at ${name}`);
      }
    },
  });
}

function api() {
  const scope = nock(API);
  scope.on("request", record);
  return scope;
}

beforeEach(() => {
  calls = [];
  crashAt = null;
  nock.emitter.on("no match", record);
});
afterEach(async () => {
  nock.emitter.removeListener("no match", record);
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

function withNotifiers(): Notifiers {
  return createNotifiers(
    {
      SLACK_WEBHOOK_URL: `${SLACK}/services/T/B/X`,
      PAGERDUTY_ROUTING_KEY: "KEY",
      PAGERDUTY_EVENTS_URL: `${PD}/v2/enqueue`,
    },
    { retry: { attempts: 1 } },
  );
}

/** The test policy with a next-reply target: 4 business hours for Urgent, 30 minutes for Production down. */
function replyPolicy(): Policy {
  const policy = testPolicy();
  policy.escalation.mention = ["@acme/support"];
  for (const p of policy.priorities) {
    if (p.key === "urgent") p.nextReply = { kind: "duration", ms: 4 * HOUR };
    if (p.key === "normal") p.nextReply = { kind: "duration", ms: 4 * HOUR };
    if (p.key === "production-down") p.nextReply = { kind: "duration", ms: HOUR / 2 };
  }
  return policy;
}

const botComment = (id: number, body: string, at: string) => ({
  id,
  body,
  created_at: at,
  user: { login: "support-sla[bot]", type: "Bot" },
  author_association: "NONE",
});

describe("a next-reply breach", () => {
  it("posts its comment once across two runs of the same firing (a crash after the comment, before its record)", async () => {
    await start(withNotifiers());
    const policy = replyPolicy();
    usePolicy(h, policy);
    // Urgent, business hours 09:00-17:00 Brussels: the customer wrote Mon 30 Nov 10:00 CET; 4 h → 14:00 CET.
    const timer = await seedTimer(h, policy, {
      number: 1,
      priority: "urgent",
      metric: "next_reply",
      startedAt: "2026-11-30T09:00:00Z",
    });
    expect(timer.deadlineAt).toBe(Date.parse("2026-11-30T13:00:00Z"));

    const slack = recorder();
    const pd = recorder();
    const comment = recorder();
    nock(SLACK).post(/.*/, slack.match).reply(200, "ok");
    nock(PD).post("/v2/enqueue", pd.match).reply(202, { status: "success" });
    mockToken(api());
    api()
      .get(`${issuePath(1)}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${issuePath(1)}/labels`, { labels: ["sla: breached"] })
      .reply(200, [])
      .post(`${issuePath(1)}/comments`, comment.match)
      .reply(201, { id: 50 });
    crashAt = "after-comment";
    h.clock.set("2026-11-30T13:00:05Z");
    await h.tick();

    // The breach (labels, Slack, page) was recorded, then the comment queued; the process "died"
    // after GitHub took the comment and before the outbox recorded it.
    expect(comment.bodies).toHaveLength(1);
    expect((await timerOf(h, 1, "next_reply"))?.state).toBe("breached");
    const body = String(comment.bodies[0]?.body);
    expect(body).toContain("<!-- support-sla:timer next_reply c1 breach r0 -->");
    expect(body).toContain("@acme/support");
    expect(body).toContain("the next reply to the customer was due");
    expect(h.logs.filter((l) => l.msg === "escalation comment failed; will retry")).toEqual([
      expect.objectContaining({
        level: LEVEL.warn,
        issue: `${REPO_KEY}#1`,
        metric: "next_reply",
        transition: "breach",
        attempt: 1,
        nextAttemptAt: "2026-11-30T13:00:07.000Z",
      }),
    ]);

    // The retry finds the app's own comment by its marker: no second comment, no second page.
    h.clock.set("2026-11-30T13:00:08Z");
    api().get("/app").reply(200, { id: 1, slug: "support-sla" });
    api()
      .get(`${issuePath(1)}/comments`)
      .query(true)
      .reply(200, [botComment(50, body, "2026-11-30T13:00:05Z")]);
    await h.tick();
    await h.tick();

    expect(calls.filter((c) => c === `POST ${issuePath(1)}/comments`)).toHaveLength(1);
    expect(pd.bodies).toEqual([expect.objectContaining({ event_action: "trigger" })]);
    expect(String(pd.bodies[0]?.payload && (pd.bodies[0].payload as { summary: string }).summary)).toBe(
      `Next reply overdue: ${REPO_KEY}#1 Checkout fails 1`,
    );
    expect(slack.bodies).toHaveLength(1);
    expect(JSON.stringify(slack.bodies[0])).toContain("next reply was due");
    expect(await timerOf(h, 1, "next_reply")).toMatchObject({
      state: "breached",
      breachedAt: Date.parse("2026-11-30T13:00:05Z"),
      paged: true,
      lease_owner: null,
    });
    expect((await getEffect(h.store, `${REPO_KEY}#1:next_reply:c1:breach:r0:comment`))?.status).toBe("done");
    expect(h.logs.filter((l) => l.msg === "breach escalated")).toEqual([
      expect.objectContaining({
        level: LEVEL.info,
        issue: `${REPO_KEY}#1`,
        metric: "next_reply",
        lateMs: 5_000,
      }),
    ]);
  });

  it("a team reply whose webhook was lost is found before escalating: nothing is posted", async () => {
    await start();
    const policy = replyPolicy();
    usePolicy(h, policy);
    await seedTimer(h, policy, {
      number: 2,
      priority: "urgent",
      metric: "next_reply",
      startedAt: "2026-11-30T09:00:00Z",
    });
    mockToken(api());
    api()
      .get(`${issuePath(2)}/comments`)
      .query(true)
      .reply(200, [
        {
          id: 7,
          body: "Looking into it",
          created_at: "2026-11-30T10:00:00Z",
          user: { login: "engineer-erik", type: "User" },
          author_association: "MEMBER",
        },
      ]);
    h.clock.set("2026-11-30T12:15:00Z"); // at risk (80 %) at 12:12 UTC
    await h.tick();
    expect(calls).toEqual([`GET ${issuePath(2)}/comments`]);
    expect(await timerOf(h, 2, "next_reply")).toMatchObject({ state: "met", metBy: "engineer-erik" });
  });
});

describe("a ladder level with a repeat", () => {
  const nag: EscalationLevel = {
    name: "nag",
    at: { kind: "fraction", fraction: 1 },
    label: "sla: breached",
    comment: true,
    mention: ["@acme/oncall"],
    mentionAssignees: false,
    slack: false,
    page: false,
    repeatMs: HOUR,
  };

  it("fires r0, r1 and r2 at its times, each once, and stops once the timer is met", async () => {
    await start();
    const policy = replyPolicy();
    policy.escalation.levels = [nag];
    usePolicy(h, policy);
    // Production down: calendar clock, next reply within 30 min of 09:00 UTC → 09:30, then every hour.
    await seedTimer(h, policy, {
      number: 3,
      priority: "production-down",
      metric: "next_reply",
      startedAt: "2026-11-30T09:00:00Z",
    });
    mockToken(api());
    const comments = recorder();
    const noComments = () =>
      api()
        .get(`${issuePath(3)}/comments`)
        .query(true)
        .reply(200, []);

    h.clock.set("2026-11-30T09:29:59Z");
    await h.tick();
    expect(calls).toEqual([]);

    h.clock.set("2026-11-30T09:30:00Z");
    noComments()
      .post(`${issuePath(3)}/labels`, { labels: ["sla: breached"] })
      .reply(200, [])
      .post(`${issuePath(3)}/comments`, comments.match)
      .reply(201, { id: 60 });
    await h.tick();

    h.clock.set("2026-11-30T10:15:00Z"); // between two firings: nothing
    await h.tick();

    h.clock.set("2026-11-30T10:30:00Z");
    noComments()
      .post(`${issuePath(3)}/comments`, comments.match)
      .reply(201, { id: 61 });
    await h.tick();
    await h.tick();

    h.clock.set("2026-11-30T11:30:02Z");
    noComments()
      .post(`${issuePath(3)}/comments`, comments.match)
      .reply(201, { id: 62 });
    await h.tick();

    expect(comments.bodies.map((b) => /<!-- support-sla:timer (.+?) -->/.exec(String(b.body))?.[1])).toEqual([
      "next_reply c1 nag r0",
      "next_reply c1 nag r1",
      "next_reply c1 nag r2",
    ]);
    expect(String(comments.bodies[2]?.body)).toContain("@acme/oncall");
    expect(calls.filter((c) => c.startsWith("POST"))).toEqual([
      `POST ${issuePath(3)}/labels`,
      `POST ${issuePath(3)}/comments`,
      `POST ${issuePath(3)}/comments`,
      `POST ${issuePath(3)}/comments`,
    ]);
    expect(
      h.logs
        .filter((l) => l.msg === "breach escalated" || l.msg === "escalation level fired")
        .map((l) => [l.msg, l.ladderLevel ?? null, l.repeat ?? null, l.lateMs]),
    ).toEqual([
      ["breach escalated", null, null, 0],
      ["escalation level fired", "nag", 1, 0],
      ["escalation level fired", "nag", 2, 2_000],
    ]);

    // A team reply at 11:45 meets the timer (the handlers' write): the 12:30 repeat never comes.
    const timer = await timerOf(h, 3, "next_reply");
    if (!timer) throw new Error("no timer");
    const priority = policy.priorities[0];
    if (!priority) throw new Error("no priority");
    const ladder = ladderFor(policy, priority, "next_reply");
    const met = meetTimer(
      timer,
      Date.parse("2026-11-30T11:45:00Z"),
      "engineer-erik",
      createCalendar(policy.calendar),
      ladder,
      new Set(),
    );
    await saveTimers(h.store, { repo: REPO_KEY, number: 3 }, [
      { kind: "update", metric: "next_reply", cycle: 1, patch: met.patch ?? {} },
    ]);
    calls.length = 0;
    h.clock.set("2026-11-30T12:30:00Z");
    await h.tick();
    h.clock.set("2026-11-30T18:00:00Z");
    await h.tick();
    expect(calls).toEqual([]);
    expect(await timerOf(h, 3, "next_reply")).toMatchObject({ state: "met", nextDueAt: null });
  });
});

describe("an update reminder", () => {
  it("mentions the issue's assignees and the escalation handles", async () => {
    await start();
    const policy = testPolicy();
    policy.escalation.mention = ["@acme/support"];
    usePolicy(h, policy);
    // Production down: an update every 30 min (calendar); the reminder at 80 %: 09:24 UTC.
    await seedTimer(h, policy, {
      number: 4,
      priority: "production-down",
      metric: "updates",
      startedAt: "2026-11-30T09:00:00Z",
    });
    mockToken(api());
    const comment = recorder();
    api()
      .get(`${issuePath(4)}/comments`)
      .query(true)
      .reply(200, [])
      .get(issuePath(4))
      .reply(200, { number: 4, assignees: [{ login: "alice" }, { login: "bob" }] })
      .post(`${issuePath(4)}/comments`, comment.match)
      .reply(201, { id: 70 });
    h.clock.set("2026-11-30T09:24:00Z");
    await h.tick();
    const body = String(comment.bodies[0]?.body);
    expect(body).toContain("<!-- support-sla:timer updates c1 reminder r0 -->");
    expect(body).toContain("@alice @bob @acme/support");
    expect(await timerOf(h, 4, "updates")).toMatchObject({ state: "at-risk", level: 1 });
  });
});

describe("claims within one installation", () => {
  it("take the most urgent priority first, whatever fell due earlier", async () => {
    await start();
    const policy = replyPolicy();
    usePolicy(h, policy);
    // As many Normal timers as an installation has slots, due from 13:00 UTC, and one Urgent fewer,
    // due at 13:30 UTC: all due at 14:00.
    const slots = SCHEDULER_SLOTS_PER_INSTALLATION;
    const normal = Array.from({ length: slots }, (_, i) => i + 1);
    const urgent = Array.from({ length: slots - 1 }, (_, i) => slots + i + 1);
    for (const n of normal)
      await seedTimer(h, policy, {
        number: n,
        priority: "normal",
        metric: "next_reply",
        startedAt: "2026-11-30T09:00:00Z",
      });
    for (const n of urgent)
      await seedTimer(h, policy, {
        number: n,
        priority: "urgent",
        metric: "next_reply",
        startedAt: "2026-11-30T09:30:00Z",
      });
    mockToken(api());
    const scope = api().persist();
    scope
      .get(/\/issues\/\d+\/comments/)
      .query(true)
      .reply(200, []);
    scope.post(/\/issues\/\d+\/(labels|comments)/).reply(201, {});
    h.clock.set("2026-11-30T14:00:00Z");

    // One pass claims the installation's share of slots: every Urgent one and the first Normal.
    await h.runtime.scheduler.runOnce();
    const states = async () =>
      Object.fromEntries(
        await Promise.all(
          [...normal, ...urgent].map(async (n) => [n, (await timerOf(h, n, "next_reply"))?.state]),
        ),
      );
    const first = await states();
    expect(urgent.map((n) => first[n])).toEqual(urgent.map(() => "breached"));
    expect(normal.filter((n) => first[n] === "breached")).toEqual([1]);

    await h.tick();
    expect(Object.values(await states())).toEqual(Array(2 * slots - 1).fill("breached"));
    nock.cleanAll();
  });
});

describe("a timer whose issue another process is working on", () => {
  it("is looked at again after ISSUE_BUSY_RETRY_MS, not at once, and escalates once the issue is free", async () => {
    await start();
    const policy = replyPolicy();
    usePolicy(h, policy);
    await seedTimer(h, policy, {
      number: 9,
      priority: "urgent",
      metric: "next_reply",
      startedAt: "2026-11-30T09:00:00Z",
    });
    h.clock.set("2026-11-30T13:00:05Z");
    // A process that died while handling a webhook on the issue still holds its issue lease.
    const busy = `issue:${REPO_KEY}#9`;
    expect(await tryAcquireLease(h.store, busy, "dead-process", h.clock.now(), 120_000)).toBe(true);
    await h.tick();
    await h.tick();
    expect(calls).toEqual([]); // no GitHub call: the issue is not ours to work on
    expect(await timerOf(h, 9, "next_reply")).toMatchObject({
      state: "pending",
      lease_owner: "test-process",
      lease_until: h.clock.now() + ISSUE_BUSY_RETRY_MS,
    });

    await releaseNamedLease(h.store, busy, "dead-process");
    h.clock.set(new Date(h.clock.now() + ISSUE_BUSY_RETRY_MS - 1).toISOString());
    await h.tick();
    expect(calls).toEqual([]); // still waiting out the retry

    mockToken(api());
    api()
      .get(`${issuePath(9)}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${issuePath(9)}/labels`, { labels: ["sla: breached"] })
      .reply(200, [])
      .post(`${issuePath(9)}/comments`)
      .reply(201, { id: 90 });
    h.clock.set(new Date(h.clock.now() + 1).toISOString());
    await h.tick();
    expect(calls.filter((c) => c.startsWith("POST"))).toEqual([
      `POST ${issuePath(9)}/labels`,
      `POST ${issuePath(9)}/comments`,
    ]);
    expect((await timerOf(h, 9, "next_reply"))?.state).toBe("breached");
  });
});

describe("GitHub failing while a timer escalates (5xx)", () => {
  it("warns per failed attempt with the issue, the metric and nextAttemptAt, and keeps the timer leased until then", async () => {
    await start(undefined, "2026-11-30T09:00:00Z", true);
    const policy = replyPolicy();
    usePolicy(h, policy);
    await seedTimer(h, policy, {
      number: 8,
      priority: "urgent",
      metric: "next_reply",
      startedAt: "2026-11-30T09:00:00Z",
    });
    mockToken(api());
    let failed = 0;
    nock(API)
      .persist()
      .get(`${issuePath(8)}/comments`)
      .query(true)
      .reply(() => {
        failed++;
        return [502, { message: "Server Error" }];
      });
    h.clock.set("2026-11-30T12:12:00Z");
    const first = h.clock.now();
    await h.tick();
    await h.tick(); // the timer stays with this process until nextAttemptAt: no second call now
    expect(failed).toBe(1);
    h.clock.set(new Date(first + 2_000).toISOString());
    await h.tick();
    expect(failed).toBe(2);

    expect(h.logs.filter((l) => l.msg === "escalation failed; will retry")).toEqual([
      expect.objectContaining({
        level: LEVEL.warn,
        issue: `${REPO_KEY}#8`,
        metric: "next_reply",
        transition: "at-risk",
        attempt: 1,
        dueAt: "2026-11-30T12:12:00.000Z",
        nextAttemptAt: new Date(first + 2_000).toISOString(),
        error: expect.objectContaining({ status: 502, method: "GET", path: `${issuePath(8)}/comments` }),
      }),
      expect.objectContaining({
        attempt: 2,
        nextAttemptAt: new Date(first + 6_000).toISOString(),
      }),
    ]);
    expect((await timerOf(h, 8, "next_reply"))?.lease_until).toBe(first + 6_000);
    nock.cleanAll();
  });
});

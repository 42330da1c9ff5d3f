import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCalendar } from "../../src/domain/business-hours.js";
import type { EscalationLevel, Policy } from "../../src/domain/policy.js";
import { ladderFor } from "../../src/domain/timers/ladder.js";
import { meetTimer } from "../../src/domain/timers/timer.js";
import { appIdentityFrom } from "../../src/github/app-identity.js";
import type { GitHub } from "../../src/github/octokit.js";
import { TeamMembership } from "../../src/github/team-members.js";
import { CalendarCache, type HandlerDeps } from "../../src/handlers/deps.js";
import { KeyedMutex } from "../../src/helpers/keyed-mutex.js";
import { Metrics } from "../../src/runtime/metrics.js";
import {
  COMMENT_LEASE_MS,
  postQueuedComment,
  SCHEDULER_SLOTS_PER_INSTALLATION,
} from "../../src/scheduler/index.js";
import { claimQueuedComments, countQueuedComments } from "../../src/store/comment-queue-store.js";
import { saveTimers } from "../../src/store/timer-store.js";
import { getEffect } from "../../src/store/tracking-store.js";
import { API, createHarness, type Harness, LEVEL, mockToken, recorder } from "../helpers/harness.js";
import { testPolicy } from "../helpers/policy.js";
import { REPO_KEY, seedTimer, timerOf, usePolicy } from "./seed.js";

/**
 * A firing's comment goes out apart from its cheap signals (issue 12): the firing applies its
 * labels and records its state, queuing the comment in the same write; the comment loop posts it
 * later (`postQueuedComment`). What a customer or an engineer sees of that: which comments are
 * posted, in what order, once, and what the operator's log says when one is not.
 */

const HOUR = 3_600_000;
const issuePath = (n: number) => `/repos/${REPO_KEY}/issues/${n}`;

let h: Harness;
/** Every GitHub request made, in the order nock saw them (`METHOD path`), the token request aside. */
let calls: string[];
const record = (req: { method?: string; path?: string }) => {
  const path = (req.path ?? "").split("?")[0] ?? "";
  if (!path.endsWith("/access_tokens")) calls.push(`${req.method} ${path}`);
};

function api() {
  const scope = nock(API);
  scope.on("request", record);
  return scope;
}

beforeEach(async () => {
  calls = [];
  nock.emitter.on("no match", record);
  h = await createHarness({ now: "2026-11-30T09:00:00Z", captureLogs: true });
});
afterEach(async () => {
  nock.emitter.removeListener("no match", record);
  await h.close();
  const pending = nock.pendingMocks();
  nock.cleanAll(); // first, so that one test's leftovers never answer the next test's requests
  expect(pending).toEqual([]);
});

/**
 * The test policy with a next-reply target of 4 business hours for Urgent and Normal (a reply
 * due Mon 30 Nov 13:00 UTC for a customer message at 09:00 UTC, at risk at 12:12 UTC), mentioning
 * `@acme/support` when it escalates; `levels` replaces the default ladder.
 */
function replyPolicy(levels: EscalationLevel[] | null = null): Policy {
  const policy = testPolicy();
  policy.escalation.mention = ["@acme/support"];
  policy.escalation.levels = levels;
  for (const p of policy.priorities)
    if (p.key === "urgent" || p.key === "normal") p.nextReply = { kind: "duration", ms: 4 * HOUR };
  return policy;
}

/** A ladder whose at-risk level warns in a comment too (a configured `escalation.levels`). */
const WARNING_LADDER: EscalationLevel[] = [
  {
    name: "at-risk",
    at: { kind: "fraction", fraction: 0.8 },
    label: "sla: at risk",
    comment: true,
    mention: ["@acme/support"],
    mentionAssignees: false,
    slack: false,
    page: false,
    repeatMs: null,
  },
  {
    name: "breach",
    at: { kind: "fraction", fraction: 1 },
    label: "sla: breached",
    comment: true,
    mention: ["@acme/support"],
    mentionAssignees: false,
    slack: false,
    page: false,
    repeatMs: null,
  },
];

/** An urgent (or `priority`) issue `number` whose next reply is awaited since Mon 30 Nov 09:00 UTC. */
async function awaitingReply(policy: Policy, number: number, priority = "urgent") {
  await seedTimer(h, policy, { number, priority, metric: "next_reply", startedAt: "2026-11-30T09:00:00Z" });
}

/** A team reply at `at` meets issue `number`'s next-reply timer (the webhook handler's write). */
async function teamReply(policy: Policy, number: number, at: string): Promise<void> {
  const timer = await timerOf(h, number, "next_reply");
  const priority = policy.priorities.find((p) => p.key === "urgent");
  if (!timer || !priority) throw new Error("no timer");
  const met = meetTimer(
    timer,
    Date.parse(at),
    "engineer-erik",
    createCalendar(policy.calendar),
    ladderFor(policy, priority, "next_reply"),
    new Set(),
  );
  await saveTimers(h.store, { repo: REPO_KEY, number }, [
    { kind: "update", metric: "next_reply", cycle: 1, patch: met.patch ?? {} },
  ]);
}

/** The escalation's reads and label write for issue `number` (no team reply among the comments). */
function escalationReads(number: number, label: string) {
  return api()
    .get(`${issuePath(number)}/comments`)
    .query(true)
    .reply(200, [])
    .post(`${issuePath(number)}/labels`, { labels: [label] })
    .reply(200, []);
}

/** What a scheduler process with lease owner `owner` passes `postQueuedComment`, on the harness's GitHub. */
function processDeps(owner: string): HandlerDeps {
  return {
    store: h.store,
    setups: h.setups,
    calendars: new CalendarCache(),
    clock: h.clock,
    issueLocks: new KeyedMutex(),
    owner,
    notifiers: { slack: null, pagerduty: null },
    teams: new TeamMembership(60_000, h.clock.now),
    metrics: new Metrics(),
    failpoint: () => {},
    autostart: false,
    auth: async (id) => (await h.probot.auth(id)) as unknown as GitHub,
    self: appIdentityFrom(() => h.probot.auth()),
    log: h.probot.log,
  };
}

const commentPosts = () => calls.filter((c) => /^POST .*\/comments$/.test(c));

describe("a queued comment whose timer was met while it waited", () => {
  it("is not posted when it is an at-risk warning, while the warning's label was applied", async () => {
    const policy = replyPolicy(WARNING_LADDER);
    usePolicy(h, policy);
    await awaitingReply(policy, 1);
    mockToken(api());
    escalationReads(1, "sla: at risk");
    h.clock.set("2026-11-30T12:12:00Z");
    // The firing (label, state) is recorded and its warning queued; the comment loop has not run.
    await h.runtime.scheduler.timers.drain();
    expect(await timerOf(h, 1, "next_reply")).toMatchObject({ state: "at-risk", level: 1 });
    expect(await countQueuedComments(h.store)).toBe(1);

    await teamReply(policy, 1, "2026-11-30T12:12:01Z");
    h.clock.set("2026-11-30T12:12:02Z");
    await h.tick();

    expect(calls).toEqual([`GET ${issuePath(1)}/comments`, `POST ${issuePath(1)}/labels`]);
    expect(await countQueuedComments(h.store)).toBe(0);
    expect(await timerOf(h, 1, "next_reply")).toMatchObject({ state: "met", metBy: "engineer-erik" });
    expect(
      h.logs.filter((l) => l.msg?.startsWith("the timer was met or cancelled while its comment waited")),
    ).toEqual([
      expect.objectContaining({
        level: LEVEL.info,
        msg: "the timer was met or cancelled while its comment waited: not posted",
        issue: `${REPO_KEY}#1`,
        metric: "next_reply",
        transition: "at-risk",
      }),
    ]);
    // Nothing is left to post later either.
    h.clock.set("2026-11-30T12:30:00Z");
    await h.tick();
    expect(commentPosts()).toEqual([]);
  });

  it("is posted when it is the breach: the miss is on record", async () => {
    const policy = replyPolicy();
    usePolicy(h, policy);
    await awaitingReply(policy, 2);
    mockToken(api());
    escalationReads(2, "sla: breached");
    h.clock.set("2026-11-30T13:00:05Z");
    await h.runtime.scheduler.timers.drain();

    await teamReply(policy, 2, "2026-11-30T13:00:06Z");
    const comment = recorder();
    api()
      .post(`${issuePath(2)}/comments`, comment.match)
      .reply(201, { id: 90 });
    h.clock.set("2026-11-30T13:00:07Z");
    await h.tick();
    await h.tick();

    expect(commentPosts()).toEqual([`POST ${issuePath(2)}/comments`]);
    const body = String(comment.bodies[0]?.body);
    expect(body).toContain("<!-- support-sla:timer next_reply c1 breach r0 -->");
    expect(body).toContain("@acme/support");
    expect(await timerOf(h, 2, "next_reply")).toMatchObject({ state: "met", late: true });
    expect(await countQueuedComments(h.store)).toBe(0);
  });
});

describe("a queued comment whose lease another process took", () => {
  it("is not sent by the process that lost it, and is posted once by the one holding it", async () => {
    const policy = replyPolicy();
    usePolicy(h, policy);
    await awaitingReply(policy, 3);
    mockToken(api());
    escalationReads(3, "sla: breached");
    h.clock.set("2026-11-30T13:00:05Z");
    await h.runtime.scheduler.timers.drain();

    // This process claims the comment, then stalls past its lease; another process claims it.
    const claim = (owner: string) =>
      claimQueuedComments(h.store, { now: h.clock.now(), owner, leaseMs: COMMENT_LEASE_MS, limit: 10 });
    const [mine] = await claim("test-process");
    if (!mine) throw new Error("no comment queued");
    h.clock.set(new Date(h.clock.now() + COMMENT_LEASE_MS).toISOString());
    const [theirs] = await claim("other-process");
    if (!theirs) throw new Error("the expired lease was not taken over");

    await postQueuedComment(mine, processDeps("test-process"));
    expect(commentPosts()).toEqual([]);
    expect(h.logs.filter((l) => String(l.msg).includes("lease was lost"))).toEqual([
      expect.objectContaining({
        level: LEVEL.info,
        msg: "the queued comment's lease was lost before it was sent: whoever holds it now posts it",
        issue: `${REPO_KEY}#3`,
        transition: "breach",
      }),
    ]);
    // Nothing was sent, so nothing failed: no warn line, and the outbox keeps no trace of the try.
    expect(h.logs.filter((l) => Number(l.level) >= LEVEL.warn)).toEqual([]);
    expect(await getEffect(h.store, `${REPO_KEY}#3:next_reply:c1:breach:r0:comment`)).toBeUndefined();

    // The holder posts it, as a first try: no need to look for an earlier one among the comments.
    const comment = recorder();
    api()
      .post(`${issuePath(3)}/comments`, comment.match)
      .reply(201, { id: 91 });
    await postQueuedComment(theirs, processDeps("other-process"));
    h.clock.set(new Date(h.clock.now() + 10 * COMMENT_LEASE_MS).toISOString());
    await h.tick();

    expect(commentPosts()).toEqual([`POST ${issuePath(3)}/comments`]);
    expect(String(comment.bodies[0]?.body)).toContain("<!-- support-sla:timer next_reply c1 breach r0 -->");
    expect(await countQueuedComments(h.store)).toBe(0);
    expect((await getEffect(h.store, `${REPO_KEY}#3:next_reply:c1:breach:r0:comment`))?.status).toBe("done");
  });
});

describe("GitHub answering 502 to a queued comment", () => {
  it("warns with the attempt and nextAttemptAt, waits until then, and posts it once", async () => {
    const policy = replyPolicy();
    usePolicy(h, policy);
    await awaitingReply(policy, 4);
    mockToken(api());
    escalationReads(4, "sla: breached")
      .post(`${issuePath(4)}/comments`)
      .reply(502, { message: "Server Error" });
    h.clock.set("2026-11-30T13:00:05Z");
    await h.tick();

    // The breach is on record (label, state) although its comment failed.
    expect(await timerOf(h, 4, "next_reply")).toMatchObject({
      state: "breached",
      breachedAt: Date.parse("2026-11-30T13:00:05Z"),
    });
    expect(h.logs.filter((l) => l.msg === "escalation comment failed; will retry")).toEqual([
      expect.objectContaining({
        level: LEVEL.warn,
        issue: `${REPO_KEY}#4`,
        metric: "next_reply",
        transition: "breach",
        attempt: 1,
        nextAttemptAt: "2026-11-30T13:00:07.000Z",
        error: expect.objectContaining({ status: 502 }),
      }),
    ]);

    calls.length = 0;
    h.clock.set("2026-11-30T13:00:06.999Z");
    await h.tick();
    expect(calls).toEqual([]);

    const comment = recorder();
    api()
      .get(`${issuePath(4)}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${issuePath(4)}/comments`, comment.match)
      .reply(201, { id: 92 });
    h.clock.set("2026-11-30T13:00:07Z");
    await h.tick();
    await h.tick();

    expect(calls).toEqual([`GET ${issuePath(4)}/comments`, `POST ${issuePath(4)}/comments`]);
    expect(String(comment.bodies[0]?.body)).toContain("<!-- support-sla:timer next_reply c1 breach r0 -->");
    expect(await countQueuedComments(h.store)).toBe(0);
    expect(h.logs.filter((l) => l.msg === "escalation comment failed; will retry")).toHaveLength(1);
  });
});

describe("two issues of one installation due at once", () => {
  it("get both labels before either comment, and the most urgent issue's comment first", async () => {
    const policy = replyPolicy();
    usePolicy(h, policy);
    // #1 Normal, #2 Urgent: both replies due at 13:00 UTC.
    await awaitingReply(policy, 1, "normal");
    await awaitingReply(policy, 2, "urgent");
    mockToken(api());
    const comments = recorder();
    for (const n of [1, 2])
      escalationReads(n, "sla: breached")
        .post(`${issuePath(n)}/comments`, comments.match)
        .reply(201, { id: 100 + n });
    h.clock.set("2026-11-30T13:00:05Z");
    await h.tick();

    const writes = calls.filter((c) => c.startsWith("POST"));
    expect(writes.slice(0, 2).sort()).toEqual([`POST ${issuePath(1)}/labels`, `POST ${issuePath(2)}/labels`]);
    expect(writes.slice(2)).toEqual([`POST ${issuePath(2)}/comments`, `POST ${issuePath(1)}/comments`]);
    expect(comments.bodies.map((b) => String(b.body).includes("Urgent"))).toEqual([true, false]);
    expect((await timerOf(h, 1, "next_reply"))?.state).toBe("breached");
    expect((await timerOf(h, 2, "next_reply"))?.state).toBe("breached");
  });

  it("in a close-of-business burst larger than the installation's escalation slots, still label every issue before any comment", async () => {
    const policy = replyPolicy();
    usePolicy(h, policy);
    // One more Normal issue than an installation escalates at once, and one Urgent: two passes of
    // the timer loop, whose comments all wait until both passes labelled their issues.
    const normal = Array.from({ length: SCHEDULER_SLOTS_PER_INSTALLATION }, (_, i) => i + 1);
    const urgent = SCHEDULER_SLOTS_PER_INSTALLATION + 1;
    for (const n of normal) await awaitingReply(policy, n, "normal");
    await awaitingReply(policy, urgent, "urgent");
    mockToken(api());
    for (const n of [...normal, urgent])
      escalationReads(n, "sla: breached")
        .post(`${issuePath(n)}/comments`)
        .reply(201, { id: 100 + n });
    h.clock.set("2026-11-30T13:00:05Z");
    await h.tick();

    const writes = calls.filter((c) => c.startsWith("POST"));
    const issues = [...normal, urgent];
    expect(writes.slice(0, issues.length).sort()).toEqual(
      issues.map((n) => `POST ${issuePath(n)}/labels`).sort(),
    );
    expect(writes[issues.length]).toBe(`POST ${issuePath(urgent)}/comments`);
    expect(writes.slice(issues.length + 1).sort()).toEqual(
      normal.map((n) => `POST ${issuePath(n)}/comments`).sort(),
    );
  });
});

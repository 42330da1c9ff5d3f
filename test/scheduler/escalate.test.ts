import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { createNotifiers } from "../../src/notify/index.js";
import { countQueuedComments } from "../../src/store/comment-queue-store.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { getTimers } from "../../src/store/timer-store.js";
import { getEffect } from "../../src/store/tracking-store.js";
import {
  API,
  createHarness,
  type Harness,
  LEVEL,
  mockSetupReads,
  mockToken,
  recorder,
  shippedFormTexts,
} from "../helpers/harness.js";
import {
  commentPayload as commentOn,
  issuePayload,
  OWNER,
  REPO,
  type UserSpec,
} from "../helpers/payloads.js";
import { renderBody } from "../helpers/render-body.js";

const ISSUE = `/repos/${OWNER}/${REPO}/issues/1`;
const forms = shippedFormTexts();
const CONFIG = "escalation:\n  mention: ['@acme/support']\n";
const SLACK = "https://hooks.slack.test";
const PD = "https://events.pd.test";

function problemBody(priority = "Urgent"): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error("form");
  return renderBody(parsed.form, {
    priority,
    service: "checkout API",
    "what-happens": "503s",
    since: "today",
    impact: "No one can pay.",
  });
}

let h: Harness;
/** Every request made to a mock, and every one that found none (it would have gone out). */
let calls: string[];
const record = (req: { method?: string; path?: string }) =>
  calls.push(`${req.method} ${(req.path ?? "").split("?")[0]}`);
const onUnmatched = (req: { method?: string; path?: string }) => record(req);
/** A GitHub mock scope whose requests are recorded in `calls`. */
function api() {
  const scope = nock(API);
  scope.on("request", record);
  return scope;
}

beforeEach(async () => {
  h = await createHarness({
    captureLogs: true,
    notifiers: createNotifiers(
      {
        SLACK_WEBHOOK_URL: `${SLACK}/services/T/B/X`,
        PAGERDUTY_ROUTING_KEY: "KEY",
        PAGERDUTY_EVENTS_URL: `${PD}/v2/enqueue`,
      },
      { retry: { attempts: 1 } },
    ),
  });
  calls = [];
  nock.emitter.on("no match", onUnmatched);
});
afterEach(async () => {
  nock.emitter.removeListener("no match", onUnmatched);
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

/** Opens the urgent problem #1 at Fri 27 Nov 2026 16:30 Brussels: due Mon 30 Nov 09:30 CET (08:30 UTC). */
async function openUrgent() {
  mockToken(api());
  mockSetupReads(
    { forms, config: CONFIG, labels: ["type: problem", "priority: urgent", "sla: at risk", "sla: breached"] },
    api(),
  )
    .post(`${ISSUE}/labels`)
    .reply(200, [])
    .post(`${ISSUE}/comments`)
    .reply(201, { id: 10 });
  await h.receive("issues", issuePayload("opened", { body: problemBody(), labels: ["type: problem"] }));
  calls.length = 0;
}

const noComments = () => api().get(`${ISSUE}/comments`).query(true).reply(200, []);

describe("the scheduler", () => {
  it("makes no GitHub call while nothing is due", async () => {
    await openUrgent();
    h.clock.set("2026-11-30T08:00:00Z");
    await h.tick();
    expect(calls).toEqual([]);
  });

  it("warns at 80% of the target, then escalates the breach once with at most 4 GitHub calls", async () => {
    await openUrgent();
    const slack = recorder();
    const pd = recorder();
    nock(SLACK).post(/.*/, slack.match).times(2).reply(200, "ok");
    nock(PD).post("/v2/enqueue", pd.match).reply(202, { status: "success" });

    // 80% of one business hour: 30 min on Friday, 18 on Monday → Mon 09:18 CET.
    h.clock.set("2026-11-30T08:18:00Z");
    noComments();
    api()
      .post(`${ISSUE}/labels`, { labels: ["sla: at risk"] })
      .reply(200, []);
    await h.tick();
    expect((await getTrackedIssue(h.store, { repo: "acme/support", number: 1 }))?.state).toBe("at-risk");
    expect(calls).toEqual([
      "GET /repos/acme/support/issues/1/comments",
      "POST /repos/acme/support/issues/1/labels",
    ]);

    calls.length = 0;
    h.clock.set("2026-11-30T08:30:01Z");
    const comment = recorder();
    noComments();
    api()
      .post(`${ISSUE}/labels`, { labels: ["sla: breached"] })
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 11 })
      .delete(`${ISSUE}/labels/sla%3A%20at%20risk`)
      .reply(200, []);
    await h.tick();
    await h.tick(); // nothing left to do: no second escalation

    expect(calls.filter((c) => !c.startsWith("POST /v2") && !c.startsWith("POST /services"))).toHaveLength(4);
    const text = String(comment.bodies[0]?.body);
    expect(text).toContain("<!-- support-sla:breach cycle=1 -->");
    expect(text).toContain("@acme/support");
    expect(text).toContain("**Mon 30 Nov 2026, 09:30 CET**");
    expect(slack.bodies).toHaveLength(2);
    expect(JSON.stringify(slack.bodies[1])).toMatch(/breach/i);
    expect(pd.bodies).toEqual([
      expect.objectContaining({ event_action: "trigger", dedup_key: "support-sla:acme/support#1:cycle-1" }),
    ]);
    const row = await getTrackedIssue(h.store, { repo: "acme/support", number: 1 });
    expect(row).toMatchObject({
      state: "breached",
      next_due_at: null,
      breached_at: Date.parse("2026-11-30T08:30:01Z"),
      paged_cycle: 1,
    });
    // Today's outbox keys: a store upgraded in the middle of an escalation never doubles an effect.
    for (const name of [
      "at-risk-label",
      "at-risk-slack",
      "breached-label",
      "breach-comment",
      "breach-slack",
      "page",
      "at-risk-unlabel",
    ])
      expect((await getEffect(h.store, `acme/support#1:c1:${name}`))?.status, name).toBe("done");
    expect(
      h.logs
        .filter((l) => l.msg === "at-risk warning sent" || l.msg === "breach escalated")
        .map((l) => ({
          level: l.level,
          msg: l.msg,
          issue: l.issue,
          transition: l.transition,
          lateMs: l.lateMs,
        })),
    ).toEqual([
      {
        level: LEVEL.info,
        msg: "at-risk warning sent",
        issue: "acme/support#1",
        transition: "at-risk",
        lateMs: 0,
      },
      {
        level: LEVEL.info,
        msg: "breach escalated",
        issue: "acme/support#1",
        transition: "breach",
        lateMs: 1_000,
      },
    ]);
  });

  it("a team reply before the deadline meets it: no warning, no escalation, no call at the deadline", async () => {
    await openUrgent();
    await h.receive(
      "issue_comment",
      commentPayload({ login: "engineer-erik" }, "MEMBER", "2026-11-30T08:05:00Z"),
    );
    const row = await getTrackedIssue(h.store, { repo: "acme/support", number: 1 });
    expect(row).toMatchObject({ state: "met", first_response_by: "engineer-erik", next_due_at: null });
    // Business time from Fri 16:30 to Mon 09:05: 30 + 5 minutes.
    expect(row?.first_response_business_ms).toBe(35 * 60_000);
    h.clock.set("2026-11-30T09:00:00Z");
    await h.tick();
    expect(calls).toEqual([]);
  });

  it("replies by the author, a bot or a non-member never stop the clock", async () => {
    await openUrgent();
    await h.receive(
      "issue_comment",
      commentPayload({ login: "customer-carla" }, "OWNER", "2026-11-30T08:01:00Z"),
    );
    await h.receive(
      "issue_comment",
      commentPayload({ login: "ci[bot]", type: "Bot" }, "NONE", "2026-11-30T08:02:00Z"),
    );
    await h.receive("issue_comment", commentPayload({ login: "passer-by" }, "NONE", "2026-11-30T08:03:00Z"));
    expect((await getTrackedIssue(h.store, { repo: "acme/support", number: 1 }))?.state).toBe("pending");
  });

  it("a reply whose webhook was lost is found when re-reading the comments: met, nothing escalated", async () => {
    await openUrgent();
    h.clock.set("2026-11-30T08:30:00Z");
    api()
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(200, [
        {
          id: 5,
          body: "On it",
          created_at: "2026-11-30T08:10:00Z",
          user: { login: "engineer-erik", type: "User" },
          author_association: "MEMBER",
        },
      ]);
    await h.tick();
    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 1 })).toMatchObject({
      state: "met",
      first_response_at: Date.parse("2026-11-30T08:10:00Z"),
    });
  });

  it("a crash between the breach comment and its commit never posts it twice", async () => {
    await h.close();
    let crash = true;
    h = await createHarness({
      failpoint: (name) => {
        if (crash && name === "after-breach-comment") throw new Error("killed");
      },
    });
    await openUrgent();
    h.clock.set("2026-11-30T08:31:00Z");
    noComments();
    api().post(`${ISSUE}/labels`).reply(200, []).post(`${ISSUE}/comments`).reply(201, { id: 12 });
    await h.tick();
    // The breach and its labels were recorded before the comment went out; the comment stays queued.
    expect((await getTrackedIssue(h.store, { repo: "acme/support", number: 1 }))?.state).toBe("breached");
    expect(await countQueuedComments(h.store)).toBe(1);

    crash = false;
    h.clock.set("2026-11-30T08:33:00Z"); // the dead attempt's lease has expired
    api().get("/app").reply(200, { id: 1, slug: "support-sla" }); // whose comment is ours: GET /app
    api()
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(200, [
        {
          id: 12,
          body: "<!-- support-sla:breach cycle=1 -->\n...",
          created_at: "2026-11-30T08:31:00Z",
          user: { login: "support-sla[bot]", type: "Bot" },
          author_association: "NONE",
        },
      ]);
    await h.tick();
    expect(calls.filter((c) => c === "POST /repos/acme/support/issues/1/comments")).toHaveLength(1);
    expect(calls.filter((c) => c === "POST /repos/acme/support/issues/1/labels")).toHaveLength(1);
    expect(await countQueuedComments(h.store)).toBe(0);
  });

  it("an issue closed before any reply is cancelled and never escalated", async () => {
    await openUrgent();
    const closed = issuePayload("opened", { body: problemBody(), labels: ["type: problem"] });
    closed.action = "closed";
    closed.issue.state = "closed";
    closed.issue.closed_at = "2026-11-27T16:00:00Z";
    await h.receive("issues", closed);
    expect((await getTrackedIssue(h.store, { repo: "acme/support", number: 1 }))?.state).toBe("cancelled");
    h.clock.set("2026-12-01T08:00:00Z");
    await h.tick();
    expect(calls).toEqual([]);
  });

  it("a priority raised after the new target has passed escalates at once", async () => {
    mockToken(api());
    mockSetupReads(
      {
        forms,
        config: CONFIG,
        labels: ["type: problem", "priority: normal", "priority: urgent", "sla: breached"],
      },
      api(),
    )
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 10 });
    await h.receive(
      "issues",
      issuePayload("opened", { body: problemBody("Normal"), labels: ["type: problem"] }),
    );
    h.clock.set("2026-11-30T10:00:00Z"); // an urgent target (Mon 09:30 CET) has passed; a normal one has not
    api()
      .delete(`${ISSUE}/labels/priority%3A%20normal`)
      .reply(200, [])
      .patch("/repos/acme/support/issues/comments/10")
      .reply(200, {});
    await h.receive(
      "issues",
      issuePayload(
        "labeled",
        { body: problemBody("Normal"), labels: ["type: problem", "priority: normal", "priority: urgent"] },
        { sender: { login: "engineer-erik" }, label: "priority: urgent" },
      ),
    );
    // The first-response timer is due at once (the scheduler claims timers, not the tracked row).
    const timers = await getTimers(h.store, { repo: "acme/support", number: 1 });
    expect(timers.find((t) => t.metric === "first_response")?.nextDueAt).toBe(
      Date.parse("2026-11-30T10:00:00Z"),
    );
    const pd = recorder();
    nock(SLACK).post(/.*/).reply(200, "ok");
    nock(PD).post("/v2/enqueue", pd.match).reply(202, {});
    noComments();
    api()
      .post(`${ISSUE}/labels`, { labels: ["sla: breached"] })
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 13 });
    await h.tick();
    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 1 })).toMatchObject({
      state: "breached",
      priority: "urgent",
    });
    expect(pd.bodies).toHaveLength(1);
  });

  it("a team member's priority label re-plans the deadline from the creation time", async () => {
    await openUrgent();
    h.clock.set("2026-11-30T08:20:00Z");
    // Normal → close of business Mon 30 Nov; nothing due yet at 09:20 CET.
    api()
      .delete(`${ISSUE}/labels/priority%3A%20urgent`)
      .reply(200, [])
      .patch("/repos/acme/support/issues/comments/10")
      .reply(200, {});
    await h.receive(
      "issues",
      issuePayload(
        "labeled",
        { body: problemBody(), labels: ["type: problem", "priority: urgent", "priority: normal"] },
        { sender: { login: "engineer-erik" }, label: "priority: normal" },
      ),
    );
    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 1 })).toMatchObject({
      priority: "normal",
      deadline_at: Date.parse("2026-11-30T16:00:00Z"),
      state: "pending",
    });
  });
});

function commentPayload(user: UserSpec, association: string, at: string) {
  return commentOn(
    issuePayload("opened", { body: problemBody(), labels: ["type: problem"] }),
    user,
    association,
    at,
  );
}

describe("Production down and PagerDuty", () => {
  it("pages at intake, the first team reply acknowledges, closing resolves: one incident", async () => {
    const pd = recorder();
    nock(PD).post("/v2/enqueue", pd.match).times(3).reply(202, { status: "success" });
    nock(SLACK).post(/.*/).reply(200, "ok"); // the page notice
    mockToken(api());
    mockSetupReads({ forms, config: CONFIG, labels: ["type: problem", "priority: production down"] }, api())
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 10 });
    await h.receive(
      "issues",
      issuePayload("opened", { body: problemBody("Production down"), labels: ["type: problem"] }),
    );
    // The reply resets the update interval and the close stops it: the intake comment follows (issue 12).
    api().patch("/repos/acme/support/issues/comments/10").times(2).reply(200, { id: 10 });
    await h.receive(
      "issue_comment",
      commentPayload({ login: "engineer-erik" }, "MEMBER", "2026-11-27T15:40:00Z"),
    );
    const closed = issuePayload("opened", {
      body: problemBody("Production down"),
      labels: ["type: problem"],
    });
    closed.action = "closed";
    closed.issue.closed_at = "2026-11-27T17:00:00Z";
    api().post(`${ISSUE}/comments`).reply(201, { id: 11 }); // the post-mortem question
    await h.receive("issues", closed);

    expect(pd.bodies.map((b) => [b.event_action, b.dedup_key])).toEqual([
      ["trigger", "support-sla:acme/support#1:cycle-1"],
      ["acknowledge", "support-sla:acme/support#1:cycle-1"],
      ["resolve", "support-sla:acme/support#1:cycle-1"],
    ]);
    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 1 })).toMatchObject({
      state: "met",
      paged_cycle: null,
    });
  });
});

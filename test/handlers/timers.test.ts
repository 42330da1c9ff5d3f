import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import type { Metric } from "../../src/domain/timers/timer.js";
import { createNotifiers } from "../../src/notify/index.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { getTimers, saveTimers } from "../../src/store/timer-store.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  recorder,
  shippedFormTexts,
} from "../helpers/harness.js";
import { commentPayload, issuePayload, type UserSpec } from "../helpers/payloads.js";
import { renderBody } from "../helpers/render-body.js";

/*
 * The handlers on the issue's timers (issue 12): next reply, the waiting pause, resolution across
 * a close and a reopening, and the update interval, through the inbox as GitHub delivers them.
 * The issue is opened on Monday 30 November 2026 at 09:00 in Brussels (08:00 UTC).
 */

const ISSUE = "/repos/acme/support/issues/1";
const KEY = { repo: "acme/support", number: 1 };
const forms = shippedFormTexts();
const OPENED = "2026-11-30T08:00:00Z";
const WAITING = "status: waiting for customer";
const WAITING_PATH = `${ISSUE}/labels/${encodeURIComponent(WAITING)}`;
const TEAM: UserSpec = { login: "engineer-erik" };
const CUSTOMER: UserSpec = { login: "customer-carla" };
const URGENT_TIMED = "priorities:\n  urgent: { next_reply: 4h, resolution: 40h }\n";

function problem(priority: string): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return renderBody(parsed.form, {
    priority,
    service: "checkout API",
    "what-happens": "Every request returns HTTP 503.",
    since: "today",
    impact: "No customer can pay.",
  });
}

let h: Harness;
/** GitHub requests no mock answered. */
let unmatched: string[];
const onUnmatched = (req: { method?: string; path?: string }) =>
  unmatched.push(`${req.method} ${(req.path ?? "").split("?")[0]}`);

beforeEach(async () => {
  h = await createHarness({ now: "2026-11-30T08:00:30Z" });
  unmatched = [];
  nock.emitter.on("no match", onUnmatched);
});
afterEach(async () => {
  nock.emitter.removeListener("no match", onUnmatched);
  await h.close();
  expect(unmatched).toEqual([]);
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

const opened = (priority: string) =>
  issuePayload("opened", { body: problem(priority), labels: ["type: problem"], created_at: OPENED });

/** Opens the issue at Monday 09:00; returns the intake comment's text. */
async function open(priority: "Urgent" | "Production down", config = URGENT_TIMED): Promise<string> {
  const comment = recorder();
  mockToken();
  mockSetupReads({
    forms,
    config,
    labels: ["type: problem", priority === "Urgent" ? "priority: urgent" : "priority: production down"],
  })
    .post(`${ISSUE}/labels`)
    .reply(200, [])
    .post(`${ISSUE}/comments`, comment.match)
    .reply(201, { id: 501 });
  await h.receive("issues", opened(priority));
  return String(comment.bodies[0]?.body);
}

/** A comment on the issue at `at` (ISO, UTC), as delivered; `id` names the delivery. */
async function comment(user: UserSpec, at: string, priority = "Urgent", id?: string) {
  const association = user === TEAM ? "MEMBER" : "NONE";
  const payload = commentPayload(opened(priority), user, association, at);
  payload.comment.id = Date.parse(at) / 1000;
  h.clock.set(at);
  await h.receive("issue_comment", payload, id);
}

/** The waiting label added or removed at `at` by `sender`. */
async function waiting(action: "labeled" | "unlabeled", at: string, sender: UserSpec = TEAM) {
  const payload = issuePayload(
    "labeled",
    { body: problem("Urgent"), labels: ["type: problem", "priority: urgent"], created_at: OPENED },
    { sender, label: WAITING },
  );
  payload.action = action;
  payload.issue.updated_at = at;
  h.clock.set(at);
  await h.receive("issues", payload);
}

async function timer(metric: Metric) {
  return (await getTimers(h.store, KEY)).find((t) => t.metric === metric);
}

const ms = (iso: string) => Date.parse(iso);

describe("next reply", () => {
  it("starts at the customer's first comment after the team's reply and is met by the next team reply", async () => {
    await open("Urgent");
    await comment(TEAM, "2026-11-30T08:20:00Z");
    expect(await timer("first_response")).toMatchObject({ state: "met", metBy: "engineer-erik" });
    expect(await timer("next_reply")).toBeUndefined();

    await comment(CUSTOMER, "2026-11-30T10:00:00Z");
    await comment(CUSTOMER, "2026-11-30T11:00:00Z"); // still counting from the first one
    expect(await timer("next_reply")).toMatchObject({
      cycle: 1,
      state: "pending",
      startedAt: ms("2026-11-30T10:00:00Z"),
      // 4 business hours from 11:00 CET.
      deadlineAt: ms("2026-11-30T14:00:00Z"),
    });

    // 80 % of the target: the scheduler warns with the at-risk label.
    const added = recorder();
    nock(API)
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${ISSUE}/labels`, added.match)
      .reply(200, []);
    h.clock.set("2026-11-30T13:12:00Z");
    await h.tick();
    expect(added.bodies).toEqual([{ labels: ["sla: at risk"] }]);
    expect((await timer("next_reply"))?.state).toBe("at-risk");

    // The team's reply meets it and takes the label off.
    const removed = nock(API)
      .delete(`${ISSUE}/labels/${encodeURIComponent("sla: at risk")}`)
      .reply(200, []);
    await comment(TEAM, "2026-11-30T13:30:00Z");
    expect(removed.isDone()).toBe(true);
    expect(await timer("next_reply")).toMatchObject({
      state: "met",
      metBy: "engineer-erik",
      countedMs: 3.5 * 3_600_000,
      late: false,
      nextDueAt: null,
    });

    // The next customer comment starts the next cycle.
    await comment(CUSTOMER, "2026-11-30T15:00:00Z");
    expect(await timer("next_reply")).toMatchObject({ cycle: 2, startedAt: ms("2026-11-30T15:00:00Z") });
  });
});

describe("the waiting label", () => {
  it("added and removed twice by a team member pauses the resolution twice; a bot's label events change nothing", async () => {
    await open("Urgent");
    await waiting("labeled", "2026-11-30T09:00:00Z");
    expect(await timer("resolution")).toMatchObject({
      state: "pending",
      pauses: [{ start: ms("2026-11-30T09:00:00Z"), end: null }],
      deadlineAt: null,
      nextDueAt: null,
    });
    await waiting("unlabeled", "2026-11-30T10:00:00Z", { login: "support-sla[bot]", type: "Bot" });
    expect((await timer("resolution"))?.pauses).toEqual([{ start: ms("2026-11-30T09:00:00Z"), end: null }]);

    await waiting("unlabeled", "2026-11-30T11:00:00Z");
    await waiting("labeled", "2026-12-01T13:00:00Z");
    await waiting("unlabeled", "2026-12-01T14:00:00Z");
    const resolution = await timer("resolution");
    expect(resolution?.pauses).toEqual([
      { start: ms("2026-11-30T09:00:00Z"), end: ms("2026-11-30T11:00:00Z") },
      { start: ms("2026-12-01T13:00:00Z"), end: ms("2026-12-01T14:00:00Z") },
    ]);
    // 40 business hours from Monday 09:00 end Friday 17:00; three paused hours move it to Monday 12:00.
    expect(resolution?.deadlineAt).toBe(ms("2026-12-07T11:00:00Z"));
    expect((await timer("first_response"))?.pauses).toEqual([]);
  });

  it("a customer's comment lifts the pause: the app takes the label off and the resolution resumes, once", async () => {
    await open("Urgent");
    await comment(TEAM, "2026-11-30T08:20:00Z");
    await waiting("labeled", "2026-11-30T09:00:00Z");

    const removed = nock(API).delete(WAITING_PATH).reply(200, []);
    await comment(CUSTOMER, "2026-11-30T13:00:00Z", "Urgent", "customer-answer");
    expect(removed.isDone()).toBe(true);
    const resolution = await timer("resolution");
    expect(resolution?.pauses).toEqual([
      { start: ms("2026-11-30T09:00:00Z"), end: ms("2026-11-30T13:00:00Z") },
    ]);
    // Four paused hours: Friday 17:00 becomes Monday 13:00.
    expect(resolution?.deadlineAt).toBe(ms("2026-12-07T12:00:00Z"));

    // GitHub tells of the app's own removal; the comment is delivered again: nothing more.
    await waiting("unlabeled", "2026-11-30T13:00:01Z", { login: "support-sla[bot]", type: "Bot" });
    await comment(CUSTOMER, "2026-11-30T13:00:00Z", "Urgent", "customer-answer-again");
    expect((await timer("resolution"))?.pauses).toEqual(resolution?.pauses);
  });
});

describe("resolution", () => {
  it("is met by the close and resumed by the reopening, the closed time left out", async () => {
    await open("Urgent");
    const closed = opened("Urgent");
    closed.action = "closed";
    closed.issue.state = "closed";
    closed.issue.closed_at = "2026-11-30T09:00:00Z";
    closed.issue.updated_at = "2026-11-30T09:00:00Z";
    h.clock.set("2026-11-30T09:00:05Z");
    await h.receive("issues", closed);
    expect(await timer("resolution")).toMatchObject({
      state: "met",
      metAt: ms("2026-11-30T09:00:00Z"),
      countedMs: 3_600_000,
      late: false,
    });
    expect((await getTrackedIssue(h.store, KEY))?.state).toBe("cancelled"); // closed before any reply

    const reopened = issuePayload("reopened", {
      body: problem("Urgent"),
      labels: ["type: problem", "priority: urgent"],
      created_at: OPENED,
    });
    reopened.issue.updated_at = "2026-11-30T11:00:00Z";
    const edited = recorder();
    nock(API).patch("/repos/acme/support/issues/comments/501", edited.match).reply(200, { id: 501 });
    h.clock.set("2026-11-30T11:00:05Z");
    await h.receive("issues", reopened);

    const resolution = await timer("resolution");
    expect(resolution).toMatchObject({ cycle: 1, state: "pending", metAt: null });
    expect(resolution?.pauses).toEqual([
      { start: ms("2026-11-30T09:00:00Z"), end: ms("2026-11-30T11:00:00Z") },
    ]);
    // Two closed hours left out: Friday 17:00 becomes Monday 11:00.
    expect(resolution?.deadlineAt).toBe(ms("2026-12-07T10:00:00Z"));
    // The first response restarts (no reply yet): the intake comment promises the new deadline.
    expect(await timer("first_response")).toMatchObject({ cycle: 2, startedAt: ms("2026-11-30T11:00:00Z") });
    expect(String(edited.bodies[0]?.body)).toContain("**Mon 30 Nov 2026, 13:00 CET**");
    expect((await getTrackedIssue(h.store, KEY))?.closed_at).toBeNull();
  });
});

describe("the update interval", () => {
  it("is reset by a team comment, and the intake comment says when the next update is due", async () => {
    const intake = await open("Production down", "");
    expect(intake).toContain("Next update by **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC).");

    const edited = recorder();
    nock(API).patch("/repos/acme/support/issues/comments/501", edited.match).reply(200, { id: 501 });
    await comment(TEAM, "2026-11-30T08:20:00Z", "Production down", "update-1");
    expect(await timer("updates")).toMatchObject({
      cycle: 2,
      state: "pending",
      startedAt: ms("2026-11-30T08:20:00Z"),
      deadlineAt: ms("2026-11-30T08:50:00Z"),
    });
    expect(String(edited.bodies[0]?.body)).toContain("Next update by **Mon 30 Nov 2026, 09:50 CET**");

    // The same comment delivered again: no new interval, no edit.
    await comment(TEAM, "2026-11-30T08:20:00Z", "Production down", "update-1-again");
    expect((await timer("updates"))?.cycle).toBe(2);

    // A customer comment does not reset it.
    await comment(CUSTOMER, "2026-11-30T08:25:00Z", "Production down");
    expect((await timer("updates"))?.cycle).toBe(2);
  });
});

describe("/sla explain", () => {
  it("shows every running timer, the waiting pause among them", async () => {
    await open("Urgent");
    await waiting("labeled", "2026-11-30T09:00:00Z");
    const replies: string[] = [];
    nock(API)
      .post(`${ISSUE}/comments`, (b) => {
        replies.push(b.body);
        return true;
      })
      .reply(201, { id: 2 });
    const payload = commentPayload(opened("Urgent"), TEAM, "MEMBER", "2026-11-30T10:00:00Z", "/sla explain");
    h.clock.set("2026-11-30T10:00:00Z");
    await h.receive("issue_comment", payload);

    expect(replies).toHaveLength(1);
    const text = replies[0] ?? "";
    expect(text).toContain("**Running timers**");
    expect(text).toMatch(/- First response \(cycle 1, business clock\): pending;/);
    expect(text).toMatch(/- Resolution \(cycle 1, business clock\): pending, paused; 1 h of 40 h counted/);
    expect(text).toContain("Mon 30 Nov 2026, 10:00 CET → still paused");
    expect(text).not.toContain("Pauses: none (the clock does not pause");
    // A command, not a reply: the first response is still unanswered.
    expect((await timer("first_response"))?.metAt).toBeNull();
  });
});

describe("an on-call page", () => {
  it("is acknowledged by the first team reply and resolved by the close, each once", async () => {
    await h.close();
    h = await createHarness({
      now: "2026-11-30T08:00:30Z",
      notifiers: createNotifiers({
        PAGERDUTY_ROUTING_KEY: "R0UTINGKEY",
        PAGERDUTY_EVENTS_URL: "https://events.pd.test/v2/enqueue",
      }),
    });
    const pages = recorder();
    nock("https://events.pd.test")
      .post("/v2/enqueue", pages.match)
      .times(3)
      .reply(202, { status: "success" });
    await open("Production down", "");

    // Each reply resets the update interval, and the close stops it: the intake comment follows.
    nock(API).patch("/repos/acme/support/issues/comments/501").times(3).reply(200, { id: 501 });
    await comment(TEAM, "2026-11-30T08:10:00Z", "Production down");
    await comment(TEAM, "2026-11-30T08:15:00Z", "Production down");
    const closed = opened("Production down");
    closed.action = "closed";
    closed.issue.state = "closed";
    closed.issue.closed_at = "2026-11-30T08:20:00Z";
    closed.issue.updated_at = "2026-11-30T08:20:00Z";
    nock(API).post(`${ISSUE}/comments`).reply(201, { id: 600 }); // the post-mortem question
    h.clock.set("2026-11-30T08:20:05Z");
    await h.receive("issues", closed);
    await h.receive("issues", closed);

    expect(pages.bodies.map((b) => b.event_action)).toEqual(["trigger", "acknowledge", "resolve"]);
    expect(new Set(pages.bodies.map((b) => b.dedup_key))).toEqual(
      new Set(["support-sla:acme/support#1:cycle-1"]),
    );
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({ state: "met", paged_cycle: null });
    expect(await timer("updates")).toMatchObject({ cycle: 3, state: "cancelled" });
  });

  it("is acknowledged once when the reply meets several timers that each know of the incident", async () => {
    await h.close();
    h = await createHarness({
      now: "2026-11-30T08:00:30Z",
      notifiers: createNotifiers({
        PAGERDUTY_ROUTING_KEY: "R0UTINGKEY",
        PAGERDUTY_EVENTS_URL: "https://events.pd.test/v2/enqueue",
      }),
    });
    const pages = recorder();
    nock("https://events.pd.test")
      .post("/v2/enqueue", pages.match)
      .times(2)
      .reply(202, { status: "success" });
    await open("Production down", "");
    // The update interval fired a level while the issue was paged: it records the incident too.
    await saveTimers(h.store, KEY, [{ kind: "update", metric: "updates", cycle: 1, patch: { paged: true } }]);
    nock(API).patch("/repos/acme/support/issues/comments/501").reply(200, { id: 501 });
    await comment(TEAM, "2026-11-30T08:10:00Z", "Production down");

    expect(pages.bodies.map((b) => b.event_action)).toEqual(["trigger", "acknowledge"]);
    expect(await timer("first_response")).toMatchObject({ state: "met" });
    expect(await timer("updates")).toMatchObject({ cycle: 2 });
  });
});

import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { createNotifiers } from "../../src/notify/index.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { getEffect } from "../../src/store/tracking-store.js";
import {
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  recorder,
  shippedFormTexts,
} from "../helpers/harness.js";
import { commentPayload, issuePayload, OWNER, REPO } from "../helpers/payloads.js";
import { renderBody } from "../helpers/render-body.js";

/**
 * Issue 10, kinds 1-2, through the handlers: a page (and its acknowledgement) that PagerDuty
 * refuses is not recorded, not claimed to the customer, and is completed by the retried delivery.
 */

const ISSUE = `/repos/${OWNER}/${REPO}/issues/1`;
const forms = shippedFormTexts();
const SLACK = "https://hooks.slack.test";
const PD = "https://events.pd.test";
const KEY = { repo: "acme/support", number: 1 };

function productionDownBody(): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error("form");
  return renderBody(parsed.form, {
    priority: "Production down",
    service: "checkout API",
    "what-happens": "503s",
    since: "today",
    impact: "No one can pay.",
  });
}

let h: Harness;
beforeEach(async () => {
  h = await createHarness({
    captureLogs: true,
    notifiers: createNotifiers({
      SLACK_WEBHOOK_URL: `${SLACK}/services/T/B/X`,
      PAGERDUTY_ROUTING_KEY: "KEY",
      PAGERDUTY_EVENTS_URL: `${PD}/v2/enqueue`,
    }),
  });
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});

/** Runs the inbox again once the failed delivery's backoff (and any Retry-After) has passed. */
async function retryDeliveries(afterMs: number): Promise<void> {
  h.clock.set(new Date(h.clock.now() + afterMs).toISOString());
  await h.runtime.inbox.drain();
}

describe("a page refused at intake", () => {
  it("is not recorded, not claimed in the intake comment, and is sent by the retried delivery: one incident", async () => {
    const comments = recorder();
    const pd = recorder();
    nock(PD)
      .post("/v2/enqueue", pd.match)
      .reply(429, { status: "throttle event" }, { "retry-after": "30" })
      .post("/v2/enqueue", pd.match)
      .reply(202, { status: "success" });
    const slack = recorder();
    nock(SLACK).post(/.*/, slack.match).reply(200, "ok");
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: production down"] })
      .post(`${ISSUE}/labels`)
      .times(2)
      .reply(200, [])
      .post(`${ISSUE}/comments`, comments.match)
      .reply(201, { id: 10 })
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/10`, comments.match)
      .reply(200, { id: 10 });

    await h.receive(
      "issues",
      issuePayload("opened", { body: productionDownBody(), labels: ["type: problem"] }),
    );
    expect(pd.bodies).toHaveLength(1);
    expect(String(comments.bodies[0]?.body)).not.toMatch(/being paged/);
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({ paged_cycle: null });
    expect((await getEffect(h.store, "acme/support#1:c1:page"))?.status).toBe("retry");
    expect(slack.bodies, "no 'On-call paged' in Slack before the page landed").toEqual([]);
    const warn = h.logs.find((l) => l.level === 40 && l.channel === "pagerduty");
    expect(warn).toMatchObject({ issue: "acme/support#1", status: 429, retryAfterMs: 30_000 });

    // Not before Retry-After: the delivery waits in the store.
    await retryDeliveries(10_000);
    expect(pd.bodies).toHaveLength(1);
    await retryDeliveries(25_000);

    expect(pd.bodies.map((b) => b.event_action)).toEqual(["trigger", "trigger"]);
    expect(String(comments.bodies[1]?.body)).toMatch(/being paged now/);
    expect(slack.bodies).toHaveLength(1);
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({ paged_cycle: 1 });
    expect((await getEffect(h.store, "acme/support#1:c1:page"))?.status).toBe("done");
  });
});

describe("an acknowledgement refused", () => {
  it("is retried with the reply's delivery until PagerDuty accepts it", async () => {
    const pd = recorder();
    nock(PD)
      .post("/v2/enqueue", pd.match)
      .reply(202, { status: "success" })
      .post("/v2/enqueue", pd.match)
      .reply(503, "unavailable")
      .post("/v2/enqueue", pd.match)
      .reply(202, { status: "success" });
    nock(SLACK).post(/.*/).reply(200, "ok");
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: production down"] })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 10 })
      // The team reply restarts the update interval: the intake comment's "Next update by" changes.
      .patch("/repos/acme/support/issues/comments/10")
      .reply(200, { id: 10 });
    const opened = issuePayload("opened", { body: productionDownBody(), labels: ["type: problem"] });
    await h.receive("issues", opened);
    await h.receive(
      "issue_comment",
      commentPayload(opened, { login: "engineer-erik" }, "MEMBER", "2026-11-27T15:40:00Z"),
    );
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({ state: "pending", paged_cycle: 1 });
    await retryDeliveries(5_000);
    expect(pd.bodies.map((b) => b.event_action)).toEqual(["trigger", "acknowledge", "acknowledge"]);
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({ state: "met" });
  });
});

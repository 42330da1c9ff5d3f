import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  recorder,
  shippedFormTexts,
} from "../helpers/harness.js";
import { issuePayload, OWNER, REPO } from "../helpers/payloads.js";
import { renderBody } from "../helpers/render-body.js";

/**
 * Issue 10, kind 4: an issue event older than what has been applied never overwrites newer state.
 * GitHub's `updated_at` of the payload's issue is compared with the newest one applied.
 */

const ISSUE = `/repos/${OWNER}/${REPO}/issues/1`;
const KEY = { repo: "acme/support", number: 1 };
const forms = shippedFormTexts();
const LABELS = ["type: problem", "priority: urgent", "intake: incomplete"];

function problem(answers: Record<string, string> = {}): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error("form");
  return renderBody(parsed.form, {
    priority: "Urgent",
    service: "checkout API",
    "what-happens": "503s",
    since: "today",
    impact: "No one can pay.",
    ...answers,
  });
}

/** An `issues` payload whose issue was last updated at `updatedAt` (ISO). */
function event(action: "opened" | "edited", body: string, updatedAt: string) {
  const payload = issuePayload(action, {
    body,
    labels: ["type: problem"],
    created_at: "2026-11-27T15:30:00Z",
  });
  payload.issue.updated_at = updatedAt;
  return payload;
}

let h: Harness;
/** GitHub requests no mock answered (they would have gone out). */
let unmatched: string[];
const onUnmatched = (req: { method?: string; path?: string }) =>
  unmatched.push(`${req.method} ${(req.path ?? "").split("?")[0]}`);

beforeEach(async () => {
  h = await createHarness();
  unmatched = [];
  nock.emitter.on("no match", onUnmatched);
});
afterEach(async () => {
  nock.emitter.removeListener("no match", onUnmatched);
  await h.close();
  nock.cleanAll();
});

/**
 * The customer opens an incomplete issue at 15:30; the first attempt of `opened` meets a GitHub
 * error (labels: 502) and waits for its retry; the customer fixes the body (`edited`, applied).
 * Returns what GitHub receives from then on.
 */
async function openFailThenFix(editedAt: string) {
  mockToken();
  mockSetupReads({ forms, labels: LABELS }).post(`${ISSUE}/labels`).reply(502, { message: "Bad Gateway" });
  await h.receive("issues", event("opened", problem({ service: "", impact: "" }), "2026-11-27T15:30:00Z"));
  expect(unmatched).toEqual([]);

  const fixed = recorder();
  nock(API)
    .post(`${ISSUE}/labels`, fixed.match)
    .reply(200, [])
    .get(`${ISSUE}/comments`)
    .query(true)
    .reply(200, [])
    .post(`${ISSUE}/comments`)
    .reply(201, { id: 77 });
  await h.receive("issues", event("edited", problem(), editedAt));
  expect(fixed.bodies).toEqual([{ labels: ["priority: urgent"] }]);
  expect((await getTrackedIssue(h.store, KEY))?.intake).toBe("valid");

  // What the retried `opened` would write, were it applied.
  const labels = recorder();
  const comments = recorder();
  nock(API)
    .post(`${ISSUE}/labels`, labels.match)
    .optionally()
    .reply(200, [])
    .patch(/\/issues\/comments\/77$/, comments.match)
    .optionally()
    .reply(200, { id: 77 });
  return { labels, comments };
}

describe("a failed delivery retried after a newer one was applied", () => {
  it("an `opened` older than the applied `edited` does not flip a fixed issue back to incomplete", async () => {
    const { labels, comments } = await openFailThenFix("2026-11-27T15:41:07Z");
    h.clock.set("2026-11-27T15:45:00Z"); // the retry is due
    await h.runtime.inbox.drain();

    expect(labels.bodies).toEqual([]);
    expect(comments.bodies).toEqual([]);
    expect(unmatched).toEqual([]);
    expect((await getTrackedIssue(h.store, KEY))?.intake).toBe("valid");
    const inbox = await h.store.db.selectFrom("inbox").select(["done_at", "attempts"]).execute();
    expect(inbox.every((r) => r.done_at !== null)).toBe(true); // done, not retried for ever
  });

  it("within the same second (GitHub counts whole seconds) the retry applies the issue as GitHub has it now", async () => {
    const { labels, comments } = await openFailThenFix("2026-11-27T15:30:00Z");
    const fresh = event("edited", problem(), "2026-11-27T15:30:00Z").issue;
    fresh.labels = [
      { id: 1, name: "type: problem", color: "ededed", default: false, description: "" },
      { id: 2, name: "priority: urgent", color: "ededed", default: false, description: "" },
    ];
    const read = nock(API).get(ISSUE).reply(200, fresh);
    h.clock.set("2026-11-27T15:45:00Z");
    await h.runtime.inbox.drain();

    expect(read.isDone()).toBe(true);
    expect(labels.bodies.flatMap((b) => b.labels as string[])).not.toContain("intake: incomplete");
    expect(comments.bodies).toEqual([]); // same verdict, same comment: nothing to edit
    expect(unmatched).toEqual([]);
    expect((await getTrackedIssue(h.store, KEY))?.intake).toBe("valid");
  });
});

describe("deliveries out of order", () => {
  it("a `closed` older than an applied edit does not cancel the clock", async () => {
    mockToken();
    mockSetupReads({ forms, labels: LABELS })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 5 });
    await h.receive("issues", event("opened", problem(), "2026-11-27T15:30:00Z"));
    // The issue was closed at 15:35 and reopened at 15:36; the customer edited at 15:37.
    nock(API)
      .post(`${ISSUE}/labels`)
      .optionally()
      .reply(200, [])
      .patch(/\/issues\/comments\/5$/)
      .optionally()
      .reply(200, { id: 5 });
    await h.receive(
      "issues",
      event("edited", problem({ impact: "Half of the payments fail." }), "2026-11-27T15:37:00Z"),
    );
    const closed = issuePayload("opened", { body: problem(), labels: ["type: problem"] });
    closed.action = "closed";
    closed.issue.state = "closed";
    closed.issue.closed_at = "2026-11-27T15:35:00Z";
    closed.issue.updated_at = "2026-11-27T15:35:00Z";
    await h.receive("issues", closed);

    expect(unmatched).toEqual([]);
    const row = await getTrackedIssue(h.store, KEY);
    expect(row?.state).toBe("pending");
    expect(row?.closed_at).toBeNull();
  });

  it("a newer `closed` is applied as before", async () => {
    mockToken();
    mockSetupReads({ forms, labels: LABELS })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 5 });
    await h.receive("issues", event("opened", problem(), "2026-11-27T15:30:00Z"));
    const closed = issuePayload("opened", { body: problem(), labels: ["type: problem"] });
    closed.action = "closed";
    closed.issue.state = "closed";
    closed.issue.closed_at = "2026-11-27T15:35:00Z";
    closed.issue.updated_at = "2026-11-27T15:35:00Z";
    await h.receive("issues", closed);
    expect((await getTrackedIssue(h.store, KEY))?.state).toBe("cancelled");
  });
});

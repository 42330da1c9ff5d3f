import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { getTimers } from "../../src/store/timer-store.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { issuePayload } from "../helpers/payloads.js";
import { renderBody } from "../helpers/render-body.js";

const ISSUE = "/repos/acme/support/issues/1";
const forms = shippedFormTexts();
const KEY = { repo: "acme/support", number: 1 };

function body(): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error("form");
  return renderBody(parsed.form, {
    priority: "Production down",
    service: "checkout",
    "what-happens": "down",
    since: "now",
    impact: "everyone",
  });
}

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

/** A Production-down problem opened Fri 15:30 UTC and closed at 16:10. */
async function openAnswerAndClose() {
  mockToken();
  mockSetupReads({
    forms,
    config: "escalation:\n  mention: ['@acme/oncall']\n",
    labels: ["type: problem", "priority: production down"],
  })
    .post(`${ISSUE}/labels`)
    .reply(200, [])
    .post(`${ISSUE}/comments`)
    .reply(201, { id: 1 });
  await h.receive("issues", issuePayload("opened", { body: body(), labels: ["type: problem"] }));
  const asked: string[] = [];
  const intake: string[] = [];
  nock(API)
    .post(`${ISSUE}/comments`, (b) => {
      asked.push(b.body);
      return true;
    })
    .reply(201, { id: 2 })
    // The close stops the update interval: the intake comment no longer promises a next update.
    .patch("/repos/acme/support/issues/comments/1", (b) => {
      intake.push(b.body);
      return true;
    })
    .reply(200, { id: 1 });
  const closed = issuePayload("opened", { body: body(), labels: ["type: problem"] });
  closed.action = "closed";
  closed.issue.closed_at = "2026-11-27T16:10:00Z";
  await h.receive("issues", closed);
  await h.receive("issues", closed); // a second delivery of the close asks nothing more
  expect(intake).toHaveLength(1);
  expect(intake[0]).not.toContain("Next update by");
  return asked;
}

/** The issue's post-mortem timer. */
async function postMortem() {
  return (await getTimers(h.store, KEY)).find((t) => t.metric === "post_mortem");
}

function label(name: string, sender = "engineer-erik", type: "User" | "Bot" = "User") {
  return issuePayload(
    "labeled",
    { body: body(), labels: ["type: problem", name] },
    { sender: { login: sender, type }, label: name },
  );
}

describe("post-mortem follow-up", () => {
  it("closing a Production-down issue asks once whether a post-mortem is due", async () => {
    const asked = await openAnswerAndClose();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain("Is a post-mortem due?");
    expect(asked[0]).toContain("`post-mortem: required`");
    expect((await getTrackedIssue(h.store, KEY))?.pm_state).toBe("asked");
  });

  it("`post-mortem: required` starts a 3-day timer; from its end the handles are reminded every 24 h until done", async () => {
    await openAnswerAndClose();
    h.clock.set("2026-11-28T10:00:00Z");
    await h.receive("issues", label("post-mortem: required"));
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({
      pm_state: "required",
      pm_due_at: Date.parse("2026-12-01T10:00:00Z"),
    });
    expect(await postMortem()).toMatchObject({
      cycle: 1,
      state: "pending",
      clock: "calendar",
      startedAt: Date.parse("2026-11-28T10:00:00Z"),
      deadlineAt: Date.parse("2026-12-01T10:00:00Z"),
      nextDueAt: Date.parse("2026-12-01T10:00:00Z"),
    });

    h.clock.set("2026-12-01T09:59:00Z");
    await h.tick(); // not yet: no call

    const reminders: string[] = [];
    nock(API)
      .post(`${ISSUE}/comments`, (b) => {
        reminders.push(b.body);
        return true;
      })
      .times(2)
      .reply(201, { id: 3 });
    h.clock.set("2026-12-01T10:00:05Z");
    await h.tick();
    await h.tick();
    expect(reminders).toHaveLength(1);
    expect(reminders[0]).toContain("@acme/oncall");
    expect(reminders[0]).toContain("`post-mortem: done`");
    expect(await postMortem()).toMatchObject({
      state: "breached",
      nextDueAt: Date.parse("2026-12-02T10:00:00Z"),
    });

    // It does not go quiet: a day later, once more.
    h.clock.set("2026-12-02T10:00:05Z");
    await h.tick();
    expect(reminders).toHaveLength(2);

    // Done: met (late), nothing more is due.
    h.clock.set("2026-12-02T12:00:00Z");
    await h.receive("issues", label("post-mortem: done"));
    expect(await postMortem()).toMatchObject({ state: "met", late: true, nextDueAt: null });
    h.clock.set("2026-12-09T12:00:00Z");
    await h.tick();
    expect(reminders).toHaveLength(2);
  });

  it("`post-mortem: done` before the deadline meets it: no reminder", async () => {
    await openAnswerAndClose();
    await h.receive("issues", label("post-mortem: required"));
    h.clock.set("2026-11-29T12:00:00Z");
    await h.receive("issues", label("post-mortem: done"));
    expect(await getTrackedIssue(h.store, KEY)).toMatchObject({
      pm_state: "done",
      pm_done_at: Date.parse("2026-11-29T12:00:00Z"),
    });
    expect(await postMortem()).toMatchObject({
      state: "met",
      late: false,
      metBy: "engineer-erik",
      nextDueAt: null,
    });
    h.clock.set("2026-12-05T00:00:00Z");
    await h.tick();
  });

  it("a bot adding the label starts nothing", async () => {
    await openAnswerAndClose();
    await h.receive("issues", label("post-mortem: required", "support-sla[bot]", "Bot"));
    expect((await getTrackedIssue(h.store, KEY))?.pm_state).toBe("asked");
    expect(await postMortem()).toBeUndefined();
  });
});

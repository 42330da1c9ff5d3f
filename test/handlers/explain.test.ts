import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { commentPayload, issuePayload } from "../helpers/payloads.js";

const forms = shippedFormTexts();
let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

function comment(login: string, association: string, text: string) {
  return commentPayload(
    issuePayload("opened", { body: null }),
    { login },
    association,
    "2026-11-30T08:00:00Z",
    text,
  );
}

describe("/sla explain", () => {
  it("answers a team member with how the deadline was computed, and is not a first response", async () => {
    mockToken();
    mockSetupReads({ forms, labels: ["type: other", "priority: normal", "intake: incomplete"] })
      .post("/repos/acme/support/issues/1/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/1/comments")
      .reply(201, { id: 1 });
    await h.receive("issues", issuePayload("opened", { body: null }));

    const replies: string[] = [];
    nock(API)
      .post("/repos/acme/support/issues/1/comments", (b) => {
        replies.push(b.body);
        return true;
      })
      .reply(201, { id: 2 });
    await h.receive("issue_comment", comment("engineer-erik", "MEMBER", "/sla explain"));
    await h.receive("issue_comment", comment("customer-carla-2", "NONE", "/sla explain please"));

    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain("How the first-response deadline was computed");
    expect(replies[0]).toContain(
      "Policy: priority: normal (`normal`): close of business on the first business day",
    );
    expect(replies[0]).toContain("Closed days skipped: 2026-11-28, 2026-11-29");
    expect(replies[0]).toContain("**Result: Mon 30 Nov 2026, 17:00 CET (2026-11-30 16:00 UTC).**");
    expect((await getTrackedIssue(h.store, { repo: "acme/support", number: 1 }))?.state).toBe("pending");
  });
});

import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { enqueueDelivery, setMeta } from "../../src/store/tracking-store.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { INSTALLATION_ID, issuePayload } from "../helpers/payloads.js";

const forms = shippedFormTexts();
let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

function mockListing(issues: object[]) {
  const { repository } = issuePayload("opened", {});
  nock(API)
    .get("/app/installations")
    .query(true)
    .reply(200, [{ id: INSTALLATION_ID, account: { login: "acme" } }])
    .get("/installation/repositories")
    .query(true)
    .reply(200, { total_count: 1, repositories: [{ ...repository, id: 77 }] })
    .get("/repos/acme/support/issues")
    .query((q) => q.state === "all" && q.since === "2026-11-27T14:50:00.000Z")
    .reply(200, issues);
}

describe("reconciliation after downtime", () => {
  it("the first run only sets the watermark: a fresh install has nothing to recover", async () => {
    await h.runtime.reconcile();
    const row = await h.store.db
      .selectFrom("meta")
      .selectAll()
      .where("key", "=", "reconciled_at")
      .executeTakeFirst();
    expect(row?.value).toBe(String(h.clock.now()));
  });

  it("an issue opened while the app was down is classified and tracked, once", async () => {
    await setMeta(h.store, "reconciled_at", String(Date.parse("2026-11-27T15:00:00Z")));
    const missed = issuePayload("opened", { number: 7, body: null }).issue;
    mockToken();
    mockListing([missed, { ...missed, number: 8, pull_request: { url: "x" } }]);
    mockSetupReads({ forms, labels: ["type: other", "priority: normal", "intake: incomplete"] })
      .post("/repos/acme/support/issues/7/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/7/comments")
      .reply(201, { id: 70 });

    await h.runtime.reconcile();
    await h.runtime.inbox.drain();

    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 7 })).toMatchObject({
      type: "other",
      state: "pending",
    });
    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 8 })).toBeUndefined();
    // The watermark moved: a second run looks only at what changed since.
    const meta = await h.store.db
      .selectFrom("meta")
      .selectAll()
      .where("key", "=", "reconciled_at")
      .executeTakeFirst();
    expect(meta?.value).toBe(String(h.clock.now()));
  });

  it("waits while deliveries are still queued: they are not missed ones", async () => {
    await setMeta(h.store, "reconciled_at", "1");
    await enqueueDelivery(h.store, {
      deliveryId: "queued",
      event: "issues",
      installationId: 1,
      payload: {},
      now: 0,
    });
    await h.runtime.reconcile(); // no GitHub call: nothing is mocked
    const meta = await h.store.db
      .selectFrom("meta")
      .selectAll()
      .where("key", "=", "reconciled_at")
      .executeTakeFirst();
    expect(meta?.value).toBe("1");
  });
});

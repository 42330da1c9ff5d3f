import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { getTrackedIssue } from "../../src/store/intake-store.js";
import { getTimers } from "../../src/store/timer-store.js";
import { enqueueDelivery, getMeta, setMeta } from "../../src/store/tracking-store.js";
import {
  API,
  createHarness,
  type Harness,
  LEVEL,
  type LogLine,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { INSTALLATION_ID, issuePayload } from "../helpers/payloads.js";
import { renderBody } from "../helpers/render-body.js";

/**
 * What an operator reads in the logs while GitHub fails: one line per failed attempt, at once,
 * naming the issue and when the next attempt is; never the customer's words.
 */

const forms = shippedFormTexts();
const ISSUE = "/repos/acme/support/issues/1";
const TITLE_SECRET = "Payroll export TITLE-SECRET-7731";
const BODY_SECRET = "BODY-SECRET-hunter2";
const ALL_LABELS = ["type: problem", "priority: urgent", "priority: normal", "intake: incomplete"];

/** A problem form whose priority answer is invalid: the intake comment quotes it back. */
function leakyBody(): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return renderBody(parsed.form, {
    priority: `Urgent ${BODY_SECRET}`,
    service: `checkout ${BODY_SECRET}`,
    "what-happens": `The password is ${BODY_SECRET}.`,
    since: "today",
    impact: "No one can pay.",
  });
}

function openedPayload(number = 1) {
  const payload = issuePayload("opened", { number, body: leakyBody(), labels: ["type: problem"] });
  payload.issue.title = TITLE_SECRET;
  return payload;
}

/** Lines an operator sees at the default level (info) and above. */
const operatorLines = (h: Harness) => h.logs.filter((l) => l.level >= LEVEL.info);
const linesWith = (h: Harness, msg: string) => h.logs.filter((l) => l.msg === msg);

function expectNoCustomerText(lines: LogLine[]) {
  for (const line of lines) {
    const text = JSON.stringify(line);
    expect(text).not.toContain("TITLE-SECRET");
    expect(text).not.toContain("BODY-SECRET");
    // The raw error object (request and response bodies) is never logged at info or above.
    expect(line).not.toHaveProperty("err");
  }
}

const harnesses: Harness[] = [];
async function harness(options: Parameters<typeof createHarness>[0] = {}): Promise<Harness> {
  const h = await createHarness({ captureLogs: true, ...options });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

describe("GitHub failing during intake (5xx)", () => {
  it("logs one warn line at once with the issue, the attempt and nextAttemptAt; Octokit does not retry quietly", async () => {
    // Probot's retry plugin is on, as in production: it must not hold the failure back.
    const h = await harness({ githubRetry: true });
    let failed = 0;
    mockToken();
    mockSetupReads({ forms, labels: ALL_LABELS })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .times(4)
      .reply(() => {
        failed++;
        return [502, { message: "Server Error" }];
      });

    await h.receive("issues", openedPayload(), "delivery-502");

    expect(failed).toBe(1);
    const warns = linesWith(h, "delivery failed; will retry");
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({
      level: LEVEL.warn,
      issue: "acme/support#1",
      delivery: "delivery-502",
      event: "issues",
      action: "opened",
      attempt: 1,
      nextAttemptAt: new Date(h.clock.now() + 2_000).toISOString(),
      error: {
        status: 502,
        message: "Server Error",
        method: "POST",
        path: "/repos/acme/support/issues/1/comments",
      },
    });
    // Probot's own line about the request (debug) names the issue too.
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: LEVEL.debug,
        issue: "acme/support#1",
        msg: "GitHub request: POST https://api.github.com/repos/acme/support/issues/1/comments - 502",
      }),
    );
    // Nothing else at warn or above for this one failure.
    expect(h.logs.filter((l) => l.level >= LEVEL.warn)).toHaveLength(1);
    expectNoCustomerText(operatorLines(h));
    // What the admin reads in the inbox is the same summary, not the request.
    const row = await h.store.db
      .selectFrom("inbox")
      .selectAll()
      .where("delivery_id", "=", "delivery-502")
      .executeTakeFirstOrThrow();
    expect(row.last_error).toBe("502 POST /repos/acme/support/issues/1/comments: Server Error");
    expect(row.available_at).toBe(h.clock.now() + 2_000);
    nock.cleanAll();

    // The next attempt, at nextAttemptAt, succeeds: its lines carry the issue too.
    h.clock.set(new Date(h.clock.now() + 2_000).toISOString());
    nock(API)
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(200, [])
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 9 });
    await h.runtime.inbox.drain();
    expect(nock.pendingMocks()).toEqual([]);
    expect(linesWith(h, "intake applied")).toEqual([
      expect.objectContaining({ level: LEVEL.info, issue: "acme/support#1", delivery: "delivery-502" }),
    ]);
    expect(linesWith(h, "delivery handled")).toEqual([
      expect.objectContaining({ level: LEVEL.debug, issue: "acme/support#1", attempt: 2 }),
    ]);
    expectNoCustomerText(operatorLines(h));
  });

  it("a delivery given up logs at error with the issue; the failed call is named, not dumped", async () => {
    const h = await harness();
    mockToken();
    mockSetupReads({ forms, labels: ALL_LABELS })
      .post("/repos/acme/support/issues/3/labels")
      .reply(503, "<html>Unicorn! TITLE-SECRET-7731</html>", { "content-type": "text/html" });
    await enqueueDelivery(h.store, {
      deliveryId: "last-try",
      event: "issues",
      installationId: INSTALLATION_ID,
      payload: openedPayload(3),
      now: h.clock.now(),
    });
    await h.store.db
      .updateTable("inbox")
      .set({ attempts: 11 })
      .where("delivery_id", "=", "last-try")
      .execute();

    await h.runtime.inbox.drain();

    const errors = h.logs.filter((l) => l.level >= LEVEL.error);
    expect(errors).toEqual([
      expect.objectContaining({
        msg: "delivery failed too often: given up, kept in the inbox",
        issue: "acme/support#3",
        attempt: 12,
        error: {
          status: 503,
          message: "HTTP 503",
          method: "POST",
          path: "/repos/acme/support/issues/3/labels",
        },
      }),
    ]);
    expect(linesWith(h, "delivery failed; will retry")).toEqual([]);
    expectNoCustomerText(operatorLines(h));
  });
});

describe("GitHub failing while the scheduler escalates (5xx)", () => {
  it("warns per failed attempt with the issue and nextAttemptAt, and keeps the row until then", async () => {
    const h = await harness({ githubRetry: true, now: "2026-11-27T15:31:00Z" });
    mockToken();
    mockSetupReads({ forms, labels: ALL_LABELS })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 10 });
    await h.receive("issues", openedPayload());
    const firstResponse = async () =>
      (await getTimers(h.store, { repo: "acme/support", number: 1 })).find(
        (t) => t.metric === "first_response",
      );
    const tracked = await firstResponse();
    expect(tracked?.nextDueAt).not.toBeNull();

    let failed = 0;
    nock(API)
      .persist()
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(() => {
        failed++;
        return [502, { message: "Server Error" }];
      });
    h.clock.set(new Date(tracked?.nextDueAt ?? 0).toISOString());
    const first = h.clock.now();
    await h.tick();
    expect(failed).toBe(1);
    await h.tick(); // the row stays with this process until nextAttemptAt: no second call now
    expect(failed).toBe(1);

    h.clock.set(new Date(first + 2_000).toISOString());
    await h.tick();
    expect(failed).toBe(2);

    const warns = linesWith(h, "escalation failed; will retry");
    expect(warns).toEqual([
      expect.objectContaining({
        level: LEVEL.warn,
        issue: "acme/support#1",
        attempt: 1,
        nextAttemptAt: new Date(first + 2_000).toISOString(),
        error: expect.objectContaining({ status: 502, method: "GET", path: `${ISSUE}/comments` }),
      }),
      expect.objectContaining({
        level: LEVEL.warn,
        issue: "acme/support#1",
        attempt: 2,
        nextAttemptAt: new Date(first + 2_000 + 4_000).toISOString(),
      }),
    ]);
    // The timer stays leased to this process until the next attempt.
    expect((await firstResponse())?.lease_until).toBe(first + 6_000);
    expectNoCustomerText(operatorLines(h));
  });
});

describe("reconciliation with one installation failing", () => {
  it("logs a warn with the installation and its account, and still reconciles the other one", async () => {
    const h = await harness();
    const watermark = Date.parse("2026-11-27T15:00:00Z");
    await setMeta(h.store, "reconciled_at", String(watermark));
    const missed = issuePayload("opened", { number: 7, body: null }).issue;
    const { repository } = issuePayload("opened", {});
    mockToken();
    nock(API)
      .get("/app/installations")
      .query(true)
      .reply(200, [
        { id: 1111, account: { login: "globex" } },
        { id: INSTALLATION_ID, account: { login: "acme" } },
      ])
      .post("/app/installations/1111/access_tokens")
      .reply(201, { token: "ghs_globex", expires_at: "2999-01-01T00:00:00Z" })
      .get("/installation/repositories")
      .matchHeader("authorization", "token ghs_globex")
      .query(true)
      .reply(502, { message: "Server Error" })
      .get("/installation/repositories")
      .matchHeader("authorization", "token ghs_test")
      .query(true)
      .reply(200, { total_count: 1, repositories: [{ ...repository, id: 77 }] })
      .get("/repos/acme/support/issues")
      .query((q) => q.state === "all" && q.since === "2026-11-27T14:50:00.000Z")
      .reply(200, [missed]);
    mockSetupReads({ forms, labels: ["type: other", "priority: normal", "intake: incomplete"] })
      .post("/repos/acme/support/issues/7/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/7/comments")
      .reply(201, { id: 70 });

    await h.runtime.reconcile();
    await h.runtime.inbox.drain();

    const warns = h.logs.filter((l) => l.level === LEVEL.warn);
    expect(warns).toEqual([
      expect.objectContaining({
        installation: 1111,
        account: "globex",
        error: expect.objectContaining({ status: 502, method: "GET", path: "/installation/repositories" }),
      }),
    ]);
    expect(String(warns[0]?.msg)).toMatch(/reconciliation of an installation failed/);
    expect(await getTrackedIssue(h.store, { repo: "acme/support", number: 7 })).toMatchObject({
      type: "other",
      state: "pending",
    });
    expect(linesWith(h, "reconciliation queued issues missed while the app was down")).toEqual([
      expect.objectContaining({ level: LEVEL.info, queued: 1, failed: 1 }),
    ]);
    // The failed installation is looked at again from where it stood; the others move on.
    expect(await getMeta(h.store, "reconciled_at:1111")).toBe(String(watermark));
    expect(await getMeta(h.store, `reconciled_at:${INSTALLATION_ID}`)).toBe(String(h.clock.now()));
    expect(await getMeta(h.store, "reconciled_at")).toBe(String(h.clock.now()));
    expect(nock.pendingMocks()).toEqual([]);
  });
});

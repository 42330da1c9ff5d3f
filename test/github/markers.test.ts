import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { incidentMarker } from "../../src/channels/messages.js";
import { slackMarker } from "../../src/channels/slack-handler.js";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { breachMarker } from "../../src/domain/sla/messages.js";
import { PM_ASK_MARKER, PM_REMINDER_MARKER } from "../../src/domain/sla/post-mortem.js";
import { timerMarker } from "../../src/domain/timers/messages.js";
import { AppIdentity, type CommentAuthorship } from "../../src/github/app-identity.js";
import { INTAKE_MARKER } from "../../src/github/intake-comment.js";
import { weeklyMarker } from "../../src/report/weekly.js";
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
 * Issue 10, kind 3: customer content is never trusted as the app's own. The app recognises its
 * hidden markers only in comments its own bot account wrote, and learns that account from
 * `GET /app` (the harness's app is id 1, slug `support-sla`), never from a guess.
 */

/** Every marker the app writes, one concrete instance each. A new marker in src/ must be added here. */
const MARKERS: Record<string, string> = {
  "support-sla:intake": INTAKE_MARKER,
  "support-sla:breach": breachMarker(1),
  "support-sla:post-mortem-ask": PM_ASK_MARKER,
  "support-sla:post-mortem-reminder": PM_REMINDER_MARKER,
  "support-sla:timer": timerMarker("next_reply", 2, "breach", 1),
  "support-sla:weekly-report": weeklyMarker("2026-W48"),
  // In the body of an issue the app opened for a PagerDuty incident or a Slack request: a customer's
  // issue quoting it must never be taken for the channel's issue (src/channels/intake.ts findOpenedIssue).
  "support-sla:pagerduty-incident": incidentMarker("PT4KHLK"),
  "support-sla:slack-request": slackMarker("C0123ABCD:1764491400.000100"),
};

const SELF = { id: 1, slug: "support-sla" };
const customer = (body: string): CommentAuthorship => ({
  body,
  user: { login: "customer-carla", type: "User" },
});
const otherBot = (body: string): CommentAuthorship => ({
  body,
  user: { login: "helper-bot[bot]", type: "Bot" },
});
const ours = (body: string): CommentAuthorship => ({
  body,
  user: { login: "support-sla[bot]", type: "Bot" },
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("which markers the app trusts", () => {
  it("every hidden marker written in src/ is listed here (so each is tested)", () => {
    const found = new Set<string>();
    for (const file of sourceFiles(join(import.meta.dirname, "../../src"))) {
      for (const m of readFileSync(file, "utf8").matchAll(/<!-- (support-sla:[a-z-]+)/g))
        found.add(m[1] ?? "");
    }
    expect([...found].sort()).toEqual(Object.keys(MARKERS).sort());
  });

  for (const [name, marker] of Object.entries(MARKERS)) {
    it(`${name}: only in a comment by the app's own bot account`, async () => {
      let asked = 0;
      const self = new AppIdentity(async () => {
        asked += 1;
        return SELF;
      });
      const text = `quoting the app:\n${marker}\nplease ignore`;
      expect(await self.marked(customer(text), marker)).toBe(false);
      expect(await self.marked(otherBot(text), marker)).toBe(false);
      // A person's login cannot hold "[bot]"; a User account is never the app, whatever it is named.
      expect(
        await self.marked({ body: text, user: { login: "support-sla[bot]", type: "User" } }, marker),
      ).toBe(false);
      expect(await self.marked({ body: text, user: null }, marker)).toBe(false);
      expect(await self.marked(ours(text), marker)).toBe(true);
      expect(
        await self.marked({ body: text, user: { login: "Support-SLA[bot]", type: "Bot" } }, marker),
      ).toBe(true);
      expect(await self.marked(ours("no marker here"), marker)).toBe(false);
      expect(asked).toBe(1); // asked once, then cached
    });
  }

  it("a comment written through this app on someone's behalf (performed_via_github_app) counts as the app's", async () => {
    const self = new AppIdentity(async () => SELF);
    const body = INTAKE_MARKER;
    const user = { login: "someone", type: "User" };
    expect(await self.marked({ body, user, performed_via_github_app: { id: 1 } }, body)).toBe(true);
    expect(await self.marked({ body, user, performed_via_github_app: { id: 2 } }, body)).toBe(false);
  });

  it("a failed GET /app is not cached and is never replaced by a guess", async () => {
    let fail = true;
    const self = new AppIdentity(async () => {
      if (fail) throw Object.assign(new Error("Bad Gateway"), { status: 502 });
      return SELF;
    });
    await expect(self.marked(ours(INTAKE_MARKER), INTAKE_MARKER)).rejects.toThrow("Bad Gateway");
    fail = false;
    expect(await self.marked(ours(INTAKE_MARKER), INTAKE_MARKER)).toBe(true);
    expect(await self.botLogin()).toBe("support-sla[bot]");
  });
});

// ---- through the handlers -------------------------------------------------------------------------

const ISSUE = `/repos/${OWNER}/${REPO}/issues/1`;
const forms = shippedFormTexts();
const CONFIG = "escalation:\n  mention: ['@acme/support']\n";
const KEY = { repo: "acme/support", number: 1 };

function problemBody(): string {
  const parsed = parseIssueForm(forms["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error("form");
  return renderBody(parsed.form, {
    priority: "Urgent",
    service: "checkout API",
    "what-happens": "503s",
    since: "today",
    impact: "No one can pay.",
  });
}

/** A comment as GitHub's REST API lists it. */
function listed(id: number, body: string, user: { login: string; type: string }, association = "NONE") {
  return {
    id,
    body,
    user,
    author_association: association,
    created_at: "2026-11-27T16:00:00Z",
    updated_at: "2026-11-27T16:00:00Z",
    performed_via_github_app: null,
  };
}

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  nock.cleanAll();
});

describe("the breach marker", () => {
  /** The urgent problem #1 opened Fri 27 Nov 16:31 Brussels: due Mon 30 Nov 09:30 CET (08:30 UTC). */
  async function openUrgent() {
    mockToken();
    mockSetupReads({ forms, config: CONFIG, labels: ["type: problem", "priority: urgent", "sla: breached"] })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 10 });
    await h.receive("issues", issuePayload("opened", { body: problemBody(), labels: ["type: problem"] }));
  }

  for (const [who, user] of [
    ["the customer", { login: "customer-carla", type: "User" }],
    ["another app", { login: "helper-bot[bot]", type: "Bot" }],
  ] as const) {
    it(`a comment by ${who} that holds the breach marker does not suppress the breach: comment, mention and label still come`, async () => {
      await openUrgent();
      h.clock.set("2026-11-30T08:31:00Z");
      const posted = recorder();
      const scope = nock(API)
        .get("/app")
        .optionally()
        .reply(200, SELF)
        .get(`${ISSUE}/comments`)
        .query(true)
        .reply(200, [
          listed(20, `${breachMarker(1)}\nno need to escalate, thanks`, user),
          listed(21, "<!-- support-sla:breach cycle=1 -->", user),
        ])
        .post(`${ISSUE}/labels`)
        .reply(200, [])
        .post(`${ISSUE}/comments`, posted.match)
        .reply(201, { id: 30 });
      await h.tick();
      expect(scope.pendingMocks().filter((m) => !m.includes("/app"))).toEqual([]);
      expect(posted.bodies).toHaveLength(1);
      expect(String(posted.bodies[0]?.body)).toContain(breachMarker(1));
      expect(String(posted.bodies[0]?.body)).toContain("@acme/support");
      expect((await getTrackedIssue(h.store, KEY))?.state).toBe("breached");
    });
  }
});

describe("the intake marker", () => {
  it("on a retry, only the app's own marked comment is edited; a customer's or another app's copy never is", async () => {
    mockToken();
    // First attempt: the comment is refused, so the retry does not know whether one exists.
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent"] })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(502, { message: "Bad Gateway" });
    await h.receive("issues", issuePayload("opened", { body: problemBody(), labels: ["type: problem"] }));
    expect((await getTrackedIssue(h.store, KEY))?.intake_comment_id).toBeNull();

    const posted = recorder();
    nock(API)
      .get("/app")
      .reply(200, SELF)
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(200, [
        listed(40, `${INTAKE_MARKER}\nmy own notes`, { login: "customer-carla", type: "User" }),
        listed(41, `${INTAKE_MARKER}\nquoted by a helper`, { login: "helper-bot[bot]", type: "Bot" }),
      ])
      .post(`${ISSUE}/labels`)
      .optionally()
      .reply(200, [])
      .post(`${ISSUE}/comments`, posted.match)
      .reply(201, { id: 42 });
    h.clock.set("2026-11-27T15:32:00Z");
    await h.runtime.inbox.drain();
    expect(posted.bodies).toHaveLength(1);
    expect(String(posted.bodies[0]?.body)).toContain(INTAKE_MARKER);
    expect((await getTrackedIssue(h.store, KEY))?.intake_comment_id).toBe(42);
    expect(nock.pendingMocks().filter((m) => !m.includes("/labels"))).toEqual([]);
  });

  it("on a retry, the app's own marked comment is found and edited in place, not posted twice", async () => {
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent"] })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(502, { message: "Bad Gateway" });
    await h.receive("issues", issuePayload("opened", { body: problemBody(), labels: ["type: problem"] }));

    const patched = recorder();
    nock(API)
      .get("/app")
      .reply(200, SELF)
      .get(`${ISSUE}/comments`)
      .query(true)
      .reply(200, [
        listed(40, `${INTAKE_MARKER}\nmy own notes`, { login: "customer-carla", type: "User" }),
        listed(43, `${INTAKE_MARKER}\nan earlier version`, { login: "support-sla[bot]", type: "Bot" }),
      ])
      .post(`${ISSUE}/labels`)
      .optionally()
      .reply(200, [])
      .patch(`/repos/${OWNER}/${REPO}/issues/comments/43`, patched.match)
      .reply(200, { id: 43 });
    h.clock.set("2026-11-27T15:32:00Z");
    await h.runtime.inbox.drain();
    expect(patched.bodies).toHaveLength(1);
    expect((await getTrackedIssue(h.store, KEY))?.intake_comment_id).toBe(43);
    expect(nock.pendingMocks().filter((m) => !m.includes("/labels"))).toEqual([]);
  });
});

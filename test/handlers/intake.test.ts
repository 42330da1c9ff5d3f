import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { createNotifiers } from "../../src/notify/index.js";
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
import { issuePayload } from "../helpers/payloads.js";
import { type Answers, renderBody } from "../helpers/render-body.js";

const ISSUE = "/repos/acme/support/issues/1";
const forms = shippedFormTexts();

function body(file: string, answers: Answers): string {
  const parsed = parseIssueForm(forms[file] ?? "");
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  return renderBody(parsed.form, answers);
}

const problem = (answers: Answers = {}) =>
  body("problem.yml", {
    priority: "Urgent",
    service: "checkout API",
    "what-happens": "Every request returns HTTP 503.",
    since: "2026-11-27 14:10 CET",
    impact: "No customer can pay.",
    ...answers,
  });

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

describe("issues.opened", () => {
  it("labels a valid problem/urgent issue and promises Mon 09:30 CET in one comment", async () => {
    const labels = recorder();
    const comment = recorder();
    const created = recorder();
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem"] })
      .post("/repos/acme/support/labels", created.match)
      .reply(201, {})
      .post(`${ISSUE}/labels`, labels.match)
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 501 });

    await h.receive("issues", issuePayload("opened", { body: problem(), labels: ["type: problem"] }));

    expect(created.bodies).toEqual([
      { name: "priority: urgent", color: "d93f0b", description: expect.any(String) },
    ]);
    expect(labels.bodies).toEqual([{ labels: ["priority: urgent"] }]);
    const text = String(comment.bodies[0]?.body);
    expect(text).toContain("<!-- support-sla:intake -->");
    // The type and priority by the names of the support process, never as label strings.
    expect(text).toContain(
      "Thanks, your request is registered as **Problem / troubleshooting**, priority **Urgent**.",
    );
    expect(text).not.toMatch(/type: problem|priority: urgent/);
    expect(text).toContain("**Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC)");
    expect(text).not.toContain("Please edit the issue");
    const row = await getTrackedIssue(h.store, { repo: "acme/support", number: 1 });
    expect(row).toMatchObject({
      type: "problem",
      priority: "urgent",
      intake: "valid",
      intake_comment_id: 501,
    });
    expect(row?.deadline_at).toBe(Date.parse("2026-11-30T08:30:00Z"));
  });

  it("types a blank issue `other`, priority normal, incomplete, and links every form", async () => {
    const labels = recorder();
    const comment = recorder();
    mockToken();
    mockSetupReads({ forms, labels: ["type: other", "priority: normal", "intake: incomplete"] })
      .post(`${ISSUE}/labels`, labels.match)
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 7 });

    await h.receive("issues", issuePayload("opened", { body: null }));

    expect(labels.bodies).toEqual([{ labels: ["type: other", "priority: normal", "intake: incomplete"] }]);
    const text = String(comment.bodies[0]?.body);
    for (const file of [
      "add-remove-user.yml",
      "change-request.yml",
      "guidance.yml",
      "on-call.yml",
      "other.yml",
      "problem.yml",
    ]) {
      expect(text).toContain(`(https://github.com/acme/support/issues/new?template=${file})`);
    }
    // Normal: close of business on the next business day after Fri 27 Nov.
    expect(text).toContain("**Mon 30 Nov 2026, 17:00 CET**");
  });

  it("downgrades Production down on a change request to Urgent and says why", async () => {
    const labels = recorder();
    const comment = recorder();
    mockToken();
    mockSetupReads({ forms, labels: ["type: change request", "priority: urgent", "intake: incomplete"] })
      .post(`${ISSUE}/labels`, labels.match)
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 8 });
    const parsed = parseIssueForm(forms["change-request.yml"] ?? "");
    if (!parsed.ok) throw new Error("form");
    const answers: Answers = { priority: "Production down" };
    for (const f of parsed.form.fields)
      if (f.id && f.id !== "priority" && f.type !== "dropdown") answers[f.id] = "prod eu-west";
    for (const f of parsed.form.fields)
      if (f.type === "dropdown" && f.id !== "priority") answers[f.id ?? f.label] = f.options[0];

    await h.receive(
      "issues",
      issuePayload("opened", { body: renderBody(parsed.form, answers), labels: ["type: change request"] }),
    );

    expect(labels.bodies[0]?.labels).toContain("priority: urgent");
    expect(labels.bodies[0]?.labels).not.toContain("priority: production down");
    const text = String(comment.bodies[0]?.body);
    expect(text).toContain(
      "Production down is only for Problem / troubleshooting requests, so this request is handled as Urgent.",
    );
    expect(text).toContain("registered as **Change request**, priority **Urgent**.");
    expect(text).not.toContain("being paged");
  });

  it("lists each missing field of an incomplete problem once, with what to do", async () => {
    const comment = recorder();
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent", "intake: incomplete"] })
      .post(`${ISSUE}/labels`, { labels: ["priority: urgent", "intake: incomplete"] })
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 10 });

    await h.receive(
      "issues",
      issuePayload("opened", { body: problem({ service: "", since: "" }), labels: ["type: problem"] }),
    );

    const text = String(comment.bodies[0]?.body);
    expect(text).toContain(
      "**Please edit the issue:**\n- **Affected service**: missing — add it\n- **Since when?**: missing — add it",
    );
    for (const label of ["Affected service", "Since when?"]) {
      expect(text.split(label), label).toHaveLength(2);
    }
    expect(text).not.toContain("Missing required input");
  });

  it("tells apart same-labelled fields of a form by their place", async () => {
    const twoDetails = [
      "name: Two details",
      "description: Two sections share a label",
      "body:",
      "  - { type: textarea, id: details-a, attributes: { label: Details }, validations: { required: true } }",
      "  - { type: textarea, id: details-b, attributes: { label: Details }, validations: { required: true } }",
      "",
    ].join("\n");
    const comment = recorder();
    mockToken();
    mockSetupReads({
      forms: { "two-details.yml": twoDetails },
      labels: ["type: other", "priority: normal", "intake: incomplete"],
    })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 11 });

    await h.receive(
      "issues",
      issuePayload("opened", { body: "### Details\n\nit broke\n\n### Details\n\n_No response_\n" }),
    );

    const text = String(comment.bodies[0]?.body);
    expect(text).toContain("- **Details** (2nd of 2): missing — add it");
    expect(text).not.toContain("(1st of 2)");
  });

  it("tells a Production-down problem that on-call is paged, with the escalation phone, and pages", async () => {
    await h.close();
    h = await createHarness({
      notifiers: createNotifiers({
        PAGERDUTY_ROUTING_KEY: "R0UTINGKEY",
        PAGERDUTY_EVENTS_URL: "https://events.pd.test/v2/enqueue",
      }),
    });
    const pages = recorder();
    nock("https://events.pd.test").post("/v2/enqueue", pages.match).reply(202, { status: "success" });
    const comment = recorder();
    mockToken();
    mockSetupReads({
      forms,
      config: "escalation:\n  phone: '+32 2 555 01 01'\n",
      labels: ["type: problem", "priority: production down"],
    })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 9 });

    await h.receive(
      "issues",
      issuePayload("opened", { body: problem({ priority: "Production down" }), labels: ["type: problem"] }),
    );

    const text = String(comment.bodies[0]?.body);
    expect(text).toContain("priority **Production down**");
    expect(text).toContain("on-call engineer is being paged now");
    expect(text).toContain("call the escalation number **\\+32 2 555 01 01**");
    // 30 minutes, 24/7, from 15:30 UTC.
    expect(text).toContain("(2026-11-27 16:00 UTC)");
    expect(pages.bodies).toEqual([
      expect.objectContaining({ event_action: "trigger", dedup_key: "support-sla:acme/support#1:cycle-1" }),
    ]);
    // The incident is recorded on the cycle: the first team reply acknowledges it, the close resolves it.
    expect((await getTrackedIssue(h.store, { repo: "acme/support", number: 1 }))?.paged_cycle).toBe(1);
    // The update interval runs (Production down: every 30 minutes): the comment says when.
    expect(text).toContain("Next update by **Fri 27 Nov 2026, 17:00 CET** (2026-11-27 16:00 UTC).");
  });
});

describe("edits, relabels and redeliveries", () => {
  async function openIncomplete() {
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent", "intake: incomplete"] })
      .post(`${ISSUE}/labels`, { labels: ["priority: urgent", "intake: incomplete"] })
      .reply(200, [])
      .post(`${ISSUE}/comments`, (b) => /Affected service/.test(String(b.body)))
      .reply(201, { id: 77 });
    await h.receive(
      "issues",
      issuePayload("opened", { body: problem({ service: "" }), labels: ["type: problem"] }),
    );
  }

  it("an edit that fixes the body removes `intake: incomplete` and edits the comment in place", async () => {
    await openIncomplete();
    const patched = recorder();
    nock(API)
      .delete(`${ISSUE}/labels/intake%3A%20incomplete`)
      .reply(200, [])
      .patch("/repos/acme/support/issues/comments/77", patched.match)
      .reply(200, { id: 77 });

    await h.receive(
      "issues",
      issuePayload(
        "edited",
        { body: problem(), labels: ["type: problem", "priority: urgent", "intake: incomplete"] },
        { changes: { body: { from: "old" } } },
      ),
    );

    const text = String(patched.bodies[0]?.body);
    expect(text).not.toContain("Please edit the issue");
    expect(text).not.toContain("Affected service");
    expect(text).toContain("**Mon 30 Nov 2026, 09:30 CET**");
  });

  it("an edit of the title only is ignored", async () => {
    await openIncomplete();
    await h.receive(
      "issues",
      issuePayload("edited", { body: problem({ service: "" }) }, { changes: { title: { from: "x" } } }),
    );
  });

  it("a team member's priority label re-plans: old label removed, new deadline in the same comment", async () => {
    await openIncomplete();
    const patched = recorder();
    nock(API)
      .delete(`${ISSUE}/labels/priority%3A%20urgent`)
      .reply(200, [])
      .patch("/repos/acme/support/issues/comments/77", patched.match)
      .reply(200, { id: 77 });

    await h.receive(
      "issues",
      issuePayload(
        "labeled",
        {
          body: problem({ service: "" }),
          labels: ["type: problem", "priority: urgent", "intake: incomplete", "priority: normal"],
        },
        { sender: { login: "engineer-erik" }, label: "priority: normal" },
      ),
    );

    expect(String(patched.bodies[0]?.body)).toContain("**Mon 30 Nov 2026, 17:00 CET**");
    const row = await getTrackedIssue(h.store, { repo: "acme/support", number: 1 });
    expect(row).toMatchObject({ priority: "normal", priority_override: "normal" });
  });

  it("labels added by a bot (this app included) re-plan nothing", async () => {
    await openIncomplete();
    await h.receive(
      "issues",
      issuePayload(
        "labeled",
        { body: problem({ service: "" }), labels: ["type: problem", "priority: normal"] },
        { sender: { login: "support-sla[bot]", type: "Bot" }, label: "priority: normal" },
      ),
    );
  });

  it("the same delivery twice posts one comment and nothing else", async () => {
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent"] })
      .post(`${ISSUE}/labels`)
      .once()
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .once()
      .reply(201, { id: 91 });
    const payload = issuePayload("opened", { body: problem(), labels: ["type: problem"] });
    await h.receive("issues", payload, "delivery-1");
    await h.receive("issues", payload, "delivery-1");
  });

  it("two events racing on one issue leave one comment", async () => {
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent"] })
      .post(`${ISSUE}/labels`)
      .times(2)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .once()
      .reply(201, { id: 90 });
    const payload = issuePayload("opened", { body: problem(), labels: ["type: problem"] });
    await Promise.all([
      h.receive("issues", payload, "a"),
      h.receive("issues", { ...payload, action: "reopened" }, "b"),
    ]);
  });
});

describe("hostile bodies", () => {
  it("a 65,536-character body full of mentions and table syntax gets the right verdict and pings no one", async () => {
    const comment = recorder();
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: normal", "intake: incomplete"] })
      .post(`${ISSUE}/labels`, { labels: ["priority: normal", "intake: incomplete"] })
      .reply(200, [])
      .post(`${ISSUE}/comments`, comment.match)
      .reply(201, { id: 5 });
    const noise = "cc @acme/ops | [x](http://evil.example) <!-- ### Affected service --> ".repeat(2000);
    const hostile = problem({ priority: "@acme/ops | Urgent", "what-happens": noise })
      .replace(/\n/g, "\r\n")
      .slice(0, 65_536);

    await h.receive("issues", issuePayload("opened", { body: hostile, labels: ["type: problem"] }));

    const text = String(comment.bodies[0]?.body);
    // The mangled priority is not an option: the default priority, and the field is named once.
    expect(text).toContain("registered as **Problem / troubleshooting**, priority **Normal**.");
    expect(text.match(/^- \*\*Priority\*\*: "/gm)).toHaveLength(1);
    expect(text).not.toMatch(/(^|[^\w`])@acme\/ops/);
    // Nothing the customer wrote starts a table, a heading or a list of its own.
    const lines = text.split("\n");
    expect(
      lines.filter((l) => /^(\||#)/.test(l) || (l.startsWith("- ") && !/^- \*\*[^*]+\*\*: /.test(l))),
    ).toEqual([]);
  });
});

describe("request count", () => {
  it("with config and forms cached, issues.opened makes 2 writes and no other call", async () => {
    mockToken();
    mockSetupReads({ forms, labels: ["type: problem", "priority: urgent"] })
      .post(`${ISSUE}/labels`)
      .reply(200, [])
      .post(`${ISSUE}/comments`)
      .reply(201, { id: 1 });
    await h.receive("issues", issuePayload("opened", { body: problem(), labels: ["type: problem"] }));

    const seen: string[] = [];
    const scope = nock(API)
      .post("/repos/acme/support/issues/2/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/2/comments")
      .reply(201, { id: 2 });
    scope.on("request", (req) => seen.push(`${req.method} ${req.path}`));
    await h.receive(
      "issues",
      issuePayload("opened", { number: 2, body: problem(), labels: ["type: problem"] }),
    );
    expect(seen).toEqual([
      "POST /repos/acme/support/issues/2/labels",
      "POST /repos/acme/support/issues/2/comments",
    ]);
  });
});

describe("interception canary", () => {
  it("an unmocked GitHub call fails the delivery instead of reaching the network; it stays queued for a retry", async () => {
    await h.receive("issues", issuePayload("opened", { body: problem() }), "canary");
    const row = await h.store.db
      .selectFrom("inbox")
      .selectAll()
      .where("delivery_id", "=", "canary")
      .executeTakeFirst();
    expect(row?.done_at).toBeNull();
    expect(row?.last_error).toMatch(/Nock: (No match|Disallowed net connect)/);
  });
});

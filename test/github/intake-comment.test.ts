import { describe, expect, it } from "vitest";
import { INTAKE_MARKER, type IntakeView, renderIntakeComment } from "../../src/github/intake-comment.js";
import { formatLocal, inlineText } from "../../src/github/markdown.js";

const view: IntakeView = {
  typeName: "Problem / troubleshooting",
  priorityName: "Urgent",
  productionDown: false,
  pagesNow: false,
  deadlineMs: Date.parse("2026-11-30T08:30:00Z"),
  timezone: "Europe/Brussels",
  intake: "incomplete",
  errors: [],
  notes: [],
  formLinks: null,
  phone: null,
  chat: null,
};

/** GitHub pings `@user` and `@org/team` when the @ follows start, space or punctuation and precedes a name. */
const pings = (text: string) => /(^|[^\w`])@[A-Za-z0-9][\w-]*(\/[\w-]+)?/.test(text);

describe("text echoed from an issue", () => {
  it("never pings a user or a team", () => {
    for (const text of ["@octocat please", "cc @acme/support", "(@acme/ops)", "email me: a@b.example"]) {
      expect(pings(inlineText(text))).toBe(false);
    }
  });

  it("cannot break a table cell, a link or our HTML marker", () => {
    const evil = "x | y ](http://evil.example) <!-- --> <script> `code` **bold**\n### Heading";
    const out = inlineText(evil);
    expect(out).not.toMatch(/(^|[^\\])\|/);
    expect(out).not.toMatch(/(^|[^\\])[[\]<>`]/);
    expect(out).not.toContain("\n");
  });

  it("is clipped to a readable length", () => {
    expect(inlineText("a".repeat(500), 100)).toHaveLength(100);
  });
});

describe("the intake comment", () => {
  const valid: IntakeView = { ...view, intake: "valid" };
  /** The comment as a customer reads it: without the hidden marker. */
  const visible = (text: string) => text.replace(INTAKE_MARKER, "");

  it("starts with its hidden marker and shows the deadline in the repo's zone and in UTC", () => {
    const text = renderIntakeComment(valid);
    expect(text.startsWith(INTAKE_MARKER)).toBe(true);
    expect(text).toContain(
      "Our first response is due by **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC).",
    );
  });

  it("names the request type and the priority as the support process does, never by label", () => {
    const text = renderIntakeComment(valid);
    expect(text).toContain(
      "Thanks, your request is registered as **Problem / troubleshooting**, priority **Urgent**.",
    );
    expect(text).not.toMatch(/type: |priority: /);
  });

  it("a valid request is three lines and a chat link: nothing a customer would skip", () => {
    const text = renderIntakeComment({ ...valid, chat: "https://acme.slack.com/archives/C0123ABCD" });
    expect(text.split("\n")).toEqual([
      INTAKE_MARKER,
      "Thanks, your request is registered as **Problem / troubleshooting**, priority **Urgent**.",
      "Our first response is due by **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC).",
      "",
      "<sub>Questions about this process? Reach us on [chat](https://acme.slack.com/archives/C0123ABCD).</sub>",
    ]);
    expect(renderIntakeComment(valid).split("\n")).toHaveLength(3);
  });

  it("names each missing or wrong field once, with what to do", () => {
    const text = renderIntakeComment({
      ...view,
      errors: [
        { label: "Wished date", message: "missing — add it" },
        { label: "Priority", message: '"Hgh" is not one of "Low", "Normal", "Urgent"' },
      ],
    });
    expect(text).toContain("**Please edit the issue:**");
    expect(text).toContain("- **Wished date**: missing — add it");
    expect(text).toContain('- **Priority**: "Hgh" is not one of "Low", "Normal", "Urgent"');
    expect(visible(text).match(/Wished date/g)).toHaveLength(1);
    // "Priority" is the field here; the line above the list says "priority" once, about the issue.
    expect(visible(text).match(/\*\*Priority\*\*/g)).toHaveLength(1);
  });

  it("tells same-labelled fields apart by their place in the form", () => {
    const text = renderIntakeComment({
      ...view,
      errors: [
        { label: "Details", message: "missing — add it", position: { index: 1, of: 3 } },
        { label: "Details", message: "missing — add it", position: { index: 3, of: 3 } },
      ],
    });
    expect(text).toContain("- **Details** (1st of 3): missing — add it");
    expect(text).toContain("- **Details** (3rd of 3): missing — add it");
  });

  it("neutralises what the customer typed", () => {
    const text = renderIntakeComment({
      ...view,
      errors: [{ label: "Priority", message: '"@acme/ops | now" is not one of "Low", "Normal"' }],
    });
    expect(text).toMatch(/- \*\*Priority\*\*: "@/);
    expect(pings(text)).toBe(false);
    expect(text).toContain("\\| now");
    expect(text).not.toMatch(/[^\\]\| now/);
  });

  it("for Production down while on-call is paged, says so and gives the escalation number", () => {
    const text = renderIntakeComment({
      ...valid,
      priorityName: "Production down",
      productionDown: true,
      pagesNow: true,
      phone: "+32 2 555 01 01",
    });
    expect(text).toContain("priority **Production down**");
    expect(text).toContain(
      "> Our on-call engineer is being paged now. If you have not already, call the escalation number **\\+32 2 555 01 01** and describe the problem.",
    );
  });

  it("for Production down opened from an on-call page, says on-call is alerted instead of asking for a call", () => {
    const text = renderIntakeComment({
      ...valid,
      priorityName: "Production down",
      productionDown: true,
      fromOnCallPage: true,
      phone: "+32 2 555 01 01",
    });
    expect(text).toContain(
      "> This request came in through our on-call line, and our on-call engineer has been alerted. For anything new, call the escalation number **\\+32 2 555 01 01**.",
    );
    expect(text).not.toContain("now and describe the problem");
  });

  it("for Production down once the team has answered (re-rendered for the next update), no longer says to call now", () => {
    for (const pagesNow of [true, false]) {
      const text = renderIntakeComment({
        ...valid,
        priorityName: "Production down",
        productionDown: true,
        pagesNow,
        awaitingReply: false,
        phone: "+32 2 555 01 01",
      });
      expect(text).toContain(
        "> For anything new and urgent about this, call the escalation number **\\+32 2 555 01 01**: that alerts our on-call engineer, day and night.",
      );
      expect(text).not.toMatch(/being paged now|now and describe the problem/);
      expect(text).not.toContain("first response is due"); // given already: no promise left to state
    }
  });

  it("for Production down without a page, tells the customer to call the number now", () => {
    const text = renderIntakeComment({
      ...valid,
      priorityName: "Production down",
      productionDown: true,
      phone: "+32 2 555 01 01",
    });
    expect(text).toContain("> [!CAUTION]\n> Call the escalation number **\\+32 2 555 01 01** now");
    expect(text).not.toContain("being paged");
    // Without a configured number it still says to call, and invents none.
    const bare = renderIntakeComment({ ...valid, productionDown: true });
    expect(bare).toContain("> Call our escalation number now");
  });

  it("says nothing about the phone line for any other priority", () => {
    const text = renderIntakeComment({ ...valid, phone: "+32 2 555 01 01" });
    expect(text).not.toContain("555");
    expect(text).not.toContain("[!CAUTION]");
  });

  it("for an issue that matched no form, says what it counts as and links each form once", () => {
    const text = renderIntakeComment({
      ...view,
      typeName: "Other",
      priorityName: "Normal",
      errors: [{ label: "Issue form", message: "This issue was not opened from one of our issue forms." }],
      formLinks: [
        {
          name: "Problem / troubleshooting",
          url: "https://github.com/acme/support/issues/new?template=problem.yml",
        },
        { name: "Other request", url: "https://github.com/acme/support/issues/new?template=other.yml" },
      ],
    });
    expect(text).toContain(
      "Thanks, your request is registered. It was not opened from one of our forms, so for now it counts as **Other**, priority **Normal**.",
    );
    expect(text).toContain(
      "Please open it again with the form that fits, so we get the details we need:\n- [Problem / troubleshooting](https://github.com/acme/support/issues/new?template=problem.yml)\n- [Other request](https://github.com/acme/support/issues/new?template=other.yml)",
    );
    // The form links say it all: the "Issue form" error is not listed as well.
    expect(text).not.toContain("Issue form");
    expect(text).not.toContain("Please edit the issue");
  });

  it("shows notes as plain sentences, before the fields to fix", () => {
    const note =
      "Production down is only for Problem / troubleshooting requests, so this request is handled as Urgent.";
    const text = renderIntakeComment({
      ...view,
      notes: [note],
      errors: [{ label: "Wished date", message: "missing — add it" }],
    });
    expect(text).toContain(`\n\n${note}\n\n**Please edit the issue:**`);
  });

  it("names zones as people read them", () => {
    const at = Date.parse("2026-11-30T08:30:00Z");
    expect(formatLocal(at, "America/New_York")).toBe("Mon 30 Nov 2026, 03:30 EST");
    expect(formatLocal(at, "Asia/Kolkata")).toBe("Mon 30 Nov 2026, 14:00 IST");
    expect(formatLocal(at, "Asia/Kathmandu")).toBe("Mon 30 Nov 2026, 14:15 GMT+5:45");
  });
});

import { describe, expect, it } from "vitest";
import { INTAKE_MARKER, type IntakeView, renderIntakeComment } from "../../src/github/intake-comment.js";
import { formatLocal, inlineText } from "../../src/github/markdown.js";

const view: IntakeView = {
  typeLabel: "type: problem",
  priorityLabel: "priority: urgent",
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
  it("starts with its hidden marker and shows the deadline in the repo's zone and in UTC", () => {
    const text = renderIntakeComment(view);
    expect(text.startsWith(INTAKE_MARKER)).toBe(true);
    expect(text).toContain("| First response due | **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC) |");
  });

  it("lists each missing field by its label, neutralising what the customer typed", () => {
    const text = renderIntakeComment({
      ...view,
      errors: [
        {
          label: "Priority",
          message: 'We could not read a priority from Priority: "@acme/ops | now" is not one of …',
        },
      ],
    });
    expect(text).toMatch(/- \*\*Priority\*\*: We could not read a priority/);
    expect(pings(text)).toBe(false);
    expect(text).toContain("\\| now");
    expect(text).not.toMatch(/[^\\]\| now/);
  });

  it("for Production down says on-call is paged and gives the escalation number", () => {
    const text = renderIntakeComment({
      ...view,
      productionDown: true,
      pagesNow: true,
      phone: "+32 2 555 01 01",
      intake: "valid",
    });
    expect(text).toContain("on-call engineer is being paged now");
    expect(text).toContain("+32 2 555 01 01");
  });

  it("names zones as people read them", () => {
    const at = Date.parse("2026-11-30T08:30:00Z");
    expect(formatLocal(at, "America/New_York")).toBe("Mon 30 Nov 2026, 03:30 EST");
    expect(formatLocal(at, "Asia/Kolkata")).toBe("Mon 30 Nov 2026, 14:00 IST");
    expect(formatLocal(at, "Asia/Kathmandu")).toBe("Mon 30 Nov 2026, 14:15 GMT+5:45");
  });
});

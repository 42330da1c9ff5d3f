import { describe, expect, it } from "vitest";
import { commentLines, layout, wrapLine } from "../../scripts/lib/demo-text.mjs";
import { renderBreachComment } from "../../src/domain/sla/messages.js";

/*
 * `npm run demo` prints every comment the app writes whole, wrapped to 100 columns (issue 11,
 * part 5): the escalation number and the breach's next step used to be cut off at 120 characters.
 */

const T = Date.UTC(2026, 10, 30, 15, 0, 0);
const breach = renderBreachComment({
  cycle: 1,
  mention: ["@acme/support"],
  typeName: "Problem / troubleshooting",
  priorityName: "Urgent",
  cycleStartAt: T,
  deadlineAt: T + 8_000,
  now: T + 9_000,
  timezone: "Europe/Brussels",
  paged: true,
});

/** An intake comment's shape: hidden marker, a table, a GitHub alert with the phone number. */
const INTAKE = [
  "<!-- support-sla:intake -->",
  "Thanks, your request is registered as **Problem / troubleshooting**, priority **Production down**.",
  "",
  "| | |",
  "|---|---|",
  "| Affected service | payments \\| checkout @\u200Dops |",
  "",
  "> [!CAUTION]",
  "> **Production down:** call **+32 2 555 01 01** now and describe the problem: that alerts our on-call engineer at once, day and night.",
  "",
  "<sub>The response time is counted from when the issue was opened, whatever is missing. [Forms](https://github.com/acme/app/issues/new/choose)</sub>",
].join("\n");

const words = (lines: readonly string[]) => lines.join(" ").split(/\s+/).filter(Boolean);

describe("demo: comments printed whole", () => {
  it("keeps every visible line of a comment, in order, without its markdown", () => {
    expect(commentLines(INTAKE)).toEqual([
      "Thanks, your request is registered as Problem / troubleshooting, priority Production down.",
      "Affected service: payments | checkout @ops",
      "Caution: Production down: call +32 2 555 01 01 now and describe the problem: that alerts our on-call engineer at once, day and night.",
      "The response time is counted from when the issue was opened, whatever is missing. Forms (https://github.com/acme/app/issues/new/choose)",
    ]);
  });

  it("keeps the breach comment's next step, the page and the apology", () => {
    const lines = commentLines(breach);
    expect(lines[0]).toBe(
      "@acme/support: the first-response deadline of this issue has passed without a reply from the team.",
    );
    expect(lines).toContain("Overdue by: 1 s");
    expect(lines).toContain(
      "Next step: a team member replies on this issue now. The first reply from the team stops the clock " +
        "and is recorded as a late first response; if someone else should take the request, assign them and say so here.",
    );
    expect(lines.slice(-2)).toEqual([
      "On-call has been paged.",
      "We are sorry for the wait: the people above have been alerted.",
    ]);
    expect(lines.join("\n")).not.toMatch(/<!--|\*\*|\|/);
  });

  it("lays a comment out within 100 columns and drops no word", () => {
    const head = "+ 19.8s  GitHub    umbrella/checkout#1 ";
    for (const body of [breach, INTAKE]) {
      const lines = commentLines(body);
      const printed = layout(head, ["breach comment posted by support-sla[bot]:", ...lines], 100, 11);
      for (const line of printed) expect([...line].length).toBeLessThanOrEqual(100);
      expect(words(printed).slice(words([head]).length)).toEqual(
        words(["breach comment posted by support-sla[bot]:", ...lines]),
      );
      // Every line after the first starts under the actor; continuations two columns further in.
      expect(printed.slice(1).every((l) => /^ {11}\S/.test(l) || /^ {13}\S/.test(l))).toBe(true);
    }
  });
});

describe("wrapLine", () => {
  it("keeps a line that fits as it is, spacing included", () => {
    expect(wrapLine("  acme/app    15 issues", 30)).toEqual(["  acme/app    15 issues"]);
  });

  it("breaks between words, each piece within its width", () => {
    const text =
      "Next step: a team member replies on this issue now. The first reply from the team stops the clock.";
    const pieces = wrapLine(text, 30, 20);
    expect(pieces[0]?.length).toBeLessThanOrEqual(30);
    for (const piece of pieces.slice(1)) expect(piece.length).toBeLessThanOrEqual(20);
    expect(pieces.join(" ")).toBe(text);
    expect(pieces.length).toBeGreaterThan(3);
  });

  it("breaks a word longer than the width inside it, between characters, losing none", () => {
    const url = "https://github.com/umbrella/checkout/blob/HEAD/.github/SUPPORT.md#escalation-number";
    const pieces = wrapLine(`see ${url}`, 20);
    expect(pieces.every((p) => [...p].length <= 20)).toBe(true);
    expect(pieces.join("").replace(/^see/, "")).toBe(url);
    expect(wrapLine("🚨🚨🚨🚨🚨", 2)).toEqual(["🚨🚨", "🚨🚨", "🚨"]);
  });

  it("refuses a width below 1", () => {
    expect(() => wrapLine("x", 0)).toThrow(RangeError);
  });
});

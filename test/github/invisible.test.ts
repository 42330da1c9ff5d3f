import { describe, expect, it } from "vitest";
import { renderBreachComment } from "../../src/domain/sla/messages.js";
import { type IntakeView, renderIntakeComment } from "../../src/github/intake-comment.js";
import { inlineText, neutralizeInvisible } from "../../src/github/markdown.js";
import { buildPagerDutyEvent } from "../../src/notify/pagerduty.js";
import { renderSlackMessage } from "../../src/notify/slack.js";

/**
 * Issue 10, kind 10: invisible text. Bidirectional controls from an issue never reach the app's
 * comments, Slack messages or pages; joined emoji keep their joiners.
 */

/** U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C. */
const BIDI = [
  "\u202A",
  "\u202B",
  "\u202C",
  "\u202D",
  "\u202E",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
];
const HAS_BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** "Trojan Source": reads as "invoice.pdf" where it is "invoice\u202Efdp.exe". */
const TROJAN = `invoice\u202Efdp.exe \u2067admin\u2069 ok\u200F`;

const JOINED = [
  "👩\u200D💻", // woman technologist
  "👨\u200D👩\u200D👧\u200D👦", // family
  "🏳\uFE0F\u200D🌈", // rainbow flag (variation selector, then joiner)
  "👩🏽\u200D🚀", // skin tone, then joiner
  "❤\uFE0F\u200D🔥", // heart on fire
  "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}", // Scotland (tag sequence)
  "1\uFE0F\u20E3", // keycap
  "क्\u200Dष", // Devanagari half form (ZWJ between letters)
];

describe("neutralizeInvisible", () => {
  it("removes every bidirectional control", () => {
    for (const c of BIDI) expect(neutralizeInvisible(`a${c}b`)).toBe("ab");
    expect(neutralizeInvisible(TROJAN)).toBe("invoicefdp.exe admin ok");
  });

  it("keeps joined emoji, variation selectors, skin tones, flag tags and script joiners intact", () => {
    for (const text of JOINED) expect(neutralizeInvisible(`x ${text} y`)).toBe(`x ${text} y`);
  });

  it("drops zero-width characters that join nothing", () => {
    expect(neutralizeInvisible("a\u200B b\u2060 c\uFEFF \u200D \u200Cd")).toBe("a b c  d");
  });
});

describe("inlineText (every comment's customer text)", () => {
  it("keeps joined emoji whole, also at the clipping point", () => {
    for (const text of JOINED) expect(inlineText(`deploy ${text} please`)).toContain(text);
    const clipped = inlineText(`${"a".repeat(8)}👩\u200D💻`, 10);
    expect(clipped).not.toMatch(/[\uD800-\uDBFF]…$|\u200D…$/);
  });

  it("carries no bidirectional control", () => {
    expect(inlineText(TROJAN)).not.toMatch(HAS_BIDI);
    for (const c of BIDI) expect(inlineText(`@${c}octocat ${c}`)).not.toMatch(HAS_BIDI);
  });
});

describe("every renderer of customer text", () => {
  const base: IntakeView = {
    typeName: `Problem ${TROJAN}`,
    priorityName: "Urgent",
    productionDown: false,
    pagesNow: false,
    deadlineMs: Date.parse("2026-11-30T08:30:00Z"),
    timezone: "Europe/Brussels",
    intake: "incomplete",
    errors: [{ label: `Service ${TROJAN}`, message: `"${TROJAN}" is not one of the options` }],
    notes: [`Note ${TROJAN} 👩\u200D💻`],
    formLinks: null,
    phone: null,
    chat: null,
  };

  it("the intake comment", () => {
    const text = renderIntakeComment(base);
    expect(text).not.toMatch(HAS_BIDI);
    expect(text).toContain("👩\u200D💻");
  });

  it("the breach comment", () => {
    const text = renderBreachComment({
      cycle: 1,
      mention: [],
      typeName: `type: ${TROJAN}`,
      priorityName: `priority: ${TROJAN}`,
      cycleStartAt: Date.parse("2026-11-27T15:30:00Z"),
      deadlineAt: Date.parse("2026-11-30T08:30:00Z"),
      now: Date.parse("2026-11-30T08:31:00Z"),
      timezone: "Europe/Brussels",
      paged: false,
    });
    expect(text).not.toMatch(HAS_BIDI);
  });

  it("the Slack message (title, labels and extra text)", () => {
    const message = renderSlackMessage({
      kind: "breached",
      issue: {
        repo: "acme/support",
        number: 12,
        title: `Checkout down ${TROJAN} 👨\u200D👩\u200D👧\u200D👦`,
        url: "https://github.com/acme/support/issues/12",
      },
      typeLabel: `type: ${TROJAN}`,
      priorityLabel: "priority: urgent",
      deadline: Date.parse("2026-11-30T08:30:00Z"),
      timezone: "Europe/Brussels",
      text: `by ${TROJAN}`,
    });
    const json = JSON.stringify(message);
    expect(json).not.toMatch(HAS_BIDI);
    expect(json).toContain("👨\u200D👩\u200D👧\u200D👦");
  });

  it("the PagerDuty event (summary and link text)", () => {
    const event = buildPagerDutyEvent(
      "KEY",
      "trigger",
      {
        repo: "acme/support",
        number: 12,
        url: "https://github.com/acme/support/issues/12",
        title: `Checkout down ${TROJAN} 🏳\uFE0F\u200D🌈`,
        cycle: 1,
      },
      { summary: `priority: production down: acme/support#12 Checkout down ${TROJAN}`, severity: "critical" },
    );
    const json = JSON.stringify(event);
    expect(json).not.toMatch(HAS_BIDI);
    expect(json).toContain("🏳\uFE0F\u200D🌈");
  });
});

describe("excerpt (values echoed back in the intake comment and the CLI)", () => {
  it("keeps joined emoji whole and never ends in half a character", async () => {
    const { excerpt } = await import("../../src/domain/forms/text.js");
    const family = "👨‍👩‍👧";
    expect(excerpt(`${family} family`)).toBe(`${family} family`);
    const cut = excerpt(`${"x".repeat(58)}👍tail`);
    expect(cut.length).toBeLessThanOrEqual(60);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    const long = excerpt(`${family} family ${"👍".repeat(40)}`);
    expect(long.startsWith(family)).toBe(true);
    expect(long).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(excerpt("pay \u202Eevil\u202C now")).toBe("pay evil now");
  });
});

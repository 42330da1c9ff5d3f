import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../../src/config/load.js";
import type { DeadlineExplanation } from "../../src/domain/sla/explain.js";
import { renderExplainReply } from "../../src/domain/sla/explain.js";
import { atRiskSlackText, breachSlackText, renderBreachComment } from "../../src/domain/sla/messages.js";
import { renderPostMortemQuestion, renderPostMortemReminder } from "../../src/domain/sla/post-mortem.js";
import { INTAKE_MARKER, type IntakeView, renderIntakeComment } from "../../src/github/intake-comment.js";
import { checkRunOutput } from "../../src/handlers/push.js";
import {
  CHECK_RUN_OUTPUT_MAX_BYTES,
  capMentions,
  clip,
  fitBody,
  fitLines,
  GITHUB_COMMENT_MAX,
  GITHUB_ISSUE_BODY_MAX,
  GITHUB_ISSUE_TITLE_MAX,
  GITHUB_MENTIONS_MAX,
  PAGERDUTY_EVENT_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
  SLACK_BLOCKS_MAX,
  SLACK_FIELD_TEXT_MAX,
  SLACK_FIELDS_MAX,
  SLACK_SECTION_TEXT_MAX,
  SLACK_TEXT_MAX,
  utf8Bytes,
} from "../../src/helpers/limits.js";
import { buildPagerDutyEvent } from "../../src/notify/pagerduty.js";
import { renderSlackMessage, type SlackMessage, type SlaNotice } from "../../src/notify/slack.js";
import { buildReport } from "../../src/report/aggregate.js";
import type { ReportBreach, ReportRow, SlaReport } from "../../src/report/types.js";
import { renderWeeklyIssue, weekWindow } from "../../src/report/weekly.js";
import { NOW, SEED, toTracked } from "../report/seed.js";

/*
 * Kind 7 of issue 10: output that grows without limit from input. Every renderer is fed input
 * that would overflow its channel and must come out within the channel's limit while still saying
 * what matters (the deadline, how many problems, "and N more").
 */

const DEADLINE = Date.parse("2026-11-30T08:30:00Z");
/** A form with thousands of fields, each left empty, as the validator words it. */
const missingField = (i: number) => ({ label: `Field ${i}`, message: "missing — add it" });
/** GitHub pings `@user` and `@org/team` when the @ follows start, space or punctuation. */
const pings = (text: string) => text.match(/(^|[^\w`\u200D])@[A-Za-z0-9][\w-]*(\/[\w.-]+)?/g) ?? [];

const intakeView: IntakeView = {
  typeName: "Change request",
  priorityName: "Urgent",
  productionDown: false,
  pagesNow: false,
  deadlineMs: DEADLINE,
  timezone: "Europe/Brussels",
  intake: "incomplete",
  errors: [],
  notes: [],
  formLinks: null,
  phone: null,
  chat: null,
};

describe("the shared helpers", () => {
  it("clip never splits a surrogate pair or a joined emoji, and keeps to the limit", () => {
    const family = "👩‍👩‍👧‍👦"; // 11 code units joined by ZWJ
    for (let max = 1; max < 40; max++) {
      const out = clip(`ab${family.repeat(3)}`, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
      // Whatever is kept of the family is whole: a cut never leaves a trailing joiner or half a person.
      const kept = out.replace(/^ab?/, "").replace(/…$/, "");
      expect(kept.replaceAll(family, "")).toBe("");
    }
  });

  it("fitLines keeps to its budget and says how many were left out", () => {
    const items = Array.from({ length: 5_000 }, (_, i) => `- item ${i}`);
    const lines = fitLines(items, 1_000, (n) => `- …and ${n.toLocaleString("en-US")} more.`);
    expect(lines.join("\n").length).toBeLessThanOrEqual(1_000);
    const shown = lines.length - 1;
    expect(lines.at(-1)).toBe(`- …and ${(5_000 - shown).toLocaleString("en-US")} more.`);
    expect(fitLines(["a", "b"], 100, () => "more")).toEqual(["a", "b"]);
    expect(fitLines(items, 5, () => "- …and many more.")).toEqual([]);
  });

  it("fitBody cuts at a line boundary with a notice", () => {
    const body = Array.from({ length: 10_000 }, (_, i) => `line ${i}`).join("\n");
    const out = fitBody(body, 1_000);
    expect(out.length).toBeLessThanOrEqual(1_000);
    expect(out).toMatch(/\nline \d+\n_…cut here/);
  });

  it("capMentions keeps each handle once and at most GITHUB_MENTIONS_MAX", () => {
    const handles = ["@a", "@A", " @b ", "", ...Array.from({ length: 100 }, (_, i) => `@u${i}`)];
    const { shown, more } = capMentions(handles);
    expect(shown).toHaveLength(GITHUB_MENTIONS_MAX);
    expect(shown.slice(0, 2)).toEqual(["@a", "@b"]);
    expect(more).toBe(102 - GITHUB_MENTIONS_MAX);
  });
});

describe("the intake comment at the limit", () => {
  it("thousands of missing fields fit a comment, and it still says what matters", () => {
    const errors = Array.from({ length: 5_000 }, (_, i) => missingField(i));
    const chat = "https://acme.slack.com/archives/C0123ABCD";
    const text = renderIntakeComment({ ...intakeView, errors, chat });
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(text.startsWith(INTAKE_MARKER)).toBe(true);
    expect(text).toContain(
      "Our first response is due by **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC).",
    );
    const listed = text.match(/^- \*\*Field \d+\*\*: missing — add it$/gm)?.length ?? 0;
    expect(listed).toBeGreaterThan(0);
    expect(text).toContain(`- …and ${(5_000 - listed).toLocaleString("en-US")} more.`);
    expect(text).toContain(`[chat](${chat})`);
  });

  it("long values in every list and field stay within the limit", () => {
    const huge = "x".repeat(100_000);
    const text = renderIntakeComment({
      ...intakeView,
      productionDown: true,
      typeName: huge,
      priorityName: huge,
      phone: huge,
      chat: `https://chat.example/${"c".repeat(100_000)}`,
      notes: Array.from({ length: 2_000 }, () => huge),
      errors: Array.from({ length: 2_000 }, () => ({ label: huge, message: huge })),
    });
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(text).toContain("2026-11-30 08:30 UTC");
    expect(text).toContain("more notes");
    const forms = renderIntakeComment({
      ...intakeView,
      formLinks: Array.from({ length: 10_000 }, (_, i) => ({
        name: `Form ${i} ${"n".repeat(500)}`,
        url: `https://github.com/acme/support/issues/new?template=form-${i}.yml`,
      })),
    });
    expect(forms.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(forms).toMatch(/- …and [\d,]+ more forms\./);
  });

  it("a chat link with a lone surrogate drops the link instead of throwing", () => {
    expect(() => renderIntakeComment({ ...intakeView, chat: "https://chat.example/\uD800" })).not.toThrow();
  });
});

describe("the breach comment and the post-mortem comments at the limit", () => {
  const mention = [
    ...Array.from({ length: 5_000 }, (_, i) => `@acme/team-${i}`),
    "@acme/team-1",
    "@ACME/TEAM-1",
  ];
  it("the breach comment pings at most GITHUB_MENTIONS_MAX handles, each once, and counts the rest", () => {
    const text = renderBreachComment({
      cycle: 1,
      mention,
      typeName: "t".repeat(100_000),
      priorityName: "Urgent",
      cycleStartAt: DEADLINE - 3_600_000,
      deadlineAt: DEADLINE,
      now: DEADLINE + 60_000,
      timezone: "Europe/Brussels",
      paged: false,
    });
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(pings(text)).toHaveLength(GITHUB_MENTIONS_MAX);
    expect(text).toContain(`(and ${(5_000 - GITHUB_MENTIONS_MAX).toLocaleString("en-US")} more in`);
    expect(text).toContain(
      "| First response was due | **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC) |",
    );
  });

  it("the post-mortem reminder caps its mentions too; the question fits whatever the labels", () => {
    const policy = defaultPolicy();
    const crowded = { ...policy, escalation: { ...policy.escalation, mention } };
    const reminder = renderPostMortemReminder(crowded, DEADLINE);
    expect(reminder.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(pings(reminder)).toHaveLength(GITHUB_MENTIONS_MAX);
    expect(reminder).toContain("more in `escalation.mention`");
    expect(reminder).toContain("2026-11-30 08:30 UTC");
    const question = renderPostMortemQuestion({
      ...policy,
      postMortem: {
        ...policy.postMortem,
        requiredLabel: "r".repeat(100_000),
        doneLabel: "d`".repeat(50_000),
      },
    });
    expect(question.length).toBeLessThanOrEqual(2_000);
    expect(question).toContain("Is a post-mortem due?");
  });
});

describe("the /sla explain reply at the limit", () => {
  it("thousands of intervals and closed days are summarised; the result line stays", () => {
    const start = Date.parse("2026-01-05T08:00:00Z");
    const counted = Array.from({ length: 20_000 }, (_, i) => ({
      start: start + i * 604_800_000,
      end: start + i * 604_800_000 + 60_000,
      ms: 60_000,
    }));
    const skipped = Array.from({ length: 20_000 }, (_, i) => ({
      date: `2026-${String((i % 12) + 1).padStart(2, "0")}-01`,
      reason: i % 2 ? ("closed" as const) : ("public-holiday" as const),
      name: "Saint Somebody's Day ".repeat(10),
    }));
    const e: DeadlineExplanation = {
      priority: "slow",
      priorityLabel: "priority: slow",
      rule: "20000 min of business time",
      clock: "business",
      timezone: "Europe/Brussels",
      startAt: start,
      deadlineAt: start + 20_000 * 604_800_000,
      counted,
      skipped,
      holidaysConfigured: { explicit: 3, calendar: "BE" },
    };
    const text = renderExplainReply(e, ["State: pending."]);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(text).toMatch(/ {2}- …and [\d,]+ more intervals \(\d.* counted in all\)/);
    expect(text).toMatch(/- Holidays skipped: .*and [\d,]+ more\./);
    expect(text).toMatch(/- Closed days skipped: .*and [\d,]+ more\./);
    expect(text).toMatch(/- \*\*Result: .*\.\*\*/);
    expect(text).toContain("Asked by a team member with `/sla explain`.");
  });
});

describe("the weekly report issue at the limit", () => {
  const policy = defaultPolicy();
  const rows = SEED.map((row) => toTracked(row) as ReportRow);
  const base = buildReport(rows, {
    repo: "acme/app",
    ...weekWindow("2026-W48", "Europe/Brussels"),
    now: NOW,
    policy,
  });

  it("thousands of hostile breaches, priorities and types still fit an issue body", () => {
    const template = base.breaches[0] as ReportBreach;
    const breaches = Array.from({ length: 5_000 }, (_, i) => ({
      ...template,
      number: i + 1,
      title: "|".repeat(256),
      firstResponseBy: "@".repeat(100),
      url: `https://github.com/acme/app/issues/${i + 1}?${"q".repeat(500)}`,
    }));
    const priorities = Array.from({ length: 400 }, (_, i) => ({
      ...(base.priorities[0] as SlaReport["priorities"][number]),
      key: `p${i}`,
      name: `Priority ${i} ${"|".repeat(100)}`,
    }));
    const types = Array.from({ length: 400 }, (_, i) => ({
      ...(base.types[0] as SlaReport["types"][number]),
      key: `t${i}`,
      name: `Type ${i}`,
    }));
    const stats = base.overall;
    const report: SlaReport = {
      ...base,
      breaches,
      priorities,
      types,
      byPriority: priorities.map((p) => ({ priority: p.key, stats })),
      cells: priorities.flatMap((p) => types.map((t) => ({ priority: p.key, type: t.key, stats }))),
    };
    const { title, body } = renderWeeklyIssue(report, "2026-W48");
    expect(body.length).toBeLessThanOrEqual(GITHUB_ISSUE_BODY_MAX);
    expect(title.length).toBeLessThanOrEqual(GITHUB_ISSUE_TITLE_MAX);
    expect(body).toContain("<!-- support-sla:weekly-report week=2026-W48 -->");
    expect(body).toContain("### Breaches (5,000)");
    expect(body).toMatch(/…and [\d,]+ more, with later deadlines\./);
    expect(body).toMatch(/\| \*\*All\*\* \|/);
    expect(body).toContain("Generated at");
    expect(body).toContain("--out DIR`._");
  });

  it("a title of any repo name fits GitHub's 256 characters", () => {
    const { title } = renderWeeklyIssue({ ...base, repo: `acme/${"r".repeat(1_000)}` }, "2026-W48");
    expect(title.length).toBeLessThanOrEqual(GITHUB_ISSUE_TITLE_MAX);
  });
});

describe("the check run output at the limit", () => {
  it("tens of thousands of problems fit GitHub's 65,535 bytes and say how many more", () => {
    const problems = Array.from(
      { length: 20_000 },
      (_, i) => `.github/support-sla.yml: holidays[${i}]: "🎉🎉 ${"é".repeat(50)}" is not a date`,
    );
    const out = checkRunOutput(problems);
    expect(utf8Bytes(out.text ?? "")).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX_BYTES);
    expect(utf8Bytes(out.summary)).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX_BYTES);
    expect(out.title).toBe("20,000 problem(s) in the support-sla setup");
    expect(out.text).toMatch(/- …and [\d,]+ more problems/);
    const huge = checkRunOutput(["x".repeat(1_000_000)]);
    expect(utf8Bytes(huge.text ?? "")).toBeLessThanOrEqual(CHECK_RUN_OUTPUT_MAX_BYTES);
  });
});

describe("Slack messages at the limit", () => {
  function expectWithinSlack(m: SlackMessage) {
    expect(m.text.length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
    expect(m.blocks?.length ?? 0).toBeLessThanOrEqual(SLACK_BLOCKS_MAX);
    for (const block of m.blocks ?? []) {
      if (block.type === "section") {
        expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
        expect(block.fields?.length ?? 0).toBeLessThanOrEqual(SLACK_FIELDS_MAX);
        for (const f of block.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(SLACK_FIELD_TEXT_MAX);
      } else {
        expect(block.elements.length).toBeLessThanOrEqual(10);
        for (const e of block.elements) expect(e.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_MAX);
      }
    }
  }
  const hostile: SlaNotice = {
    kind: "breached",
    issue: {
      repo: "acme/app",
      number: 7,
      title: "&<>".repeat(10_000),
      url: "https://github.com/acme/app/issues/7",
    },
    typeLabel: "&".repeat(10_000),
    priorityLabel: "<".repeat(10_000),
    deadline: DEADLINE,
    timezone: "Europe/Brussels",
    text: breachSlackText({
      mention: Array.from({ length: 5_000 }, (_, i) => `@acme/team-${i}`),
      deadlineAt: DEADLINE,
      now: DEADLINE + 60_000,
      paged: true,
    }),
  };

  it("the breach message keeps every text object within Slack's limits, with the deadline", () => {
    const m = renderSlackMessage(hostile);
    expectWithinSlack(m);
    expect(m.text).toContain("2026-11-30 08:30 UTC");
    expect(hostile.text).toContain(`and ${(5_000 - GITHUB_MENTIONS_MAX).toLocaleString("en-US")} more`);
    expect(hostile.text?.match(/@acme\/team-/g)).toHaveLength(GITHUB_MENTIONS_MAX);
  });

  it("the at-risk message too, and a monstrous link URL is dropped rather than cut", () => {
    const m = renderSlackMessage({
      ...hostile,
      kind: "at-risk",
      issue: { ...hostile.issue, url: `https://github.com/acme/app/issues/7?${"u".repeat(50_000)}` },
      timezone: "Z".repeat(50_000),
      text: atRiskSlackText({ targetMs: 3_600_000, warnAt: 0.8, remainingMs: 720_000, businessClock: true }),
    });
    expectWithinSlack(m);
    expect(m.text).toContain("SLA at risk");
    expect(m.text).not.toContain("uuuu");
  });
});

describe("the PagerDuty event at the limit", () => {
  it("the summary is at most 1,024 characters without half an emoji; the event at most 512 KB", () => {
    const issue = {
      repo: "acme/app",
      number: 7,
      url: "https://github.com/acme/app/issues/7",
      title: "🔥".repeat(5_000),
    };
    const event = buildPagerDutyEvent("key", "trigger", issue, {
      summary: `First response overdue: ${"🔥".repeat(2_000)}`,
      severity: "critical",
      customDetails: { log: "x".repeat(2_000_000), nested: { deep: "y".repeat(600_000) } },
    });
    expect(event.payload?.summary.length).toBeLessThanOrEqual(PAGERDUTY_SUMMARY_MAX);
    expect(event.payload?.summary).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(event.links?.[0]?.text.length).toBeLessThanOrEqual(PAGERDUTY_SUMMARY_MAX);
    expect(utf8Bytes(JSON.stringify(event))).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
    expect(event.payload?.custom_details).toBeDefined();
    expect(event.dedup_key).toBe("support-sla:acme/app#7");
  });
});

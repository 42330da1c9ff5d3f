import { describe, expect, test } from "vitest";
import { formatProblem, type Problem, parseConfig } from "../../src/config/load.js";
import { parseThreshold } from "../../src/config/sections/escalation.js";
import type { Policy } from "../../src/domain/policy.js";

/* `escalation.levels`: the ladder of the first-response, next-reply and resolution timers (issue 12). */

const HOUR = 3_600_000;

function policyOf(text: string): Policy {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.policy;
}

function problemsOf(text: string): Problem[] {
  const result = parseConfig(text);
  if (result.ok) throw new Error("expected problems, the config is valid");
  return result.problems;
}

const printed = (text: string): string[] => problemsOf(text).map(formatProblem);

const ladder = (...levels: string[]): string =>
  ["escalation:", '  mention: ["@acme/support"]', "  levels:", ...levels.map((l) => `    - ${l}`)].join("\n");

describe("a ladder in the policy", () => {
  test("absent or null: the default ladder (null), whatever else escalation says", () => {
    expect(policyOf("").escalation.levels).toBeNull();
    expect(policyOf("escalation: { levels: null }\n").escalation.levels).toBeNull();
    expect(policyOf('escalation: { warn_at: 60%, mention: ["@a"] }\n').escalation.levels).toBeNull();
  });

  test("each level in order: thresholds as fractions or ms after the deadline, actions, repeat", () => {
    const policy = policyOf(
      ladder(
        '{ name: at-risk, at: 75%, label: "sla: at risk", slack: true }',
        '{ name: breach, at: 100%, label: "sla: breached", comment: true, slack: true }',
        'name: lead\n      at: "+1h"\n      comment: true\n      mention: ["@acme/leads"]\n      assignees: true\n      repeat: 2h',
        '{ name: on-call, at: "+90m", label: "sla: escalated", page: true, repeat: 30m }',
      ),
    );
    expect(policy.escalation.levels).toEqual([
      {
        name: "at-risk",
        at: { kind: "fraction", fraction: 0.75 },
        label: "sla: at risk",
        comment: false,
        mention: ["@acme/support"],
        mentionAssignees: false,
        slack: true,
        page: false,
        repeatMs: null,
      },
      {
        name: "breach",
        at: { kind: "fraction", fraction: 1 },
        label: "sla: breached",
        comment: true,
        mention: ["@acme/support"],
        mentionAssignees: false,
        slack: true,
        page: false,
        repeatMs: null,
      },
      {
        name: "lead",
        at: { kind: "after-breach", ms: HOUR },
        label: null,
        comment: true,
        mention: ["@acme/leads"],
        mentionAssignees: true,
        slack: false,
        page: false,
        repeatMs: 2 * HOUR,
      },
      {
        name: "on-call",
        at: { kind: "after-breach", ms: 1.5 * HOUR },
        label: "sla: escalated",
        comment: false,
        mention: ["@acme/support"],
        mentionAssignees: false,
        slack: false,
        page: true,
        repeatMs: HOUR / 2,
      },
    ]);
  });

  test("a level's mention: [] mentions nobody, instead of escalation.mention", () => {
    const [level] =
      policyOf(ladder("{ name: note, at: 50%, comment: true, mention: [] }")).escalation.levels ?? [];
    expect(level?.mention).toEqual([]);
  });

  test("the policy shares no mention list with the config or with another level", () => {
    const levels = policyOf(
      ladder("{ name: a, at: 50%, comment: true }", "{ name: b, at: 90%, comment: true }"),
    ).escalation.levels;
    levels?.[0]?.mention.push("@someone");
    expect(levels?.[1]?.mention).toEqual(["@acme/support"]);
  });

  test("thresholds: whole percentages 1% to 100%, + and a duration in s, m or h", () => {
    expect(parseThreshold("1%")).toEqual({ ok: true, at: { kind: "fraction", fraction: 0.01 } });
    expect(parseThreshold(" 100 % ")).toEqual({ ok: true, at: { kind: "fraction", fraction: 1 } });
    expect(parseThreshold("+90s")).toEqual({ ok: true, at: { kind: "after-breach", ms: 90_000 } });
    expect(parseThreshold("+ 8760h")).toEqual({ ok: true, at: { kind: "after-breach", ms: 8760 * HOUR } });
    for (const text of [
      "0%",
      "101%",
      "80.5%",
      "+0m",
      "+8761h",
      "+1d",
      "2h",
      "soon",
      "",
      "+next-business-day",
    ]) {
      expect(parseThreshold(text).ok, text).toBe(false);
    }
  });
});

describe("ladder problems: path, message, fix and line", () => {
  test("bad percentages", () => {
    expect(
      printed(
        ladder(
          "{ name: a, at: 0%, slack: true }", // 4
          "{ name: b, at: 150%, slack: true }", // 5
          "{ name: c, at: 80, slack: true }", // 6
          "{ name: d, at: eighty percent, slack: true }", // 7
        ),
      ),
    ).toEqual([
      'escalation.levels[0].at: "0%" would fire as the clock starts; write 1% to 100% (line 4)',
      'escalation.levels[1].at: "150%" is past the deadline; a share of the target goes up to "100%" (the deadline): write a later level as a time after it, e.g. "+2h" (line 5)',
      'escalation.levels[2].at: 80 has no unit; write "80%" for a share of the target, or "+80m" for a time after the deadline (line 6)',
      'escalation.levels[3].at: "eighty percent" is not a threshold; write a share of the target such as "80%", or a time after the deadline such as "+2h" (line 7)',
    ]);
  });

  test("bad durations: after the deadline, and repeats", () => {
    expect(
      printed(
        ladder(
          '{ name: a, at: "2h", slack: true }', // 4
          '{ name: b, at: "+0h", slack: true }', // 5
          '{ name: c, at: "+2 days", slack: true }', // 6
          '{ name: d, at: "+3h", slack: true, repeat: 1m }', // 7
          '{ name: e, at: "+4h", slack: true, repeat: next-business-day }', // 8
          '{ name: f, at: "+5h", slack: true, repeat: 0h }', // 9
        ),
      ),
    ).toEqual([
      'escalation.levels[0].at: "2h" needs a "+": write "+2h" for 2h after the deadline, or a share of the target such as "80%" (line 4)',
      'escalation.levels[1].at: "+0h" is the deadline itself; write "100%", or a time after it such as "+2h" (line 5)',
      'escalation.levels[2].at: "+2 days" is not a time after the deadline; write "+" and a whole positive number followed by s, m or h, e.g. "+2h" (at most "+8760h") (line 6)',
      'escalation.levels[3].repeat: "1m" is shorter than 5m; every repeat writes to GitHub, so repeat at most every 5 minutes (write "5m" or more) (line 7)',
      'escalation.levels[4].repeat: "next-business-day" is not an interval; write a duration such as "1h" or "24h" (line 8)',
      'escalation.levels[5].repeat: "0h" is zero: write a whole positive number followed by s, m or h (e.g. 90s, 30m, 1h) (line 9)',
    ]);
  });

  test("an unknown action is an unknown key, with a suggestion when one is close", () => {
    expect(
      printed(
        ladder(
          "{ name: a, at: 80%, slack: true, email: true }", // 4
          "{ name: b, at: 100%, coment: true }", // 5
          "{ name: c, at: +1h, pagerduty: true }", // 6
        ),
      ),
    ).toEqual([
      "escalation.levels[0].email: unknown key; the keys here are name, at, label, comment, mention, assignees, slack, page, repeat (line 4)",
      "escalation.levels[1].coment: unknown key (did you mean comment?) (line 5)",
      "escalation.levels[2].pagerduty: unknown key (did you mean page?) (line 6)",
    ]);
  });

  test("duplicate names, and names that are not [a-z0-9-]", () => {
    expect(
      printed(
        ladder(
          "{ name: warn, at: 50%, slack: true }", // 4
          "{ name: warn, at: 80%, slack: true }", // 5
          "{ name: Manager, at: 100%, slack: true }", // 6
          "{ at: +1h, slack: true }", // 7
        ),
      ),
    ).toEqual([
      'escalation.levels[1].name: "warn" is already the name of levels[0]; every level needs its own name (line 5)',
      'escalation.levels[2].name: "Manager" is not a level name; use lowercase letters and digits joined by hyphens, e.g. "manager" (line 6)',
      'escalation.levels[3].name: is required; write a level name such as "at-risk" (line 7)',
    ]);
  });

  test("thresholds out of order, or the same twice", () => {
    expect(
      printed(
        ladder(
          "{ name: a, at: 80%, slack: true }", // 4
          "{ name: b, at: 50%, slack: true }", // 5
          '{ name: c, at: "+2h", slack: true }', // 6
          "{ name: d, at: 100%, slack: true }", // 7
          '{ name: e, at: "+120m", slack: true }', // 8
        ),
      ),
    ).toEqual([
      'escalation.levels[1].at: "50%" comes before levels[0]\'s "80%"; list the levels in the order they fire (line 5)',
      'escalation.levels[3].at: "100%" comes before levels[2]\'s "+2h"; list the levels in the order they fire (line 7)',
      'escalation.levels[4].at: "+120m" is also the threshold of levels[2]; give each level its own threshold, or merge the two levels (line 8)',
    ]);
  });

  test("a level that does nothing; mention or assignees without a comment", () => {
    expect(
      printed(
        ladder(
          "{ name: a, at: 50% }", // 4
          '{ name: b, at: 80%, slack: true, mention: ["@x"], assignees: true }', // 5
          "{ name: c, at: 100%, label: null, comment: false }", // 6
        ),
      ),
    ).toEqual([
      "escalation.levels[0]: does nothing; give it a label, or set comment, slack or page to true (line 4)",
      "escalation.levels[1].mention: only a comment mentions people; add comment: true to this level, or remove mention (line 5)",
      "escalation.levels[1].assignees: only a comment mentions people; add comment: true to this level, or remove assignees (line 5)",
      "escalation.levels[2]: does nothing; give it a label, or set comment, slack or page to true (line 6)",
    ]);
  });

  test("an empty ladder, a ladder too long, a ladder that is not a list", () => {
    expect(printed("escalation:\n  levels: []\n")).toEqual([
      "escalation.levels: lists no level; list at least one, or remove the key for the default ladder (at risk at warn_at, breach at 100%) (line 2)",
    ]);
    const eleven = Array.from({ length: 11 }, (_, i) => `{ name: l${i}, at: ${i + 1}%, slack: true }`);
    expect(printed(ladder(...eleven))).toEqual([
      "escalation.levels: has 11 entries; at most 10 levels are allowed (line 3)",
    ]);
    expect(printed("escalation:\n  levels: at-risk\n")).toEqual([
      'escalation.levels: expected a list of levels such as [{name: at-risk, at: "80%", label: "sla: at risk"}], got "at-risk" (line 2)',
    ]);
  });

  test("a level's label: the timer labels or one of its own, never another label of the app", () => {
    expect(
      printed(
        ladder(
          '{ name: a, at: 50%, label: "SLA: At Risk" }', // 4: the at-risk label, in other case: fine
          '{ name: b, at: 100%, label: "sla: breached" }', // 5: fine
          '{ name: c, at: "+1h", label: "sla: escalated" }', // 6: its own: fine
          '{ name: d, at: "+2h", label: "sla: escalated" }', // 7: shared with c: fine
          '{ name: e, at: "+3h", label: "priority: urgent" }', // 8
          '{ name: f, at: "+4h", label: "Status: Waiting For Customer" }', // 9
        ),
      ),
    ).toEqual([
      'escalation.levels[4].label: "priority: urgent" is already the label of priorities.urgent.label; a level\'s label is labels.at_risk, labels.breached or a name of its own (line 8)',
      'escalation.levels[5].label: "Status: Waiting For Customer" is already the label of labels.waiting ("status: waiting for customer": GitHub label names ignore case); a level\'s label is labels.at_risk, labels.breached or a name of its own (line 9)',
    ]);
  });

  test("a label the app uses for something else is reported at the level", () => {
    expect(
      printed(
        `${ladder('{ name: c, at: "+1h", label: "sla: escalated" }')}\npost_mortem: { done_label: "sla: escalated" }\n`,
      ),
    ).toEqual([
      'escalation.levels[0].label: "sla: escalated" is already the label of post_mortem.done_label; a level\'s label is labels.at_risk, labels.breached or a name of its own (line 4)',
    ]);
  });
});

import { describe, expect, test } from "vitest";
import { defaultConfig, formatProblem, parseConfig } from "../../src/config/load.js";
import type { Policy } from "../../src/domain/policy.js";

/* The targets of the timer metrics (issue 12), the waiting and resolved labels, post_mortem.repeat. */

const HOUR = 3_600_000;

function policyOf(text: string): Policy {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.policy;
}

const printed = (text: string): string[] => {
  const result = parseConfig(text);
  if (result.ok) throw new Error("expected problems, the config is valid");
  return result.problems.map(formatProblem);
};

const targets = (policy: Policy) =>
  policy.priorities.map((p) => ({
    key: p.key,
    nextReply: p.nextReply,
    resolution: p.resolution,
    updates: p.updates,
  }));

describe("next_reply, resolution and updates", () => {
  test("the interface example of PRODUCT.md: parsed on each priority, beside response", () => {
    const policy = policyOf(
      [
        "priorities:",
        "  urgent: { response: 1h, next_reply: 4h, resolution: 40h, clock: business }",
        "  production-down: { response: 30m, updates: 30m, clock: calendar }",
        'labels: { waiting: "status: waiting for customer" }',
      ].join("\n"),
    );
    expect(targets(policy)).toEqual([
      {
        key: "production-down",
        nextReply: null,
        resolution: null,
        updates: { kind: "duration", ms: HOUR / 2 },
      },
      {
        key: "urgent",
        nextReply: { kind: "duration", ms: 4 * HOUR },
        resolution: { kind: "duration", ms: 40 * HOUR },
        updates: null,
      },
      { key: "normal", nextReply: null, resolution: null, updates: null },
    ]);
    expect(policy.priorities.map((p) => p.clock)).toEqual(["calendar", "business", "business"]);
  });

  test("defaults: Production down is updated every 30 minutes, nothing else is timed", () => {
    expect(targets(policyOf(""))).toEqual([
      {
        key: "production-down",
        nextReply: null,
        resolution: null,
        updates: { kind: "duration", ms: HOUR / 2 },
      },
      { key: "urgent", nextReply: null, resolution: null, updates: null },
      { key: "normal", nextReply: null, resolution: null, updates: null },
    ]);
    const config = defaultConfig();
    expect(config.priorities["production-down"]).toMatchObject({
      next_reply: null,
      resolution: null,
      updates: "30m",
    });
  });

  test("durations and next-business-day read as for response; null turns a metric off", () => {
    const policy = policyOf(
      [
        "priorities:",
        "  production-down: { updates: null }",
        "  urgent: { next_reply: 90s, resolution: 2h, updates: 45m }",
        "  normal: { next_reply: Next-Business-Day, resolution: next-business-day }",
        "  low: { response: 72h, updates: 24h }",
      ].join("\n"),
    );
    expect(targets(policy)).toEqual([
      { key: "production-down", nextReply: null, resolution: null, updates: null },
      {
        key: "urgent",
        nextReply: { kind: "duration", ms: 90_000 },
        resolution: { kind: "duration", ms: 2 * HOUR },
        updates: { kind: "duration", ms: 45 * 60_000 },
      },
      {
        key: "normal",
        nextReply: { kind: "next-business-day" },
        resolution: { kind: "next-business-day" },
        updates: null,
      },
      { key: "low", nextReply: null, resolution: null, updates: { kind: "duration", ms: 24 * HOUR } },
    ]);
  });

  test("changing another key of Production down keeps its updates", () => {
    const policy = policyOf("priorities:\n  production-down: { response: 15m }\n");
    expect(policy.priorities[0]?.updates).toEqual({ kind: "duration", ms: HOUR / 2 });
  });

  test("bad targets: the problem, its path and its line", () => {
    expect(
      printed(
        [
          "priorities:", // 1
          "  urgent:", // 2
          "    next_reply: 4 hours", // 3
          "    resolution: 0h", // 4
          "    updates: 30", // 5
          "  normal: { next_reply: off, resolution: false }", // 6
        ].join("\n"),
      ),
    ).toEqual([
      'priorities.urgent.next_reply: "4 hours" is not a response time: write a whole positive number followed by s, m or h (e.g. 90s, 30m, 1h) or next-business-day (line 3)',
      'priorities.urgent.resolution: "0h" is zero: write a whole positive number followed by s, m or h (e.g. 90s, 30m, 1h) or next-business-day (line 4)',
      'priorities.urgent.updates: 30 has no unit; write "30m" for minutes or "30h" for hours (line 5)',
      'priorities.normal.next_reply: "off" is not a target; write null to leave next_reply untimed (line 6)',
      'priorities.normal.resolution: false is not a target; write a duration such as "4h", or null to leave resolution untimed (line 6)',
    ]);
  });

  test("next-business-day on the calendar clock: one problem at the clock, naming the metrics", () => {
    expect(
      printed(
        "priorities:\n  urgent: { clock: calendar, next_reply: next-business-day, updates: next-business-day }\n",
      ),
    ).toEqual([
      'priorities.urgent.clock: next-business-day (next_reply, updates) counts business days, so it needs clock: business (or give the calendar clock a duration such as "24h") (line 2)',
    ]);
  });

  test("a business-clock target beyond the planning horizon is a problem at its own key", () => {
    const [problem, ...rest] = printed("priorities:\n  urgent:\n    resolution: 8000h\n");
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^priorities\.urgent\.resolution: "8000h" of business time may not be reached within 366 days, .*use at most \d+h, add business hours, or set clock: calendar \(line 3\)$/,
    );
  });
});

describe("labels.waiting and labels.resolved", () => {
  test("defaults: the waiting label of the support process, no resolved label", () => {
    const { labels } = policyOf("");
    expect([labels.waiting, labels.resolved]).toEqual(["status: waiting for customer", null]);
  });

  test("both can be renamed; resolved: null keeps only the close", () => {
    expect(
      policyOf('labels: { waiting: "waiting: customer", resolved: "status: resolved" }\n').labels,
    ).toMatchObject({
      waiting: "waiting: customer",
      resolved: "status: resolved",
    });
    expect(policyOf("labels: { resolved: null }\n").labels.resolved).toBeNull();
  });

  test("each must be a label of its own, without regard to case", () => {
    expect(
      printed(
        [
          "labels:", // 1
          '  waiting: "Priority: Urgent"', // 2
          '  resolved: "post-mortem: done"', // 3
        ].join("\n"),
      ),
    ).toEqual([
      'labels.waiting: "Priority: Urgent" is already the label of priorities.urgent.label ("priority: urgent": GitHub label names ignore case); every priority, type and status label needs its own name (line 2)',
      // The post-mortem label keeps its default, so the problem has no line of its own.
      'post_mortem.done_label: "post-mortem: done" is already the label of labels.resolved; every priority, type and status label needs its own name',
    ]);
  });

  test("a label name over GitHub's 50 characters", () => {
    expect(printed(`labels: { waiting: "${"w".repeat(51)}" }\n`)).toEqual([
      `labels.waiting: "${"w".repeat(51)}" is too long; GitHub allows at most 50 characters in a label name (line 1)`,
    ]);
  });
});

describe("post_mortem.repeat", () => {
  test("default 24 hours; a duration; none or false for one reminder", () => {
    expect(policyOf("").postMortem.repeatMs).toBe(24 * HOUR);
    expect(policyOf("post_mortem: { repeat: 12h }\n").postMortem.repeatMs).toBe(12 * HOUR);
    expect(policyOf("post_mortem: { repeat: 5m }\n").postMortem.repeatMs).toBe(5 * 60_000);
    expect(policyOf("post_mortem: { repeat: none }\n").postMortem.repeatMs).toBeNull();
    expect(policyOf("post_mortem: { repeat: None }\n").postMortem.repeatMs).toBeNull();
    expect(policyOf("post_mortem: { repeat: false }\n").postMortem.repeatMs).toBeNull();
  });

  test("bad intervals: the problem and how to fix it", () => {
    expect(
      printed(
        [
          "post_mortem:", // 1
          "  repeat: 1m", // 2
        ].join("\n"),
      ),
    ).toEqual([
      'post_mortem.repeat: "1m" is shorter than 5m; every repeat writes to GitHub, so repeat at most every 5 minutes (write "5m" or more) (line 2)',
    ]);
    expect(printed("post_mortem: { repeat: next-business-day }\n")).toEqual([
      'post_mortem.repeat: "next-business-day" is not an interval; write a duration such as "1h" or "24h" (line 1)',
    ]);
    expect(printed("post_mortem: { repeat: true }\n")).toEqual([
      'post_mortem.repeat: true is not an interval; write one such as "24h", or none (or false) for one reminder (line 1)',
    ]);
    expect(printed("post_mortem: { repeat: 24 }\n")).toEqual([
      'post_mortem.repeat: 24 has no unit; write "24h" for hours, or none for one reminder (line 1)',
    ]);
  });
});

describe("unknown keys near the new ones get a suggestion", () => {
  test("priorities, labels, escalation and post_mortem, also under the names other help desks use", () => {
    expect(
      printed(
        [
          "priorities:", // 1
          "  urgent: { next_response: 4h, resolve: 40h, update: 30m }", // 2
          "labels: { waiting_for_customer: x }", // 3
          "escalation: { level: [] }", // 4
          "post_mortem: { repeats: 24h }", // 5
        ].join("\n"),
      ),
    ).toEqual([
      "priorities.urgent.next_response: unknown key (did you mean next_reply?) (line 2)",
      "priorities.urgent.resolve: unknown key (did you mean resolution?) (line 2)",
      "priorities.urgent.update: unknown key (did you mean updates?) (line 2)",
      "labels.waiting_for_customer: unknown key (did you mean waiting?) (line 3)",
      "escalation.level: unknown key (did you mean levels?) (line 4)",
      "post_mortem.repeats: unknown key (did you mean repeat?) (line 5)",
    ]);
  });
});

describe("the words of other help desks", () => {
  test("first reply time, time to resolution, periodic update, on hold, ladder", () => {
    expect(
      printed(
        [
          "priorities:", // 1
          "  urgent: { first_reply_time: 1h, time_to_resolution: 40h, periodic_update: 1h }", // 2
          "labels: { on_hold: x, solved: y }", // 3
          "escalation: { ladder: [] }", // 4
        ].join("\n"),
      ),
    ).toEqual([
      "priorities.urgent.first_reply_time: unknown key (did you mean response?) (line 2)",
      "priorities.urgent.time_to_resolution: unknown key (did you mean resolution?) (line 2)",
      "priorities.urgent.periodic_update: unknown key (did you mean updates?) (line 2)",
      "labels.on_hold: unknown key (did you mean waiting?) (line 3)",
      "labels.solved: unknown key (did you mean resolved?) (line 3)",
      "escalation.ladder: unknown key (did you mean levels?) (line 4)",
    ]);
  });

  test("an alias is only suggested where its key is allowed", () => {
    // `resolve` means `resolution` in a priority and `resolved` among the labels.
    expect(printed("priorities:\n  urgent: { resolve: 4h }\nlabels: { resolve: x }\n")).toEqual([
      "priorities.urgent.resolve: unknown key (did you mean resolution?) (line 2)",
      "labels.resolve: unknown key (did you mean resolved?) (line 3)",
    ]);
    // `pending` means the waiting label, not anything of the team section.
    expect(printed("team: { pending: x }\n")).toEqual([
      "team.pending: unknown key; the keys here are associations, users, teams, ignore (line 1)",
    ]);
  });
});

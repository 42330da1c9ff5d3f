import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  defaultPolicy,
  formatProblem,
  MAX_CONFIG_CHARS,
  type ParseResult,
  parseConfig,
  parseConfigObject,
  toPolicy,
} from "../../src/config/load.js";
import type { Policy } from "../../src/domain/policy.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), "utf8");

function policyOf(result: ParseResult): Policy {
  if (!result.ok)
    throw new Error(`expected a valid config, got:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.policy;
}

const HOURS_9_TO_5 = [{ start: 9 * 60, end: 17 * 60 }];

describe("defaults (PRODUCT.md, 'The default policy')", () => {
  test("priorities match the table: label, first response, clock, allowed types", () => {
    const rows = defaultPolicy().priorities.map((p) => [p.key, p.label, p.response, p.clock, p.types]);
    expect(rows).toEqual([
      [
        "production-down",
        "priority: production down",
        { kind: "duration", ms: 30 * 60_000 },
        "calendar",
        ["problem"],
      ],
      ["urgent", "priority: urgent", { kind: "duration", ms: 60 * 60_000 }, "business", null],
      ["normal", "priority: normal", { kind: "next-business-day" }, "business", null],
    ]);
    expect(defaultPolicy().priorities.map((p) => [p.key, p.page])).toEqual([
      ["production-down", true],
      ["urgent", true],
      ["normal", false],
    ]);
  });

  test("types match the table, each filed by the form of the same name", () => {
    expect(defaultPolicy().types.map((t) => [t.key, t.label, t.form])).toEqual([
      ["add-remove-user", "type: add/remove user", "add-remove-user.yml"],
      ["change-request", "type: change request", "change-request.yml"],
      ["guidance", "type: guidance", "guidance.yml"],
      ["on-call", "type: on-call", "on-call.yml"],
      ["problem", "type: problem", "problem.yml"],
      ["other", "type: other", "other.yml"],
    ]);
  });

  test("calendar, team, escalation and status labels", () => {
    const policy = defaultPolicy();
    expect(policy.calendar).toEqual({
      timezone: "Europe/Brussels",
      week: {
        monday: HOURS_9_TO_5,
        tuesday: HOURS_9_TO_5,
        wednesday: HOURS_9_TO_5,
        thursday: HOURS_9_TO_5,
        friday: HOURS_9_TO_5,
        saturday: [],
        sunday: [],
      },
      holidays: [],
      holidayCalendar: undefined,
    });
    expect(policy.defaultPriority).toBe("normal");
    expect(policy.defaultType).toBe("other");
    expect(policy.team).toEqual({
      associations: ["OWNER", "MEMBER", "COLLABORATOR"],
      users: [],
      teams: [],
      ignore: [],
    });
    // levels null: the default ladder (at risk at warn_at, breach at 100%).
    expect(policy.escalation).toEqual({ warnAt: 0.8, mention: [], phone: null, chat: null, levels: null });
    expect(policy.labels).toEqual({
      incomplete: "intake: incomplete",
      atRisk: "sla: at risk",
      breached: "sla: breached",
      waiting: "status: waiting for customer",
      resolved: null,
    });
  });

  test("every label has a 6-digit hex colour (no '#') and a description", () => {
    for (const label of [...defaultPolicy().priorities, ...defaultPolicy().types]) {
      expect(label.color, label.key).toMatch(/^[0-9a-f]{6}$/);
      expect(label.description.length, label.key).toBeGreaterThan(0);
    }
  });

  test("each call returns a fresh policy", () => {
    const first = defaultPolicy();
    first.priorities.pop();
    first.calendar.week.monday.push({ start: 0, end: 60 });
    expect(defaultPolicy()).toEqual(policyOf(parseConfig("")));
    expect(defaultPolicy().priorities).toHaveLength(3);
  });

  test.each([
    ["empty.yml", fixture("empty.yml")],
    ["comments-only.yml", fixture("comments-only.yml")],
    ["an empty mapping", "{}\n"],
    ["a document marker only", "---\n"],
  ])("%s gives the defaults", (_, text) => {
    expect(policyOf(parseConfig(text))).toEqual(defaultPolicy());
  });
});

describe("basic.yml", () => {
  const result = parseConfig(fixture("basic.yml"), { source: "basic.yml" });
  const policy = policyOf(result);

  test("calendar: ranges in minutes, the lunch break kept, holidays and the Belgian calendar", () => {
    expect(policy.calendar.week.monday).toEqual(HOURS_9_TO_5);
    expect(policy.calendar.week.friday).toEqual([
      { start: 540, end: 720 },
      { start: 780, end: 960 },
    ]);
    expect(policy.calendar.week.saturday).toEqual([]);
    expect(policy.calendar.holidays).toEqual(["2026-12-24", "2026-12-31"]);
    expect(policy.calendar.holidayCalendar).toEqual({ country: "BE" });
  });

  test("team logins lose their '@'; escalation as written, warn_at as a fraction", () => {
    expect(policy.team).toEqual({
      associations: ["OWNER", "MEMBER", "COLLABORATOR"],
      users: ["alice", "bob"],
      teams: ["acme/support"],
      ignore: ["renovate-helper"],
    });
    expect(policy.escalation).toEqual({
      warnAt: 0.75,
      mention: ["@acme/support", "@carol"],
      phone: "+32 2 123 45 67",
      chat: "https://acme.slack.com/archives/C0123",
      levels: null,
    });
  });

  test("the zod output stays in the file's vocabulary and converts to the same policy", () => {
    if (!result.ok) throw new Error("invalid");
    expect(result.config.priorities.urgent?.response).toBe("2h");
    expect(result.config.escalation.warn_at).toBe("75%");
    expect(toPolicy(result.config)).toEqual(policy);
  });
});

describe("merge semantics", () => {
  const byKey = <T extends { key: string }>(items: T[], key: string): T | undefined =>
    items.find((item) => item.key === key);

  test("urgent: {response: 2h, clock: business} keeps urgent's label and every other priority", () => {
    const policy = policyOf(parseConfig("priorities:\n  urgent: { response: 2h, clock: business }\n"));
    const defaults = defaultPolicy();
    expect(policy.priorities.map((p) => p.key)).toEqual(["production-down", "urgent", "normal"]);
    expect(byKey(policy.priorities, "urgent")).toEqual({
      ...byKey(defaults.priorities, "urgent"),
      response: { kind: "duration", ms: 2 * 3_600_000 },
    });
    expect(byKey(policy.priorities, "production-down")).toEqual(
      byKey(defaults.priorities, "production-down"),
    );
    expect(byKey(policy.priorities, "normal")).toEqual(byKey(defaults.priorities, "normal"));
    expect(policy.types).toEqual(defaults.types);
  });

  test("a new priority follows the built-in ones and gets label, clock, colour, page and metric defaults", () => {
    const policy = policyOf(parseConfig("priorities:\n  low: { response: 72h }\n"));
    expect(policy.priorities.map((p) => p.key)).toEqual(["production-down", "urgent", "normal", "low"]);
    expect(byKey(policy.priorities, "low")).toEqual({
      key: "low",
      name: "Low",
      label: "priority: low",
      response: { kind: "duration", ms: 72 * 3_600_000 },
      nextReply: null,
      resolution: null,
      updates: null,
      clock: "business",
      types: null,
      page: false,
      color: "ededed",
      description: "",
    });
  });

  test("null removes a built-in priority or type; types: null opens a priority to every type", () => {
    const policy = policyOf(
      parseConfig(
        "priorities:\n  production-down: null\n  urgent: { types: [problem] }\n  normal: { types: null }\ntypes:\n  on-call: null\n",
      ),
    );
    expect(policy.priorities.map((p) => [p.key, p.types])).toEqual([
      ["urgent", ["problem"]],
      ["normal", null],
    ]);
    expect(policy.types.map((t) => t.key)).toEqual([
      "add-remove-user",
      "change-request",
      "guidance",
      "problem",
      "other",
    ]);
  });

  test("types merge per key: a new type gets `type: <key>` and `<key>.yml`; form: null is allowed", () => {
    const policy = policyOf(parseConfig("types:\n  billing: {}\n  other: { form: null }\n"));
    expect(byKey(policy.types, "billing")).toEqual({
      key: "billing",
      name: "Billing",
      label: "type: billing",
      form: "billing.yml",
      color: "ededed",
      description: "",
    });
    expect(byKey(policy.types, "other")).toEqual({ ...byKey(defaultPolicy().types, "other"), form: null });
    expect(policy.types.at(-1)?.key).toBe("billing");
  });

  test("business_hours replaces the default week entirely", () => {
    const policy = policyOf(parseConfig('business_hours:\n  saturday: ["10:00-14:00"]\n'));
    expect(policy.calendar.week).toEqual({
      monday: [],
      tuesday: [],
      wednesday: [],
      thursday: [],
      friday: [],
      saturday: [{ start: 600, end: 840 }],
      sunday: [],
    });
  });
});

describe("files that are not a config", () => {
  test("malformed.yml: the YAML parser's message and line, nothing else", () => {
    expect(parseConfig(fixture("malformed.yml"), { source: "malformed.yml" })).toEqual({
      ok: false,
      problems: [
        {
          path: "",
          message:
            "malformed.yml is not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
          line: 4,
        },
      ],
    });
  });

  test.each([
    ["a: 1\na: 2\n", "this key appears twice in the same mapping; keep one", 2],
    ["\tfoo: 1\n", "tabs are not allowed as indentation; indent with spaces", 1],
    ["foo: bar\n---\nbaz: 1\n", 'the file holds more than one YAML document ("---"); keep one', 2],
  ])("%j: a friendlier YAML message", (text, message, line) => {
    expect(parseConfig(text)).toEqual({
      ok: false,
      problems: [{ path: "", message: `the config is not valid YAML: ${message}`, line }],
    });
  });

  test("evil.yml: an alias bomb is refused before it expands", () => {
    expect(parseConfig(fixture("evil.yml"), { source: "evil.yml" })).toEqual({
      ok: false,
      problems: [
        {
          path: "",
          message:
            "evil.yml is not a usable config: it resolves too many aliases (*name), the way an alias bomb does; write the values out instead",
        },
      ],
    });
  });

  test("a few honest aliases and merge keys work", () => {
    // An anchor needs a home: a key the config does not know is reported, the aliases still resolve.
    const text = "hours: &day ['09:00-17:00']\nbusiness_hours:\n  monday: *day\n  tuesday: *day\n";
    expect(parseConfig(text)).toEqual({
      ok: false,
      problems: [
        {
          path: "hours",
          message:
            "unknown key; the keys here are timezone, business_hours, holidays, holiday_calendar, priorities, default_priority, types, default_type, team, escalation, labels, post_mortem, report, channels",
          line: 1,
        },
      ],
    });
    const week = policyOf(parseConfig("business_hours:\n  monday: &day ['09:00-17:00']\n  tuesday: *day\n"))
      .calendar.week;
    expect([week.monday, week.tuesday, week.wednesday]).toEqual([HOURS_9_TO_5, HOURS_9_TO_5, []]);
    const merged =
      "priorities:\n  urgent: &fast { response: 15m, clock: calendar }\n  normal:\n    <<: *fast\n    page: true\n";
    const policy = policyOf(parseConfig(merged));
    expect(policy.priorities.find((p) => p.key === "normal")).toMatchObject({
      response: { kind: "duration", ms: 15 * 60_000 },
      clock: "calendar",
      page: true,
      label: "priority: normal",
    });
  });

  test("a huge file is refused without parsing it", () => {
    const text = `# ${"x".repeat(MAX_CONFIG_CHARS)}\n`;
    expect(parseConfig(text, { source: "big.yml" })).toEqual({
      ok: false,
      problems: [
        {
          path: "",
          message: `big.yml is ${text.length} characters long, more than the ${MAX_CONFIG_CHARS} a config may have; check that this is the right file`,
        },
      ],
    });
  });

  test.each([
    ["list.yml", fixture("list.yml"), "a list"],
    ["scalar", "just text\n", '"just text"'],
    ["number", "42\n", "the number 42"],
  ])("top level %s: one clear problem", (source, text, what) => {
    expect(parseConfig(text, { source })).toEqual({
      ok: false,
      problems: [
        {
          path: "",
          message: `${source} must be a mapping of settings such as "timezone: Europe/Brussels", not ${what}`,
          line: 1,
        },
      ],
    });
  });
});

describe("parseConfigObject (configs Probot already parsed)", () => {
  test("a leftover _extends is dropped; the rest validates", () => {
    const policy = policyOf(parseConfigObject({ _extends: ".github", timezone: "Europe/Paris" }));
    expect(policy.calendar.timezone).toBe("Europe/Paris");
  });

  test("null (no file) gives the defaults", () => {
    expect(policyOf(parseConfigObject(null))).toEqual(defaultPolicy());
    expect(policyOf(parseConfigObject(undefined))).toEqual(defaultPolicy());
  });

  test("dates that js-yaml turned into Date objects count as the dates written", () => {
    const policy = policyOf(parseConfigObject({ holidays: [new Date("2026-12-24T00:00:00Z")] }));
    expect(policy.calendar.holidays).toEqual(["2026-12-24"]);
  });

  test("problems come with paths and no lines", () => {
    expect(parseConfigObject({ bussiness_hours: {}, escalation: { warn_at: 0.8 } })).toEqual({
      ok: false,
      problems: [
        {
          path: "escalation.warn_at",
          message:
            'expected a percentage such as "80%", got the number 0.8; YAML read it as a number, so put it in quotes',
        },
        { path: "bussiness_hours", message: "unknown key (did you mean business_hours?)" },
      ],
    });
  });

  test("a list is one clear problem", () => {
    expect(parseConfigObject(["timezone"], { source: "org config" })).toEqual({
      ok: false,
      problems: [
        {
          path: "",
          message: 'org config must be a mapping of settings such as "timezone: Europe/Brussels", not a list',
        },
      ],
    });
  });
});

describe("formatProblem", () => {
  test("path: message (line N), without the parts a problem does not have", () => {
    expect(formatProblem({ path: "priorities.urgent.response", message: "is wrong", line: 3 })).toBe(
      "priorities.urgent.response: is wrong (line 3)",
    );
    expect(formatProblem({ path: "business_hours.monday[1]", message: "is wrong" })).toBe(
      "business_hours.monday[1]: is wrong",
    );
    expect(formatProblem({ path: "", message: "the config is not valid YAML: oops", line: 1 })).toBe(
      "the config is not valid YAML: oops (line 1)",
    );
  });
});

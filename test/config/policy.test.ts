import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  defaultConfig,
  formatProblem,
  type ParseResult,
  parseConfig,
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

const parse = (text: string): Policy => policyOf(parseConfig(text));

describe("toPolicy: the calendar", () => {
  test("lunch-break.yml: ranges sorted by start, 24:00 as 1440, explicit and implicit closed days", () => {
    const { calendar } = parse(fixture("lunch-break.yml"));
    expect(calendar.timezone).toBe("America/New_York");
    expect(calendar.week).toEqual({
      monday: [
        { start: 510, end: 720 },
        { start: 780, end: 1050 },
      ],
      tuesday: [],
      wednesday: [
        { start: 510, end: 720 },
        { start: 780, end: 1440 },
      ],
      thursday: [],
      friday: [],
      saturday: [],
      sunday: [],
    });
  });

  test("adjacent ranges are not overlaps", () => {
    expect(parse('business_hours:\n  monday: ["12:00-17:00", "00:00-12:00"]\n').calendar.week.monday).toEqual(
      [
        { start: 0, end: 720 },
        { start: 720, end: 1020 },
      ],
    );
  });

  test("a zone written in the wrong case takes the runtime's spelling; aliases stay as written", () => {
    expect(parse("timezone: europe/brussels\n").calendar.timezone).toBe("Europe/Brussels");
    expect(parse("timezone: utc\n").calendar.timezone).toBe("UTC");
    expect(parse("timezone: Asia/Kolkata\n").calendar.timezone).toBe("Asia/Kolkata");
  });

  test("holidays sorted without duplicates; the holiday calendar without absent parts", () => {
    const { calendar } = parse(
      "holidays: ['2026-12-31', '2026-12-24', '2026-12-31']\nholiday_calendar: { country: DE, state: BY }\n",
    );
    expect(calendar.holidays).toEqual(["2026-12-24", "2026-12-31"]);
    expect(calendar.holidayCalendar).toStrictEqual({ country: "DE", state: "BY" });
    expect(parse("holiday_calendar: null\n").calendar.holidayCalendar).toBeUndefined();
  });
});

describe("toPolicy: priorities, types, team and escalation", () => {
  test("response targets as ResponseTarget, colours in lower case", () => {
    const policy = parse(
      "priorities:\n  urgent: { response: 90s, color: D93F0B }\n  normal: { response: Next-Business-Day }\n",
    );
    expect(policy.priorities.map((p) => [p.key, p.response, p.color])).toEqual([
      ["production-down", { kind: "duration", ms: 1_800_000 }, "b60205"],
      ["urgent", { kind: "duration", ms: 90_000 }, "d93f0b"],
      ["normal", { kind: "next-business-day" }, "fbca04"],
    ]);
  });

  test("warn_at becomes a fraction", () => {
    expect(parse("escalation: { warn_at: 1% }\n").escalation.warnAt).toBe(0.01);
    expect(parse("escalation: { warn_at: 99% }\n").escalation.warnAt).toBe(0.99);
  });

  test("teams and ignored users lose a leading '@'; mentions keep it", () => {
    const policy = parse(
      "team: { teams: ['@acme/support'], ignore: ['@dependabot[bot]'] }\nescalation: { mention: ['@acme/oncall'] }\n",
    );
    expect(policy.team.teams).toEqual(["acme/support"]);
    expect(policy.team.ignore).toEqual(["dependabot[bot]"]);
    expect(policy.escalation.mention).toEqual(["@acme/oncall"]);
  });

  test("a custom default priority and type", () => {
    const policy = parse("default_priority: urgent\ndefault_type: guidance\n");
    expect([policy.defaultPriority, policy.defaultType]).toEqual(["urgent", "guidance"]);
  });

  test("the policy shares no arrays with the config it came from", () => {
    const config = defaultConfig();
    const policy = toPolicy(config);
    policy.team.associations.push("NONE");
    policy.priorities[0]?.types?.push("other");
    expect(config.team.associations).toEqual(["OWNER", "MEMBER", "COLLABORATOR"]);
    expect(config.priorities["production-down"]?.types).toEqual(["problem"]);
  });
});

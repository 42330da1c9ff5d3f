import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { stringify } from "yaml";
import { checkConfigCommand } from "../../src/cli/check-config.js";
import { guaranteedBusinessMs } from "../../src/config/horizon.js";
import { MAX_CHARS, MAX_ITEMS } from "../../src/config/limits.js";
import { formatProblem, type ParseResult, parseConfig } from "../../src/config/load.js";
import { closest, didYouMean, MAX_SUGGEST_CHARS } from "../../src/config/suggest.js";
import { BeyondHorizonError, createCalendar, HORIZON_DAYS } from "../../src/domain/business-hours.js";
import { at, HOUR, spec, week } from "../domain/calendar-fixtures.js";

/* Kind 5 of issue 10: no repo's config may make the shared event loop do unbounded work. */

const problems = (result: ParseResult): string[] => (result.ok ? [] : result.problems.map(formatProblem));
const LONG = "a".repeat(5_000);

describe("every config string has a length limit", () => {
  // Each config string, given 5,000 characters: refused at its own path, in a short message.
  const cases: Array<[string, unknown]> = [
    ["timezone", { timezone: `Europe/${LONG}` }],
    ["_extends", { _extends: `acme/${LONG}` }],
    ["business_hours.monday[0]", { business_hours: { monday: [`09:00-17:00${LONG}`] } }],
    ["holidays[0]", { holidays: [`2026-12-24${LONG}`] }],
    ["holiday_calendar.country", { holiday_calendar: { country: `B${LONG}` } }],
    ["holiday_calendar.state", { holiday_calendar: { country: "DE", state: LONG } }],
    ["holiday_calendar.region", { holiday_calendar: { country: "DE", state: "BY", region: LONG } }],
    ["priorities.urgent.response", { priorities: { urgent: { response: `${"9".repeat(5_000)}h` } } }],
    ["priorities.urgent.color", { priorities: { urgent: { color: LONG } } }],
    ["priorities.urgent.label", { priorities: { urgent: { label: LONG } } }],
    ["default_priority", { default_priority: LONG }],
    ["types.problem.form", { types: { problem: { form: `${LONG}.yml` } } }],
    ["default_type", { default_type: LONG }],
    ["team.users[0]", { team: { users: [LONG] } }],
    ["team.teams[0]", { team: { teams: [`acme/${LONG}`] } }],
    ["team.ignore[0]", { team: { ignore: [LONG] } }],
    ["escalation.warn_at", { escalation: { warn_at: `${LONG}%` } }],
    ["escalation.mention[0]", { escalation: { mention: [`@acme/${LONG}`] } }],
    ["escalation.phone", { escalation: { phone: `+32 ${"1".repeat(5_000)}` } }],
    ["escalation.chat", { escalation: { chat: `https://acme.slack.com/${LONG}` } }],
    ["post_mortem.priorities[0]", { post_mortem: { priorities: [LONG] } }],
    ["post_mortem.due", { post_mortem: { due: `${"7".repeat(5_000)}h` } }],
    ["post_mortem.required_label", { post_mortem: { required_label: LONG } }],
    ["post_mortem.repeat", { post_mortem: { repeat: `${"7".repeat(5_000)}h` } }],
    ["priorities.urgent.next_reply", { priorities: { urgent: { next_reply: `${"9".repeat(5_000)}h` } } }],
    ["priorities.urgent.resolution", { priorities: { urgent: { resolution: `${"9".repeat(5_000)}h` } } }],
    ["priorities.urgent.updates", { priorities: { urgent: { updates: `${"9".repeat(5_000)}h` } } }],
    ["labels.waiting", { labels: { waiting: LONG } }],
    ["labels.resolved", { labels: { resolved: LONG } }],
    ["escalation.levels[0].name", { escalation: { levels: [{ name: LONG, at: "80%", slack: true }] } }],
    [
      "escalation.levels[0].at",
      { escalation: { levels: [{ name: "a", at: `${"8".repeat(5_000)}%`, slack: true }] } },
    ],
    ["escalation.levels[0].label", { escalation: { levels: [{ name: "a", at: "80%", label: LONG }] } }],
    [
      "escalation.levels[0].mention[0]",
      { escalation: { levels: [{ name: "a", at: "80%", comment: true, mention: [`@acme/${LONG}`] }] } },
    ],
    [
      "escalation.levels[0].repeat",
      { escalation: { levels: [{ name: "a", at: "80%", slack: true, repeat: `${"9".repeat(5_000)}h` }] } },
    ],
  ];

  test.each(cases)("%s: refused, and the message does not repeat the value", (path, config) => {
    const found = problems(parseConfig(stringify(config)));
    const mine = found.filter((p) => p.startsWith(`${path}: `));
    expect(mine, found.join("\n")).toHaveLength(1);
    expect(mine[0]).toMatch(/at most|too long/);
    expect(mine[0]?.length).toBeLessThan(400);
  });

  test("a priority key of 5,000 characters is refused at the key, in a short message", () => {
    const found = problems(parseConfig(stringify({ priorities: { [LONG]: { response: "1h" } } })));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/at most 40/);
    expect(found[0]?.length).toBeLessThan(600);
  });

  test("values at the limits are accepted", () => {
    const config = {
      escalation: { chat: `https://acme.slack.com/${"c".repeat(MAX_CHARS.url - 23)}` },
      priorities: { [`p${"x".repeat(MAX_CHARS.key - 1)}`]: { response: "1h" } },
    };
    expect(problems(parseConfig(stringify(config)))).toEqual([]);
  });

  test("lists that cost work per issue have a length limit", () => {
    const ranges = Array.from({ length: MAX_ITEMS.rangesPerDay + 1 }, (_, i) => {
      const h = String(i).padStart(2, "0");
      return `${h}:00-${h}:30`;
    });
    const mentions = Array.from({ length: MAX_ITEMS.mentions + 1 }, (_, i) => `@user${i}`);
    const found = problems(
      parseConfig(stringify({ business_hours: { monday: ranges }, escalation: { mention: mentions } })),
    );
    expect(found).toEqual([
      expect.stringMatching(/^business_hours\.monday: has 13 entries; at most 12 opening ranges a day/),
      expect.stringMatching(/^escalation\.mention: has 21 entries; at most 20 mentions/),
    ]);
  });
});

describe('"did you mean" only for short strings', () => {
  const longName = `Region/${"Abcdefgh".repeat(9)}`; // 79 characters, over MAX_SUGGEST_CHARS

  test("a long input close to a long candidate gets no suggestion", () => {
    expect(longName.length).toBeGreaterThan(MAX_SUGGEST_CHARS);
    expect(closest(`${longName}x`, [longName])).toBeUndefined();
    expect(didYouMean(`${longName}x`, [longName])).toBe("");
    // A short one still does.
    expect(didYouMean("Europe/Brusels", ["Europe/Brussels"])).toBe(" (did you mean Europe/Brussels?)");
  });

  test("a 60,000-character time zone is refused by length, with no lookup and no suggestion", () => {
    const zone = `Europe/Brussels${"s".repeat(60_000)}`;
    const found = problems(parseConfig(`timezone: ${zone}\n`));
    expect(found).toEqual([
      `timezone: is ${zone.length} characters long; at most 64 are allowed here (write an IANA time zone name such as "Europe/Brussels") (line 1)`,
    ]);
  });
});

describe(`a business-clock target must be reached within ${HORIZON_DAYS} days`, () => {
  const tiny = "business_hours:\n  monday: [09:00-09:01]\n";

  test("one minute of business a week and an 8760h target: a config problem with its line", () => {
    const found = problems(parseConfig(`${tiny}priorities:\n  urgent:\n    response: 8760h\n`));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^priorities\.urgent\.response: "8760h" of business time may not be reached within 366 days, .*1 min a week.*\(line 5\)$/,
    );
  });

  test("the default week allows 52 × 40 h less 2 h for daylight saving: 2078h, not 2079h", () => {
    expect(guaranteedBusinessMs({ business_hours: { monday: ["09:00-17:00"] }, holidays: [] })).toBe(
      52 * 8 * HOUR - 2 * HOUR,
    );
    const with_ = (response: string) =>
      problems(parseConfig(`priorities:\n  urgent: {response: ${response}}\n`));
    expect(with_("2078h")).toEqual([]);
    expect(with_("2079h")).toEqual([
      expect.stringMatching(/^priorities\.urgent\.response: .*40 h a week, less holidays; use at most 2078h/),
    ]);
    // The calendar clock has no such bound (durations stop at a year anyway).
    expect(problems(parseConfig("priorities:\n  urgent: {response: 8760h, clock: calendar}\n"))).toEqual([]);
  });

  test("holidays within one span count against the target; those further apart do not add up", () => {
    const mondays = (year: number) =>
      Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(year, 0, 5 + 7 * i)).toISOString().slice(0, 10));
    const input = (holidays: string[]) => ({ business_hours: { monday: ["09:00-17:00"] }, holidays });
    const base = guaranteedBusinessMs(input([]));
    expect(guaranteedBusinessMs(input(mondays(2026)))).toBe(base - 10 * 8 * HOUR);
    expect(guaranteedBusinessMs(input([...mondays(2026), ...mondays(2030)]))).toBe(base - 10 * 8 * HOUR);
  });

  test("holidays that close a whole year: a problem, since no next business day lies within the horizon", () => {
    const dates = Array.from({ length: 400 }, (_, i) =>
      new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10),
    );
    const found = problems(parseConfig(stringify({ holidays: dates })));
    expect(found).toEqual([
      expect.stringMatching(/^holidays: the holidays from 2027-01-01 close every date for 366 days or more/),
      // A span that holds a year's holidays leaves no business time a target can count on.
      expect.stringMatching(/^priorities\.urgent\.response: "1h" of business time may not be reached/),
    ]);
    // Less than a year closed (a long sabbatical) is fine.
    expect(problems(parseConfig(stringify({ holidays: dates.slice(0, 300) })))).toEqual([]);
  });

  test("check-config exits 1 and prints the problem", () => {
    const dir = mkdtempSync(join(tmpdir(), "kind5-"));
    const file = join(dir, "support-sla.yml");
    writeFileSync(file, `${tiny}priorities:\n  urgent: {response: 30m}\n  normal: {response: 2h}\n`);
    const out: string[] = [];
    const code = checkConfigCommand([file], { out: (l) => out.push(l), err: () => {}, cwd: dir });
    expect(code).toBe(1);
    expect(out).toEqual([
      expect.stringMatching(
        /^priorities\.normal\.response: "2h" of business time may not be reached within 366 days/,
      ),
    ]);
  });

  test("the engine itself stops at the horizon, whatever the duration", () => {
    const calendar = createCalendar(spec("Europe/Brussels", week({ monday: ["09:00-09:01"] })));
    const start = at("2026-11-27T16:30+01:00");
    // 100 h at one minute a week would be 115 years away; 8760 h 10,000 years.
    expect(() => calendar.addBusinessTime(start, 100 * HOUR)).toThrow(BeyondHorizonError);
    expect(() => calendar.addBusinessTime(start, 8760 * HOUR)).toThrow(BeyondHorizonError);
    // Within the horizon it still answers: 52 minutes is 52 Mondays away.
    const deadline = calendar.addBusinessTime(start, 52 * 60_000);
    expect(new Date(deadline).toISOString()).toBe("2027-11-22T08:01:00.000Z");
  });
});

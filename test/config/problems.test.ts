import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatProblem, type Problem, parseConfig } from "../../src/config/load.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/config/${name}`, import.meta.url), "utf8");

function problemsOf(text: string): Problem[] {
  const result = parseConfig(text);
  if (result.ok) throw new Error("expected problems, the config is valid");
  return result.problems;
}

/** The problems as check-config prints them. */
const printed = (text: string): string[] => problemsOf(text).map(formatProblem);

describe("fixtures: every problem, its path, its line, and how to fix it", () => {
  test("typo.yml: unknown keys anywhere, with a suggestion when one is close", () => {
    expect(problemsOf(fixture("typo.yml"))).toEqual([
      { path: "bussiness_hours", message: "unknown key (did you mean business_hours?)", line: 2 },
      { path: "priorities.urgent.respones", message: "unknown key (did you mean response?)", line: 5 },
      { path: "escalation.warnAt", message: "unknown key (did you mean warn_at?)", line: 7 },
      {
        path: "escalation.pager",
        message: "unknown key; the keys here are warn_at, mention, phone, chat, levels",
        line: 8,
      },
    ]);
  });

  test("bad-ranges.yml: format, order, overlap, 24:00, empty and impossible times", () => {
    expect(printed(fixture("bad-ranges.yml"))).toEqual([
      'business_hours.monday[0]: "9-17" is not a time range; write HH:MM-HH:MM, e.g. "09:00-17:00" (line 2)',
      'business_hours.tuesday[0]: "17:00-09:00" ends before it starts; a range cannot cross midnight: write "17:00-24:00" on this day and "00:00-09:00" on the next (line 3)',
      'business_hours.wednesday[1]: "12:00-17:00" overlaps "09:00-13:00"; merge them into one range, "09:00-17:00" (line 4)',
      'business_hours.thursday[0]: "24:00-08:00": 24:00 can only end a range; start the range at 00:00 (line 5)',
      'business_hours.thursday[2]: "09:00-09:00" is empty; the end must be later than the start (line 5)',
      'business_hours.friday[0]: "09:00-12:60": 12:60 is not a time of day; use 00:00 to 23:59 (and 24:00 to end a range at midnight) (line 6)',
    ]);
  });

  test("bad-zone.yml: a zone the runtime does not know", () => {
    expect(problemsOf(fixture("bad-zone.yml"))).toEqual([
      {
        path: "timezone",
        message:
          '"Mars/Olympus" is not a time zone known to this runtime; use an IANA name such as "Europe/Brussels" or "America/New_York"',
        line: 1,
      },
    ]);
  });

  test("bad-country.yml: the holiday calendar's country", () => {
    expect(problemsOf(fixture("bad-country.yml"))).toEqual([
      {
        path: "holiday_calendar.country",
        message:
          'unknown holiday calendar country "XX": use an ISO 3166-1 alpha-2 code that date-holidays knows, e.g. BE, DE, US',
        line: 2,
      },
    ]);
  });

  test("zero-duration.yml: zero and unit-less response times", () => {
    expect(printed(fixture("zero-duration.yml"))).toEqual([
      'priorities.urgent.response: "0m" is zero: write a whole positive number followed by s, m or h (e.g. 90s, 30m, 1h) or next-business-day (line 3)',
      'priorities.normal.response: 30 has no unit; write "30m" for minutes or "30h" for hours (line 5)',
    ]);
  });

  test("no-business-hours.yml: a closed week with priorities on the business clock", () => {
    expect(problemsOf(fixture("no-business-hours.yml"))).toEqual([
      {
        path: "business_hours",
        message:
          "no business hours in the week, but priorities urgent and normal use the business clock; add opening hours or set clock: calendar",
        line: 2,
      },
    ]);
  });

  test("a closed week is fine once no priority uses the business clock", () => {
    const text =
      "business_hours: {}\npriorities:\n  urgent: {clock: calendar}\n  normal: {response: 24h, clock: calendar}\n";
    expect(parseConfig(text).ok).toBe(true);
    expect(printed("business_hours: {}\npriorities:\n  normal: {response: 24h, clock: calendar}\n")).toEqual([
      "business_hours: no business hours in the week, but priority urgent uses the business clock; add opening hours or set clock: calendar (line 1)",
    ]);
  });

  test("cross-checks.yml: sections valid alone but not together, all reported", () => {
    expect(printed(fixture("cross-checks.yml"))).toEqual([
      "priorities.production-down.types[1]: bug is not a configured type; use one of add-remove-user, change-request, guidance, on-call, problem, or write types: null for every type (line 3)",
      "default_priority: production-down is only for types problem and bug, but the default priority must fit every type; use urgent, normal or low (line 5)",
      'types.problem.label: "type: problem" is already the label of priorities.low.label ("Type: Problem": GitHub label names ignore case); every priority, type and status label needs its own name (line 6)',
      // Not in the file, so no line: removing `other` left the default default_type dangling.
      "default_type: other is not a configured type; set default_type to one of add-remove-user, change-request, guidance, on-call, problem",
    ]);
  });
});

describe("all problems at once", () => {
  test("one run reports problems of every section, in file order", () => {
    const text = [
      "timezone: Europe/Brusels", // 1
      "business_hours:", // 2
      '  monday: ["9-17", "09:00-13:00", "12:00-14:00"]', // 3
      "holidays: ['2026-02-30']", // 4
      "priorities:", // 5
      "  urgnet: {}", // 6
      "  normal: {clock: calendar}", // 7
      "team: {associations: [member]}", // 8
      "escalation: {warn_at: 100%, mention: [support]}", // 9
      "labels: {at_risk: 'sla: breached', typo: x}", // 10
    ].join("\n");
    expect(printed(text)).toEqual([
      'timezone: "Europe/Brusels" is not a time zone known to this runtime; use an IANA name such as "Europe/Brussels" or "America/New_York" (did you mean Europe/Brussels?) (line 1)',
      'business_hours.monday[0]: "9-17" is not a time range; write HH:MM-HH:MM, e.g. "09:00-17:00" (line 3)',
      'business_hours.monday[2]: "12:00-14:00" overlaps "09:00-13:00"; merge them into one range, "09:00-14:00" (line 3)',
      'holidays[0]: "2026-02-30" is not a day of the calendar; check the month and day (line 4)',
      'priorities.urgnet.response: a new priority needs a response target, e.g. "4h" or "next-business-day" (did you mean urgent?) (line 6)',
      'priorities.normal.clock: next-business-day counts business days, so it needs clock: business (or give the calendar clock a duration such as "24h") (line 7)',
      'team.associations[0]: "member" is not an author_association; use one of OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR, FIRST_TIMER, MANNEQUIN, NONE (did you mean MEMBER?) (line 8)',
      'escalation.warn_at: "100%" is not a percentage from 1% to 99%; write e.g. "80%" (line 9)',
      'escalation.mention[0]: "support" needs a leading "@": write "@support" (line 9)',
      "labels.typo: unknown key; the keys here are incomplete, at_risk, breached, waiting, resolved (line 10)",
    ]);
  });

  test("a cross-check waits for the sections it reads, and runs once they are valid", () => {
    // The duplicate label is found only after the types section is fixed.
    const broken = "types:\n  problem: {label: 'priority: urgent', color: red}\n";
    expect(printed(broken)).toEqual([
      'types.problem.color: "red" is not a colour; write 6 hex digits without "#", e.g. "d93f0b" (line 2)',
    ]);
    expect(printed(broken.replace("red", "ff0000"))).toEqual([
      'types.problem.label: "priority: urgent" is already the label of priorities.urgent.label; every priority, type and status label needs its own name (line 2)',
    ]);
  });
});

describe("one problem per mistake", () => {
  test.each([
    [
      "timezone: '+01:00'",
      'timezone: "+01:00" is not an IANA time zone; use an IANA name such as "Europe/Brussels" or "America/New_York" (a fixed offset would ignore daylight saving time) (line 1)',
    ],
    [
      "holidays:",
      'holidays: is empty; write a list of dates such as ["2026-12-24"], or remove the key to use the default (line 1)',
    ],
    [
      "holidays: [24/12/2026]",
      'holidays[0]: "24/12/2026" is not a date; write YYYY-MM-DD, e.g. "2026-12-24" (line 1)',
    ],
    [
      "holidays: [20261224]",
      'holidays[0]: expected a date "YYYY-MM-DD", e.g. "2026-12-24", got the number 20261224; YAML read it as a number, so put it in quotes (line 1)',
    ],
    [
      "holiday_calendar: {country: DE, state: XX}",
      'holiday_calendar.state: unknown state "XX" for holiday calendar country DE: use one of BB, BE, BW, BY, HB, HE, HH, MV, NI, NW, RP, SH, SL, SN, ST, TH (line 1)',
    ],
    [
      "holiday_calendar: {country: BE, region: x}",
      'holiday_calendar.region: holiday calendar region "x" needs a state too (line 1)',
    ],
    [
      "business_hours:\n  monday: '09:00-17:00'",
      'business_hours.monday: expected a list of ranges such as ["09:00-17:00"] ([] for a closed day), got "09:00-17:00" (line 2)',
    ],
    ["business_hours:\n  funday: []", "business_hours.funday: unknown key (did you mean sunday?) (line 2)"],
    [
      "priorities: [urgent]",
      "priorities: expected a mapping of priority key to settings, got a list (line 1)",
    ],
    [
      "priorities:\n  P1: {response: 1h}",
      'priorities.P1: "P1" is not a valid priority key; use lowercase letters and digits joined by hyphens, e.g. "production-down" (line 2)',
    ],
    [
      "priorities:\n  urgent: {clock: Business}",
      'priorities.urgent.clock: "Business" is not a clock; use "calendar" (every minute, 24/7) or "business" (business hours only) (line 2)',
    ],
    [
      "priorities:\n  urgent: {types: []}",
      "priorities.urgent.types: lists no type; list the type keys this priority is for, or write null for every type (line 2)",
    ],
    [
      "priorities:\n  urgent: {page: yes}",
      'priorities.urgent.page: expected true or false, got "yes" (line 2)',
    ],
    [
      "priorities:\n  urgent: {color: '#D93F0B'}",
      'priorities.urgent.color: "#D93F0B": write the colour without "#", e.g. "D93F0B" (line 2)',
    ],
    [
      "priorities:\n  urgent: {color: 123456}",
      'priorities.urgent.color: expected a colour as 6 hex digits in quotes, e.g. "d93f0b", got the number 123456; YAML read it as a number, so put it in quotes (line 2)',
    ],
    [
      `priorities:\n  urgent: {label: ${"x".repeat(51)}}`,
      `priorities.urgent.label: "${"x".repeat(51)}" is too long; GitHub allows at most 50 characters in a label name (line 2)`,
    ],
    [
      "priorities:\n  productiondown: {response: 1h}",
      "priorities.productiondown: reads the same as production-down when hyphens are ignored, so a form's priority dropdown cannot tell them apart; rename one (line 2)",
    ],
    [
      "priorities:\n  production-down: null\n  urgent: null\n  normal: null",
      "priorities: no priority is left; keep at least one (null removes a built-in priority) (line 1)",
    ],
    [
      "default_priority: low",
      "default_priority: low is not a configured priority; set default_priority to one of production-down, urgent, normal (line 1)",
    ],
    [
      "types:\n  problem: {form: .github/ISSUE_TEMPLATE/problem.yml}",
      'types.problem.form: ".github/ISSUE_TEMPLATE/problem.yml": write only the file name, e.g. "problem.yml"; forms are read from .github/ISSUE_TEMPLATE/ (line 2)',
    ],
    [
      "types:\n  problem: {form: bug}",
      'types.problem.form: "bug" is not a form file name; write a .yml file name under .github/ISSUE_TEMPLATE/, e.g. "problem.yml", or null for a type without a form (line 2)',
    ],
    [
      "types:\n  bug: {form: problem.yml}",
      "types.bug.form: problem.yml is already the form of type problem; a form files exactly one type, so give this type its own form or null (line 2)",
    ],
    [
      "default_type: problme",
      "default_type: problme is not a configured type (did you mean problem?); set default_type to one of add-remove-user, change-request, guidance, on-call, problem, other (line 1)",
    ],
    [
      "team: {associations: [], users: [], teams: []}",
      "team: nobody counts as the team, so no reply would ever stop the clock; list associations, users or teams (line 1)",
    ],
    [
      "team: {users: ['@x y']}",
      'team.users[0]: "@x y" is not a GitHub login; write a user name such as "octocat" (line 1)',
    ],
    [
      "team: {teams: [acme]}",
      'team.teams[0]: "acme" is not a team; write "org/team-slug", e.g. "acme/support" (line 1)',
    ],
    [
      "escalation: {phone: 3221234567}",
      'escalation.phone: expected a phone number in quotes, e.g. "+32 2 123 45 67", got the number 3221234567; YAML read it as a number, so put it in quotes (line 1)',
    ],
    [
      "escalation: {phone: call Bob}",
      'escalation.phone: "call Bob" is not a phone number; write digits with an optional leading "+", e.g. "+32 2 123 45 67" (line 1)',
    ],
    [
      "escalation: {chat: 'slack #support'}",
      'escalation.chat: "slack #support" is not a web address; write the chat channel\'s https:// link, e.g. "https://acme.slack.com/archives/C0123" (line 1)',
    ],
    [
      "escalation: {mention: ['@acme/sup port']}",
      'escalation.mention[0]: "@acme/sup port" is not a GitHub mention; write "@user" or "@org/team" (line 1)',
    ],
    ["labels: {incomplete: ''}", "labels.incomplete: a label needs a name (line 1)"],
  ])("%j", (text, problem) => {
    expect(printed(`${text}\n`)).toEqual([problem]);
  });
});

describe("keys that name Object.prototype's properties", () => {
  test("constructor is an ordinary new key, __proto__ is refused instead of vanishing", () => {
    expect(printed("priorities:\n  constructor: {}\n  __proto__: {response: 1h}\n")).toEqual([
      'priorities.constructor.response: a new priority needs a response target, e.g. "4h" or "next-business-day" (line 2)',
      "priorities.__proto__: unknown key; __proto__ cannot name a setting (line 3)",
    ]);
    expect(printed("default_priority: constructor\n")).toEqual([
      "default_priority: constructor is not a configured priority; set default_priority to one of production-down, urgent, normal (line 1)",
    ]);
  });
});

describe("line numbers", () => {
  test("a problem in a block list points at its item; one under a default points at the nearest written key", () => {
    const text = "business_hours:\n  monday:\n    - 09:00-12:00\n    - 13:00-12:00\ntypes:\n  other: null\n";
    expect(problemsOf(text)).toEqual([
      {
        path: "business_hours.monday[1]",
        message:
          '"13:00-12:00" ends before it starts; a range cannot cross midnight: write "13:00-24:00" on this day and "00:00-12:00" on the next',
        line: 4,
      },
      {
        path: "default_type",
        message:
          "other is not a configured type; set default_type to one of add-remove-user, change-request, guidance, on-call, problem",
      },
    ]);
  });
});

describe("post-mortem follow-up", () => {
  test("its priorities must be configured and its labels must be the app's own", () => {
    const text = 'post_mortem:\n  priorities: [prod-down]\n  done_label: "sla: breached"\n';
    expect(problemsOf(text)).toEqual([
      {
        path: "post_mortem.priorities[0]",
        message: "prod-down is not a configured priority; use one of production-down, urgent, normal",
        line: 2,
      },
      {
        path: "post_mortem.done_label",
        message:
          '"sla: breached" is already the label of labels.breached; every priority, type and status label needs its own name',
        line: 3,
      },
    ]);
  });

  test("defaults: production down, 72 hours, the two labels, a reminder every 24 hours", () => {
    expect(
      parseConfig("").ok && (parseConfig("") as { policy: { postMortem: unknown } }).policy.postMortem,
    ).toEqual({
      priorities: ["production-down"],
      dueMs: 72 * 3_600_000,
      requiredLabel: "post-mortem: required",
      doneLabel: "post-mortem: done",
      repeatMs: 24 * 3_600_000,
    });
  });
});

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

/*
 * `support-sla deadline --metric … --pause START/END` (PRODUCT.md "More SLA metrics"). Every
 * expected instant below is worked out by hand from the policy: Europe/Brussels (CET = UTC+1 in
 * November and December), Monday to Friday 09:00-17:00, Monday 7 December 2026 a configured
 * holiday.
 */

const tmp = mkdtempSync(join(tmpdir(), "support-sla-deadline-metrics-"));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: tmp });
  return { code, out, err, stdout: out.join("\n"), stderr: err.join("\n") };
}

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const config = file(
  "metrics.yml",
  [
    "holidays: ['2026-12-07']",
    "priorities:",
    "  urgent: { response: 1h, next_reply: 4h, resolution: 40h, clock: business }",
    "  production-down: { response: 30m, updates: 30m, clock: calendar }",
    "  normal: { response: next-business-day, next_reply: next-business-day, clock: business }",
    "",
  ].join("\n"),
);

/** The JSON lines of a successful run. */
async function lines(...argv: string[]) {
  const r = await cli("deadline", "--config", config, ...argv);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  return r.out.map((l) => JSON.parse(l) as Record<string, string>);
}

const deadlineOf = async (...argv: string[]) => (await lines(...argv)).map((o) => o.deadline);

describe("deadline --metric", () => {
  it("defaults to first_response and says so in the JSON line", async () => {
    // Mon 30 Nov 15:00 CET + 1 business hour.
    const implicit = await lines("--priority", "urgent", "--opened", "2026-11-30T14:00:00Z");
    const explicit = await lines(
      "--priority",
      "urgent",
      "--metric",
      "first_response",
      "--opened",
      "2026-11-30T14:00:00Z",
    );
    const expected = {
      priority: "urgent",
      metric: "first_response",
      opened: "2026-11-30T14:00:00.000Z",
      deadline: "2026-11-30T15:00:00.000Z",
    };
    expect(implicit).toEqual([expected]);
    expect(explicit).toEqual([expected]);
  });

  it("next_reply: the priority's next_reply target on its business clock, one line per --opened", async () => {
    // 4 business hours. Mon 15:00 CET: 2 h on Monday, 2 h on Tuesday → Tue 11:00 CET.
    // Fri 27 Nov 16:30 CET: 30 min on Friday, 3 h 30 on Monday → Mon 12:30 CET.
    // Sat 28 Nov: waits for Monday 09:00 → Mon 13:00 CET.
    expect(
      await lines(
        "--priority",
        "urgent",
        "--metric",
        "next_reply",
        "--opened",
        "2026-11-30T14:00:00Z",
        "--opened",
        "2026-11-27T15:30:00Z",
        "--opened",
        "2026-11-28T10:00:00Z",
      ),
    ).toEqual([
      {
        priority: "urgent",
        metric: "next_reply",
        opened: "2026-11-30T14:00:00.000Z",
        deadline: "2026-12-01T10:00:00.000Z",
      },
      {
        priority: "urgent",
        metric: "next_reply",
        opened: "2026-11-27T15:30:00.000Z",
        deadline: "2026-11-30T11:30:00.000Z",
      },
      {
        priority: "urgent",
        metric: "next_reply",
        opened: "2026-11-28T10:00:00.000Z",
        deadline: "2026-11-30T12:00:00.000Z",
      },
    ]);
  });

  it("resolution: 40 business hours from Monday 09:00 end at Friday's close", async () => {
    expect(
      await deadlineOf("--priority", "urgent", "--metric", "resolution", "--opened", "2026-11-30T08:00:00Z"),
    ).toEqual(["2026-12-04T16:00:00.000Z"]);
  });

  it("updates: 30 minutes on the calendar clock, Christmas Day or not", async () => {
    expect(
      await lines("--priority", "production-down", "--metric", "updates", "--opened", "2026-12-25T03:00:00Z"),
    ).toEqual([
      {
        priority: "production-down",
        metric: "updates",
        opened: "2026-12-25T03:00:00.000Z",
        deadline: "2026-12-25T03:30:00.000Z",
      },
    ]);
  });

  it("next-business-day means for next_reply what it means for response", async () => {
    // Fri 27 Nov 16:30 CET: close of business on Monday 30 Nov, 17:00 CET, for both.
    const response = await deadlineOf("--priority", "normal", "--opened", "2026-11-27T15:30:00Z");
    const nextReply = await deadlineOf(
      "--priority",
      "normal",
      "--metric",
      "next_reply",
      "--opened",
      "2026-11-27T15:30:00Z",
    );
    expect(response).toEqual(["2026-11-30T16:00:00.000Z"]);
    expect(nextReply).toEqual(response);
  });
});

describe("deadline --pause", () => {
  it("a resolution pause over a weekend and a holiday keeps only business time off the clock", async () => {
    // Counted before the pause: Mon-Wed 24 h + Thu 09:00-15:00 6 h = 30 h; 10 h left.
    // Paused Thu 3 Dec 15:00 CET → Tue 8 Dec 11:00 CET (the weekend and the Monday holiday inside).
    // Resumed: Tue 11:00-17:00 6 h, Wed 09:00-13:00 4 h → Wed 9 Dec 13:00 CET.
    expect(
      await deadlineOf(
        "--priority",
        "urgent",
        "--metric",
        "resolution",
        "--opened",
        "2026-11-30T08:00:00Z",
        "--pause",
        "2026-12-03T14:00:00Z/2026-12-08T10:00:00Z",
      ),
    ).toEqual(["2026-12-09T12:00:00.000Z"]);
  });

  it("a pause that ends on the holiday resumes the count at the next opening", async () => {
    // Counted before the pause: Mon-Thu 32 h + Fri 09:00-15:00 6 h = 38 h; 2 h left.
    // Paused Fri 4 Dec 15:00 CET → Mon 7 Dec 12:00 CET, a holiday: the count goes on Tue 8 Dec
    // 09:00 → 11:00 CET.
    expect(
      await deadlineOf(
        "--priority",
        "urgent",
        "--metric",
        "resolution",
        "--opened",
        "2026-11-30T08:00:00Z",
        "--pause",
        "2026-12-04T14:00:00Z/2026-12-07T11:00:00Z",
      ),
    ).toEqual(["2026-12-08T10:00:00.000Z"]);
  });

  it("takes --pause repeatedly, in any order, with Z, an offset or a zone annotation", async () => {
    // Mon 15:00 CET, 4 h: 15:00-15:30 (30 min), paused 15:30-16:00, 16:00-17:00 (1 h),
    // Tue paused 09:00-10:00, then 2 h 30 → Tue 12:30 CET.
    expect(
      await deadlineOf(
        "--priority",
        "urgent",
        "--metric",
        "next_reply",
        "--opened",
        "2026-11-30T14:00:00Z",
        "--pause",
        "2026-12-01T09:00:00+01:00[Europe/Brussels]/2026-12-01T10:00:00+01:00[Europe/Brussels]",
        "--pause",
        "2026-11-30T15:30:00+01:00/2026-11-30T14:00:00-01:00",
      ),
    ).toEqual(["2026-12-01T11:30:00.000Z"]);
  });

  it("pauses that touch are both kept off the clock", async () => {
    // Mon 15:00 CET: 30 min, paused 15:30-16:30, 30 min, then Tue 09:00-12:00 → Tue 12:00 CET.
    expect(
      await deadlineOf(
        "--priority",
        "urgent",
        "--metric",
        "next_reply",
        "--opened",
        "2026-11-30T14:00:00Z",
        "--pause",
        "2026-11-30T14:30:00Z/2026-11-30T15:00:00Z",
        "--pause",
        "2026-11-30T15:00:00Z/2026-11-30T15:30:00Z",
      ),
    ).toEqual(["2026-12-01T11:00:00.000Z"]);
  });

  it("pauses the next reply and the periodic update the same way; a pause after the deadline changes nothing", async () => {
    // Opened Mon 15:00 CET, paused 15:15-15:45: 1 h 30 min of 4 business hours counted by 17:00,
    // the other 2 h 30 min on Tuesday from 09:00: 11:30 CET.
    expect(
      await deadlineOf(
        "--priority",
        "urgent",
        "--metric",
        "next_reply",
        "--opened",
        "2026-11-30T14:00:00Z",
        "--pause",
        "2026-11-30T14:15:00Z/2026-11-30T14:45:00Z",
      ),
    ).toEqual(["2026-12-01T10:30:00.000Z"]);
    expect(
      await deadlineOf(
        "--priority",
        "production-down",
        "--metric",
        "updates",
        "--opened",
        "2026-12-25T03:00:00Z",
        "--pause",
        "2026-12-25T03:10:00Z/2026-12-25T03:20:00Z",
      ),
    ).toEqual(["2026-12-25T03:40:00.000Z"]);
    expect(
      await deadlineOf(
        "--priority",
        "production-down",
        "--metric",
        "updates",
        "--opened",
        "2026-12-25T03:00:00Z",
        "--pause",
        "2026-12-25T03:30:00Z/2026-12-25T04:00:00Z",
      ),
    ).toEqual(["2026-12-25T03:30:00.000Z"]);
  });

  it("a next-business-day target keeps its business-time count and moves by the paused business time", async () => {
    // Fri 16:30 CET to Monday's close is 30 min + 8 h. Paused Mon 09:00-10:00: the 8 h 30 end Tue 10:00 CET.
    expect(
      await deadlineOf(
        "--priority",
        "normal",
        "--metric",
        "next_reply",
        "--opened",
        "2026-11-27T15:30:00Z",
        "--pause",
        "2026-11-30T08:00:00Z/2026-11-30T09:00:00Z",
      ),
    ).toEqual(["2026-12-01T09:00:00.000Z"]);
  });

  it("applies the same pauses to every --opened", async () => {
    // Opened Mon 15:00 and 15:15 CET, paused 15:30-16:00: 1 h 30 min and 1 h 15 min of the 4 h
    // next reply counted by 17:00, the rest on Tuesday from 09:00: 11:30 and 11:45 CET.
    expect(
      await deadlineOf(
        "--priority",
        "urgent",
        "--metric",
        "next_reply",
        "--opened",
        "2026-11-30T14:00:00Z",
        "--opened",
        "2026-11-30T14:15:00Z",
        "--pause",
        "2026-11-30T14:30:00Z/2026-11-30T15:00:00Z",
      ),
    ).toEqual(["2026-12-01T10:30:00.000Z", "2026-12-01T10:45:00.000Z"]);
  });
});

describe("deadline --metric/--pause errors: one line, exit 2", () => {
  const opened = ["--priority", "urgent", "--opened", "2026-11-30T14:00:00Z"];
  const example = "e.g. 2026-11-27T16:00:00Z/2026-11-30T10:00:00Z";
  const cases: Array<[string, string[], string]> = [
    [
      "an unknown metric",
      ["--metric", "post_mortem"],
      '--metric "post_mortem" is not a metric; use one of first_response, next_reply, resolution, updates',
    ],
    [
      "a metric written with a hyphen",
      ["--metric", "next-reply"],
      '--metric "next-reply" is not a metric (did you mean next_reply?); use one of first_response, next_reply, resolution, updates',
    ],
    [
      "a pause without END",
      ["--pause", "2026-11-30T14:30:00Z"],
      `--pause "2026-11-30T14:30:00Z" is not START/END (${example})`,
    ],
    [
      "a START without offset",
      ["--pause", "2026-11-30T14:30/2026-11-30T15:00:00Z"],
      `--pause "2026-11-30T14:30/2026-11-30T15:00:00Z": START "2026-11-30T14:30" is not an ISO 8601 instant with an offset or Z (${example})`,
    ],
    [
      "an END that is no date",
      ["--pause", "2026-11-30T14:30:00Z/tomorrow"],
      `--pause "2026-11-30T14:30:00Z/tomorrow": END "tomorrow" is not an ISO 8601 instant with an offset or Z (${example})`,
    ],
    [
      "a date that does not exist",
      ["--pause", "2026-02-30T10:00:00Z/2026-03-01T10:00:00Z"],
      `--pause "2026-02-30T10:00:00Z/2026-03-01T10:00:00Z": START "2026-02-30T10:00:00Z" is not an ISO 8601 instant with an offset or Z (${example})`,
    ],
    [
      "END before START",
      ["--pause", "2026-11-30T15:00:00Z/2026-11-30T14:30:00Z"],
      '--pause "2026-11-30T15:00:00Z/2026-11-30T14:30:00Z" ends before it starts',
    ],
    [
      "an empty pause",
      ["--pause", "2026-11-30T15:00:00Z/2026-11-30T16:00:00+01:00"],
      '--pause "2026-11-30T15:00:00Z/2026-11-30T16:00:00+01:00" is empty: END equals START',
    ],
    [
      "overlapping pauses",
      [
        "--pause",
        "2026-11-30T15:00:00Z/2026-11-30T16:00:00Z",
        "--pause",
        "2026-11-30T14:30:00Z/2026-11-30T15:30:00Z",
      ],
      '--pause "2026-11-30T15:00:00Z/2026-11-30T16:00:00Z" overlaps --pause "2026-11-30T14:30:00Z/2026-11-30T15:30:00Z"; give each paused interval once',
    ],
    [
      "a pause starting before the clock",
      ["--metric", "resolution", "--pause", "2026-11-30T13:00:00Z/2026-11-30T14:30:00Z"],
      '--pause "2026-11-30T13:00:00Z/2026-11-30T14:30:00Z" starts before the clock starts (--opened 2026-11-30T14:00:00.000Z)',
    ],
    [
      "a pause ending past the planning horizon",
      ["--metric", "resolution", "--pause", "2026-11-30T15:00:00Z/+275760-09-13T00:00:00Z"],
      '--pause "2026-11-30T15:00:00Z/+275760-09-13T00:00:00Z" ends more than 366 days after --opened 2026-11-30T14:00:00.000Z: deadlines are planned at most 366 days ahead',
    ],
    [
      "a pause the second --opened starts after (nothing printed for the first)",
      [
        "--metric",
        "resolution",
        "--opened",
        "2026-11-30T16:00:00Z",
        "--pause",
        "2026-11-30T15:00:00Z/2026-11-30T15:30:00Z",
      ],
      '--pause "2026-11-30T15:00:00Z/2026-11-30T15:30:00Z" starts before the clock starts (--opened 2026-11-30T16:00:00.000Z)',
    ],
    [
      "a pause of the first response (never paused)",
      ["--pause", "2026-11-30T15:00:00Z/2026-11-30T15:30:00Z"],
      "--pause: the first response is never paused; the app pauses only the resolution (--metric resolution), while the waiting label is on",
    ],
  ];
  for (const [name, extra, message] of cases) {
    it(`rejects ${name}`, async () => {
      const r = await cli("deadline", "--config", config, ...opened, ...extra);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err).toEqual([`support-sla deadline: ${message}`]);
    });
  }

  it("a metric the priority leaves off names the config key that would turn it on", async () => {
    const r = await cli("deadline", "--config", config, ...opened, "--metric", "updates");
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `support-sla deadline: updates is off for priority "urgent": config ${config} sets no priorities.urgent.updates (e.g. updates: 4h)`,
    ]);
    const byDefault = await cli("deadline", ...opened, "--metric", "next_reply");
    expect(byDefault.code).toBe(2);
    expect(byDefault.err).toEqual([
      'support-sla deadline: next_reply is off for priority "urgent": the default policy sets no priorities.urgent.next_reply (e.g. next_reply: 4h)',
    ]);
  });

  it("--help lists --metric and --pause", async () => {
    const r = await cli("deadline", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /--metric METRIC +first_response \(default\), next_reply, resolution or updates/,
    );
    expect(r.stdout).toMatch(/--pause START\/END/);
  });
});

describe("deadline --explain with a metric and pauses", () => {
  it("resolution: the metric, its target and clock, the pause and what it excluded, the levels ahead", async () => {
    const r = await cli(
      "deadline",
      "--config",
      config,
      "--priority",
      "urgent",
      "--metric",
      "resolution",
      "--opened",
      "2026-11-30T08:00:00Z",
      "--pause",
      "2026-12-03T14:00:00Z/2026-12-08T10:00:00Z",
      "--explain",
    );
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toContain("**How the resolution deadline was computed**");
    expect(text).toContain("- Metric: `resolution`, set by `priorities.urgent.resolution`.");
    expect(text).toContain("(`urgent`): 40 h of business time.");
    // The counted intervals leave the pause out.
    expect(text).toContain("  - Thu 3 Dec 2026, 09:00 CET → 15:00 CET: 6 h");
    expect(text).toContain("  - Tue 8 Dec 2026, 11:00 CET → 17:00 CET: 6 h");
    expect(text).toContain("  - Wed 9 Dec 2026, 09:00 CET → 13:00 CET: 4 h");
    expect(text).not.toMatch(/Fri 4 Dec 2026, 09:00 CET →/);
    expect(text).toContain("- Holidays skipped: 2026-12-07 (configured).");
    expect(text).toContain("- Closed days skipped: 2026-12-05, 2026-12-06.");
    // Thu 15:00-17:00 and Tue 09:00-11:00: the weekend and the holiday exclude nothing.
    expect(text).toContain(
      "- Pauses (not counted on the clock):\n  - Thu 3 Dec 2026, 15:00 CET → Tue 8 Dec 2026, 11:00 CET: 12 h excluded",
    );
    // At risk at 80 % of 40 h = 32 h: 30 h before the pause, 2 h after it.
    expect(text).toContain(
      "- Next level: at-risk at Tue 8 Dec 2026, 13:00 CET (2026-12-08 12:00 UTC); then breach at Wed 9 Dec 2026, 13:00 CET (2026-12-09 12:00 UTC).",
    );
    expect(text).toContain("- **Result: Wed 9 Dec 2026, 13:00 CET (2026-12-09 12:00 UTC).**");
  });

  it("updates: the calendar clock, the updates ladder, a pause after the deadline marked as such", async () => {
    const r = await cli(
      "deadline",
      "--config",
      config,
      "--priority",
      "production-down",
      "--metric",
      "updates",
      "--opened",
      "2026-12-25T03:00:00Z",
      "--pause",
      "2026-12-25T03:10:00Z/2026-12-25T03:20:00Z",
      "--pause",
      "2026-12-25T04:00:00Z/2026-12-25T05:00:00Z",
      "--explain",
    );
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toContain("**How the periodic-update deadline was computed**");
    expect(text).toContain("- Metric: `updates`, set by `priorities.production-down.updates`.");
    expect(text).toContain("(`production-down`): 30 min on the calendar clock (24/7).");
    expect(text).toContain("  - Fri 25 Dec 2026, 04:10 CET → Fri 25 Dec 2026, 04:20 CET: 10 min excluded");
    expect(text).toContain(
      "  - Fri 25 Dec 2026, 05:00 CET → Fri 25 Dec 2026, 06:00 CET: 1 h, after the deadline (it does not move it)",
    );
    // Reminder at 80 % of 30 min = 24 min counted: 10 min, the pause, 14 min.
    expect(text).toContain(
      "- Next level: reminder at Fri 25 Dec 2026, 04:34 CET (2026-12-25 03:34 UTC); then breach at Fri 25 Dec 2026, 04:40 CET (2026-12-25 03:40 UTC).",
    );
    expect(text).toContain("- **Result: Fri 25 Dec 2026, 04:40 CET (2026-12-25 03:40 UTC).**");
    expect(text).not.toContain("Business time counted");
  });

  it("first_response keeps today's explanation and adds its pauses and levels", async () => {
    const r = await cli("deadline", "--priority", "urgent", "--opened", "2026-11-30T14:00:00Z", "--explain");
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(/^\*\*How the first-response deadline was computed\*\*\n\n- Policy: /);
    expect(text).not.toContain("- Metric:");
    expect(text).toContain("- Pauses: none.");
    // 80 % of 1 h = 48 min.
    expect(text).toContain(
      "- Next level: at-risk at Mon 30 Nov 2026, 15:48 CET (2026-11-30 14:48 UTC); then breach at Mon 30 Nov 2026, 16:00 CET (2026-11-30 15:00 UTC).",
    );
    expect(text).toContain("- **Result: Mon 30 Nov 2026, 16:00 CET (2026-11-30 15:00 UTC).**");
  });

  it("a configured ladder: every level with its instant, a repeating one with its interval", async () => {
    const ladder = file(
      "ladder.yml",
      [
        "priorities:",
        "  urgent: { response: 1h, next_reply: 4h, clock: business }",
        "escalation:",
        "  levels:",
        "    - { name: warn, at: '50%', slack: true }",
        "    - { name: breach, at: '100%', label: 'sla: breached', comment: true }",
        "    - { name: manager, at: '+2h', comment: true, mention: ['@acme/leads'], repeat: 1h }",
        "",
      ].join("\n"),
    );
    const r = await cli(
      "deadline",
      "--config",
      ladder,
      "--priority",
      "urgent",
      "--metric",
      "next_reply",
      "--opened",
      "2026-11-30T14:00:00Z",
      "--explain",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // 4 h from Mon 15:00 CET: half of it at Monday's close, the deadline Tue 11:00, 2 h later 13:00.
    expect(r.stdout).toContain(
      "- Next level: warn at Mon 30 Nov 2026, 17:00 CET (2026-11-30 16:00 UTC); then breach at Tue 1 Dec 2026, 11:00 CET (2026-12-01 10:00 UTC); then manager at Tue 1 Dec 2026, 13:00 CET (2026-12-01 12:00 UTC), then every 1 h until met.",
    );
  });
});

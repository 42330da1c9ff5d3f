import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

const tmp = mkdtempSync(join(tmpdir(), "support-sla-cli-"));

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

const deadlines = (stdout: string) => stdout.split("\n").map((l) => JSON.parse(l).deadline as string);

describe("support-sla deadline", () => {
  it("prints one JSON line per --opened, in order", async () => {
    const r = await cli(
      "deadline",
      "--priority",
      "urgent",
      "--opened",
      "2026-11-27T15:30:00Z",
      "--opened",
      "2026-11-28T10:00:00Z",
    );
    expect(r.code).toBe(0);
    expect(r.out.map((l) => JSON.parse(l))).toEqual([
      {
        priority: "urgent",
        metric: "first_response",
        opened: "2026-11-27T15:30:00.000Z",
        deadline: "2026-11-30T08:30:00.000Z",
      },
      {
        priority: "urgent",
        metric: "first_response",
        opened: "2026-11-28T10:00:00.000Z",
        deadline: "2026-11-30T09:00:00.000Z",
      },
    ]);
  });

  it("reads a wall time without offset in the config's zone, whatever the host TZ", async () => {
    const r = await cli("deadline", "--priority", "urgent", "--opened", "2026-11-27T16:30");
    expect(deadlines(r.stdout)).toEqual(["2026-11-30T08:30:00.000Z"]);
  });

  it("skips a holiday of the country calendar and one from the explicit list", async () => {
    const config = file("be.yml", "holiday_calendar: { country: BE }\nholidays: ['2026-12-24']\n");
    // Wed 23 Dec 16:30 CET + 1 business hour: Thu 24 (listed) and Fri 25 (Christmas) are closed.
    const r = await cli(
      "deadline",
      "--config",
      config,
      "--priority",
      "urgent",
      "--opened",
      "2026-12-23T15:30:00Z",
    );
    expect(deadlines(r.stdout)).toEqual(["2026-12-28T08:30:00.000Z"]);
  });

  it("--explain shows the intervals counted and the holidays and closed days skipped", async () => {
    const config = file("explain.yml", "holiday_calendar: { country: BE }\nholidays: ['2026-12-28']\n");
    const r = await cli(
      "deadline",
      "--config",
      config,
      "--priority",
      "urgent",
      "--opened",
      "2026-12-24T15:30:00Z",
      "--explain",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Thu 24 Dec 2026, 16:30 CET → 17:00 CET: 30 min");
    expect(r.stdout).toContain("Tue 29 Dec 2026, 09:00 CET → 09:30 CET: 30 min");
    expect(r.stdout).toContain("Holidays skipped: 2026-12-25 (Christmas Day), 2026-12-28 (configured)");
    expect(r.stdout).toContain("Closed days skipped: 2026-12-26, 2026-12-27");
    expect(r.stdout).toContain("**Result: Tue 29 Dec 2026, 09:30 CET (2026-12-29 08:30 UTC).**");
  });

  it("shows its help", async () => {
    const r = await cli("deadline", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: support-sla deadline/);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["unknown time zone", "timezone: Mars/Olympus\n", /timezone: .*Mars\/Olympus/],
    [
      "range without minutes",
      "business_hours:\n  monday: ['9-17']\n",
      /business_hours\.monday\[0\]: "9-17" is not a time range; write HH:MM-HH:MM/,
    ],
    [
      "range ending before it starts",
      "business_hours:\n  monday: ['17:00-09:00']\n",
      /business_hours\.monday\[0\]: "17:00-09:00" ends before it starts/,
    ],
    [
      "overlapping ranges",
      "business_hours:\n  monday: ['09:00-12:00', '11:00-13:00']\n",
      /business_hours\.monday\[1\]: "11:00-13:00" overlaps "09:00-12:00"/,
    ],
    [
      "unknown country",
      "holiday_calendar: { country: XX }\n",
      /holiday_calendar\.country: unknown holiday calendar country "XX"/,
    ],
    [
      "zero duration",
      "priorities:\n  urgent: { response: 0m }\n",
      /priorities\.urgent\.response: "0m" is zero/,
    ],
    ["negative duration", "priorities:\n  urgent: { response: -1h }\n", /priorities\.urgent\.response: /],
    [
      "no business hours with a business clock",
      "business_hours: {}\n",
      /business_hours: .*no business hours/,
    ],
    [
      "a typo in a key",
      "bussiness_hours:\n  monday: ['09:00-17:00']\n",
      /bussiness_hours: unknown key \(did you mean business_hours\?\)/,
    ],
    ["not YAML", "timezone: [unclosed\n", /not valid YAML/],
  ];
  for (const [name, text, message] of bad) {
    it(`exits 2 with a one-line reason for a config with ${name}`, async () => {
      const r = await cli(
        "deadline",
        "--config",
        file("bad.yml", text),
        "--priority",
        "urgent",
        "--opened",
        "2026-11-27T15:30:00Z",
      );
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      expect(r.err).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    });
  }

  it("exits 2 naming the flag for unknown flags, bad instants, unknown priorities and missing files", async () => {
    expect((await cli("deadline", "--bogus")).stderr).toMatch(/--bogus/);
    expect((await cli("deadline", "--priority", "urgent", "--opened", "yesterday")).stderr).toMatch(
      /--opened "yesterday"/,
    );
    expect((await cli("deadline", "--priority", "nope", "--opened", "2026-11-27T15:30:00Z")).stderr).toMatch(
      /unknown --priority "nope"/,
    );
    const missing = await cli(
      "deadline",
      "--config",
      join(tmp, "absent.yml"),
      "--priority",
      "urgent",
      "--opened",
      "2026-11-27T15:30:00Z",
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read config .*absent\.yml: no such file/);
  });
});

describe("support-sla check-config", () => {
  it("lists every problem as `path: message` with its line and exits 1", async () => {
    const r = await cli("check-config", file("two.yml", "timezone: Mars/Olympus\nbussiness_hours: {}\n"));
    expect(r.code).toBe(1);
    expect(r.out).toHaveLength(2);
    expect(r.out[0]).toMatch(/^timezone: .*\(line 1\)$/);
    expect(r.out[1]).toMatch(/^bussiness_hours: unknown key .*\(line 2\)$/);
  });

  it("accepts the shipped starter config with the shipped forms", async () => {
    const r = await cli("check-config", ".github/support-sla.yml", "--forms", ".github/ISSUE_TEMPLATE");
    expect(r).toMatchObject({ code: 0 });
  });

  it("cross-checks forms: a priority option no priority matches is named", async () => {
    const r = await cli(
      "check-config",
      file("p.yml", "default_priority: urgent\npriorities:\n  normal: null\n"),
      "--forms",
      ".github/ISSUE_TEMPLATE",
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /problem\.yml: body\[\d+\]\.attributes\.options\[2\]: "Normal" matches no configured priority/,
    );
  });

  it("exits 2 when the file cannot be read", async () => {
    expect((await cli("check-config", join(tmp, "nope.yml"))).code).toBe(2);
    expect((await cli("check-config")).stderr).toMatch(/missing FILE/);
  });
});

describe("support-sla init", () => {
  it("writes the six forms, their config.yml and a starter config, and refuses to overwrite without --force", async () => {
    const repo = mkdtempSync(join(tmpdir(), "support-sla-init-"));
    const first = await cli("init", repo);
    expect(first.code).toBe(0);
    expect(readdirSync(join(repo, ".github/ISSUE_TEMPLATE")).sort()).toEqual([
      "add-remove-user.yml",
      "change-request.yml",
      "config.yml",
      "guidance.yml",
      "on-call.yml",
      "other.yml",
      "problem.yml",
    ]);
    writeFileSync(join(repo, ".github/support-sla.yml"), "timezone: Asia/Tokyo\n");
    const again = await cli("init", repo);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/refusing to overwrite .*--force/);
    expect(readFileSync(join(repo, ".github/support-sla.yml"), "utf8")).toBe("timezone: Asia/Tokyo\n");
    expect((await cli("init", repo, "--force")).code).toBe(0);
    expect(readFileSync(join(repo, ".github/support-sla.yml"), "utf8")).not.toBe("timezone: Asia/Tokyo\n");
  });
});

describe("the built binary", () => {
  it("runs as a process with the documented exit codes", () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ["dist/cli.js", ...args], { encoding: "utf8" });
    expect(run("deadline", "--priority", "urgent", "--opened", "2026-11-27T15:30:00Z").status).toBe(0);
    expect(run("frobnicate").status).toBe(2);
    expect(run("check-config", file("bad2.yml", "timezone: Nowhere/City\n")).status).toBe(1);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { parseReportDate } from "../../src/cli/report.js";
import type { SlaReport } from "../../src/report/types.js";
import { openStore } from "../../src/store/db.js";
import { SEED, seed } from "./seed.js";

const tmp = mkdtempSync(join(tmpdir(), "support-sla-report-"));
const dbPath = join(tmp, "store.db");
const database = `sqlite:${dbPath}`;
const NOW_FLAG = ["--now", "2026-11-25T12:00:00Z"];

beforeAll(async () => {
  const store = await openStore(database);
  await seed(store);
  await store.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["report", ...argv], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd: tmp,
    env,
  });
  return { code, stdout: out.join("\n"), stderr: err.join("\n"), err };
}

describe("support-sla report", () => {
  it("prints the markdown report of the store given by --database", async () => {
    const r = await cli(["--repo", "acme/app", "--database", database, ...NOW_FLAG]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("# SLA report: acme/app");
    expect(r.stdout).toContain("| **All** |  | **15** | **5** | **6 (3 unanswered)** |");
  });

  it("reads DATABASE_URL from the environment, and prints JSON with --format json", async () => {
    const r = await cli(["--repo", "ACME/app", "--format", "json", ...NOW_FLAG], { DATABASE_URL: database });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as SlaReport;
    expect(report).toMatchObject({ repo: "acme/app", overall: { issues: 15, met: 5, breached: 6 } });
  });

  it("takes --since and --until as local dates in the config's zone, until exclusive", async () => {
    const r = await cli([
      "--repo",
      "acme/app",
      "--database",
      database,
      "--since",
      "2026-11-23",
      "--until",
      "2026-11-25",
      "--format",
      "json",
      ...NOW_FLAG,
    ]);
    const report = JSON.parse(r.stdout) as SlaReport;
    // Midnight in Brussels (CET) is 23:00 UTC the day before.
    expect(report.window).toEqual({ since: "2026-11-22T23:00:00.000Z", until: "2026-11-24T23:00:00.000Z" });
    expect(report.overall.issues).toBe(7); // #1, 2, 3, 4, 8, 9, 10
  });

  it("writes report.md, report.json, chart.svg and chart.png with --out", async () => {
    const r = await cli(["--repo", "acme/app", "--database", database, "--out", "out/week", ...NOW_FLAG]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const dir = join(tmp, "out/week");
    expect(readFileSync(join(dir, "report.md"), "utf8")).toContain("## Breaches (6)");
    expect(JSON.parse(readFileSync(join(dir, "report.json"), "utf8"))).toMatchObject({
      overall: { issues: 15 },
    });
    expect(readFileSync(join(dir, "chart.svg"), "utf8").startsWith("<svg")).toBe(true);
    const png = readFileSync(join(dir, "chart.png"));
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it("names priorities and the zone by --config, but shows the targets the issues were tracked under", async () => {
    const config = join(tmp, "sla.yml");
    writeFileSync(
      config,
      "timezone: America/New_York\npriorities:\n  urgent: { label: 'priority: P1 urgent', response: 2h }\n",
    );
    const r = await cli(["--repo", "acme/app", "--database", database, "--config", "sla.yml", ...NOW_FLAG]);
    expect(r.code).toBe(0);
    // The seeded urgent issues were tracked under 1 business hour: today's 2 h does not rewrite history.
    expect(r.stdout).toContain("| P1 urgent | 1 h business time | 9 |");
    expect(r.stdout).not.toContain("2 h business time");
    expect(r.stdout).toContain("Generated at Wed 25 Nov 2026, 07:00 EST");
  });

  it("a repository the store tracks no issue of exits 1, says so and lists the ones it does track", async () => {
    const r = await cli(["--repo", "acme/ap", "--database", database, ...NOW_FLAG]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.err).toEqual([
      `support-sla report: the store ${database} tracks no issues of acme/ap (did you mean acme/app?)`,
      "It tracks issues of 2 repositories:",
      "  acme/app    15 issues",
      "  acme/other  1 issue",
    ]);
    const json = await cli(["--repo", "nobody/here", "--database", database, "--format", "json"]);
    expect([json.code, json.stdout, json.err[0]]).toEqual([
      1,
      "",
      `support-sla report: the store ${database} tracks no issues of nobody/here`,
    ]);
  });

  it("says so when the store tracks no repository at all", async () => {
    const empty = join(tmp, "empty.db");
    await (await openStore(`sqlite:${empty}`)).close();
    const r = await cli(["--repo", "acme/app", "--database", `sqlite:${empty}`]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      `support-sla report: the store sqlite:${empty} tracks no issues of acme/app`,
      "It tracks no issues of any repository yet: is --database (or DATABASE_URL) the app's store?",
    ]);
  });

  it("a known repository with no issue in the window is a report of zeros (exit 0)", async () => {
    const r = await cli([
      "--repo",
      "acme/other",
      "--database",
      database,
      "--since",
      "2026-11-24",
      ...NOW_FLAG,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("| **All** |  | **0** | **0** | **0** |");
  });

  it("lists at most 50 repositories, then how many more", async () => {
    const many = join(tmp, "many.db");
    const store = await openStore(`sqlite:${many}`);
    const rows = Array.from({ length: 53 }, (_, i) => ({
      ...SEED[0],
      repo: `org/r${String(i).padStart(2, "0")}`,
    }));
    await seed(store, rows as typeof SEED);
    await store.close();
    const r = await cli(["--repo", "org/x", "--database", `sqlite:${many}`]);
    expect(r.code).toBe(1);
    expect(r.err[1]).toBe("It tracks issues of 53 repositories:");
    expect(r.err.slice(2, 4)).toEqual(["  org/r00  1 issue", "  org/r01  1 issue"]);
    expect(r.err.at(-2)).toBe("  org/r49  1 issue");
    expect(r.err.at(-1)).toBe("  …and 3 more");
  });

  it("--help exits 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: support-sla report --repo OWNER/NAME");
  });

  it.each([
    [["--database", database], /missing --repo OWNER\/NAME/],
    [["--repo", "acme"], /--repo "acme" is not OWNER\/NAME/],
    [["--repo", "acme/app", "--format", "csv"], /--format "csv" is not one of: md, json/],
    [["--repo", "acme/app", "--since", "2026-02-30"], /--since "2026-02-30" is not a date/],
    [["--repo", "acme/app", "--until", "last week"], /--until "last week" is not a date/],
    [
      ["--repo", "acme/app", "--since", "2026-12-01", "--until", "2026-11-01"],
      /--since 2026-12-01 is not before/,
    ],
    [["--repo", "acme/app", "--bogus"], /Unknown option '--bogus'/],
    [
      ["--repo", "acme/app", "--database", "mysql://x"],
      /--database: DATABASE_URL "mysql:\/\/x" is not supported/,
    ],
    [
      ["--repo", "acme/app", "--database", "sqlite:missing.db"],
      /cannot read database sqlite:missing.db: no such file/,
    ],
    [["--repo", "acme/app", "--config", "nope.yml"], /cannot read config .*nope.yml: no such file/],
  ])("bad usage %j exits 2 with a one-line reason", async (argv, reason) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.stderr).toMatch(/^support-sla report: /);
    expect(r.stderr).toMatch(reason);
  });

  it("an unreadable database file exits 2 and is left as it was", async () => {
    const junk = "this is not a database, just text that is long enough".repeat(20);
    writeFileSync(join(tmp, "junk.db"), junk);
    const r = await cli(["--repo", "acme/app", "--database", "sqlite:junk.db"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^support-sla report: cannot read database sqlite:junk.db: file is not a database$/,
    );
    expect(readFileSync(join(tmp, "junk.db"), "utf8")).toBe(junk);
  });
});

describe("parseReportDate", () => {
  it("reads dates at local midnight, instants as given, wall times in the zone", () => {
    const zone = "Europe/Brussels";
    expect(parseReportDate("2026-07-01", zone, "--since")).toBe(Date.UTC(2026, 5, 30, 22));
    expect(parseReportDate("2026-07-01T00:00:00Z", zone, "--since")).toBe(Date.UTC(2026, 6, 1));
    expect(parseReportDate("2026-07-01T00:00:00+02:00", zone, "--since")).toBe(Date.UTC(2026, 5, 30, 22));
    expect(parseReportDate("2026-07-01T09:00", zone, "--since")).toBe(Date.UTC(2026, 6, 1, 7));
  });
});

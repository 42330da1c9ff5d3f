import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { insertLink, type NewLink } from "../../src/channels/store.js";
import { runCli } from "../../src/cli/main.js";
import { defaultPolicy } from "../../src/config/load.js";
import { buildReport } from "../../src/report/aggregate.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { loadReportRows } from "../../src/report/query.js";
import type { ReportRow, SlaReport } from "../../src/report/types.js";
import { openStore, type Store } from "../../src/store/db.js";
import { NOW, nov, SEED, seed, toTracked } from "./seed.js";

/*
 * Where the issues came from (issue 13): the report's per-channel totals (GitHub, PagerDuty,
 * Slack), read from the store's `channel_links` on SQLite and PostgreSQL, in markdown and JSON.
 * Figures are worked out from the seed (test/report/seed.ts) next to each expectation.
 */

const policy = defaultPolicy();
const tmp = mkdtempSync(join(tmpdir(), "support-sla-report-channels-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const byChannel = (report: SlaReport) =>
  Object.fromEntries(
    report.byChannel.map((c) => [
      c.name,
      { issues: c.stats.issues, met: c.stats.met, breached: c.stats.breached, running: c.stats.running },
    ]),
  );

describe("per-channel totals (pure)", () => {
  // #4 (Urgent, breached unanswered) and #14 (Production down, met in 12 min) came from PagerDuty;
  // #5 (Urgent, running) and #6 (Urgent, overdue: breached) from Slack; the other 11 from GitHub.
  const channelOf: Record<number, ReportRow["channel"]> = {
    4: "pagerduty",
    14: "pagerduty",
    5: "slack",
    6: "slack",
  };
  const rows = SEED.map(
    (row) => ({ ...toTracked(row), channel: row.repo ? undefined : channelOf[row.number] }) as ReportRow,
  );
  const report = buildReport(rows, { repo: "acme/app", now: NOW, policy });

  it("counts issues, met, breached and running per channel, adding up to the total", () => {
    expect(byChannel(report)).toEqual({
      // 15 - 4 = 11; met 5 - 1; breached 6 - 2; running 3 - 1 (and the one cancelled issue).
      GitHub: { issues: 11, met: 4, breached: 4, running: 2 },
      PagerDuty: { issues: 2, met: 1, breached: 1, running: 0 },
      Slack: { issues: 2, met: 0, breached: 1, running: 1 },
    });
    expect(report.byChannel.map((c) => c.channel)).toEqual(["github", "pagerduty", "slack"]);
    expect(report.byChannel.reduce((n, c) => n + c.stats.issues, 0)).toBe(report.overall.issues);
  });

  it("shows a 'By channel' table and marks breaches that came from PagerDuty or Slack", () => {
    const md = renderMarkdown(report);
    expect(md).toContain("## By channel");
    expect(md).toContain(
      "| PagerDuty | 2 | 1 | 1 (1 unanswered) | 0 | 0 | 50% | 12 min | 12 min | 12 min | 12 min |",
    );
    expect(md).toContain("| Slack | 2 | 0 | 1 (1 unanswered) | 1 | 0 | 0% | — | — | — | — |");
    // The table sits between the totals and the tables by type.
    expect(md.indexOf("## Totals by priority")).toBeLessThan(md.indexOf("## By channel"));
    expect(md.indexOf("## By channel")).toBeLessThan(md.indexOf("## By priority and type"));
    expect(md).toMatch(/\| \[acme\/app#4\]\([^)]+\) Issue 4 [^|]*\\\| [^|]+ \(via PagerDuty\) \| Urgent \|/);
    expect(md).toMatch(/\[acme\/app#6\]\([^)]+\) Issue 6 .* \(via Slack\) \| Urgent \|/);
    expect(md).not.toMatch(/\[acme\/app#3\]\([^)]+\) Issue 3 .*\(via /);
    expect(report.breaches.find((b) => b.number === 4)?.channel).toBe("pagerduty");
    expect(report.breaches.find((b) => b.number === 3)?.channel).toBe("github");
  });

  it("lists PagerDuty and Slack with zeros when every issue came in on GitHub", () => {
    const plain = buildReport(
      SEED.map((row) => ({ ...toTracked(row) }) as ReportRow),
      { repo: "acme/app", now: NOW, policy },
    );
    expect(byChannel(plain).GitHub).toEqual({ issues: 15, met: 5, breached: 6, running: 3 });
    expect(byChannel(plain).PagerDuty).toEqual({ issues: 0, met: 0, breached: 0, running: 0 });
    expect(renderMarkdown(plain)).toContain("| Slack | 0 | 0 | 0 | 0 | 0 | — | — | — | — | — |");
  });
});

/** A link row as the channel handlers write it (src/channels/store.ts). */
function link(spec: Pick<NewLink, "kind" | "source_id" | "origin" | "repo" | "number">): NewLink {
  return {
    ...spec,
    installation_id: 1,
    type: "on-call",
    priority: "urgent",
    clock_start: nov(23, 9),
    detail: "{}",
    created_at: nov(23, 9),
  };
}

/**
 * The seeded store with links: #14 opened for PagerDuty incident PINC14, #5 for a Slack request;
 * #4's link is the app's own page of a GitHub issue (origin `app`: stays GitHub); a link still
 * being opened (no number) and one of another repo count nowhere.
 */
async function seedWithLinks(store: Store): Promise<void> {
  await seed(store);
  for (const l of [
    link({ kind: "pagerduty", source_id: "PINC14", origin: "channel", repo: "acme/app", number: 14 }),
    link({
      kind: "slack",
      source_id: "T0001:C0123ABCD:1764000000.000100",
      origin: "channel",
      repo: "acme/app",
      number: 5,
    }),
    link({ kind: "pagerduty", source_id: "PAPP4", origin: "app", repo: "acme/app", number: 4 }),
    link({ kind: "pagerduty", source_id: "PNEW", origin: "channel", repo: "acme/app", number: null }),
    link({
      kind: "slack",
      source_id: "T0001:C9:1764000000.000200",
      origin: "channel",
      repo: "acme/other",
      number: 1,
    }),
  ]) {
    await insertLink(store, l);
  }
}

function storeCases(name: string, url: () => Promise<string>) {
  describe(`loadReportRows reads each issue's channel from channel_links (${name})`, () => {
    it("tags PagerDuty- and Slack-opened issues; app pages, unopened links and other repos stay out", async () => {
      const store = await openStore(await url());
      try {
        await seedWithLinks(store);
        const rows = await loadReportRows(store, { repo: "ACME/app" });
        const tagged = Object.fromEntries(
          rows.filter((r) => r.channel !== "github").map((r) => [r.number, r.channel]),
        );
        expect(tagged).toEqual({ 5: "slack", 14: "pagerduty" });
        expect(rows.find((r) => r.number === 4)?.channel).toBe("github");
        const report = buildReport(rows, { repo: "acme/app", now: NOW, policy });
        expect(byChannel(report)).toEqual({
          GitHub: { issues: 13, met: 4, breached: 6, running: 2 },
          PagerDuty: { issues: 1, met: 1, breached: 0, running: 0 }, // #14, met
          Slack: { issues: 1, met: 0, breached: 0, running: 1 }, // #5, running
        });
        // The window still applies: from Wed 25 Nov only #5, #6, #7 and #13.
        const week = await loadReportRows(store, { repo: "acme/app", since: nov(25, 0) });
        expect(week.map((r) => [r.number, r.channel])).toEqual([
          [13, "github"],
          [6, "github"],
          [7, "github"],
          [5, "slack"],
        ]);
      } finally {
        await store.close();
      }
    });
  });
}

storeCases("SQLite", async () => `sqlite:${join(tmp, `store-${randomBytes(4).toString("hex")}.db`)}`);

const adminUrl = process.env.TEST_DATABASE_URL;
const created: string[] = [];
if (adminUrl || process.env.CI) {
  afterAll(async () => {
    if (!adminUrl || created.length === 0) return;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const db of created) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  });
  storeCases("PostgreSQL", async () => {
    if (!adminUrl)
      throw new Error("TEST_DATABASE_URL is not set on CI: run through scripts/with-postgres.sh");
    const db = `t_report_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    created.push(db);
    const url = new URL(adminUrl);
    url.pathname = `/${db}`;
    return url.toString();
  });
} else {
  console.warn(
    "report channels on PostgreSQL: TEST_DATABASE_URL is not set; run `bash scripts/with-postgres.sh npx vitest run test/report`",
  );
}

describe("support-sla report shows the channels", () => {
  async function cli(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["report", ...argv], {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      cwd: tmp,
      env: {},
    });
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }

  it("prints the 'By channel' table and byChannel in JSON", async () => {
    const database = `sqlite:${join(tmp, "cli.db")}`;
    const store = await openStore(database);
    await seedWithLinks(store);
    await store.close();
    const args = ["--repo", "acme/app", "--database", database, "--now", "2026-11-25T12:00:00Z"];

    const md = await cli(args);
    expect(md.stderr).toBe("");
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("## By channel");
    expect(md.stdout).toMatch(/^\| GitHub \| 13 \| 4 \| 6 \(3 unanswered\) \| 2 \| 1 \|/m);
    expect(md.stdout).toMatch(/^\| PagerDuty \| 1 \| 1 \| 0 \| 0 \| 0 \| 100% \| 12 min \|/m);
    expect(md.stdout).toMatch(/^\| Slack \| 1 \| 0 \| 0 \| 1 \| 0 \| — \|/m);

    const json = await cli([...args, "--format", "json"]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as SlaReport;
    expect(report.format).toBe("support-sla.report/1");
    expect(report.byChannel.map((c) => [c.channel, c.name, c.stats.issues])).toEqual([
      ["github", "GitHub", 13],
      ["pagerduty", "PagerDuty", 1],
      ["slack", "Slack", 1],
    ]);
  });
});

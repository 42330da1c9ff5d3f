import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { defaultPolicy } from "../../src/config/load.js";
import { createCalendar } from "../../src/domain/business-hours.js";
import type { Policy } from "../../src/domain/policy.js";
import { buildReport } from "../../src/report/aggregate.js";
import { renderChartSvg } from "../../src/report/chart.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { timerOutcomeOf } from "../../src/report/metrics.js";
import { loadReportRows, loadReportTimers } from "../../src/report/query.js";
import type {
  ReportMetric,
  ReportPause,
  ReportTimer,
  ReportTimerStats,
  SlaReport,
} from "../../src/report/types.js";
import { renderWeeklyIssue } from "../../src/report/weekly.js";
import { openStore, type Store } from "../../src/store/db.js";
import { HOUR, MIN, NOW, nov, seed } from "./seed.js";
import { barsOf, xmlProblems } from "./svg.js";
import { seedTimers } from "./timer-seed.js";

/*
 * Next reply and resolution in the report (issue 12): attainment per priority × type from the
 * `timers` rows, unanswered and unresolved timers counted, cancelled ones left out and said so,
 * pauses excluded from the counted time and listed. Every figure comes from the rows of
 * test/report/timer-seed.ts, worked out there by hand.
 */

const policy = defaultPolicy();
const calendar = createCalendar(policy.calendar);
const tmp = mkdtempSync(join(tmpdir(), "support-sla-report-timers-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function seeded(url: string): Promise<Store> {
  const store = await openStore(url);
  await seed(store);
  await seedTimers(store);
  return store;
}

async function reportFrom(store: Store, options: { since?: number; policy?: Policy } = {}) {
  const query = { repo: "acme/app", ...(options.since === undefined ? {} : { since: options.since }) };
  return buildReport(await loadReportRows(store, query), {
    ...query,
    now: NOW,
    policy: options.policy ?? policy,
    timers: await loadReportTimers(store, query),
  });
}

const metricOf = (r: SlaReport, key: ReportMetric["metric"]) => {
  const m = r.metrics?.find((x) => x.metric === key);
  if (!m) throw new Error(`no ${key} figures`);
  return m;
};
const figures = (s: ReportTimerStats | undefined) =>
  s && {
    timers: s.timers,
    met: s.met,
    breached: s.breached,
    breachedMet: s.breachedMet,
    breachedOpen: s.breachedOpen,
    running: s.running,
    cancelled: s.cancelled,
    attainment: s.attainment,
  };
const pauseRows = (r: SlaReport) =>
  (r.pauses ?? []).map((p: ReportPause) => [p.number, p.metric, p.from, p.to, p.countedMs, p.ongoing]);

let report: SlaReport;
let md: string;
beforeAll(async () => {
  const store = await seeded("sqlite::memory:");
  try {
    report = await reportFrom(store);
    md = renderMarkdown(report);
  } finally {
    await store.close();
  }
});

describe("next reply: attainment per priority × type", () => {
  it("counts met, late and unanswered replies; a reply owed past its deadline is breached even unescalated", () => {
    const nr = metricOf(report, "next_reply");
    const cell = (p: string, t: string) =>
      figures(nr.cells.find((c) => c.priority === p && c.type === t)?.stats);
    expect(cell("urgent", "problem")).toEqual({
      timers: 5,
      met: 2, // #1 (1 h), #2 (4 h, right at the deadline)
      breached: 2,
      breachedMet: 1, // #3 answered after 5 h
      breachedOpen: 1, // #4 pending, past its deadline, never escalated
      running: 1, // #3's second reply, due 13:00 UTC
      cancelled: 0,
      attainment: 0.5,
    });
    expect(cell("urgent", "guidance")).toMatchObject({ timers: 0, cancelled: 1, attainment: null });
    expect(figures(nr.overall)).toEqual({
      timers: 7,
      met: 3,
      breached: 3,
      breachedMet: 1,
      breachedOpen: 2,
      running: 1,
      cancelled: 1,
      attainment: 0.5,
    });
    // Met replies counted 40 min, 1 h, 4 h, 5 h: nearest-rank median 1 h, p90 5 h.
    expect(nr.overall.countedMs).toEqual({ median: HOUR, p90: 5 * HOUR });
    expect(nr.overall.issues).toBe(6); // #1, #2, #3 (twice), #4, #14, #15
  });

  it("prints a table per metric with the targets the timers ran under, and says cancelled ones are left out", () => {
    expect(md).toContain("## Next reply");
    expect(md).toContain(
      "| Priority | Type | Target | Timers | Met | Breached | Running | Attainment | Median (counted) | p90 (counted) | Cancelled (left out) |",
    );
    expect(md).toContain(
      "| Production down | Problem | 1 h, 24/7 | 2 | 1 | 1 (1 unanswered) | 0 | 50% | 40 min | 40 min | 0 |",
    );
    expect(md).toContain(
      "| Urgent | Problem | 4 h business time | 5 | 2 | 2 (1 unanswered) | 1 | 50% | 4 h | 5 h | 0 |",
    );
    expect(md).toContain("| Urgent | Guidance | 4 h business time | 0 | 0 | 0 | 0 | — | — | — | 1 |");
    expect(md).toContain(
      "| Urgent | **All types** | 4 h business time | **5** | **2** | **2 (1 unanswered)** | **1** | **50%** | **4 h** | **5 h** | **1** |",
    );
    expect(md).toContain(
      "| **All** |  |  | **7** | **3** | **3 (2 unanswered)** | **1** | **50%** | **1 h** | **5 h** | **1** |",
    );
    expect(md).toMatch(
      /## Next reply\n\n[^\n]*are left out: 1, unless they had breached before \(those count as breached\)\.\n/,
    );
  });
});

describe("resolution: pauses excluded from business time, unresolved issues counted", () => {
  it("counts the met, the unresolved past the deadline and the paused still running", () => {
    const rs = metricOf(report, "resolution");
    expect(figures(rs.byPriority.find((p) => p.priority === "urgent")?.stats)).toEqual({
      timers: 3,
      met: 1, // #1 in 6 h
      breached: 1,
      breachedMet: 0,
      breachedOpen: 1, // #3: 20 business hours counted of 16, at risk, not escalated yet
      running: 1, // #4: 5 h counted, paused since Tuesday
      cancelled: 0,
      attainment: 0.5,
    });
    // #11 was open 94 h but paused 10 business hours: 4 h counted, of 40.
    expect(rs.cells.find((c) => c.type === "guidance")).toMatchObject({
      priority: "normal",
      target: "40 h business time",
      stats: { timers: 1, met: 1, cancelled: 1, countedMs: { median: 4 * HOUR, p90: 4 * HOUR } },
    });
    expect(figures(rs.overall)).toMatchObject({ timers: 5, met: 3, breached: 1, running: 1, cancelled: 1 });
    expect(rs.overall.attainment).toBe(0.75);
    // Paused: #11 10 h, #15 1 h, #4 10 h so far; #13's pause is not counted (cancelled).
    expect(rs.overall.pausedMs).toBe(21 * HOUR);
  });

  it("prints the resolution table", () => {
    expect(md).toContain("## Resolution");
    expect(md).toContain("| Production down | Problem | 8 h, 24/7 | 1 | 1 | 0 | 0 | 100% | 6 h | 6 h | 0 |");
    expect(md).toContain(
      "| Urgent | Problem | 16 h business time | 3 | 1 | 1 (1 unresolved) | 1 | 50% | 6 h | 6 h | 0 |",
    );
    expect(md).toContain("| Normal | Guidance | 40 h business time | 1 | 1 | 0 | 0 | 100% | 4 h | 4 h | 1 |");
    expect(md).toContain(
      "| **All** |  |  | **5** | **3** | **1 (1 unresolved)** | **1** | **75%** | **6 h** | **6 h** | **1** |",
    );
  });

  it("lists every pause of a counted timer with the business time it kept off the clock", () => {
    expect(pauseRows(report)).toEqual([
      [11, "resolution", "2026-11-20T15:00:00.000Z", "2026-11-24T09:00:00.000Z", 10 * HOUR, false],
      [15, "resolution", "2026-11-22T22:00:00.000Z", "2026-11-22T23:00:00.000Z", HOUR, false],
      [4, "resolution", "2026-11-24T10:00:00.000Z", null, 10 * HOUR, true],
    ]);
    expect(md).toContain("## Pauses (3)");
    expect(md).toContain(
      "| Issue | Metric | From | To | Duration counted |\n| --- | --- | --- | --- | ---: |",
    );
    const rows = [
      /\| \[acme\/app#11\]\(https:\/\/github\.com\/acme\/app\/issues\/11\) Issue 11 [^\n]* \| Resolution \| Fri 20 Nov 2026, 16:00 CET \| Tue 24 Nov 2026, 10:00 CET \| 10 h \|\n/,
      /\| \[acme\/app#15\][^\n]* \| Resolution \| Sun 22 Nov 2026, 23:00 CET \| Mon 23 Nov 2026, 00:00 CET \| 1 h \|\n/,
      /\| \[acme\/app#4\][^\n]* \| Resolution \| Tue 24 Nov 2026, 11:00 CET \| still paused \| 10 h and counting \|\n/,
    ];
    const at = rows.map((row) => md.search(row));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(md).not.toContain("acme/app#13");
  });

  it("keeps the first-response part as it was, and a report built without timers has none of this", () => {
    expect(md).toContain(
      "| **All** |  | **15** | **5** | **6 (3 unanswered)** | **3** | **1** | **45.5%** |",
    );
    expect(md.indexOf("## Breaches (6)")).toBeLessThan(md.indexOf("## Next reply"));
    expect(md.indexOf("## Next reply")).toBeLessThan(md.indexOf("## Resolution"));
    expect(md.indexOf("## Resolution")).toBeLessThan(md.indexOf("## Pauses (3)"));
    const { metrics: _m, pauses: _p, ...firstResponse } = report;
    const plain = renderMarkdown(firstResponse);
    expect(plain).not.toContain("Next reply");
    expect(plain).not.toContain("Pauses");
    // The breach list says it is of first responses when the other metrics are in the report.
    expect(md).toContain(
      "## Breaches (6)\n\nFirst responses; next-reply and resolution breaches are counted in their sections below.\n",
    );
    expect(plain).not.toContain("First responses; next-reply");
    expect(
      md
        .replace(
          "First responses; next-reply and resolution breaches are counted in their sections below.\n\n",
          "",
        )
        .replace(
          /## Next reply[\s\S]*?(?=Attainment = met \/ \(met \+ breached\); running and cancelled issues)/,
          "",
        ),
    ).toBe(plain);
  });
});

describe("a metric without timers, and the configured targets", () => {
  it("says no timer started, shows the repo's configured target per priority, `off` where it is off", async () => {
    const repoPolicy: Policy = {
      ...policy,
      priorities: policy.priorities.map((p) =>
        p.key === "urgent" ? { ...p, nextReply: { kind: "duration", ms: 4 * HOUR } } : p,
      ),
    };
    const r = buildReport([], { repo: "acme/app", now: NOW, policy: repoPolicy, timers: [] });
    const nr = metricOf(r, "next_reply");
    expect(nr.byPriority.map((p) => [p.priority, p.target])).toEqual([
      ["production-down", "off"],
      ["urgent", "4 h business time"],
      ["normal", "off"],
    ]);
    const text = renderMarkdown(r);
    expect(text).toContain("## Next reply\n\nNo next reply timers started in this window.\n");
    expect(text).toContain("## Pauses (0)\n\nNo pauses.\n");
    // On the built-in default policy nothing is claimed about the repo's targets.
    const builtIn = buildReport([], { repo: "acme/app", now: NOW, policy, policyIsRepos: false, timers: [] });
    expect(metricOf(builtIn, "next_reply").byPriority.map((p) => p.target)).toEqual(["—", "—", "—"]);
  });
});

describe("timerOutcomeOf", () => {
  const base: ReportTimer = {
    repo: "acme/app",
    number: 1,
    priority: "urgent",
    type: "problem",
    title: "",
    url: "",
    metric: "next_reply",
    cycle: 1,
    state: "pending",
    clock: "business",
    target: { kind: "duration", ms: 4 * HOUR },
    targetMs: 4 * HOUR,
    startedAt: nov(25, 8),
    pauses: [],
    deadlineAt: nov(25, 12),
    metAt: null,
    metBy: null,
    countedMs: null,
    late: false,
    breachedAt: null,
  };
  const outcome = (t: Partial<ReportTimer>, now = NOW) => timerOutcomeOf({ ...base, ...t }, now, calendar);

  it("a running timer breaches strictly after its deadline, as a late reply does", () => {
    expect(outcome({}, nov(25, 12))).toEqual({ outcome: "running" });
    expect(outcome({}, nov(25, 12) + 1)).toEqual({ outcome: "breached", met: false });
    // Due at the close of business (12:00-16:00 UTC): at 17:00 the count still stands at the
    // target, yet the deadline has passed.
    const closing = { startedAt: nov(25, 12), deadlineAt: nov(25, 16) };
    expect(outcome(closing, nov(25, 16))).toEqual({ outcome: "running" });
    expect(outcome(closing, nov(25, 17))).toEqual({ outcome: "breached", met: false });
  });

  it("a paused timer has no deadline: it breached when its count so far, pauses excluded, reached the target", () => {
    // 08:00-10:00 counted, paused since 10:00: 2 h of 4, however late it is now.
    const paused = { deadlineAt: null, pauses: [{ start: nov(25, 10), end: null }] };
    expect(outcome(paused, nov(27, 12))).toEqual({ outcome: "running" });
    // 08:00-12:00 counted, paused since 12:00: the target was reached at the pause.
    const late = { deadlineAt: null, pauses: [{ start: nov(25, 12), end: null }] };
    expect(outcome(late, nov(25, 15))).toEqual({ outcome: "breached", met: false });
  });

  it("a met timer is late when recorded late or counted past its target; a cancelled one is left out unless it had breached", () => {
    const met = { state: "met" as const, deadlineAt: null, metAt: nov(25, 12), countedMs: 4 * HOUR };
    expect(outcome(met)).toEqual({ outcome: "met" });
    expect(outcome({ ...met, late: true })).toEqual({ outcome: "breached", met: true });
    expect(outcome({ ...met, countedMs: 4 * HOUR + MIN })).toEqual({ outcome: "breached", met: true });
    expect(outcome({ state: "cancelled", breachedAt: null })).toEqual({ outcome: "cancelled" });
    // Left unanswered past its deadline, then closed: still a breach.
    expect(outcome({ state: "cancelled", breachedAt: nov(25, 12) })).toEqual({
      outcome: "breached",
      met: false,
    });
  });
});

describe("the chart per metric", () => {
  it("draws met, breached and still running timers for the priorities that had any", async () => {
    const svg = await renderChartSvg(report, "next_reply");
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain("Next reply by priority: acme/app");
    const bars = barsOf(svg, "outcome_bars_marks");
    expect(bars.map((b) => b.label)).toEqual([
      "Production down, met: 1 of 2 timers; attainment 50% (1 of 2); target 1 h, 24/7",
      "Production down, breached: 1 of 2 timers (1 unanswered); attainment 50% (1 of 2); target 1 h, 24/7",
      "Production down, still running: 0 of 2 timers; attainment 50% (1 of 2); target 1 h, 24/7",
      "Urgent, met: 2 of 5 timers; attainment 50% (2 of 4); target 4 h business time",
      "Urgent, breached: 2 of 5 timers (1 answered late, 1 unanswered); attainment 50% (2 of 4); target 4 h business time",
      "Urgent, still running: 1 of 5 timers; attainment 50% (2 of 4); target 4 h business time",
    ]);
    const unit = bars[0]?.height ?? 0;
    expect(bars.map((b) => Math.round(b.height / unit))).toEqual([1, 1, 0, 2, 2, 1]);
    const resolution = await renderChartSvg(report, "resolution");
    expect(resolution).toContain(
      "All priorities: 3 met, 1 breached, 1 still running, 1 cancelled (not counted)",
    );
    expect(barsOf(resolution, "outcome_bars_marks")[4]?.label).toBe(
      "Urgent, breached: 1 of 3 timers (1 unresolved); attainment 50% (1 of 2); target 16 h business time",
    );
  });
});

describe("the weekly issue with thousands of pauses", () => {
  it("still fits an issue body, the pauses cut with a count of those left out", () => {
    const template = report.pauses?.[0] as ReportPause;
    const pauses = Array.from({ length: 5_000 }, (_, i) => ({
      ...template,
      number: i + 1,
      title: "|".repeat(200),
    }));
    const { body } = renderWeeklyIssue({ ...report, pauses }, "2026-W48");
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toContain("### Next reply");
    expect(body).toContain("| **All** |  |  | **5** | **3** | **1 (1 unresolved)** |");
    expect(body).toContain("### Pauses (5,000)");
    expect(body).toMatch(/…and [\d,]+ more, later pauses\./);
    expect(body).toContain("Generated at");
  });
});

function storeCases(name: string, url: () => Promise<string>) {
  describe(`loadReportTimers reads the timers rows with their issue (${name})`, () => {
    it("gives the same figures and pauses, and keeps the window on the timer's start", async () => {
      const store = await seeded(await url());
      try {
        const timers = await loadReportTimers(store, { repo: "ACME/app" });
        expect(timers).toHaveLength(14);
        expect(timers.find((t) => t.number === 4 && t.metric === "resolution")).toMatchObject({
          priority: "urgent",
          type: "problem",
          state: "pending",
          targetMs: 16 * HOUR,
          target: { kind: "duration", ms: 16 * HOUR },
          pauses: [{ start: nov(24, 10), end: null }],
          deadlineAt: null,
          url: "https://github.com/acme/app/issues/4",
        });
        const r = await reportFrom(store);
        expect(figures(metricOf(r, "next_reply").overall)).toEqual(
          figures(metricOf(report, "next_reply").overall),
        );
        expect(pauseRows(r)).toEqual(pauseRows(report));
        // From Monday 23 Nov (CET): the weekend's timers and #11's pause are outside.
        const week = await reportFrom(store, { since: nov(22, 23) });
        expect(metricOf(week, "next_reply").overall.timers).toBe(5);
        expect(pauseRows(week).map((p) => p[0])).toEqual([4]);
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
    const db = `t_report_timers_${randomBytes(6).toString("hex")}`;
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
    "report timers on PostgreSQL: TEST_DATABASE_URL is not set; run `bash scripts/with-postgres.sh npx vitest run test/report`",
  );
}

describe("support-sla report prints next reply, resolution and pauses", () => {
  const database = `sqlite:${join(tmp, "cli.db")}`;
  beforeAll(async () => {
    await (await seeded(database)).close();
  });
  async function cli(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ["report", "--repo", "acme/app", "--database", database, "--now", "2026-11-25T12:00:00Z", ...argv],
      { out: (l) => out.push(l), err: (l) => err.push(l), cwd: tmp, env: {} },
    );
    return { code, stdout: out.join("\n"), stderr: err.join("\n") };
  }

  it("in markdown: an unanswered next reply counted as breached, the pauses listed", async () => {
    const r = await cli([]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "| Urgent | Problem | 4 h business time | 5 | 2 | 2 (1 unanswered) | 1 | 50% | 4 h | 5 h | 0 |",
    );
    expect(r.stdout).toMatch(
      /^\| \[acme\/app#4\][^\n]* \| Resolution \| Tue 24 Nov 2026, 11:00 CET \| still paused \| 10 h and counting \|$/m,
    );
    expect(r.stdout).toContain("## Pauses (3)");
  });

  it("in JSON, with --since on the timers' start", async () => {
    const r = await cli(["--format", "json", "--since", "2026-11-23"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as SlaReport;
    expect(
      json.metrics?.map((m) => [m.metric, m.overall.timers, m.overall.breachedOpen, m.overall.cancelled]),
    ).toEqual([
      ["next_reply", 5, 1, 1],
      ["resolution", 3, 1, 1],
    ]);
    expect(json.pauses?.map((p) => [p.number, p.to, p.countedMs])).toEqual([[4, null, 10 * HOUR]]);
  });

  it("writes a chart per metric with --out", async () => {
    const r = await cli(["--out", "out"]);
    expect(r.stderr).toBe("");
    for (const name of ["chart", "chart-next-reply", "chart-resolution"]) {
      expect(readFileSync(join(tmp, "out", `${name}.svg`), "utf8").startsWith("<svg")).toBe(true);
      expect(existsSync(join(tmp, "out", `${name}.png`))).toBe(true);
    }
    expect(readFileSync(join(tmp, "out", "chart-resolution.svg"), "utf8")).toContain(
      "Resolution by priority",
    );
  });
});

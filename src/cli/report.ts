import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Temporal } from "temporal-polyfill";
import { didYouMean } from "../config/suggest.js";
import { buildReport } from "../report/aggregate.js";
import type { ChartMetric } from "../report/chart.js";
import { renderMarkdown } from "../report/markdown.js";
import type { KnownRepo } from "../report/query.js";
import type { ReportRow, ReportTimer, SlaReport } from "../report/types.js";
import { parseFlags, parseInstant, UsageError } from "./args.js";
import type { Io } from "./main.js";
import { policyFromFile } from "./policy-file.js";

export const REPORT_HELP = `Usage: support-sla report --repo OWNER/NAME [--since DATE] [--until DATE] [--format md|json]
                          [--out DIR] [--config FILE] [--database URL]

Prints the SLA report of one repository from the app's store. First response: per priority and
type the issues, met, breached (answered late, or unanswered past the deadline), still running,
cancelled, attainment = met / (met + breached), and the median and p90 first-response time in
business time and in wall time (nearest rank, over answered issues); the same per channel the
issues came in through (GitHub, PagerDuty, Slack); then every breach with a link.
Next reply and resolution: per priority and type the timers that started in the window, met,
breached (late, or still not met past the deadline: unanswered and unresolved ones count), still
running, attainment, and the median and p90 time counted on the priority's clock with pauses
excluded; cancelled timers are left out and counted apart. Then every pause, with the time it
kept off the clock.
Targets are the ones each issue (or timer) was tracked under, as the app recorded them.

Exit codes: 0 the report was printed; 1 the store tracks no issue of --repo (the repositories it
does track are listed); 2 bad usage or an unreadable database or config.

Options:
  --repo OWNER/NAME  the repository (required)
  --since DATE       only issues whose clock started at or after DATE
  --until DATE       ... and before DATE (exclusive: --until 2026-12-01 ends with 30 November)
                     DATE is YYYY-MM-DD (midnight in the config's time zone) or an ISO instant
                     such as 2026-11-01T00:00:00Z
  --format md|json   what to print: markdown (default) or JSON (shape: SlaReport in src/report/types.ts)
  --out DIR          also write report.md, report.json, chart.svg and chart.png into DIR, and
                     chart-next-reply.svg/.png, chart-resolution.svg/.png for a metric with timers
  --config FILE      the repo's .github/support-sla.yml: priority and type order, labels, time
                     zone, and the target shown for a priority without issues (default: the
                     built-in default policy; it never replaces the targets the issues had)
  --database URL     the store (default: $DATABASE_URL, else sqlite:data/support-sla.db)
  --now ISO          decide outcomes as at this instant instead of now (reproducible reports)
  -h, --help         show this help`;

/** A `--since`/`--until` value: a local date (midnight in `timezone`) or an ISO instant. */
export function parseReportDate(text: string, timezone: string, flag: string): number {
  const trimmed = text.trim();
  try {
    if (/^\d{4}-\d{2}-\d{2}$/.test(trimmed)) {
      return Temporal.PlainDate.from(trimmed, { overflow: "reject" }).toZonedDateTime({ timeZone: timezone })
        .epochMilliseconds;
    }
    if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) return parseInstant(trimmed, timezone, flag);
  } catch {
    // Reported below, with the formats that work.
  }
  throw new UsageError(
    `${flag} ${JSON.stringify(text)} is not a date: write YYYY-MM-DD (midnight in ${timezone}) or an ISO instant such as 2026-11-01T00:00:00Z`,
  );
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, "//***@");
const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** What the store holds for the report: its rows, or nothing of the repo and what it does hold. */
type StoreRead = { rows: ReportRow[]; timers: ReportTimer[] } | { rows: null; known: KnownRepo[] };

async function readRows(
  url: string,
  io: Io,
  query: { repo: string; since?: number; until?: number },
): Promise<StoreRead> {
  const { describeDatabaseUrl, openStore } = await import("../store/db.js");
  const { countRepoIssues, knownRepos, loadReportRows, loadReportTimers } = await import(
    "../report/query.js"
  );
  let target: ReturnType<typeof describeDatabaseUrl>;
  try {
    target = describeDatabaseUrl(url, io.cwd);
  } catch (error) {
    throw new UsageError(`--database: ${firstLine(error)}`);
  }
  // openStore would create a missing file: a report of an empty new store is a typo in the path.
  if (target.dialect === "sqlite" && target.path !== ":memory:" && !existsSync(target.path)) {
    throw new UsageError(
      `cannot read database ${redact(url)}: no such file ${target.path} (give --database URL)`,
    );
  }
  let store: Awaited<ReturnType<typeof openStore>>;
  try {
    store = await openStore(url, io.cwd);
  } catch (error) {
    throw new UsageError(`cannot read database ${redact(url)}: ${firstLine(error)}`);
  }
  try {
    // A window without issues is a report of zeros; a repo without any is most likely a typo.
    if ((await countRepoIssues(store, query.repo)) === 0)
      return { rows: null, known: await knownRepos(store) };
    return { rows: await loadReportRows(store, query), timers: await loadReportTimers(store, query) };
  } catch (error) {
    throw new UsageError(`cannot read database ${redact(url)}: ${firstLine(error)}`);
  } finally {
    await store.close();
  }
}

/** Repositories listed before "…and N more" when the repo asked for is unknown. */
const MAX_REPOS_LISTED = 50;

/** The lines for a repo the store tracks no issue of: that, then the repos it does track. */
export function unknownRepoLines(repo: string, database: string, known: readonly KnownRepo[]): string[] {
  const names = known.map((k) => k.repo);
  const head = `support-sla report: the store ${database} tracks no issues of ${repo}${didYouMean(repo, names)}`;
  if (known.length === 0) {
    return [
      head,
      "It tracks no issues of any repository yet: is --database (or DATABASE_URL) the app's store?",
    ];
  }
  const width = Math.max(...known.slice(0, MAX_REPOS_LISTED).map((k) => k.repo.length));
  const listed = known
    .slice(0, MAX_REPOS_LISTED)
    .map((k) => `  ${k.repo.padEnd(width)}  ${k.issues} issue${k.issues === 1 ? "" : "s"}`);
  const more = known.length - listed.length;
  return [
    head,
    `It tracks issues of ${known.length} ${known.length === 1 ? "repository" : "repositories"}:`,
    ...listed,
    ...(more > 0 ? [`  …and ${more} more`] : []),
  ];
}

async function writeOutputs(dir: string, report: SlaReport, markdown: string, io: Io): Promise<void> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "report.md"), markdown);
    writeFileSync(join(dir, "report.json"), json);
  } catch (error) {
    throw new UsageError(`cannot write --out ${dir}: ${firstLine(error)}`);
  }
  // Vega and resvg are loaded only when a chart is asked for: every other command starts faster.
  const { renderChartPng, renderChartSvg } = await import("../report/chart.js");
  const charts: { name: string; metric: ChartMetric }[] = [{ name: "chart", metric: "first_response" }];
  for (const m of report.metrics ?? []) {
    if (m.overall.timers > 0) charts.push({ name: `chart-${m.metric.replace("_", "-")}`, metric: m.metric });
  }
  for (const { name, metric } of charts) {
    const svg = await renderChartSvg(report, metric);
    writeFileSync(join(dir, `${name}.svg`), svg);
    try {
      writeFileSync(join(dir, `${name}.png`), await renderChartPng(svg));
    } catch (error) {
      io.err(
        `support-sla report: ${name}.png not written (${firstLine(error)}); ${name}.svg has the same chart`,
      );
    }
  }
}

export async function reportCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseFlags(args, {
    repo: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    format: { type: "string" },
    out: { type: "string" },
    config: { type: "string" },
    database: { type: "string" },
    now: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(REPORT_HELP);
    return 0;
  }
  if (!values.repo) throw new UsageError("missing --repo OWNER/NAME");
  if (!/^[\w.-]+\/[\w.-]+$/.test(values.repo)) {
    throw new UsageError(`--repo ${JSON.stringify(values.repo)} is not OWNER/NAME (e.g. acme/app)`);
  }
  const format = values.format ?? "md";
  if (format !== "md" && format !== "json") {
    throw new UsageError(`--format ${JSON.stringify(format)} is not one of: md, json`);
  }
  const policy = policyFromFile(values.config === undefined ? undefined : resolve(io.cwd, values.config));
  const zone = policy.calendar.timezone;
  const since = values.since === undefined ? undefined : parseReportDate(values.since, zone, "--since");
  const until = values.until === undefined ? undefined : parseReportDate(values.until, zone, "--until");
  if (since !== undefined && until !== undefined && since >= until) {
    throw new UsageError(`--since ${values.since} is not before --until ${values.until}`);
  }
  const now = values.now === undefined ? Date.now() : parseInstant(values.now, zone, "--now");
  // DEFAULT_DATABASE_URL of src/store/db.ts, not imported: loading the drivers costs every command ~0.2 s.
  const url = values.database || io.env?.DATABASE_URL || "sqlite:data/support-sla.db";

  const repo = values.repo.toLowerCase();
  const read = await readRows(url, io, {
    repo,
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
  });
  if (read.rows === null) {
    for (const line of unknownRepoLines(repo, redact(url), read.known)) io.err(line);
    return 1;
  }
  const report = buildReport(read.rows, {
    repo,
    timers: read.timers,
    since,
    until,
    now,
    policy,
    policyIsRepos: values.config !== undefined,
  });
  const markdown = renderMarkdown(report);
  io.out(format === "json" ? JSON.stringify(report, null, 2) : markdown.trimEnd());
  if (values.out !== undefined) await writeOutputs(resolve(io.cwd, values.out), report, markdown, io);
  return 0;
}

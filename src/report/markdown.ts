import { formatDuration } from "../domain/duration.js";
import { formatLocal, formatUtc, inlineText } from "../github/markdown.js";
import { fitBody, fitLines, formatCount, lazyList } from "../helpers/limits.js";
import {
  REPORT_CHANNELS,
  REPORT_METRICS,
  type ReportBreach,
  type ReportMetric,
  type ReportPause,
  type ReportStats,
  type ReportTimerStats,
  type SlaReport,
} from "./types.js";

/** `0.6667` → `66.7%`; null (no issue with an outcome) → `—`. */
export function formatPercent(fraction: number | null): string {
  if (fraction === null) return "—";
  return `${Math.round(fraction * 1000) / 10}%`;
}

const duration = (ms: number | null) => (ms === null ? "—" : formatDuration(ms));
const at = (isoText: string, zone: string) => formatLocal(Date.parse(isoText), zone);

/** A link target GitHub renders as is: http(s) only, no characters that end the link early. */
function safeUrl(url: string): string {
  if (!/^https?:\/\//i.test(url)) return "";
  return url.replace(/[\s()<>[\]|]/g, (c) => encodeURIComponent(c));
}

export function describeWindow(report: SlaReport): string {
  const zone = report.timezone;
  const { since, until } = report.window;
  if (since && until) {
    return `Issues whose clock started from ${at(since, zone)} up to (not including) ${at(until, zone)}.`;
  }
  if (since) return `Issues whose clock started on or after ${at(since, zone)}.`;
  if (until) return `Issues whose clock started before ${at(until, zone)}.`;
  return "Every tracked issue.";
}

function breachedCell(s: ReportStats): string {
  if (s.breached === 0) return "0";
  return s.breachedUnanswered > 0 ? `${s.breached} (${s.breachedUnanswered} unanswered)` : `${s.breached}`;
}

const STAT_HEADER = [
  "Issues",
  "Met",
  "Breached",
  "Running",
  "Cancelled",
  "Attainment",
  "Median (business)",
  "p90 (business)",
  "Median (wall)",
  "p90 (wall)",
];

function statCells(s: ReportStats): string[] {
  return [
    `${s.issues}`,
    `${s.met}`,
    breachedCell(s),
    `${s.running}`,
    `${s.cancelled}`,
    formatPercent(s.attainment),
    duration(s.businessMs.median),
    duration(s.businessMs.p90),
    duration(s.wallMs.median),
    duration(s.wallMs.p90),
  ];
}

/** Columns from `rightFrom` on are right-aligned (figures). */
function table(header: string[], rows: string[][], rightFrom = 1): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_, i) => (i < rightFrom ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/** One breach as a table row, rendered on demand (a week may have thousands). */
function breachRow(report: SlaReport): (b: ReportBreach) => string {
  const priority = new Map(report.priorities.map((p) => [p.key, p.name]));
  const type = new Map(report.types.map((t) => [t.key, t.name]));
  const zone = report.timezone;
  const reply = (b: ReportBreach) => {
    if (b.firstResponseAt) {
      return `${at(b.firstResponseAt, zone)}${b.firstResponseBy ? ` by ${inlineText(b.firstResponseBy, 60)}` : ""}`;
    }
    return b.kind === "closed-unanswered" ? "none (closed without a reply)" : "no reply yet";
  };
  const overdue = (b: ReportBreach) => `${formatDuration(b.overdueMs)}${b.ongoing ? " and counting" : ""}`;
  const channel = new Map(REPORT_CHANNELS.map((c) => [c.key, c.name]));
  return (b) => {
    const ref = `${inlineText(b.repo, 140)}#${b.number}`;
    const url = safeUrl(b.url);
    const title = inlineText(b.title, 120);
    // An issue opened for a PagerDuty incident or a Slack request says so; GitHub is the default.
    const via = b.channel && b.channel !== "github" ? ` (via ${channel.get(b.channel) ?? b.channel})` : "";
    const cells = [
      `${url ? `[${ref}](${url})` : ref}${title ? ` ${title}` : ""}${via}`,
      inlineText(priority.get(b.priority) ?? b.priority, 60),
      inlineText(type.get(b.type) ?? b.type, 60),
      at(b.deadlineAt, zone),
      reply(b),
      overdue(b),
    ];
    return `| ${cells.join(" | ")} |`;
  };
}

/** The breaches table within `budget` characters: earliest deadlines first, then "…and N more". */
function breachLines(report: SlaReport, max: number, budget: number): string[] {
  if (report.breaches.length === 0) return ["No breaches."];
  const [header = "", rule = ""] = table(
    ["Issue", "Priority", "Type", "Deadline", "First response", "Overdue by"],
    [],
    5,
  );
  const row = breachRow(report);
  const rows = lazyList(report.breaches.length, (i) => row(report.breaches[i] as ReportBreach));
  // A summary line starts with a newline: a paragraph after the table, past a blank line.
  const more = (n: number) => `\n…and ${formatCount(n)} more, with later deadlines.`;
  const fitted = fitLines(rows, budget - header.length - rule.length - 2, more, { maxItems: max });
  if (fitted.length === 0) return [`${formatCount(report.breaches.length)} breaches: too many to list here.`];
  return [header, rule, ...fitted];
}

const METRIC_HEADER = [
  "Priority",
  "Type",
  "Target",
  "Timers",
  "Met",
  "Breached",
  "Running",
  "Attainment",
  "Median (counted)",
  "p90 (counted)",
  "Cancelled (left out)",
];

function timerCells(s: ReportTimerStats, unmet: string): string[] {
  const breached =
    s.breached === 0
      ? "0"
      : s.breachedOpen > 0
        ? `${s.breached} (${s.breachedOpen} ${unmet})`
        : `${s.breached}`;
  return [
    `${s.timers}`,
    `${s.met}`,
    breached,
    `${s.running}`,
    formatPercent(s.attainment),
    duration(s.countedMs.median),
    duration(s.countedMs.p90),
    `${s.cancelled}`,
  ];
}

/** What each metric's timers are, for the sentence above its table. */
const METRIC_INTRO: Record<ReportMetric["metric"], string> = {
  next_reply:
    "Next-reply timers that started in the window: one per reply the team owed, counted from the oldest unanswered customer comment and met by a team reply.",
  resolution:
    "Resolution timers that started in the window (at each issue's creation), met by a close or the resolved label, paused while the team waited for the customer.",
};

/**
 * One timed metric's section: a sentence on what is counted, then one row per priority × type
 * (and per priority over its types when it has several) within `budget` characters, and the
 * `All` row, which always stays.
 */
function metricSection(report: SlaReport, metric: ReportMetric, h: string, budget: number): string[] {
  const meta = REPORT_METRICS.find((m) => m.key === metric.metric);
  const unmet = meta?.unmet ?? "not met";
  const heading = [`${h}# ${inlineText(metric.name, 60)}`, ""];
  const all = metric.overall;
  const left = all.cancelled;
  const intro = [
    `${METRIC_INTRO[metric.metric] ?? ""} ` +
      "Attainment = met / (met + breached): a timer still not met after its deadline counts as breached; " +
      "running ones are left out. Times are counted on each priority's clock with pauses excluded, over met timers. " +
      `Cancelled timers (the issue was closed first, or the metric stopped applying) are left out${left > 0 ? `: ${formatCount(left)}` : ""}, ` +
      "unless they had breached before (those count as breached).",
    "",
  ];
  if (all.timers + all.cancelled === 0) {
    return [...heading, `No ${inlineText(metric.name, 60).toLowerCase()} timers started in this window.`, ""];
  }
  const priorityName = new Map(report.priorities.map((p) => [p.key, p.name]));
  const typeName = new Map(report.types.map((t) => [t.key, t.name]));
  const name = (key: string) => inlineText(priorityName.get(key) ?? key, 60);
  const rows: string[][] = [];
  for (const p of metric.byPriority) {
    const cells = metric.cells.filter((c) => c.priority === p.priority);
    for (const c of cells) {
      rows.push([
        name(c.priority),
        inlineText(typeName.get(c.type) ?? c.type, 60),
        inlineText(c.target, 200),
        ...timerCells(c.stats, unmet),
      ]);
    }
    if (cells.length > 1) {
      rows.push([
        name(p.priority),
        "**All types**",
        inlineText(p.target, 200),
        ...timerCells(p.stats, unmet).map((c) => `**${c}**`),
      ]);
    }
  }
  const [header = "", rule = "", ...lines] = table(METRIC_HEADER, rows, 3);
  const [allRow = ""] = table(
    [],
    [["**All**", "", "", ...timerCells(all, unmet).map((c) => `**${c}**`)]],
  ).slice(2);
  const fixed = [...heading, ...intro, header, rule, allRow, ""];
  const fitted = fitLines(
    lines,
    budget - fixed.reduce((n, l) => n + l.length + 1, 0),
    (n) => `| …and ${formatCount(n)} more rows |`,
  );
  return [...heading, ...intro, header, rule, ...fitted, allRow, ""];
}

/** One pause as a table row. */
function pauseRow(report: SlaReport): (p: ReportPause) => string {
  const zone = report.timezone;
  const metricName = new Map(REPORT_METRICS.map((m) => [m.key, m.name]));
  return (p) => {
    const ref = `${inlineText(p.repo, 140)}#${p.number}`;
    const url = safeUrl(p.url);
    const title = inlineText(p.title, 120);
    const counted =
      p.countedMs === null ? "—" : `${formatDuration(p.countedMs)}${p.ongoing ? " and counting" : ""}`;
    const cells = [
      `${url ? `[${ref}](${url})` : ref}${title ? ` ${title}` : ""}`,
      `${metricName.get(p.metric) ?? p.metric}${p.cycle > 1 ? ` (cycle ${p.cycle})` : ""}`,
      at(p.from, zone),
      p.to === null ? "still paused" : at(p.to, zone),
      counted,
    ];
    return `| ${cells.join(" | ")} |`;
  };
}

/** The pauses of the counted timers within `budget` characters, earliest first, then "…and N more". */
function pauseSection(
  report: SlaReport,
  pauses: readonly ReportPause[],
  h: string,
  budget: number,
): string[] {
  const heading = [`${h}# Pauses (${formatCount(pauses.length)})`, ""];
  if (pauses.length === 0) return [...heading, "No pauses.", ""];
  const intro = [
    "Paused time does not count on a timer's clock. Duration counted: the time each pause kept off " +
      "its timer's clock (business time on a business clock, elapsed time on a 24/7 one).",
    "",
  ];
  const [header = "", rule = ""] = table(["Issue", "Metric", "From", "To", "Duration counted"], [], 4);
  const row = pauseRow(report);
  const fixed = [...heading, ...intro, header, rule, ""];
  const fitted = fitLines(
    lazyList(pauses.length, (i) => row(pauses[i] as ReportPause)),
    budget - fixed.reduce((n, l) => n + l.length + 1, 0),
    (n) => `\n…and ${formatCount(n)} more, later pauses.`,
  );
  if (fitted.length === 0)
    return [...heading, `${formatCount(pauses.length)} pauses: too many to list here.`, ""];
  return [...heading, ...intro, header, rule, ...fitted, ""];
}

export interface MarkdownOptions {
  /** Heading level of the title (1 = `#`); sections are one level below. */
  level?: number;
  /** List at most this many breaches (earliest deadlines first); the count in the heading stays whole. */
  maxBreaches?: number;
  /**
   * Longest text allowed, in characters (an issue body: 65,536). Within it the tables are cut with
   * "…and N more" lines, in this order of importance: totals by priority, breaches, next reply,
   * resolution, pauses, the tables by type. Default: no limit (a file).
   */
  maxLength?: number;
}

/** Types listed per priority before "…and N more types" when a limit is set. */
const MAX_TYPES_PER_PRIORITY = 50;
/** Room kept for a section cut down to its heading and one summary line. */
const SECTION_MIN = 300;

/**
 * The report as GitHub-flavoured markdown: totals, where the issues came from (GitHub, PagerDuty,
 * Slack), a table per priority by type, the breaches (an issue opened from PagerDuty or Slack
 * marked `(via PagerDuty)` / `(via Slack)`); then, for a report built with timers, next reply and
 * resolution by priority × type and every pause.
 * With `maxLength` the text never exceeds it, whatever the number of priorities, types, breaches
 * and pauses (cut in this order of importance: totals, breaches, next reply, resolution, pauses,
 * the tables by type). Throws RangeError for an unknown zone.
 */
export function renderMarkdown(report: SlaReport, options: MarkdownOptions = {}): string {
  const h = "#".repeat(options.level ?? 1);
  const zone = report.timezone;
  const limit = options.maxLength ?? Number.POSITIVE_INFINITY;
  const bounded = Number.isFinite(limit);
  const typeName = new Map(report.types.map((t) => [t.key, t.name]));
  const head: string[] = [`${h} SLA report: ${inlineText(report.repo, 140)}`, "", describeWindow(report), ""];
  const generated = Date.parse(report.generatedAt);
  const foot = [
    "Attainment = met / (met + breached); running and cancelled issues are left out. " +
      "An issue still unanswered after its deadline counts as breached. " +
      "Response times are over answered issues: business time on each priority's clock (elapsed time on a 24/7 clock) " +
      "and wall time from the clock's start; median and p90 are nearest-rank percentiles. " +
      "Targets are those each issue was tracked under, as recorded when its deadline was planned " +
      "(several are listed with their issue counts); `not recorded`: tracked before targets were kept.",
    "",
    `Generated at ${formatLocal(generated, zone)} (${formatUtc(generated)}) by support-sla.`,
  ];
  const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
  let room = limit - size(head) - size(foot);

  // Where the issues came from: one row per way in (three rows, always; absent in old reports).
  // Shown after the totals; small and fixed, so its room is set aside first.
  const channels = report.byChannel
    ? [
        `${h}# By channel`,
        "",
        ...table(
          ["Channel", ...STAT_HEADER],
          report.byChannel.map((c) => [inlineText(c.name, 60), ...statCells(c.stats)]),
        ),
        "",
      ]
    : [];
  room -= size(channels);

  // 1. Totals by priority: the "All" row always stays.
  const totalsHead = [`${h}# Totals by priority`, ""];
  const [tHeader = "", tRule = "", ...priorityRows] = table(
    ["Priority", "Target", ...STAT_HEADER],
    report.byPriority.map((row) => {
      const p = report.priorities.find((x) => x.key === row.priority);
      return [
        inlineText(p?.name ?? row.priority, 60),
        inlineText(p?.target ?? "", 200),
        ...statCells(row.stats),
      ];
    }),
    2,
  );
  const [allRow = ""] = table(
    [],
    [["**All**", "", ...statCells(report.overall).map((c) => `**${c}**`)]],
    2,
  ).slice(2);
  const totalsFixed = [...totalsHead, tHeader, tRule, allRow, ""];
  const totalsRows = fitLines(
    priorityRows,
    room - size(totalsFixed) - 2 * SECTION_MIN,
    (n) => `| …and ${formatCount(n)} more priorities |`,
  );
  const totals = [...totalsHead, tHeader, tRule, ...totalsRows, allRow, ""];
  room -= size(totals);

  // 2. Breaches (rendered below the tables by type, but served before them).
  // The list is of first responses; next-reply and resolution breaches are counted in their own sections.
  const breachesHead = [
    `${h}# Breaches (${formatCount(report.breaches.length)})`,
    "",
    ...((report.metrics?.length ?? 0) > 0
      ? ["First responses; next-reply and resolution breaches are counted in their sections below.", ""]
      : []),
  ];
  const breaches = [
    ...breachesHead,
    ...breachLines(
      report,
      options.maxBreaches ?? Number.POSITIVE_INFINITY,
      room - size(breachesHead) - 1 - SECTION_MIN,
    ),
    "",
  ];
  room -= size(breaches);

  // 3. Next reply, resolution and their pauses (reports built with timers), each kept to its share.
  const timed: string[] = [];
  if (report.metrics) {
    const sections = [
      ...report.metrics.map((m) => (budget: number) => metricSection(report, m, h, budget)),
      (budget: number) => pauseSection(report, report.pauses ?? [], h, budget),
    ];
    sections.forEach((section, i) => {
      const lines = section(room - SECTION_MIN * (sections.length - i));
      timed.push(...lines);
      room -= size(lines);
    });
  }

  // 4. By priority and type: one block per priority, each at most MAX_TYPES_PER_PRIORITY rows.
  const cellsOf = new Map<string, SlaReport["cells"]>();
  for (const c of report.cells) cellsOf.set(c.priority, [...(cellsOf.get(c.priority) ?? []), c]);
  const totalsOf = new Map(report.byPriority.map((b) => [b.priority, b.stats]));
  const block = (p: SlaReport["priorities"][number]) => {
    const cells = cellsOf.get(p.key) ?? [];
    const totalsRow = totalsOf.get(p.key);
    const heading = `${h}## ${inlineText(p.name, 60)} (target: ${inlineText(p.target, 200)})`;
    if (cells.length === 0 || !totalsRow) return [heading, "", "No issues.", ""].join("\n");
    const shownCells = bounded ? cells.slice(0, MAX_TYPES_PER_PRIORITY) : cells;
    const [header = "", rule = "", ...rows] = table(
      ["Type", ...STAT_HEADER],
      shownCells.map((c) => [inlineText(typeName.get(c.type) ?? c.type, 60), ...statCells(c.stats)]),
    );
    const [allTypes = ""] = table(
      [],
      [["**All types**", ...statCells(totalsRow).map((c) => `**${c}**`)]],
    ).slice(2);
    const more =
      cells.length > rows.length ? [`| …and ${formatCount(cells.length - rows.length)} more types |`] : [];
    return [heading, "", header, rule, ...rows, ...more, allTypes, ""].join("\n");
  };
  const byTypeHead = [`${h}# By priority and type`, ""];
  const byType = [
    ...byTypeHead,
    ...fitLines(
      lazyList(report.priorities.length, (i) =>
        block(report.priorities[i] as SlaReport["priorities"][number]),
      ),
      room - size(byTypeHead),
      (n) => `…and ${formatCount(n)} more priorities: \`support-sla report\` shows them all.\n`,
    ),
  ];

  const text = `${[...head, ...totals, ...channels, ...byType, ...breaches, ...timed, ...foot].join("\n")}\n`;
  return bounded ? fitBody(text, limit) : text;
}

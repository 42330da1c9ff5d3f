import { formatDuration } from "../domain/duration.js";
import { formatLocal, formatUtc, inlineText } from "../github/markdown.js";
import type { ReportBreach, ReportStats, SlaReport } from "./types.js";

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

function breachLines(report: SlaReport, max: number): string[] {
  if (report.breaches.length === 0) return ["No breaches."];
  const shown = report.breaches.slice(0, max);
  const more = report.breaches.length - shown.length;
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
  return table(
    ["Issue", "Priority", "Type", "Deadline", "First response", "Overdue by"],
    shown.map((b) => {
      const ref = `${b.repo}#${b.number}`;
      const url = safeUrl(b.url);
      const title = inlineText(b.title, 120);
      return [
        `${url ? `[${ref}](${url})` : ref}${title ? ` ${title}` : ""}`,
        inlineText(priority.get(b.priority) ?? b.priority, 60),
        inlineText(type.get(b.type) ?? b.type, 60),
        at(b.deadlineAt, zone),
        reply(b),
        overdue(b),
      ];
    }),
    5,
  ).concat(more > 0 ? ["", `…and ${more} more, with later deadlines.`] : []);
}

export interface MarkdownOptions {
  /** Heading level of the title (1 = `#`); sections are one level below. */
  level?: number;
  /** List at most this many breaches (earliest deadlines first); the count in the heading stays whole. */
  maxBreaches?: number;
}

/** The report as GitHub-flavoured markdown: totals, a table per priority by type, the breaches. */
export function renderMarkdown(report: SlaReport, options: MarkdownOptions = {}): string {
  const h = "#".repeat(options.level ?? 1);
  const zone = report.timezone;
  const typeName = new Map(report.types.map((t) => [t.key, t.name]));
  const lines: string[] = [
    `${h} SLA report: ${inlineText(report.repo, 140)}`,
    "",
    describeWindow(report),
    "",
  ];

  lines.push(`${h}# Totals by priority`, "");
  lines.push(
    ...table(
      ["Priority", "Target", ...STAT_HEADER],
      [
        ...report.byPriority.map((row) => {
          const p = report.priorities.find((x) => x.key === row.priority);
          return [inlineText(p?.name ?? row.priority, 60), p?.target ?? "", ...statCells(row.stats)];
        }),
        ["**All**", "", ...statCells(report.overall).map((c) => `**${c}**`)],
      ],
      2,
    ),
    "",
  );

  lines.push(`${h}# By priority and type`, "");
  for (const p of report.priorities) {
    const cells = report.cells.filter((c) => c.priority === p.key);
    const totals = report.byPriority.find((b) => b.priority === p.key)?.stats;
    lines.push(`${h}## ${inlineText(p.name, 60)} (target: ${p.target})`, "");
    if (cells.length === 0 || !totals) {
      lines.push("No issues.", "");
      continue;
    }
    lines.push(
      ...table(
        ["Type", ...STAT_HEADER],
        [
          ...cells.map((c) => [inlineText(typeName.get(c.type) ?? c.type, 60), ...statCells(c.stats)]),
          ["**All types**", ...statCells(totals).map((c) => `**${c}**`)],
        ],
      ),
      "",
    );
  }

  lines.push(
    `${h}# Breaches (${report.breaches.length})`,
    "",
    ...breachLines(report, options.maxBreaches ?? Number.POSITIVE_INFINITY),
    "",
  );
  const generated = Date.parse(report.generatedAt);
  lines.push(
    "Attainment = met / (met + breached); running and cancelled issues are left out. " +
      "An issue still unanswered after its deadline counts as breached. " +
      "Response times are over answered issues: business time on each priority's clock (elapsed time on a 24/7 clock) " +
      "and wall time from the clock's start; median and p90 are nearest-rank percentiles.",
    "",
    `Generated at ${formatLocal(generated, zone)} (${formatUtc(generated)}) by support-sla.`,
  );
  return `${lines.join("\n")}\n`;
}

import type { Policy, PriorityPolicy } from "../../config/policy.js";
import { formatLocal, formatUtc, inlineText } from "../../github/markdown.js";
import type { BusinessCalendar, ClosedDay } from "../business-hours.js";
import { computeDeadline } from "../deadline.js";
import { formatDuration } from "../duration.js";

/** How one deadline was computed, step by step: what `/sla explain` and `deadline --explain` show. */
export interface DeadlineExplanation {
  priority: string;
  priorityLabel: string;
  rule: string;
  clock: PriorityPolicy["clock"];
  timezone: string;
  startAt: number;
  deadlineAt: number;
  /** Business intervals counted from the start to the deadline (business clock only). */
  counted: Array<{ start: number; end: number; ms: number }>;
  /** Local dates between start and deadline that were closed, and why. */
  skipped: ClosedDay[];
  holidaysConfigured: { explicit: number; calendar: string | null };
}

function ruleText(p: PriorityPolicy): string {
  const target = p.response.kind === "duration" ? formatDuration(p.response.ms) : "next business day";
  return p.clock === "calendar"
    ? `${target} on the calendar clock (24/7)`
    : p.response.kind === "duration"
      ? `${target} of business time`
      : "close of business on the first business day after the opening date";
}

export function explainDeadline(
  calendar: BusinessCalendar,
  policy: Policy,
  priority: PriorityPolicy,
  startAt: number,
): DeadlineExplanation {
  const deadlineAt = computeDeadline(calendar, priority, startAt);
  const business = priority.clock === "business" || priority.response.kind === "next-business-day";
  const hc = policy.calendar.holidayCalendar;
  return {
    priority: priority.key,
    priorityLabel: priority.label,
    rule: ruleText(priority),
    clock: priority.clock,
    timezone: policy.calendar.timezone,
    startAt,
    deadlineAt,
    counted: business
      ? calendar.businessIntervals(startAt, deadlineAt).map((i) => ({ ...i, ms: i.end - i.start }))
      : [],
    skipped: business ? calendar.closedDays(startAt, deadlineAt) : [],
    holidaysConfigured: {
      explicit: policy.calendar.holidays.length,
      calendar: hc ? [hc.country, hc.state, hc.region].filter(Boolean).join("-") : null,
    },
  };
}

const when = (ms: number, tz: string) => `${formatLocal(ms, tz)} (${formatUtc(ms)})`;

/** The explanation as markdown, for a comment or a terminal. */
export function renderExplanation(e: DeadlineExplanation, extra: string[] = []): string {
  const tz = e.timezone;
  const lines = [
    `**How the first-response deadline was computed**`,
    "",
    `- Policy: ${inlineText(e.priorityLabel)} (\`${e.priority}\`): ${e.rule}.`,
    `- Time zone: ${tz}.`,
    `- Clock started: ${when(e.startAt, tz)}.`,
  ];
  if (e.counted.length > 0) {
    lines.push("- Business time counted:");
    for (const i of e.counted) {
      lines.push(
        `  - ${formatLocal(i.start, tz)} → ${formatLocal(i.end, tz).split(", ")[1]}: ${formatDuration(i.ms)}`,
      );
    }
  }
  const closed = e.skipped.filter((d) => d.reason !== "closed");
  const weekend = e.skipped.filter((d) => d.reason === "closed");
  if (closed.length > 0) {
    lines.push(
      `- Holidays skipped: ${closed.map((d) => `${d.date}${d.name ? ` (${inlineText(d.name, 60)})` : d.reason === "holiday" ? " (configured)" : ""}`).join(", ")}.`,
    );
  }
  if (weekend.length > 0) lines.push(`- Closed days skipped: ${weekend.map((d) => d.date).join(", ")}.`);
  const { explicit, calendar } = e.holidaysConfigured;
  if (e.clock === "business") {
    lines.push(
      `- Holidays known: ${explicit} configured date(s)${calendar ? `, public holidays of ${calendar}` : ""}.`,
    );
  }
  lines.push(...extra.map((l) => `- ${l}`));
  lines.push(`- **Result: ${when(e.deadlineAt, tz)}.**`);
  return lines.join("\n");
}

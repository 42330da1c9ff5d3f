import { formatLocal, formatUtc, inlineText } from "../../github/markdown.js";
import { clip, fitBody, fitLines, formatCount, GITHUB_COMMENT_MAX, lazyList } from "../../helpers/limits.js";
import type { BusinessCalendar, ClosedDay } from "../business-hours.js";
import { computeDeadline } from "../deadline.js";
import { formatDuration } from "../duration.js";
import type { Policy, PriorityPolicy } from "../policy.js";

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

export interface ExplanationOptions {
  /**
   * Longest text allowed, in characters (a comment: {@link GITHUB_COMMENT_MAX}). With a limit the
   * lists (business intervals, holidays, closed days) show at most 60, 40 and 60 entries and end
   * with "…and N more" when cut; the policy, zone, start and result lines always stay. Default: no
   * limit (a terminal).
   */
  maxLength?: number;
}

/** The explanation as markdown, for a comment or a terminal. Throws RangeError for an unknown zone. */
export function renderExplanation(
  e: DeadlineExplanation,
  extra: string[] = [],
  options: ExplanationOptions = {},
): string {
  const tz = e.timezone;
  const limit = options.maxLength ?? Number.POSITIVE_INFINITY;
  const bounded = Number.isFinite(limit);
  const head = [
    `**How the first-response deadline was computed**`,
    "",
    `- Policy: ${inlineText(e.priorityLabel)} (\`${clip(e.priority, 100)}\`): ${e.rule}.`,
    `- Time zone: ${clip(tz, 100)}.`,
    `- Clock started: ${when(e.startAt, tz)}.`,
  ];
  const tail: string[] = [];
  const { explicit, calendar } = e.holidaysConfigured;
  if (e.clock === "business") {
    tail.push(
      `- Holidays known: ${explicit} configured date(s)${calendar ? `, public holidays of ${clip(calendar, 60)}` : ""}.`,
    );
  }
  tail.push(...extra.map((l) => `- ${bounded ? clip(l, 1_000) : l}`));
  tail.push(`- **Result: ${when(e.deadlineAt, tz)}.**`);
  let room = limit - [...head, ...tail].reduce((n, l) => n + l.length + 1, 0);
  const lists: string[] = [];
  const take = (lines: string[]) => {
    lists.push(...lines);
    room -= lines.reduce((n, l) => n + l.length + 1, 0);
  };

  if (e.counted.length > 0) {
    const intervals = lazyList(e.counted.length, (n) => {
      const i = e.counted[n] as { start: number; end: number; ms: number };
      return `  - ${formatLocal(i.start, tz)} → ${formatLocal(i.end, tz).split(", ")[1]}: ${formatDuration(i.ms)}`;
    });
    const total = formatDuration(e.counted.reduce((n, i) => n + i.ms, 0));
    const fitted = fitLines(
      intervals,
      room / 2 - 40,
      (n) => `  - …and ${formatCount(n)} more intervals (${total} counted in all)`,
      bounded ? { maxItems: 60 } : {},
    );
    if (fitted.length > 0) take(["- Business time counted:", ...fitted]);
  }
  // Inline lists: each entry counts its ", " joiner.
  const inline = { measure: (t: string) => t.length + 1 };
  const closed = e.skipped.filter((d) => d.reason !== "closed");
  const weekend = e.skipped.filter((d) => d.reason === "closed");
  if (closed.length > 0) {
    const days = lazyList(closed.length, (n) => {
      const d = closed[n] as ClosedDay;
      return `${d.date}${d.name ? ` (${inlineText(d.name, 60)})` : d.reason === "holiday" ? " (configured)" : ""}`;
    });
    const fitted = fitLines(days, room / 2 - 30, (n) => `and ${formatCount(n)} more`, {
      ...inline,
      ...(bounded ? { maxItems: 40 } : {}),
    });
    if (fitted.length > 0) take([`- Holidays skipped: ${fitted.join(", ")}.`]);
  }
  if (weekend.length > 0) {
    const fitted = fitLines(
      weekend.map((d) => d.date),
      room - 30,
      (n) => `and ${formatCount(n)} more`,
      { ...inline, ...(bounded ? { maxItems: 60 } : {}) },
    );
    if (fitted.length > 0) take([`- Closed days skipped: ${fitted.join(", ")}.`]);
  }
  const text = [...head, ...lists, ...tail].join("\n");
  return bounded ? fitBody(text, limit) : text;
}

const EXPLAIN_FOOTER = "<sub>Asked by a team member with `/sla explain`.</sub>";

/**
 * The `/sla explain` reply: the explanation and a footer, at most {@link GITHUB_COMMENT_MAX}
 * characters however many intervals, holidays or closed days it spans.
 */
export function renderExplainReply(e: DeadlineExplanation, extra: string[] = []): string {
  const body = renderExplanation(e, extra, { maxLength: GITHUB_COMMENT_MAX - EXPLAIN_FOOTER.length - 2 });
  return `${body}\n\n${EXPLAIN_FOOTER}`;
}

import { formatLocal, formatUtc, inlineText } from "../../github/markdown.js";
import { clip, fitBody, fitLines, formatCount, GITHUB_COMMENT_MAX, lazyList } from "../../helpers/limits.js";
import type { BusinessCalendar, BusinessInterval, ClosedDay } from "../business-hours.js";
import { computeDeadline } from "../deadline.js";
import { formatDuration } from "../duration.js";
import type { ClockKind, EscalationLevel, Policy, PriorityPolicy, ResponseTarget } from "../policy.js";
import {
  countedBetween,
  levelInstants,
  type Metric,
  type Pause,
  type Timer,
  type TimerState,
  type TimerStatus,
  timerStatus,
} from "../timers/timer.js";

/** How one deadline was computed, step by step: what `/sla explain` and `deadline --explain` show. */
export interface DeadlineExplanation {
  priority: string;
  priorityLabel: string;
  rule: string;
  clock: PriorityPolicy["clock"];
  timezone: string;
  startAt: number;
  deadlineAt: number;
  /** Business intervals counted from the start to the deadline (business clock only), pauses left out. */
  counted: Array<{ start: number; end: number; ms: number }>;
  /** Local dates between start and deadline that were closed, and why. */
  skipped: ClosedDay[];
  holidaysConfigured: { explicit: number; calendar: string | null };
  /** The metric explained; absent: the first response (today's explanation, word for word). */
  metric?: Metric;
  /** The config key that sets the metric's target, e.g. `priorities.urgent.next_reply`. */
  configKey?: string;
  /** The planned timer behind the deadline: its pauses and its ladder (`deadline --explain`). */
  timer?: TimerExplanation;
}

/** The metric as a heading reads it: "first-response", "next-reply", … */
const METRIC_ADJECTIVE: Record<Metric, string> = {
  first_response: "first-response",
  next_reply: "next-reply",
  resolution: "resolution",
  updates: "periodic-update",
  post_mortem: "post-mortem",
};

/** The metric as a list item starts: "First response", "Next reply", … */
const METRIC_TITLE: Record<Metric, string> = {
  first_response: "First response",
  next_reply: "Next reply",
  resolution: "Resolution",
  updates: "Periodic update",
  post_mortem: "Post-mortem",
};

/**
 * The config key that sets a metric's target for a priority: `priorities.<key>.response` for the
 * first response, `priorities.<key>.next_reply` / `.resolution` / `.updates` for the others,
 * `post_mortem.due` for the post-mortem (PRODUCT.md "More SLA metrics").
 */
export function metricConfigKey(priority: Pick<PriorityPolicy, "key">, metric: Metric): string {
  if (metric === "post_mortem") return "post_mortem.due";
  return `priorities.${priority.key}.${metric === "first_response" ? "response" : metric}`;
}

function ruleText(target: ResponseTarget, clock: ClockKind, metric: Metric = "first_response"): string {
  const amount = target.kind === "duration" ? formatDuration(target.ms) : "next business day";
  if (clock === "calendar") return `${amount} on the calendar clock (24/7)`;
  if (target.kind === "duration") return `${amount} of business time`;
  return metric === "first_response"
    ? "close of business on the first business day after the opening date"
    : "close of business on the first business day after the date the clock started";
}

/** Business intervals with the paused parts cut out (both lists in order; an open pause runs to the end). */
function withoutPauses(intervals: BusinessInterval[], pauses: readonly Pause[]): BusinessInterval[] {
  const out: BusinessInterval[] = [];
  for (const interval of intervals) {
    let pieces = [interval];
    for (const p of pauses) {
      const end = p.end ?? Number.POSITIVE_INFINITY;
      pieces = pieces.flatMap((i) =>
        end <= i.start || p.start >= i.end
          ? [i]
          : [
              ...(p.start > i.start ? [{ start: i.start, end: p.start }] : []),
              ...(end < i.end ? [{ start: end, end: i.end }] : []),
            ],
      );
    }
    out.push(...pieces);
  }
  return out;
}

/**
 * How a deadline was computed. Without `planned`, the first-response deadline of an issue whose
 * clock started at `startAt` (`computeDeadline`, today's explanation). With `planned`, the
 * deadline of that timer (any metric, pauses skipped: `timer.deadlineAt`), its ladder and its
 * pauses, the timer seen as at its start. Throws RangeError when the planned timer has no
 * deadline (paused without end, or final).
 */
export function explainDeadline(
  calendar: BusinessCalendar,
  policy: Policy,
  priority: PriorityPolicy,
  startAt: number,
  planned?: { timer: Timer; ladder: readonly EscalationLevel[] },
): DeadlineExplanation {
  const timer = planned?.timer;
  const target = timer ? timer.target : priority.response;
  const clock = timer ? timer.clock : priority.clock;
  const deadlineAt = timer ? timer.deadlineAt : computeDeadline(calendar, priority, startAt);
  if (deadlineAt === null) throw new RangeError(`the ${timer?.metric} timer has no deadline to explain`);
  const business = clock === "business" || target.kind === "next-business-day";
  const hc = policy.calendar.holidayCalendar;
  const pauses = timer?.pauses ?? [];
  return {
    priority: priority.key,
    priorityLabel: priority.label,
    rule: ruleText(target, clock, timer?.metric),
    clock,
    timezone: policy.calendar.timezone,
    startAt,
    deadlineAt,
    counted: business
      ? withoutPauses(calendar.businessIntervals(startAt, deadlineAt), pauses).map((i) => ({
          ...i,
          ms: i.end - i.start,
        }))
      : [],
    skipped: business ? calendar.closedDays(startAt, deadlineAt) : [],
    holidaysConfigured: {
      explicit: policy.calendar.holidays.length,
      calendar: hc ? [hc.country, hc.state, hc.region].filter(Boolean).join("-") : null,
    },
    ...(timer && planned
      ? {
          metric: timer.metric,
          configKey: metricConfigKey(priority, timer.metric),
          timer: explainTimer(timer, startAt, calendar, planned.ladder),
        }
      : {}),
  };
}

/** One timer as explanations show it: where it stands, its pauses and the levels still to fire. */
export interface TimerExplanation {
  /** Where the timer stands (`timerStatus` at the time of the explanation). */
  status: TimerStatus;
  clock: ClockKind;
  target: ResponseTarget;
  /**
   * Each pause with the time it kept off the timer's clock, in counted ms (business ms on the
   * business clock); an open pause counts up to the time of the explanation. `afterDeadline`: it
   * started at or after the deadline, so it did not move it.
   */
  pauses: Array<{ start: number; end: number | null; excludedMs: number; afterDeadline: boolean }>;
  /**
   * The levels still to fire, the next one first, with the instant each is due (null while the
   * timer is paused: they are planned again when it resumes). `repeat` is the firing number of the
   * next one (0 = first firing); `repeatMs` its repeat interval, null when it fires once.
   */
  levels: Array<{ name: string; at: number | null; repeat: number; repeatMs: number | null }>;
}

const RUNNING: ReadonlySet<TimerState> = new Set(["pending", "at-risk", "breached"]);

/**
 * A timer's explanation at `now` (epoch ms): `timerStatus`, the counted time of each pause
 * (`countedBetween` on the timer's clock) and the levels of `ladder` still to fire with their
 * instants (`levelInstants`), the next one first. Pure; throws what the calendar throws
 * (BeyondHorizonError for instants more than a year out).
 */
export function explainTimer(
  timer: Timer,
  now: number,
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): TimerExplanation {
  const status = timerStatus(timer, now, calendar, ladder);
  // An empty pause (a close and reopen in the same second, a waiting label removed before its
  // addition was seen) excludes nothing: it is not shown.
  const pauses = timer.pauses
    .filter((p) => p.end !== p.start)
    .map((p) => ({
      start: p.start,
      end: p.end,
      excludedMs: countedBetween(calendar, timer.clock, [], p.start, Math.max(p.start, p.end ?? now)),
      afterDeadline: timer.deadlineAt !== null && p.start >= timer.deadlineAt,
    }));
  const levels: TimerExplanation["levels"] = [];
  if (RUNNING.has(timer.state)) {
    const instants = levelInstants(timer, calendar, ladder);
    const nextIndex = status.next
      ? ladder.findIndex((l, i) => i >= timer.level - 1 && l.name === status.next?.name)
      : -1;
    if (status.next && nextIndex >= 0) {
      const level = ladder[nextIndex] as EscalationLevel;
      levels.push({
        name: level.name,
        at: status.next.at,
        repeat: status.next.repeat,
        repeatMs: level.repeatMs,
      });
    }
    // Paused (or nothing due next): the levels not fired yet, due again once the clock resumes.
    const from = nextIndex >= 0 ? nextIndex + 1 : status.paused ? timer.level : ladder.length;
    for (let i = from; i < ladder.length; i++) {
      const level = ladder[i] as EscalationLevel;
      levels.push({
        name: level.name,
        at: status.paused ? null : (instants[i] ?? null),
        repeat: 0,
        repeatMs: level.repeatMs,
      });
    }
  }
  return { status, clock: timer.clock, target: timer.target, pauses, levels };
}

/**
 * The explanations of an issue's running timers (pending, at risk or breached; met and
 * cancelled ones are left out), in the order given, each on the ladder `ladderOf(metric)`
 * (`ladderFor(policy, priority, metric)`). What `/sla explain` passes to {@link renderExplainReply}.
 */
export function explainTimers(
  timers: readonly Timer[],
  now: number,
  calendar: BusinessCalendar,
  ladderOf: (metric: Metric) => readonly EscalationLevel[],
): TimerExplanation[] {
  return timers
    .filter((t) => RUNNING.has(t.state))
    .map((t) => explainTimer(t, now, calendar, ladderOf(t.metric)));
}

const when = (ms: number, tz: string) => `${formatLocal(ms, tz)} (${formatUtc(ms)})`;

/** Most pauses listed per timer in a bounded text (a comment); the rest are summed up. */
const MAX_PAUSES_SHOWN = 20;

/**
 * A timer's pauses and the levels still to fire, as markdown list lines indented by `indent`:
 * `- Pauses: none.`, or `- Pauses (not counted on the clock):` then one line per pause
 * (`Fri 27 Nov 2026, 16:00 CET → Mon 30 Nov 2026, 10:00 CET: 2 h excluded`), and
 * `- Next level: at-risk at …; then breach at ….` The one wording of both `deadline --explain`
 * and `/sla explain`.
 */
function timerDetailLines(
  t: TimerExplanation,
  tz: string,
  indent: string,
  bounded: boolean,
): { pauses: string[]; next: string } {
  const lines: string[] = [];
  if (t.pauses.length === 0) lines.push(`${indent}- Pauses: none.`);
  else {
    lines.push(`${indent}- Pauses (not counted on the clock):`);
    const shown = bounded ? t.pauses.slice(0, MAX_PAUSES_SHOWN) : t.pauses;
    for (const p of shown) {
      const end = p.end === null ? "still paused" : formatLocal(p.end, tz);
      const amount = formatDuration(p.excludedMs);
      const effect = p.afterDeadline
        ? `${amount}, after the deadline (it does not move it)`
        : p.end === null
          ? `${amount} excluded so far`
          : `${amount} excluded`;
      lines.push(`${indent}  - ${formatLocal(p.start, tz)} → ${end}: ${effect}`);
    }
    if (shown.length < t.pauses.length) {
      const rest = t.pauses.slice(shown.length);
      const total = formatDuration(rest.reduce((n, p) => n + p.excludedMs, 0));
      lines.push(`${indent}  - …and ${formatCount(rest.length)} more pauses (${total} in all)`);
    }
  }
  const levels = t.levels.map((l) => {
    const name = clip(l.name, 100);
    const at = l.at === null ? `${name}, once the clock resumes` : `${name} at ${when(l.at, tz)}`;
    const repeat = l.repeat > 0 ? ` (repeat ${l.repeat})` : "";
    const every = l.repeatMs !== null ? `, then every ${formatDuration(l.repeatMs)} until met` : "";
    return `${at}${repeat}${every}`;
  });
  const [next, ...then] = levels;
  return {
    pauses: lines,
    next:
      next === undefined
        ? `${indent}- Next level: none left (every level of the ladder has fired).`
        : `${indent}- Next level: ${next}${then.map((l) => `; then ${l}`).join("")}.`,
  };
}

const STATE_TEXT: Record<TimerState, string> = {
  pending: "pending",
  "at-risk": "at risk",
  breached: "breached",
  met: "met",
  cancelled: "cancelled",
};

/**
 * The `**Running timers**` section of `/sla explain`: per running timer its metric, cycle,
 * clock, state, count so far against the target and deadline, then its pauses (with the time
 * each excluded) and its next level ({@link timerDetailLines}). Empty when none runs. With
 * `bounded`, each timer lists at most 20 pauses and sums up the rest.
 */
export function renderTimers(
  timers: readonly TimerExplanation[],
  timezone: string,
  bounded = false,
): string[] {
  const running = timers.filter((t) => RUNNING.has(t.status.state));
  if (running.length === 0) return [];
  const lines = ["**Running timers**", ""];
  for (const t of running) {
    const s = t.status;
    const state = `${STATE_TEXT[s.state]}${s.paused ? ", paused" : ""}`;
    const count = `${formatDuration(s.countedMs)} of ${formatDuration(s.targetMs)} counted`;
    const deadline =
      s.deadlineAt === null ? "no deadline while paused" : `deadline ${when(s.deadlineAt, timezone)}`;
    lines.push(
      `- ${METRIC_TITLE[s.metric]} (cycle ${s.cycle}, ${t.clock} clock): ${state}; ${count}; ${deadline}.`,
    );
    const detail = timerDetailLines(t, timezone, "  ", bounded);
    lines.push(...detail.pauses, detail.next);
  }
  return lines;
}

export interface ExplanationOptions {
  /**
   * Longest text allowed, in characters (a comment: {@link GITHUB_COMMENT_MAX}). With a limit the
   * lists (business intervals, holidays, closed days) show at most 60, 40 and 60 entries and end
   * with "…and N more" when cut, and each timer at most 20 pauses; the policy, zone, start and
   * result lines always stay. Default: no limit (a terminal).
   */
  maxLength?: number;
  /** The issue's timers: rendered after the result as the "Running timers" section ({@link renderTimers}). */
  timers?: readonly TimerExplanation[];
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
  const metric = e.metric ?? "first_response";
  const head = [
    `**How the ${METRIC_ADJECTIVE[metric]} deadline was computed**`,
    "",
    ...(metric !== "first_response" && e.configKey
      ? [`- Metric: \`${metric}\`, set by \`${clip(e.configKey, 200)}\`.`]
      : []),
    `- Policy: ${inlineText(e.priorityLabel)} (\`${clip(e.priority, 100)}\`): ${e.rule}.`,
    `- Time zone: ${clip(tz, 100)}.`,
    `- Clock started: ${when(e.startAt, tz)}.`,
  ];
  const tail: string[] = [];
  const detail = e.timer ? timerDetailLines(e.timer, tz, "", bounded) : null;
  if (detail) tail.push(...detail.pauses);
  const { explicit, calendar } = e.holidaysConfigured;
  if (e.clock === "business") {
    tail.push(
      `- Holidays known: ${explicit} configured date(s)${calendar ? `, public holidays of ${clip(calendar, 60)}` : ""}.`,
    );
  }
  tail.push(...extra.map((l) => `- ${bounded ? clip(l, 1_000) : l}`));
  if (detail) tail.push(detail.next);
  tail.push(`- **Result: ${when(e.deadlineAt, tz)}.**`);
  const timers = options.timers ? renderTimers(options.timers, tz, bounded) : [];
  if (timers.length > 0) tail.push("", ...timers);
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
 * The `/sla explain` reply: the first-response explanation, then every running timer of the
 * issue with its pauses and next level (`timers`, from {@link explainTimers}; they replace the old
 * "Pauses: none" line), and a footer; at most {@link GITHUB_COMMENT_MAX} characters however many
 * intervals, holidays, closed days or pauses it spans.
 */
export function renderExplainReply(
  e: DeadlineExplanation,
  extra: string[] = [],
  timers: readonly TimerExplanation[] = [],
): string {
  const body = renderExplanation(e, extra, {
    maxLength: GITHUB_COMMENT_MAX - EXPLAIN_FOOTER.length - 2,
    timers,
  });
  return `${body}\n\n${EXPLAIN_FOOTER}`;
}

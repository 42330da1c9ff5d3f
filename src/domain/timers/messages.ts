import { formatLocal, formatUtc, inlineText } from "../../github/markdown.js";
import { capMentions, fitBody, formatCount, GITHUB_COMMENT_MAX } from "../../helpers/limits.js";
import { formatDuration } from "../duration.js";
import type { EscalationLevel, Policy } from "../policy.js";
import { atRiskSlackText, breachMarker, breachSlackText, renderBreachComment } from "../sla/messages.js";
import { renderPostMortemReminder } from "../sla/post-mortem.js";
import type { Metric } from "./timer.js";

/**
 * What a timer's ladder levels say to people, as pure strings (issue 12). Every comment carries
 * the marker of its firing, `<!-- support-sla:timer ${metric} c${cycle} ${level} r${repeat} -->`,
 * so a retried escalation finds what an attempt that died already posted and never posts it
 * twice. The first-response breach keeps today's comment and marker (`renderBreachComment`,
 * `breachMarker(cycle)`): an upgrade in the middle of an escalation never posts a second one.
 *
 * Instants are epoch ms shown as local time in the policy's zone with UTC beside it
 * (`formatLocal`, `formatUtc`); durations with `formatDuration`. Comments fit GitHub's comment
 * limit ({@link GITHUB_COMMENT_MAX}) and mention at most GITHUB_MENTIONS_MAX handles (`capMentions`,
 * GitHub's "Basic writing and formatting syntax: Mentioning people and teams",
 * https://docs.github.com/en/get-started/writing-on-github/getting-started-with-writing-and-formatting-on-github/basic-writing-and-formatting-syntax#mentioning-people-and-teams).
 */

const TIMER_MARKER = /<!-- support-sla:timer (\w+) c(\d+) ([a-z0-9-]+) r(\d+) -->/;

/** The marker of one firing: metric, cycle (≥ 1), level name (`[a-z0-9-]+`) and repeat (≥ 0). Throws RangeError otherwise. */
export function timerMarker(metric: Metric, cycle: number, level: string, repeat: number): string {
  if (!Number.isInteger(cycle) || cycle < 1)
    throw new RangeError(`cycle must be a whole number ≥ 1, got ${cycle}`);
  if (!Number.isInteger(repeat) || repeat < 0)
    throw new RangeError(`repeat must be a whole number ≥ 0, got ${repeat}`);
  if (!/^[a-z0-9-]+$/.test(level))
    throw new RangeError(`level names are [a-z0-9-]+, got ${JSON.stringify(level)}`);
  return `<!-- support-sla:timer ${metric} c${cycle} ${level} r${repeat} -->`;
}

/** The firing a comment body's timer marker names, or null when it has none. */
export function parseTimerMarker(
  body: string,
): { metric: string; cycle: number; level: string; repeat: number } | null {
  const match = TIMER_MARKER.exec(body);
  if (!match) return null;
  return { metric: match[1] ?? "", cycle: Number(match[2]), level: match[3] ?? "", repeat: Number(match[4]) };
}

/** Whether a firing keeps today's first-response breach comment (and its marker and effect keys). */
export function isLegacyBreach(metric: Metric, level: string, repeat: number): boolean {
  return metric === "first_response" && level === "breach" && repeat === 0;
}

/** The marker a firing's comment carries: today's breach marker for the first-response breach, else the timer marker. */
export function firingMarker(metric: Metric, cycle: number, level: string, repeat: number): string {
  return isLegacyBreach(metric, level, repeat)
    ? breachMarker(cycle)
    : timerMarker(metric, cycle, level, repeat);
}

/** One firing of one level of one timer, as the messages need it. */
export interface TimerMessageView {
  metric: Metric;
  cycle: number;
  level: Pick<EscalationLevel, "name" | "at" | "mention" | "mentionAssignees">;
  /** 0 for the first firing, 1… for repeats. */
  repeat: number;
  /** Logins of the assignees (with or without `@`); mentioned when the level says so. */
  assignees: readonly string[];
  /** The cycle's start (creation, reopening, the customer comment, the last team comment…). */
  startedAt: number;
  /** When the count reaches the target (pauses excluded). */
  deadlineAt: number;
  /** When the firing is sent. */
  now: number;
  /** The target in counted ms (business ms on the business clock). */
  targetMs: number;
  /** Counted ms left before the deadline (0 once past it). */
  remainingMs: number;
  businessClock: boolean;
  /** On-call is paged for this issue (confirmed). */
  paged: boolean;
  /** The request type as customers read it (`types.<key>.name`). */
  typeName: string;
  /** The priority as customers read it (`priorities.<key>.name`). */
  priorityName: string;
}

/** What each metric's deadline is about, in the sentences below. */
const SUBJECT: Record<Metric, { due: string; done: string }> = {
  first_response: { due: "the first response to this issue", done: "A team reply" },
  next_reply: { due: "the next reply to the customer", done: "A team reply" },
  resolution: { due: "the resolution of this issue", done: "Closing the issue" },
  updates: { due: "an update to the customer", done: "A team comment" },
  post_mortem: { due: "the post-mortem of this issue", done: "The done label" },
};

function when(ms: number, timezone: string): string {
  return `**${formatLocal(ms, timezone)}** (${formatUtc(ms)})`;
}

function plainWhen(ms: number, timezone: string): string {
  return `${formatLocal(ms, timezone)} (${formatUtc(ms)})`;
}

function overdue(ms: number): string {
  return ms < 1_000 ? "just now" : formatDuration(ms);
}

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/** The handles a firing mentions: the assignees first (when the level says so), then the level's handles. */
function handlesOf(v: Pick<TimerMessageView, "level" | "assignees">): string[] {
  const assignees = v.level.mentionAssignees
    ? v.assignees.map((login) => login.replace(/^@/, "")).filter((login) => LOGIN.test(login))
    : [];
  return [...assignees.map((login) => `@${login}`), ...v.level.mention];
}

function mentionLead(v: Pick<TimerMessageView, "level" | "assignees">): string {
  const mentioned = capMentions(handlesOf(v));
  if (mentioned.shown.length === 0) return "";
  const more = mentioned.more > 0 ? ` (and ${formatCount(mentioned.more)} more)` : "";
  return `${mentioned.shown.join(" ")}${more}: `;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What the team does next, per metric. */
function nextStep(metric: Metric): string {
  switch (metric) {
    case "first_response":
    case "next_reply":
      return "a team member replies on this issue now; the reply stops this clock.";
    case "resolution":
      return "resolve the request and close the issue. While the team waits for the customer, add the waiting label: the clock pauses until the customer answers.";
    case "updates":
      return "post an update for the customer on this issue: each team comment starts the next interval.";
    case "post_mortem":
      return "share the document with the customer, then add the done label.";
  }
}

/**
 * The comment of one firing. The first-response breach is today's comment
 * (`renderBreachComment`); the post-mortem reminder is today's text (`renderPostMortemReminder`,
 * mentioning the level's handles) under the timer marker; every other firing says what was (or
 * is) due when, by how much it is late, and what to do, mentioning the assignees (when the level
 * says so) and the level's handles. Throws RangeError for an unknown zone.
 */
export function renderTimerComment(policy: Policy, v: TimerMessageView): string {
  const timezone = policy.calendar.timezone;
  if (isLegacyBreach(v.metric, v.level.name, v.repeat)) {
    return renderBreachComment({
      cycle: v.cycle,
      mention: handlesOf(v),
      typeName: v.typeName,
      priorityName: v.priorityName,
      cycleStartAt: v.startedAt,
      deadlineAt: v.deadlineAt,
      now: v.now,
      timezone,
      paged: v.paged,
    });
  }
  const marker = timerMarker(v.metric, v.cycle, v.level.name, v.repeat);
  if (v.metric === "post_mortem") {
    const reminder = renderPostMortemReminder(
      { ...policy, escalation: { ...policy.escalation, mention: handlesOf(v) } },
      v.deadlineAt,
    );
    return fitBody(`${marker}\n${reminder}`, GITHUB_COMMENT_MAX);
  }
  const subject = SUBJECT[v.metric];
  const past = v.now > v.deadlineAt;
  const lead = mentionLead(v);
  const headline = past
    ? `${subject.due} was due ${plainWhen(v.deadlineAt, timezone)} and is overdue by ${overdue(v.now - v.deadlineAt)}.`
    : `${subject.due} is due by ${plainWhen(v.deadlineAt, timezone)}.`;
  const repeatNote = v.repeat > 0 ? ` (reminder ${formatCount(v.repeat + 1)})` : "";
  const hours = v.businessClock ? " of business time" : "";
  const lines = [
    marker,
    `${lead}**${lead ? headline : capitalized(headline)}**${repeatNote}`,
    "",
    "| | |",
    "|---|---|",
    `| Request type | ${inlineText(v.typeName)} |`,
    `| Priority | ${inlineText(v.priorityName)} |`,
    `| Clock started | ${when(v.startedAt, timezone)} |`,
    `| Target | ${formatDuration(v.targetMs)}${hours} |`,
    `| Due | ${when(v.deadlineAt, timezone)} |`,
    past
      ? `| Overdue by | ${overdue(v.now - v.deadlineAt)} |`
      : `| Left | ${formatDuration(v.remainingMs)}${hours} |`,
    "",
    `**Next step:** ${nextStep(v.metric)}`,
  ];
  if (v.paged && past) lines.push("", "On-call has been paged.");
  return fitBody(lines.join("\n"), GITHUB_COMMENT_MAX);
}

/**
 * The extra line of a firing's Slack message (the notifier adds the link, labels and deadline).
 * Plain text: the notifier escapes it for Slack. The first-response at-risk and breach lines are
 * today's (`atRiskSlackText`, `breachSlackText`). Throws RangeError for an unknown zone.
 */
export function timerSlackText(v: TimerMessageView, options: { timezone: string; warnAt?: number }): string {
  const past = v.now >= v.deadlineAt;
  if (v.metric === "first_response" && v.repeat === 0) {
    if (v.level.name === "breach")
      return breachSlackText({ mention: handlesOf(v), deadlineAt: v.deadlineAt, now: v.now, paged: v.paged });
    if (v.level.name === "at-risk" && v.level.at.kind === "fraction")
      return atRiskSlackText({
        targetMs: v.targetMs,
        warnAt: options.warnAt ?? v.level.at.fraction,
        remainingMs: v.remainingMs,
        businessClock: v.businessClock,
      });
  }
  const hours = v.businessClock ? " business" : "";
  const subject = capitalized(SUBJECT[v.metric].due);
  const parts = [
    past
      ? `${subject} was due ${plainWhen(v.deadlineAt, options.timezone)}; overdue by ${overdue(v.now - v.deadlineAt)}.`
      : `${subject} is due by ${plainWhen(v.deadlineAt, options.timezone)}: ${formatDuration(v.remainingMs)}${hours} left of the ${formatDuration(v.targetMs)}${hours} target.`,
  ];
  if (v.repeat > 0) parts.push(`Reminder ${formatCount(v.repeat + 1)}.`);
  const mentioned = capMentions(handlesOf(v));
  if (mentioned.shown.length > 0) {
    const more = mentioned.more > 0 ? ` and ${formatCount(mentioned.more)} more` : "";
    // No "@": handles are for reading here, and Slack must not take them for its own.
    parts.push(
      `Mentioned on the issue: ${mentioned.shown.map((h) => h.replace(/^@/, "")).join(", ")}${more}.`,
    );
  }
  if (v.paged && past) parts.push("On-call paged.");
  return parts.join(" ");
}

import { formatLocal, formatUtc, inlineText } from "../../github/markdown.js";
import { capMentions, fitBody, formatCount, GITHUB_COMMENT_MAX } from "../../helpers/limits.js";
import { formatDuration } from "../duration.js";

/**
 * What the clock says to people, as pure strings. The at-risk warning is a label and a Slack
 * message only (issue 4): a comment would tell the customer we are about to be late and ping
 * nobody useful. The breach is one comment per cycle, found again by its marker so a retried
 * escalation never posts it twice.
 */

const BREACH_MARKER_PREFIX = "<!-- support-sla:breach cycle=";

/** `<!-- support-sla:breach cycle=N -->`: one breach comment per issue and cycle. */
export function breachMarker(cycle: number): string {
  if (!Number.isInteger(cycle) || cycle < 1)
    throw new RangeError(`cycle must be a whole number ≥ 1, got ${cycle}`);
  return `${BREACH_MARKER_PREFIX}${cycle} -->`;
}

/** The cycle a comment body's breach marker names, or null when it has none. */
export function parseBreachMarker(body: string): number | null {
  const match = /<!-- support-sla:breach cycle=(\d+) -->/.exec(body);
  return match ? Number(match[1]) : null;
}

export interface BreachView {
  cycle: number;
  /** `escalation.mention`: admin-configured and validated handles, rendered verbatim so they ping. */
  mention: readonly string[];
  /** The request type as customers read it, e.g. "Problem / troubleshooting" (`types.<key>.name`). */
  typeName: string;
  /** The priority as customers read it, e.g. "Urgent" (`priorities.<key>.name`). */
  priorityName: string;
  /** Creation time for cycle 1, the reopening after. */
  cycleStartAt: number;
  deadlineAt: number;
  /** When the breach is escalated. */
  now: number;
  timezone: string;
  /** On-call is paged for this breach (or was already, at intake). */
  paged: boolean;
}

function when(ms: number, timezone: string): string {
  return `**${formatLocal(ms, timezone)}** (${formatUtc(ms)})`;
}

function overdue(ms: number): string {
  return ms < 1_000 ? "just now" : formatDuration(ms);
}

/** The breach comment: who must act, what was promised, by how much it was missed, what to do now. */
export function renderBreachComment(v: BreachView): string {
  const lines = [breachMarker(v.cycle)];
  // At most GITHUB_MENTIONS_MAX handles, each once: the comment stays short and the pings land.
  const mentioned = capMentions(v.mention);
  const handles = mentioned.shown;
  const others =
    mentioned.more > 0 ? ` (and ${formatCount(mentioned.more)} more in \`escalation.mention\`)` : "";
  lines.push(
    handles.length > 0
      ? `${handles.join(" ")}${others}: **the first-response deadline of this issue has passed without a reply from the team.**`
      : "**The first-response deadline of this issue has passed without a reply from the team.**",
    "",
    "| | |",
    "|---|---|",
    `| Request type | ${inlineText(v.typeName)} |`,
    `| Priority | ${inlineText(v.priorityName)} |`,
    `| Clock started | ${when(v.cycleStartAt, v.timezone)}${v.cycle > 1 ? " (reopened)" : ""} |`,
    `| First response was due | ${when(v.deadlineAt, v.timezone)} |`,
    `| Overdue by | ${overdue(v.now - v.deadlineAt)} |`,
    "",
    "**Next step:** a team member replies on this issue now. The first reply from the team stops the clock " +
      "and is recorded as a late first response; if someone else should take the request, assign them and say so here.",
  );
  if (v.paged) lines.push("", "On-call has been paged.");
  lines.push(
    "",
    handles.length > 0
      ? "<sub>We are sorry for the wait: the people above have been alerted.</sub>"
      : "<sub>No one is set to be alerted on a breach: a repo admin can list handles under `escalation.mention` in `.github/support-sla.yml`.</sub>",
  );
  return fitBody(lines.join("\n"), GITHUB_COMMENT_MAX);
}

export interface AtRiskView {
  /** Time from the cycle start to the deadline on the priority's clock (business ms for business hours). */
  targetMs: number;
  /** The share of the target used up when the warning fires, 0 … 1 (`escalation.warn_at`). */
  warnAt: number;
  /** Time left before the deadline on the priority's clock. */
  remainingMs: number;
  businessClock: boolean;
}

/**
 * The extra line of the at-risk Slack message (the notifier adds the link, labels and deadline).
 * Plain text: the notifier escapes it for Slack.
 */
export function atRiskSlackText(v: AtRiskView): string {
  const left = v.remainingMs > 0 ? formatDuration(v.remainingMs) : "no time";
  const hours = v.businessClock ? " business" : "";
  return `${Math.round(v.warnAt * 100)}% of the ${formatDuration(v.targetMs)}${hours} target used with no team reply: ${left}${hours} left.`;
}

/** The extra line of the breach Slack message. Plain text. */
export function breachSlackText(v: Pick<BreachView, "mention" | "deadlineAt" | "now" | "paged">): string {
  const parts = [`No team reply; overdue by ${overdue(v.now - v.deadlineAt)}.`];
  const mentioned = capMentions(v.mention);
  if (mentioned.shown.length > 0) {
    const more = mentioned.more > 0 ? ` and ${formatCount(mentioned.more)} more` : "";
    parts.push(`Mentioned on the issue: ${mentioned.shown.join(", ")}${more}.`);
  }
  if (v.paged) parts.push("On-call paged.");
  return parts.join(" ");
}

export interface ResponseView {
  by: string;
  at: number;
  deadlineAt: number;
  /** Time the response took on the priority's clock. */
  businessMs: number;
  businessClock: boolean;
}

/**
 * The extra line of the Slack message sent when a reply lands on an issue the channel was warned
 * about: who answered, how long it took, and by how much it was late. Plain text.
 */
export function responseSlackText(v: ResponseView): string {
  const took = `${formatDuration(v.businessMs)}${v.businessClock ? " of business time" : ""}`;
  const late =
    v.at > v.deadlineAt ? `, ${formatDuration(v.at - v.deadlineAt)} after the deadline` : ", on time";
  // No "@": the login is for reading, and Slack must not take it for one of its own handles.
  return `First response by ${v.by.replace(/^@/, "")} after ${took}${late}.`;
}

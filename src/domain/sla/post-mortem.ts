import { formatLocal, formatUtc } from "../../github/markdown.js";
import { capMentions, clip, fitBody, formatCount, GITHUB_COMMENT_MAX } from "../../helpers/limits.js";
import { formatDuration } from "../duration.js";
import type { Policy } from "../policy.js";

/*
 * The texts of the post-mortem follow-up of a closed Production-down issue: the question asked
 * once at the close, and the reminder. The follow-up itself is the `post_mortem` timer
 * (src/domain/timers/lifecycle.ts): `post-mortem: required` starts it on `post_mortem.due`
 * (calendar clock, 72 h by default), `post-mortem: done` meets it, and its `reminder` level
 * repeats every `post_mortem.repeat` until done.
 */

/** What `asksOnClose` reads of a tracked issue. */
export interface PostMortemRow {
  priority: string;
  /** `tracked_issues.pm_state`: null until the question was asked (then asked, required, done). */
  pm_state: string | null;
}

/** The hidden marker of the post-mortem question comment (recognised only in the app's own comments). */
export const PM_ASK_MARKER = "<!-- support-sla:post-mortem-ask -->";
/** The hidden marker of the post-mortem reminder comment. */
export const PM_REMINDER_MARKER = "<!-- support-sla:post-mortem-reminder -->";

/** Closing the issue asks about a post-mortem once, for the configured priorities. */
export function asksOnClose(row: PostMortemRow, policy: Policy): boolean {
  return row.pm_state === null && policy.postMortem.priorities.includes(row.priority);
}

/** A label name as inline code: one line, no backtick that could end the span, clipped. */
function labelCode(name: string): string {
  return `\`${clip(name.replace(/\s+/g, " ").replace(/`/g, "'"), 100)}\``;
}

/**
 * The question posted when a post-mortem priority's issue is closed. At most
 * {@link GITHUB_COMMENT_MAX} characters whatever the config says.
 */
export function renderPostMortemQuestion(policy: Policy): string {
  const pm = policy.postMortem;
  return fitBody(
    [
      PM_ASK_MARKER,
      "**This Production-down issue is closed. Is a post-mortem due?**",
      "",
      `For major downtime caused by the hosting platform we share a post-mortem document within ${formatDuration(pm.dueMs)}.`,
      `A team member adds the label ${labelCode(pm.requiredLabel)} to start that follow-up, and ${labelCode(pm.doneLabel)} once the document is shared.`,
    ].join("\n"),
    GITHUB_COMMENT_MAX,
  );
}

/**
 * The reminder when the post-mortem deadline (epoch ms `dueAt`) passed without the done label:
 * mentions at most GITHUB_MENTIONS_MAX escalation handles, each once, and fits a comment.
 * Throws RangeError for an unknown zone.
 */
export function renderPostMortemReminder(policy: Policy, dueAt: number): string {
  const mentioned = capMentions(policy.escalation.mention);
  const more =
    mentioned.more > 0 ? ` (and ${formatCount(mentioned.more)} more in \`escalation.mention\`)` : "";
  const handles = mentioned.shown.length > 0 ? `${mentioned.shown.join(" ")}${more}: ` : "";
  return fitBody(
    [
      PM_REMINDER_MARKER,
      `${handles}**the post-mortem of this issue was due ${formatLocal(dueAt, policy.calendar.timezone)} (${formatUtc(dueAt)}) and is not marked done.**`,
      "",
      `Share the document with the customer, then add the label ${labelCode(policy.postMortem.doneLabel)}.`,
    ].join("\n"),
    GITHUB_COMMENT_MAX,
  );
}

import { formatLocal, formatUtc, inlineText, neutralizeInvisible } from "../github/markdown.js";
import { clip, GITHUB_COMMENT_MAX, GITHUB_ISSUE_TITLE_MAX } from "../helpers/limits.js";

/*
 * What channel-opened issues and their comments say. Pure: every instant and zone is passed in.
 * Text from PagerDuty or Slack (titles, notes, names) is customer-like text: it never pings anyone,
 * never breaks the markdown around it (`inlineText`, `quoteBlock`) and never carries an HTML
 * comment, so never one of the app's hidden markers (`noMarkup`).
 */

/**
 * Outside text (PagerDuty, Slack) with every `<` written as the entity `&lt;`: GitHub shows the same
 * character, but the text can no longer open an HTML comment or tag, so it never carries one of the
 * app's hidden markers (`<!-- support-sla:… -->`) into a comment or issue body the app writes, which
 * the app would later trust as its own (`AppIdentity.marked`). Character references are part of
 * GitHub Flavored Markdown ("Entity and numeric character references",
 * https://github.github.com/gfm/#entity-and-numeric-character-references). Pure; never throws.
 */
export function noMarkup(text: string): string {
  return text.replace(/</g, "&lt;");
}

/** `inlineText` of outside text, with no markup (`noMarkup`). */
function outsideInline(text: string, maxLength?: number): string {
  return inlineText(noMarkup(text), maxLength);
}

/** The hidden marker of the issue opened for one incident: finds it again after a crash. */
export function incidentMarker(incidentId: string): string {
  return `<!-- support-sla:pagerduty-incident:${incidentId.replace(/[^A-Za-z0-9_-]/g, "")} -->`;
}

export interface IncidentView {
  id: string;
  title: string;
  url: string;
  service: string;
  serviceId: string;
  urgency: string;
  createdAtMs: number;
  timezone: string;
}

/** `[On-call] <incident title>`, within GitHub's 256-character title limit. */
export function incidentIssueTitle(incident: Pick<IncidentView, "title">): string {
  const title = neutralizeInvisible(incident.title).replace(/\s+/g, " ").trim() || "PagerDuty incident";
  return clip(`[On-call]: ${title}`, GITHUB_ISSUE_TITLE_MAX);
}

/** The body of the issue an incident opens: title, link, service, urgency and time, and the marker. */
export function incidentIssueBody(v: IncidentView): string {
  return [
    incidentMarker(v.id),
    "This issue was opened from a PagerDuty incident (the escalation phone line or an on-call page).",
    "",
    "| | |",
    "|---|---|",
    `| Incident | [${outsideInline(v.title || v.id)}](${safeUrl(v.url)}) |`,
    `| Service | ${outsideInline(v.service || v.serviceId)} (\`${outsideInline(v.serviceId, 40)}\`) |`,
    `| Urgency | ${outsideInline(v.urgency)} |`,
    `| Created | ${formatLocal(v.createdAtMs, v.timezone)} (${formatUtc(v.createdAtMs)}) |`,
    "",
    "On-call acknowledges and resolves the incident in PagerDuty; both are recorded here.",
  ].join("\n");
}

/** A link target that cannot close the markdown link it sits in. */
function safeUrl(url: string): string {
  return /^https?:\/\/[^\s()<>]+$/.test(url) ? url : "#";
}

/** The comment recording that on-call acknowledged the incident. */
export function acknowledgedComment(by: string, atMs: number, timezone: string, late: boolean): string {
  return [
    `**On-call is on it.** The incident was acknowledged in PagerDuty by ${outsideInline(by, 80)} at ${formatLocal(atMs, timezone)}.`,
    late
      ? "This is recorded as the first response, after the deadline."
      : "This is recorded as the first response.",
  ].join(" ");
}

/** The comment recording that the incident was resolved (the process: "we notify you when resolved"). */
export function resolvedComment(atMs: number, timezone: string, closing: boolean): string {
  return [
    `**Resolved.** The incident was resolved in PagerDuty at ${formatLocal(atMs, timezone)}.`,
    closing
      ? "This issue is closed with it; reopen it if the problem comes back."
      : "Reply here if anything is still wrong.",
  ].join(" ");
}

/** A note added on the incident, quoted. */
export function noteComment(content: string, by: string | null): string {
  const head = by
    ? `**Note from on-call** (${outsideInline(by, 80)}) in PagerDuty:`
    : "**Note from on-call** in PagerDuty:";
  return clip(`${head}\n\n${quoteBlock(content)}`, GITHUB_COMMENT_MAX);
}

/** Outside text as a markdown quote that pings nobody and carries no HTML (`noMarkup`). */
export function quoteBlock(text: string): string {
  return noMarkup(neutralizeInvisible(text))
    .replace(/@/g, "@\u200D")
    .split(/\r?\n/)
    .map((line) => `> ${line}`)
    .join("\n");
}

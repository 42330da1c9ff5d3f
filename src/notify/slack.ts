import type { Metric } from "../domain/timers/timer.js";
import { formatLocal, formatUtc, neutralizeInvisible } from "../github/markdown.js";
import { clip, prefixWithin } from "../helpers/limits.js";
import { redact, urlSecrets } from "./redact.js";
import {
  type DeliveryResult,
  type NotifyLogger,
  notificationLog,
  postJsonWithRetry,
  type RetryOptions,
} from "./retry.js";
import { isHttpUrl } from "./url.js";

/** The issue a notification is about. */
export interface IssueRef {
  /** "owner/name" */
  repo: string;
  number: number;
  title: string;
  /** The issue's html_url. */
  url: string;
}

/**
 * - `at-risk`: `warn_at` of the target has passed with no team reply.
 * - `breached`: the deadline passed with no team reply.
 * - `production-down`: an issue of a priority that pages at intake (Production down) was opened; on-call is being paged.
 * - `met`: a team reply landed on an issue this channel was already warned about.
 */
export type SlaNoticeKind = "at-risk" | "breached" | "production-down" | "met";

export interface SlaNotice {
  kind: SlaNoticeKind;
  issue: IssueRef;
  /** The type label as it appears on the issue, e.g. "type: problem". */
  typeLabel: string;
  /** The priority label as it appears on the issue, e.g. "priority: urgent". */
  priorityLabel: string;
  /** The deadline the notice is about (the first response's unless `metric` says otherwise), epoch ms. */
  deadline: number;
  /** The SLA metric whose deadline it is (issue 12); absent: `first_response`. */
  metric?: Metric;
  /** The repo's IANA time zone, in which the deadline is shown next to UTC. */
  timezone: string;
  /** Extra plain text, e.g. who is mentioned on the issue. Escaped, never parsed as markup. */
  text?: string;
}

/** Slack incoming-webhook payload. */
export interface SlackMessage {
  text: string;
  blocks?: SlackBlock[];
}

export type SlackBlock =
  | { type: "section"; text?: SlackText; fields?: SlackText[] }
  | { type: "context"; elements: SlackText[] };

export interface SlackText {
  type: "mrkdwn";
  text: string;
}

export interface SlackNotifier {
  /**
   * Posts one notice. `log`, when given, takes this notice's lines (pass a logger bound to the
   * issue); otherwise the notifier's own `log` does, with the `issue` key added.
   */
  notify(message: SlaNotice, log?: NotifyLogger): Promise<DeliveryResult>;
}

export interface SlackNotifierOptions {
  webhookUrl: string;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  log?: NotifyLogger;
}

/** Throws at start-up on a malformed URL (without quoting it); `notify` itself never throws. */
export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const { webhookUrl } = options;
  if (!isHttpUrl(webhookUrl)) {
    throw new Error(
      "SLACK_WEBHOOK_URL is not an http(s) URL: set it to the incoming-webhook URL Slack shows for the channel " +
        "(https://hooks.slack.com/services/...), or unset it to turn Slack notifications off",
    );
  }
  const secrets = urlSecrets(webhookUrl);
  return {
    async notify(notice, perCallLog) {
      const log = notificationLog(perCallLog, options.log, notice.issue);
      let body: SlackMessage;
      try {
        body = renderSlackMessage(notice);
      } catch (err) {
        log?.warn({ service: "slack" }, "slack notification not sent: message could not be built");
        return {
          ok: false,
          attempts: 0,
          error: redact(`slack message could not be built: ${String(err)}`, secrets),
        };
      }
      return postJsonWithRetry({
        service: "slack",
        url: webhookUrl,
        body,
        secrets,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        // A try that may have landed (a timeout) is never repeated here: at most once, never twice.
        retry: { ...options.retry, retryUnknown: false },
        ...(log ? { log } : {}),
      });
    },
  };
}

const HEADLINES: Record<SlaNoticeKind, { emoji: string; headline: string; due: string }> = {
  "at-risk": { emoji: ":warning:", headline: "SLA at risk", due: "first response due" },
  breached: { emoji: ":rotating_light:", headline: "SLA breached", due: "first response was due" },
  "production-down": { emoji: ":fire:", headline: "On-call paged", due: "first response due" },
  met: { emoji: ":white_check_mark:", headline: "First response sent", due: "first response was due" },
};

/** How the deadline line names a metric other than the first response. */
const DUE_NAMES: Record<Exclude<Metric, "first_response">, string> = {
  next_reply: "next reply",
  resolution: "resolution",
  updates: "update",
  post_mortem: "post-mortem",
};

// Slack rejects a text object over 3,000 characters (SLACK_SECTION_TEXT_MAX); stay well under it.
const MAX_EXTRA_TEXT = 2_000;
/** Labels and the zone name, before escaping (which at most quintuples them: `&` → `&amp;`). */
const MAX_LABEL = 100;

/**
 * The incoming-webhook body for one notice. Pure. Within Slack's limits by construction whatever
 * the notice holds: the section text under 3,000 characters (link label ≤ 300 characters before
 * escaping, a link URL ≤ 1,000), 4 fields of at most 2,000, one context element of at most 2,000,
 * 3 blocks, and `text` far under 40,000 (https://api.slack.com/reference/block-kit/blocks).
 */
export function renderSlackMessage(notice: SlaNotice): SlackMessage {
  const { emoji, headline } = HEADLINES[notice.kind];
  const due =
    notice.metric && notice.metric !== "first_response"
      ? HEADLINES[notice.kind].due.replace("first response", DUE_NAMES[notice.metric])
      : HEADLINES[notice.kind].due;
  const link = slackLink(notice.issue);
  const deadline = formatDeadline(notice.deadline, notice.timezone);
  const deadlineText = deadline.local ? `${deadline.local} (${deadline.utc})` : deadline.utc;
  const type = escapeSlack(clip(notice.typeLabel, MAX_LABEL));
  const priority = escapeSlack(clip(notice.priorityLabel, MAX_LABEL));
  const extra = notice.text ? truncateEscaped(escapeSlack(notice.text), MAX_EXTRA_TEXT) : "";

  const summary = `${emoji} *${headline}*: ${link}`;
  const text = [`${summary}\n${type} · ${priority} · ${due} ${deadlineText}`, extra]
    .filter(Boolean)
    .join("\n");

  const blocks: SlackBlock[] = [
    { type: "section", text: mrkdwn(summary) },
    {
      type: "section",
      fields: [
        mrkdwn(`*Type*\n${type}`),
        mrkdwn(`*Priority*\n${priority}`),
        mrkdwn(
          `*Deadline (${escapeSlack(clip(notice.timezone, MAX_LABEL))})*\n${deadline.local ?? "unknown time zone"}`,
        ),
        mrkdwn(`*Deadline (UTC)*\n${deadline.utc}`),
      ],
    },
  ];
  if (extra) blocks.push({ type: "context", elements: [mrkdwn(extra)] });
  return { text, blocks };
}

/** Longest link label (before escaping) and URL a Slack link gets: a title is ≤ 256 on GitHub. */
const MAX_LINK_LABEL = 300;
const MAX_LINK_URL = 1_000;

/**
 * `<url|owner/name#12 title>`, with the label escaped and the URL unable to end the link early.
 * The label is clipped to 300 characters; a URL over 1,000 characters is no link (the label stays).
 */
export function slackLink(issue: IssueRef): string {
  const url = escapeSlack(issue.url.replace(/[|<> ]/g, (c) => encodeURIComponent(c)));
  const label = escapeSlack(clip(`${issue.repo}#${issue.number} ${issue.title}`.trim(), MAX_LINK_LABEL));
  return url.length <= MAX_LINK_URL ? `<${url}|${label}>` : label;
}

/**
 * Slack's three control characters; everything else in mrkdwn is literal enough. Bidirectional
 * controls and stray zero-width characters are removed first (`neutralizeInvisible`): they would
 * reorder the message around an issue title.
 */
export function escapeSlack(text: string): string {
  return neutralizeInvisible(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The deadline in the repo's zone ("Mon 30 Nov 2026, 09:30 CET") and in UTC ("2026-11-30 08:30
 * UTC"), as the issue comments show it. `local` is absent when the zone is not one this runtime
 * knows, so a bad zone costs a line, not the message.
 */
export function formatDeadline(epochMs: number, timeZone: string): { local?: string; utc: string } {
  const utc = formatUtc(epochMs);
  try {
    return { local: formatLocal(epochMs, timeZone), utc };
  } catch {
    return { utc };
  }
}

function mrkdwn(text: string): SlackText {
  return { type: "mrkdwn", text };
}

/** Shortens escaped text without leaving half an entity ("&am") behind. */
function truncateEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${prefixWithin(text, max - 1).replace(/&[a-z]*$/, "")}…`;
}

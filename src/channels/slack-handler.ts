import type { Context } from "probot";
import { classifyIssue } from "../domain/forms/classify.js";
import { formatLocal, neutralizeInvisible } from "../github/markdown.js";
import type { RepoSetup } from "../github/repo-setup.js";
import type { HandlerDeps } from "../handlers/deps.js";
import { issueRef, withNamedLock } from "../handlers/sla.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { clip, GITHUB_ISSUE_TITLE_MAX } from "../helpers/limits.js";
import { EffectFailedError, once } from "../outbox/index.js";
import { getTrackedIssue, type IssueKey } from "../store/intake-store.js";
import { findOpenedIssue, type IssueData, pinnedSetup, runChannelIntake } from "./intake.js";
import { logId } from "./log-id.js";
import { noMarkup } from "./messages.js";
import type { SlackInboxPayload } from "./slack-endpoint.js";
import { type SlackRequest, slackClockStart, slackSourceId, splitTypeArgument } from "./slack-request.js";
import {
  type ChannelLink,
  channelLinkOfIssue,
  getLink,
  insertLink,
  linkDetail,
  setLinkDetail,
  setLinkIssue,
} from "./store.js";

/** What a Slack link's `detail` holds. */
interface SlackDetail {
  channel: string;
  /** The thread replies go to: the shortcut's message, or the app's own message for a command. */
  threadTs: string | null;
  requester: { id: string; name: string };
  permalink: string | null;
  text: string;
  /** The command named the request's type (its first word): the issue does not ask for it again. */
  typeGiven?: boolean;
}

/** The hidden marker of the issue opened for one Slack request. */
export function slackMarker(sourceId: string): string {
  return `<!-- support-sla:slack-request:${sourceId.replace(/[^A-Za-z0-9_.:-]/g, "")} -->`;
}

/** Text for Slack's mrkdwn: `&`, `<` and `>` escaped, as Slack asks ("Formatting text for app surfaces", https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscape(text: string): string {
  return neutralizeInvisible(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `[Slack]: <first line of the request>` within GitHub's title limit. */
export function slackIssueTitle(request: Pick<SlackRequest, "userName">, text: string): string {
  const line = neutralizeInvisible(text).split(/\r?\n/)[0]?.replace(/\s+/g, " ").trim();
  return clip(
    `[Slack]: ${line || `help requested by ${request.userName}`}`,
    Math.min(120, GITHUB_ISSUE_TITLE_MAX),
  );
}

/** The body of a Slack-opened issue: who asked, where (permalink), and what they wrote. */
export function slackIssueBody(sourceId: string, detail: SlackDetail): string {
  const who = `${neutralizeInvisible(detail.requester.name).replace(/[@`*_[\]<>|]/g, "")} (Slack user \`${detail.requester.id.replace(/[^A-Z0-9]/gi, "")}\`)`;
  const where =
    detail.permalink && /^https?:\/\/[^\s()<>]+$/.test(detail.permalink)
      ? `[in Slack](${detail.permalink})`
      : "in Slack";
  return [
    slackMarker(sourceId),
    `Requested ${where} by ${who}.`,
    "",
    // The requester's own words, as they would have written the issue (a form's `### ` sections
    // given in Slack count), but pinging nobody and carrying no HTML comment (no hidden marker).
    detail.text.trim()
      ? noMarkup(neutralizeInvisible(clip(detail.text, 20_000))).replace(/@/g, "@\u200D")
      : "_(no text)_",
  ].join("\n");
}

/** The thread reply: issue link, priority, deadline, and the fields still to add on GitHub. */
export function slackThreadReply(v: {
  url: string;
  ref: string;
  priority: string;
  deadlineMs: number;
  timezone: string;
  missing: string[];
}): string {
  const lines = [
    `Support issue <${v.url}|${slackEscape(v.ref)}> is open (${slackEscape(v.priority)}). First response due *${formatLocal(v.deadlineMs, v.timezone)}*.`,
  ];
  if (v.missing.length > 0) {
    lines.push(
      `It is marked incomplete: please add on GitHub ${v.missing.map((m) => `*${slackEscape(m)}*`).join(", ")}.`,
    );
  }
  return lines.join("\n");
}

/**
 * How a Slack post is run in the outbox: classified by Slack's rules (`slackFailure`: not posted →
 * retried no sooner than Retry-After; may have been posted → never again; refused for good → one
 * warn line with the effect and Slack's error code), logged to `log` (bound to the issue once the
 * issue exists).
 */
function slackEffect(log: HandlerDeps["log"]) {
  return { channel: "slack" as const, log, refusedLevel: "warn" as const };
}

/**
 * Applies one Slack request from the inbox (issue 13): opens one issue in the channel's repo
 * (Urgent by default, type from the command's argument), clock from the message's ts, the usual
 * intake; then replies in the thread with the link, the deadline and the fields still missing.
 * Each step is recorded, so a retry after a failure or a crash finishes the work without doubling
 * it: the issue is found again by its marker, the thread reply is sent at most once.
 */
export async function handleSlackDelivery(context: Context, deps: HandlerDeps): Promise<void> {
  const { target, request, receivedAt } = context.payload as unknown as SlackInboxPayload;
  const sourceId = slackSourceId(request);
  const gh = context.octokit;
  const log = deps.log.child({ slackChannel: logId(request.channelId) });
  const handlerDeps = { ...deps, log };
  const slack = deps.slackApi ?? null;
  await withNamedLock(handlerDeps, `slack-request:${sourceId}`, async () => {
    const [owner = "", repo = ""] = target.repo.split("/");
    const { policy } = await deps.setups.get(gh, { owner, repo });
    let link = await getLink(deps.store, "slack", sourceId);
    if (!link) {
      const channel = policy.channels?.slack;
      const split = splitTypeArgument(
        request.text,
        policy.types.map((t) => t.key),
      );
      const type = split.type ?? channel?.type ?? policy.defaultType;
      const detail: SlackDetail = {
        channel: request.channelId,
        threadTs: request.messageTs,
        requester: { id: request.userId, name: request.userName },
        permalink: null,
        text: request.kind === "command" ? split.text : request.text,
        typeGiven: request.kind === "command" && split.type !== null,
      };
      ({ link } = await insertLink(deps.store, {
        kind: "slack",
        source_id: sourceId,
        origin: "channel",
        repo: target.repo,
        number: null,
        installation_id: target.installationId,
        type: policy.types.some((t) => t.key === type) ? type : policy.defaultType,
        priority: channel?.priority ?? "urgent",
        // A row queued before the receipt time was recorded: now, at its first handling.
        clock_start: slackClockStart(request, receivedAt ?? deps.clock.now()),
        detail: JSON.stringify(detail),
        created_at: deps.clock.now(),
      }));
    }
    const detail = { ...linkDetail<SlackDetail>(link) } as SlackDetail;
    // A command has no message of its own: the app's message in the channel starts the thread.
    if (!detail.threadTs && slack) {
      const root = await once(
        deps,
        `slack:${sourceId}:root`,
        "skip",
        async () => {
          const posted = await slack.postMessage({
            channel: detail.channel,
            text: `${slackEscape(detail.requester.name)} asked for help: ${slackEscape(clip(detail.text || "(no text)", 2_000))}`,
          });
          detail.threadTs = posted.ts;
          await setLinkDetail(deps.store, "slack", sourceId, detail, deps.clock.now());
        },
        slackEffect(log),
      );
      if (!root) log.debug({}, "thread root already posted (or may have been), or refused");
    }
    if (!detail.permalink && detail.threadTs && slack) {
      try {
        detail.permalink = await slack.permalink(detail.channel, detail.threadTs);
        await setLinkDetail(deps.store, "slack", sourceId, detail, deps.clock.now());
      } catch (error) {
        // Not reachable now: the delivery is retried (no sooner than Retry-After). Refused for
        // good: the issue opens without the link, which is no reason to lose the request.
        if (!(error instanceof EffectFailedError) || error.result.failure !== "permanent") throw error;
        log.warn(
          { effect: "permalink", channel: "slack", error: error.result.error },
          "slack permalink refused: the issue opens without it",
        );
      }
    }
    let issue: IssueData | null = null;
    if (link.number === null) {
      issue = await findOpenedIssue(gh, deps.self, link, slackMarker(sourceId));
      if (!issue) {
        const type = policy.types.find((t) => t.key === link?.type);
        const priority = policy.priorities.find((p) => p.key === link?.priority);
        const { data } = await gh.rest.issues.create({
          ...issueRef({ repo: link.repo, number: 0 }),
          title: slackIssueTitle(request, detail.text),
          body: slackIssueBody(sourceId, detail),
          labels: [type?.label, priority?.label].filter((l): l is string => typeof l === "string"),
        });
        issue = data as unknown as IssueData;
        // Test-only crash point: the issue exists, its number is not recorded (the retry finds it).
        deps.failpoint("after-channel-issue");
      }
      await setLinkIssue(deps.store, "slack", sourceId, issue.number, deps.clock.now());
      link = { ...link, number: issue.number };
    }
    const key = { repo: link.repo, number: link.number as number };
    if (!issue) {
      const { data } = await gh.rest.issues.get({ ...issueRef(key) });
      issue = data as unknown as IssueData;
    }
    if (!(await getTrackedIssue(deps.store, key))) {
      await runChannelIntake(handlerDeps, gh, link, issue);
      withIssue(log, issueKey(key)).info(
        { priority: link.priority, type: link.type },
        "issue opened from a Slack request",
      );
    }
    if (!slack || !detail.threadTs) return;
    const row = await getTrackedIssue(deps.store, key);
    if (!row) return;
    const setup = await deps.setups.get(gh, { owner, repo });
    const missing = missingFields(setup, link, issue);
    const text = slackThreadReply({
      url: issue.html_url,
      ref: `${link.repo}#${key.number}`,
      priority: policy.priorities.find((p) => p.key === row.priority)?.name ?? row.priority,
      deadlineMs: row.deadline_at,
      timezone: policy.calendar.timezone,
      missing,
    });
    const threadTs = detail.threadTs;
    await once(
      deps,
      `slack:${sourceId}:reply`,
      "skip",
      async () => {
        await slack.postMessage({ channel: detail.channel, threadTs, text });
      },
      slackEffect(withIssue(log, issueKey(key))),
    );
  });
}

/**
 * The form fields the issue still lacks, by the labels the customer sees on GitHub; never one the
 * channel sets itself (the priority, and the type when the command named it: `channelSetsField`).
 */
export function missingFields(setup: RepoSetup, link: ChannelLink, issue: IssueData): string[] {
  const labels = (issue.labels ?? []).flatMap((l) => (typeof l === "string" ? [l] : l.name ? [l.name] : []));
  const { policy, forms } = pinnedSetup(setup, link);
  const verdict = classifyIssue({ body: issue.body ?? "", labels, forms, policy });
  return verdict.errors.map((e) => e.label);
}

/**
 * Dispatch hook after an `issue_comment.created` was applied: when that comment was the first
 * team response of a Slack-opened issue, it is posted to the request's thread, at most once.
 */
export async function relayFirstReplyToSlack(
  payload: {
    comment?: {
      created_at?: string;
      body?: string | null;
      html_url?: string;
      user?: { login?: string } | null;
    };
  },
  deps: HandlerDeps,
  key: IssueKey,
): Promise<void> {
  const slack = deps.slackApi;
  if (!slack || !payload.comment) return;
  const link = await channelLinkOfIssue(deps.store, key);
  if (link?.kind !== "slack") return;
  const row = await getTrackedIssue(deps.store, key);
  const { comment } = payload;
  if (
    !row?.first_response_at ||
    row.first_response_at !== Date.parse(comment.created_at ?? "") ||
    row.first_response_by !== comment.user?.login
  ) {
    return;
  }
  const detail = linkDetail<SlackDetail>(link);
  if (!detail.channel || !detail.threadTs) return;
  const excerpt = clip((comment.body ?? "").trim(), 1_500);
  const text = [
    `First response on GitHub from *${slackEscape(comment.user?.login ?? "")}*${comment.html_url ? ` (<${comment.html_url}|see the comment>)` : ""}:`,
    ...excerpt.split(/\r?\n/).map((line) => `> ${slackEscape(line)}`),
  ].join("\n");
  const channel = detail.channel;
  const threadTs = detail.threadTs;
  await once(
    deps,
    `slack:${link.source_id}:first-reply`,
    "skip",
    async () => {
      await slack.postMessage({ channel, threadTs, text });
    },
    slackEffect(withIssue(deps.log, issueKey(key))),
  );
}

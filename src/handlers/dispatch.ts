import { Context } from "probot";
import { channelIssueDeps } from "../channels/intake.js";
import { PAGERDUTY_INBOX_EVENT } from "../channels/pagerduty-endpoint.js";
import { handlePagerDutyDelivery } from "../channels/pagerduty-handler.js";
import { SLACK_INBOX_EVENT } from "../channels/slack-endpoint.js";
import { handleSlackDelivery, relayFirstReplyToSlack } from "../channels/slack-handler.js";
import { failFast, logTo } from "../github/octokit.js";
import { describeError, errorSummary } from "../helpers/describe-error.js";
import { payloadSubject } from "../helpers/issue-log.js";
import { retryAfterOf } from "../outbox/index.js";
import { repoKey } from "../store/intake-store.js";
import { appliedIssueVersion, recordIssueVersion } from "../store/issue-version.js";
import type { InboxRow } from "../store/tracking-store.js";
import { failInbox, finishInbox } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { type IntakeTrigger, relabelTrigger, runIntake } from "./intake.js";
import { handleClosed, handleComment, handleTimerLabel, isTimerLabel } from "./lifecycle.js";
import { handlePostMortemLabel, isPostMortemLabel } from "./post-mortem.js";
import { handlePush } from "./push.js";
import { IssueBusyError, withIssueLock } from "./sla.js";

const MAX_ATTEMPTS = 12;

/** Backoff between attempts of a failed delivery: 2 s, 4 s, … capped at 10 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempts - 1), 600_000);
}

type AnyContext = Context;

/** The intake trigger of an `issues` event, or null when the event changes nothing intake reads. */
async function intakeTrigger(context: AnyContext, deps: HandlerDeps): Promise<IntakeTrigger | null> {
  const payload = context.payload as { action?: string; changes?: { body?: unknown } };
  switch (payload.action) {
    case "opened":
      return { kind: "opened" };
    case "reopened":
      return { kind: "reopened" };
    case "edited":
      return payload.changes?.body ? { kind: "edited" } : null;
    case "labeled": {
      const { policy } = await deps.setups.get(context.octokit, context.repo());
      return relabelTrigger(context as Context<"issues.labeled">, policy);
    }
    default:
      return null;
  }
}

/** What applying a delivery did: `stale` when a newer state of its issue was already applied. */
type Outcome = "handled" | "stale";

/** GitHub's `updated_at` of the payload's issue, epoch ms; null when absent or unreadable. */
function issueVersion(issue: { updated_at?: unknown } | undefined): number | null {
  const ms = typeof issue?.updated_at === "string" ? Date.parse(issue.updated_at) : Number.NaN;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Replaces the payload's issue by the issue as GitHub has it now (`GET /repos/{owner}/{repo}/issues/{n}`,
 * https://docs.github.com/en/rest/issues/issues#get-an-issue): used when the payload cannot be
 * trusted to be the newest state. Returns the fresh `updated_at` (epoch ms), or null. Throws what
 * the call throws (the delivery is retried).
 */
async function refreshIssue(context: AnyContext, number: number): Promise<number | null> {
  const { owner, repo } = context.repo();
  const { data } = await context.octokit.rest.issues.get({ owner, repo, issue_number: number });
  const payload = context.payload as { issue: Record<string, unknown> };
  payload.issue = { ...payload.issue, ...(data as unknown as Record<string, unknown>) };
  return issueVersion(data as { updated_at?: unknown });
}

/**
 * Applies one stored delivery. An `issues` event never overwrites a newer state of its issue
 * (issue 10, kind 4): the payload's `issue.updated_at` is compared, under the issue's lock, with
 * the newest one applied (`tracked_issues.issue_updated_at`).
 * - Older (a failed delivery retried after a newer one, deliveries out of order): not applied.
 *   A team member's priority label is the exception: it is a decision, not a snapshot, so it is
 *   applied to the issue as GitHub has it now, if that label is still on the issue.
 * - Equal, on a retry (GitHub's `updated_at` counts whole seconds, so the retried change and the
 *   one applied meanwhile can share one): the issue is read again from GitHub and that state is
 *   applied. A first attempt with an equal time is applied as it comes (GitHub sends in order).
 * - Newer: applied, and recorded once intake (or the close) is done.
 * Post-mortem labels, the timers' labels (waiting, resolved) and comments are facts with their own
 * guards (the timers' states and instants), not snapshots: never stale.
 */
async function apply(context: AnyContext, baseDeps: HandlerDeps, attempt: number): Promise<Outcome> {
  let deps = baseDeps;
  const payload = context.payload as {
    action?: string;
    issue?: { number: number; pull_request?: unknown; updated_at?: unknown };
    repository?: { name: string; owner: { login: string } };
  };
  if (context.name === "push") {
    await handlePush(context as Context<"push">, deps);
    return "handled";
  }
  // Issue 13: PagerDuty events and Slack requests share the inbox (and its retries) with GitHub's.
  if ((context.name as string) === PAGERDUTY_INBOX_EVENT) {
    await handlePagerDutyDelivery(context, deps);
    return "handled";
  }
  if ((context.name as string) === SLACK_INBOX_EVENT) {
    await handleSlackDelivery(context, deps);
    return "handled";
  }
  if (!payload.issue || !payload.repository || payload.issue.pull_request) return "handled";
  const issueNumber = payload.issue.number;
  const key = {
    repo: repoKey(payload.repository.owner.login, payload.repository.name),
    number: issueNumber,
  };
  return await withIssueLock(deps, key, async (): Promise<Outcome> => {
    if (context.name === "issue_comment") {
      if (payload.action === "created") {
        await handleComment(context as Context<"issue_comment.created">, deps);
        // Issue 13: the first team reply of a Slack-opened issue goes back to its thread.
        await relayFirstReplyToSlack(context.payload as never, deps, key);
      }
      return "handled";
    }
    // A channel-opened issue (issue 13) keeps its channel's clock start, type and priority.
    deps = await channelIssueDeps(payload, deps, key);
    const label = (payload as { label?: { name: string } }).label;
    if ((payload.action === "labeled" || payload.action === "unlabeled") && label) {
      const { policy } = await deps.setups.get(context.octokit, context.repo());
      if (payload.action === "labeled" && isPostMortemLabel(label.name, policy)) {
        await handlePostMortemLabel(context as Context<"issues.labeled">, deps, policy);
        return "handled";
      }
      if (isTimerLabel(label.name, policy)) {
        await handleTimerLabel(context as Context<"issues.labeled" | "issues.unlabeled">, deps, policy);
        return "handled";
      }
    }
    let version = issueVersion(payload.issue);
    const applied = version === null ? null : await appliedIssueVersion(deps.store, key);
    const stale = version !== null && applied !== null && version < applied;
    const delivered = version;
    const staleLog = (): Outcome => {
      context.log.info(
        {
          issueUpdatedAt: new Date(delivered ?? 0).toISOString(),
          appliedUpdatedAt: new Date(applied ?? 0).toISOString(),
        },
        "stale delivery: a newer state of the issue is already applied; not applied",
      );
      return "stale";
    };
    if (payload.action === "closed") {
      if (stale) return staleLog();
      await handleClosed(context as Context<"issues.closed">, deps);
      if (version !== null) await recordIssueVersion(deps.store, key, version);
      return "handled";
    }
    const trigger = await intakeTrigger(context, deps);
    if (!trigger) {
      context.log.debug("nothing for intake to do");
      return "handled";
    }
    if (stale && trigger.kind !== "relabelled") return staleLog();
    if (stale || (attempt > 1 && version !== null && version === applied)) {
      version = await refreshIssue(context, issueNumber);
      if (trigger.kind === "relabelled" && label && !hasLabel(context, label.name)) {
        return staleLog(); // the label was taken off since: that decision is over
      }
    }
    await runIntake(context as Parameters<typeof runIntake>[0], deps, trigger);
    if (version !== null) await recordIssueVersion(deps.store, key, version);
    return "handled";
  });
}

/** Whether the payload's issue carries the label (case-insensitive, as GitHub compares them). */
function hasLabel(context: AnyContext, name: string): boolean {
  const labels = (context.payload as { issue?: { labels?: Array<string | { name?: string }> } }).issue
    ?.labels;
  return (labels ?? []).some(
    (l) => (typeof l === "string" ? l : l.name)?.toLowerCase() === name.toLowerCase(),
  );
}

/**
 * Applies one delivery from the inbox and records the outcome: done, or retried later with
 * backoff (GitHub down, another replica busy with the issue). A delivery that keeps failing is
 * given up after MAX_ATTEMPTS and left in the inbox with its last error for an admin to read.
 * Every failed attempt is logged at once (warn; error when given up) with the issue, the attempt
 * and when the next one is due; GitHub's own client does not retry quietly in between (failFast).
 */
export async function dispatchDelivery(row: InboxRow, deps: HandlerDeps): Promise<void> {
  const payload = row.payload as { action?: unknown } | null;
  const log = deps.log.child({
    delivery: row.delivery_id,
    event: row.event,
    ...(typeof payload?.action === "string" ? { action: payload.action } : {}),
    ...payloadSubject(row.payload),
  });
  const started = deps.clock.now();
  try {
    const octokit = logTo(failFast(await deps.auth(row.installation_id ?? 0)), log);
    const context = new Context(
      { id: row.delivery_id, name: row.event, payload: row.payload } as never,
      octokit,
      log,
    );
    const outcome = await apply(context, { ...deps, log }, row.attempts);
    await finishInbox(deps.store, row.delivery_id, deps.owner, deps.clock.now());
    deps.metrics.webhooks.inc({ event: row.event, outcome });
    log.debug({ ms: deps.clock.now() - started, attempt: row.attempts }, "delivery handled");
  } catch (error) {
    const busy = error instanceof IssueBusyError;
    const giveUp = !busy && row.attempts >= MAX_ATTEMPTS;
    const described = describeError(error);
    const summary = errorSummary(described);
    if (giveUp) {
      log.error(
        { attempt: row.attempts, maxAttempts: MAX_ATTEMPTS, error: described },
        "delivery failed too often: given up, kept in the inbox",
      );
      await failInbox(deps.store, row.delivery_id, deps.owner, summary, Number.MAX_SAFE_INTEGER);
    } else {
      // Never sooner than a receiver's Retry-After (PagerDuty, Slack answering 429).
      const retryAt =
        deps.clock.now() + (busy ? 500 : Math.max(retryDelayMs(row.attempts), retryAfterOf(error) ?? 0));
      const nextAttemptAt = new Date(retryAt).toISOString();
      if (busy) log.debug({ nextAttemptAt }, "issue busy in another process: delivery waits");
      else
        log.warn(
          { attempt: row.attempts, maxAttempts: MAX_ATTEMPTS, nextAttemptAt, error: described },
          "delivery failed; will retry",
        );
      await failInbox(deps.store, row.delivery_id, deps.owner, summary, retryAt);
    }
    deps.metrics.webhooks.inc({ event: row.event, outcome: giveUp ? "failed" : "retried" });
  }
}

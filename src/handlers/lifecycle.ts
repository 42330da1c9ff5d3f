import type { Context, Logger } from "probot";
import type { Policy } from "../domain/policy.js";
import { explainDeadline, explainTimers, renderExplainReply } from "../domain/sla/explain.js";
import { ladderFor, metricTarget } from "../domain/timers/ladder.js";
import type { LifecycleEvent } from "../domain/timers/lifecycle.js";
import { isFinal, type Timer } from "../domain/timers/timer.js";
import { inlineText } from "../github/markdown.js";
import { isBot } from "../helpers/is-bot.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { once } from "../outbox/index.js";
import { getTrackedIssue, repoKey, type TrackedRow } from "../store/intake-store.js";
import { getTimers } from "../store/timer-store.js";
import { updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import type { IntakeIssue } from "./intake.js";
import { askForPostMortem } from "./post-mortem.js";
import {
  applyCustomerComment,
  applyTeamResponse,
  type CommentLike,
  commentCounts,
  commentRole,
  findPriority,
  issueRef,
} from "./sla.js";
import { runLifecycle, transitionSummary } from "./timers.js";

/**
 * Whether a comment could change any timer of the issue: one runs (post-mortem aside, no comment
 * moves it), or the priority times next replies and the team has replied (a customer comment may
 * start one). When not, the comment's author is not even looked up.
 */
function commentMatters(timers: readonly Timer[], policy: Policy, row: TrackedRow, open: boolean): boolean {
  if (timers.some((t) => t.metric !== "post_mortem" && !isFinal(t.state))) return true;
  const first = timers.find((t) => t.metric === "first_response");
  const priority = findPriority(policy, row.priority);
  return open && first?.metAt != null && metricTarget(policy, priority, "next_reply") !== null;
}

/**
 * `issue_comment.created`: a team reply meets the first response and the next reply and resets
 * the update interval; a customer comment starts the next reply and lifts the waiting pause. Bots
 * and ignored users change nothing; the issue's author is the customer (the response rule). An
 * untracked issue is left to intake and reconciliation.
 */
export async function handleComment(
  context: Context<"issue_comment.created">,
  deps: HandlerDeps,
): Promise<void> {
  const { issue, comment, repository } = context.payload;
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const log = withIssue(context.log, issueKey(key));
  if (issue.pull_request) return void log.debug("comment on a pull request: not a support issue");
  const row = await getTrackedIssue(deps.store, key);
  if (!row) return void log.info("comment on an untracked issue: ignored");
  const { policy } = await deps.setups.get(context.octokit, {
    owner: repository.owner.login,
    repo: repository.name,
  });
  const reply = comment as unknown as CommentLike;
  if (EXPLAIN.test(comment.body ?? "")) return explain(context, deps, row, policy, reply, log);
  const open = issue.state !== "closed";
  if (!commentMatters(await getTimers(deps.store, key), policy, row, open)) {
    return void log.debug("first response already recorded, no timer runs");
  }
  const at = Date.parse(comment.created_at);
  const role = await commentRole(deps, context.octokit, reply, row, policy);
  if (role === "team") {
    await applyTeamResponse(deps, context.octokit, row, policy, at, comment.user?.login ?? "", log, {
      issue: issue as unknown as IntakeIssue,
    });
  } else if (role === "customer") {
    await applyCustomerComment(deps, context.octokit, row, policy, at, comment.user?.login ?? "", log, open);
  } else {
    log.debug({ by: comment.user?.login }, "comment is neither the team's nor the customer's");
  }
}

/**
 * `issues.closed`: the first response not given yet is cancelled (closed before any reply), the
 * next reply and the update interval are cancelled, the resolution is met, an open page is
 * resolved; then the post-mortem question for the priorities that ask it.
 */
export async function handleClosed(context: Context<"issues.closed">, deps: HandlerDeps): Promise<void> {
  const { issue, repository } = context.payload;
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const log = withIssue(context.log, issueKey(key));
  const row = await getTrackedIssue(deps.store, key);
  if (!row) return void log.info("closed issue was never tracked: nothing to do");
  const closedAt = issue.closed_at ? Date.parse(issue.closed_at) : deps.clock.now();
  const { policy } = await deps.setups.get(context.octokit, {
    owner: repository.owner.login,
    repo: repository.name,
  });
  const { decision, before } = await runLifecycle(
    { deps, gh: context.octokit, row, policy, log },
    { kind: "close", at: closedAt },
    { open: true, issue: issue as unknown as IntakeIssue },
  );
  await updateTrackedUnleased(deps.store, key, { closed_at: closedAt, updated_at: deps.clock.now() });
  await askForPostMortem(deps, context.octokit, row, policy, log);
  const first = decision.transitions.find((t) => t.metric === "first_response");
  const state = before.find((t) => t.metric === "first_response")?.state ?? row.state;
  log.info(
    {
      reason: first?.reason ?? `closed (${state})`,
      ...(decision.transitions.length > 0 ? { timers: transitionSummary(decision) } : {}),
    },
    "issue closed",
  );
}

/** Whether a label is one the timers react to: `labels.waiting`, or `labels.resolved` when set. */
export function isTimerLabel(label: string, policy: Policy): boolean {
  const name = label.toLowerCase();
  return name === policy.labels.waiting.toLowerCase() || name === policy.labels.resolved?.toLowerCase();
}

/**
 * When a label event happened (epoch ms): the issue's `updated_at` in the payload, which the label
 * change set (the `issues` webhook carries no other instant: "Webhook events and payloads",
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues), never later than `now`;
 * `now` when it is missing or unreadable.
 */
export function labelEventAt(issue: { updated_at?: unknown }, now: number): number {
  const ms = typeof issue.updated_at === "string" ? Date.parse(issue.updated_at) : Number.NaN;
  return Number.isFinite(ms) ? Math.min(ms, now) : now;
}

/**
 * `issues.labeled` / `issues.unlabeled` with `labels.waiting` or `labels.resolved`, by a team
 * member: the waiting label pauses the resolution timer at the label event and its removal
 * resumes it; the resolved label meets it. Only people with triage access can label issues, so a
 * human labeller is on the team ("Access permissions on GitHub", Triage,
 * https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization);
 * bots (the app removing the label after a customer's answer included) and ignored users change nothing.
 */
export async function handleTimerLabel(
  context: Context<"issues.labeled" | "issues.unlabeled">,
  deps: HandlerDeps,
  policy: Policy,
): Promise<void> {
  const { issue, repository, label, sender, action } = context.payload;
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const log = withIssue(context.log, issueKey(key));
  if (!label) return;
  const ignored = policy.team.ignore.some(
    (u) => u.replace(/^@/, "").toLowerCase() === sender.login.toLowerCase(),
  );
  if (isBot(sender) || ignored) return void log.debug({ action }, "timer label changed by a bot: ignored");
  const row = await getTrackedIssue(deps.store, key);
  if (!row) return void log.info("timer label on an untracked issue: ignored");
  const at = labelEventAt(issue, deps.clock.now());
  const waiting = label.name.toLowerCase() === policy.labels.waiting.toLowerCase();
  let event: LifecycleEvent;
  if (waiting) event = { kind: "waiting-label", action: action === "labeled" ? "added" : "removed", at };
  else if (action === "labeled") event = { kind: "resolved-label", at };
  else return void log.debug("resolved label removed: the resolution stays met");
  const { decision } = await runLifecycle({ deps, gh: context.octokit, row, policy, log }, event, {
    open: issue.state !== "closed",
  });
  if (decision.changes.length === 0) return void log.debug({ action }, "timer label changes nothing");
  log.info(
    { label: waiting ? "waiting" : "resolved", action, timers: transitionSummary(decision) },
    "timer label applied",
  );
}

const EXPLAIN = /^\s*\/sla\s+explain\b/i;

/**
 * `/sla explain` from a team member: a reply showing how the deadline was computed. From anyone
 * else it is ignored (and, being a command, it never counts as the first response).
 */
async function explain(
  context: Context<"issue_comment.created">,
  deps: HandlerDeps,
  row: TrackedRow,
  policy: Policy,
  comment: CommentLike,
  log: Logger,
): Promise<void> {
  // The issue's author may be on the team and ask too: only the team rule matters here.
  if (!(await commentCounts(deps, context.octokit, comment, { author: "" }, policy))) {
    return void log.info({ by: comment.user?.login }, "/sla explain from outside the team: ignored");
  }
  const priority = findPriority(policy, row.priority);
  const calendar = deps.calendars.for(policy);
  const explanation = explainDeadline(calendar, policy, priority, row.cycle_started_at);
  const extra = [
    row.cycle > 1
      ? `Cycle ${row.cycle}: the clock restarted when the issue was reopened without a team reply.`
      : "",
    `State: ${row.state}${row.first_response_by ? `, first response by ${inlineText(row.first_response_by)}` : ""}.`,
  ].filter(Boolean);
  // Every running timer with its pauses and next level (the renderer's "Running timers").
  const timers = explainTimers(await getTimers(deps.store, row), deps.clock.now(), calendar, (metric) =>
    ladderFor(policy, priority, metric),
  );
  const id = (context.payload.comment as { id: number }).id;
  const posted = await once(deps, `${row.repo}#${row.number}:explain:${id}`, "skip", async () => {
    await context.octokit.rest.issues.createComment({
      ...issueRef(row),
      body: renderExplainReply(explanation, extra, timers),
    });
  });
  if (posted) log.info({ by: comment.user?.login }, "/sla explain answered");
}

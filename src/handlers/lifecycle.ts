import type { Context, Logger } from "probot";
import type { Policy } from "../domain/policy.js";
import { onClose } from "../domain/sla/clock.js";
import { explainDeadline, renderExplainReply } from "../domain/sla/explain.js";
import { removeLabel } from "../github/labels.js";
import { inlineText } from "../github/markdown.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { deliver } from "../notify/outbox.js";
import { getTrackedIssue, repoKey, type TrackedRow } from "../store/intake-store.js";
import { updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { askForPostMortem } from "./post-mortem.js";
import {
  applyTeamResponse,
  type CommentLike,
  commentCounts,
  effectKey,
  findPriority,
  issueRef,
  once,
  pagerIssue,
} from "./sla.js";

/**
 * `issue_comment.created`: the first team reply stops the clock. Bots, the author and ignored
 * users never count (the response rule); an untracked issue is left to intake and reconciliation.
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
  if (row.first_response_at !== null) return void log.debug("first response already recorded");
  if (!(await commentCounts(deps, context.octokit, reply, row, policy))) {
    return void log.debug({ by: comment.user?.login }, "comment is not a team response");
  }
  await applyTeamResponse(
    deps,
    context.octokit,
    row,
    policy,
    Date.parse(comment.created_at),
    comment.user?.login ?? "",
    log,
  );
}

/** `issues.closed`: a clock still running is cancelled (closed before any reply); a page is resolved. */
export async function handleClosed(context: Context<"issues.closed">, deps: HandlerDeps): Promise<void> {
  const { issue, repository } = context.payload;
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const log = withIssue(context.log, issueKey(key));
  const row = await getTrackedIssue(deps.store, key);
  if (!row) return void log.info("closed issue was never tracked: nothing to do");
  const closedAt = issue.closed_at ? Date.parse(issue.closed_at) : deps.clock.now();
  const decision = onClose(
    { state: row.state, cycleStartAt: row.cycle_started_at, paged: row.paged_cycle === row.cycle },
    closedAt,
  );
  const { policy } = await deps.setups.get(context.octokit, {
    owner: repository.owner.login,
    repo: repository.name,
  });
  if (decision.removeAtRiskLabel) await removeLabel(context.octokit, issueRef(row), policy.labels.atRisk);
  const { pagerduty } = deps.notifiers;
  if (decision.resolvePage && pagerduty) {
    // Not confirmed: `once` throws and the delivery is retried; the row keeps its open incident.
    await once(
      deps,
      effectKey(row, "page-resolve"),
      "rerun",
      () => deliver("pagerduty", () => pagerduty.resolve(pagerIssue(row), log)),
      { channel: "pagerduty", log },
    );
  }
  await updateTrackedUnleased(deps.store, key, {
    closed_at: closedAt,
    ...(decision.patch?.state ? { state: decision.patch.state, next_due_at: null } : {}),
    ...(decision.patch?.paged === false ? { paged_cycle: null } : {}),
    updated_at: deps.clock.now(),
  });
  await askForPostMortem(deps, context.octokit, row, policy, log);
  log.info({ reason: decision.reason }, "issue closed");
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
  const explanation = explainDeadline(deps.calendars.for(policy), policy, priority, row.cycle_started_at);
  const extra = [
    row.cycle > 1
      ? `Cycle ${row.cycle}: the clock restarted when the issue was reopened without a team reply.`
      : "",
    `State: ${row.state}${row.first_response_by ? `, first response by ${inlineText(row.first_response_by)}` : ""}.`,
    "Pauses: none (the clock does not pause while waiting for the customer).",
  ].filter(Boolean);
  const id = (context.payload.comment as { id: number }).id;
  const posted = await once(deps, `${row.repo}#${row.number}:explain:${id}`, "skip", async () => {
    await context.octokit.rest.issues.createComment({
      ...issueRef(row),
      body: renderExplainReply(explanation, extra),
    });
  });
  if (posted) log.info({ by: comment.user?.login }, "/sla explain answered");
}

import type { Context } from "probot";
import { onClose } from "../domain/sla/clock.js";
import { getTrackedIssue, repoKey } from "../store/intake-store.js";
import { updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import {
  applyTeamResponse,
  type CommentLike,
  commentCounts,
  effectKey,
  issueRef,
  once,
  pagerIssue,
  removeLabel,
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
  if (issue.pull_request) return void context.log.debug("comment on a pull request: not a support issue");
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const row = await getTrackedIssue(deps.store, key);
  if (!row)
    return void context.log.info(
      { issue: `${key.repo}#${key.number}` },
      "comment on an untracked issue: ignored",
    );
  if (row.first_response_at !== null) return void context.log.debug("first response already recorded");
  const { policy } = await deps.setups.get(context.octokit, {
    owner: repository.owner.login,
    repo: repository.name,
  });
  const reply = comment as unknown as CommentLike;
  if (!(await commentCounts(deps, context.octokit, reply, row, policy))) {
    return void context.log.debug({ by: comment.user?.login }, "comment is not a team response");
  }
  await applyTeamResponse(
    deps,
    context.octokit,
    row,
    policy,
    Date.parse(comment.created_at),
    comment.user?.login ?? "",
  );
}

/** `issues.closed`: a clock still running is cancelled (closed before any reply); a page is resolved. */
export async function handleClosed(context: Context<"issues.closed">, deps: HandlerDeps): Promise<void> {
  const { issue, repository } = context.payload;
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const row = await getTrackedIssue(deps.store, key);
  if (!row) return void context.log.info("closed issue was never tracked: nothing to do");
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
    await once(deps, effectKey(row, "page-resolve"), "rerun", async () => {
      await pagerduty.resolve(pagerIssue(row));
    });
  }
  await updateTrackedUnleased(deps.store, key, {
    closed_at: closedAt,
    ...(decision.patch?.state ? { state: decision.patch.state, next_due_at: null } : {}),
    ...(decision.patch?.paged === false ? { paged_cycle: null } : {}),
    updated_at: deps.clock.now(),
  });
  context.log.info({ issue: `${key.repo}#${key.number}`, reason: decision.reason }, "issue closed");
}

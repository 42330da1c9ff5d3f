import type { Context, Logger } from "probot";
import type { Policy } from "../domain/policy.js";
import { nextDueAt } from "../domain/sla/clock.js";
import {
  asksOnClose,
  onPostMortemLabel,
  reminderDue,
  renderPostMortemQuestion,
  renderPostMortemReminder,
} from "../domain/sla/post-mortem.js";
import type { GitHub } from "../github/octokit.js";
import { isBot } from "../helpers/is-bot.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { getTrackedIssue, repoKey, type TrackedRow } from "../store/intake-store.js";
import { releaseLease, updateTracked, updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { issueRef, once } from "./sla.js";

/** After a close: a Production-down issue gets one comment asking whether a post-mortem is due. */
export async function askForPostMortem(
  deps: HandlerDeps,
  gh: GitHub,
  row: TrackedRow,
  policy: Policy,
  log: Logger = deps.log,
): Promise<void> {
  if (!asksOnClose(row, policy)) return;
  const posted = await once(deps, `${row.repo}#${row.number}:pm-ask`, "skip", async () => {
    await gh.rest.issues.createComment({ ...issueRef(row), body: renderPostMortemQuestion(policy) });
  });
  await updateTrackedUnleased(deps.store, row, { pm_state: "asked", updated_at: deps.clock.now() });
  if (posted) withIssue(log, issueKey(row)).info("post-mortem question posted");
}

/** Whether a label event is about the post-mortem (so intake need not look at it). */
export function isPostMortemLabel(label: string, policy: Policy): boolean {
  const name = label.toLowerCase();
  return (
    name === policy.postMortem.requiredLabel.toLowerCase() ||
    name === policy.postMortem.doneLabel.toLowerCase()
  );
}

/** `post-mortem: required` starts the follow-up's clock; `post-mortem: done` meets it. Humans only. */
export async function handlePostMortemLabel(
  context: Context<"issues.labeled">,
  deps: HandlerDeps,
  policy: Policy,
): Promise<void> {
  const { issue, repository, label, sender } = context.payload;
  const key = { repo: repoKey(repository.owner.login, repository.name), number: issue.number };
  const log = withIssue(context.log, issueKey(key));
  if (!label || isBot(sender)) return void log.debug("post-mortem label set by a bot: ignored");
  const row = await getTrackedIssue(deps.store, key);
  if (!row) return void log.info("post-mortem label on an untracked issue: ignored");
  const patch = onPostMortemLabel(row, label.name, policy, deps.clock.now());
  if (!patch) return void log.debug({ state: row.pm_state }, "post-mortem label changes nothing");
  await updateTrackedUnleased(deps.store, row, { ...patch, updated_at: deps.clock.now() });
  if (patch.pm_state === "required") deps.kickScheduler?.();
  log.info({ state: patch.pm_state }, "post-mortem follow-up updated");
}

/**
 * The scheduler's post-mortem step for a claimed row whose SLA clock has nothing due: at the
 * deadline, one reminder to the escalation handles. Returns false when there was nothing to do.
 */
export async function remindPostMortem(
  deps: HandlerDeps,
  gh: GitHub,
  row: TrackedRow,
  policy: Policy,
  log: Logger = deps.log,
): Promise<boolean> {
  const now = deps.clock.now();
  if (!reminderDue(row, now) || row.pm_due_at === null) return false;
  const posted = await once(deps, `${row.repo}#${row.number}:pm-reminder`, "skip", async () => {
    await gh.rest.issues.createComment({
      ...issueRef(row),
      body: renderPostMortemReminder(policy, row.pm_due_at ?? now),
    });
  });
  const slaNext = nextDueAt({ state: row.state, atRiskAt: row.at_risk_at, deadlineAt: row.deadline_at });
  await updateTracked(
    deps.store,
    row,
    deps.owner,
    { pm_state: "overdue", next_due_at: slaNext, updated_at: now },
    { release: true },
  );
  await releaseLease(deps.store, row, deps.owner);
  if (posted) withIssue(log, issueKey(row)).info("post-mortem reminder posted");
  return true;
}

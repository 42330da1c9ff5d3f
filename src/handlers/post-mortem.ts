import type { Context, Logger } from "probot";
import type { Policy } from "../domain/policy.js";
import { asksOnClose, renderPostMortemQuestion } from "../domain/sla/post-mortem.js";
import type { LifecycleEvent } from "../domain/timers/lifecycle.js";
import type { GitHub } from "../github/octokit.js";
import { isBot } from "../helpers/is-bot.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { once } from "../outbox/index.js";
import { getTrackedIssue, repoKey, type TrackedRow } from "../store/intake-store.js";
import { updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { issueRef } from "./sla.js";
import { runLifecycle } from "./timers.js";

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

/**
 * `post-mortem: required` starts the follow-up's timer (`post_mortem.due` on the calendar clock,
 * reminded by the scheduler until done); `post-mortem: done` meets it. Humans only: a label set by
 * a bot starts nothing. The row keeps `pm_state` (`required`, `done`) for readers of the table.
 */
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
  const now = deps.clock.now();
  const required = label.name.toLowerCase() === policy.postMortem.requiredLabel.toLowerCase();
  const event: LifecycleEvent = required
    ? { kind: "post-mortem-required", at: now }
    : { kind: "post-mortem-done", at: now, by: sender.login };
  const { decision } = await runLifecycle({ deps, gh: context.octokit, row, policy, log }, event);
  const timer = decision.timers.find((t) => t.metric === "post_mortem");
  if (decision.changes.length === 0 || !timer) {
    return void log.debug({ state: row.pm_state }, "post-mortem label changes nothing");
  }
  const state = required ? "required" : "done";
  await updateTrackedUnleased(deps.store, row, {
    pm_state: state,
    ...(required
      ? { pm_required_at: timer.startedAt, pm_due_at: timer.deadlineAt }
      : { pm_done_at: timer.metAt ?? now }),
    updated_at: now,
  });
  log.info({ state }, "post-mortem follow-up updated");
}

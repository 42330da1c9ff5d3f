import type { Logger } from "probot";
import type { Policy, PriorityPolicy } from "../domain/policy.js";
import { onTeamResponse } from "../domain/sla/clock.js";
import { responseSlackText } from "../domain/sla/messages.js";
import { isTeamResponse, needsTeamLookup, type ResponseComment } from "../domain/sla/response.js";
import { addLabel, removeLabel } from "../github/labels.js";
import type { GitHub, IssueRef } from "../github/octokit.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import type { SlaNotice } from "../notify/index.js";
import { deliver, type EffectOptions, runEffect } from "../notify/outbox.js";
import type { IssueKey, TrackedRow } from "../store/intake-store.js";
import { releaseNamedLease, tryAcquireLease, updateTrackedUnleased } from "../store/tracking-store.js";
import type { AppDeps, HandlerDeps } from "./deps.js";
import { toColumns, toSlaRecord } from "./sla-record.js";

/** Another replica is working on the issue: the caller retries shortly. */
export class IssueBusyError extends Error {}

const ISSUE_LEASE_MS = 120_000;

/**
 * Work on one issue, alone: one task at a time in this process (a mutex) and across replicas (a
 * lease in the store). Webhook handlers and the scheduler both take it, so their reads and writes
 * of an issue never interleave.
 */
export function withIssueLock<T>(deps: AppDeps, key: IssueKey, task: () => Promise<T>): Promise<T> {
  return withNamedLock(deps, `issue:${key.repo}#${key.number}`, task);
}

/**
 * Work on one named thing, alone, as {@link withIssueLock} does for an issue: a mutex in this
 * process and a lease of `ISSUE_LEASE_MS` (120 s) in the store across replicas, e.g.
 * `pagerduty-incident:<id>` or `slack-request:<id>`. Throws `IssueBusyError` while another
 * process holds the lease (the inbox retries), and what `task` throws.
 */
export function withNamedLock<T>(deps: AppDeps, name: string, task: () => Promise<T>): Promise<T> {
  return deps.issueLocks.run(name, async () => {
    if (!(await tryAcquireLease(deps.store, name, deps.owner, deps.clock.now(), ISSUE_LEASE_MS))) {
      throw new IssueBusyError(`${name} is being handled by another process`);
    }
    try {
      return await task();
    } finally {
      await releaseNamedLease(deps.store, name, deps.owner);
    }
  });
}

/**
 * Runs a side effect once per key, however often its transition is retried; the outbox records it
 * `done` only once it succeeded (see `runEffect` in notify/outbox.ts for what a failure does).
 * `rerun` effects are idempotent (labels, a comment checked by marker, a PagerDuty event with its
 * dedup key) and run again after an interrupted try; `skip` effects (a Slack message) are not
 * repeated when a try may have landed: at most once beats twice. `options.log` (bound to the
 * issue) takes failure lines; default the handler's log.
 */
export async function once(
  deps: AppDeps,
  key: string,
  onInterrupted: "rerun" | "skip",
  effect: () => Promise<void>,
  options: EffectOptions = {},
): Promise<boolean> {
  const log = options.log ?? (deps as Partial<HandlerDeps>).log;
  return await runEffect(deps, key, onInterrupted, effect, { ...options, log });
}

export function issueRef(row: Pick<TrackedRow, "repo" | "number">): IssueRef {
  const [owner = "", repo = ""] = row.repo.split("/");
  return { owner, repo, issue_number: row.number };
}

export function effectKey(row: Pick<TrackedRow, "repo" | "number" | "cycle">, name: string): string {
  return `${row.repo}#${row.number}:c${row.cycle}:${name}`;
}

export function findPriority(policy: Policy, key: string): PriorityPolicy {
  const found =
    policy.priorities.find((p) => p.key === key) ??
    policy.priorities.find((p) => p.key === policy.defaultPriority);
  if (!found) throw new Error(`priority ${key} is not configured and there is no default priority`);
  return found;
}

export function notice(row: TrackedRow, policy: Policy, kind: SlaNotice["kind"], text?: string): SlaNotice {
  const priority = findPriority(policy, row.priority);
  return {
    kind,
    issue: { repo: row.repo, number: row.number, title: row.title, url: row.html_url },
    typeLabel: policy.types.find((t) => t.key === row.type)?.label ?? row.type,
    priorityLabel: priority.label,
    deadline: row.deadline_at,
    timezone: policy.calendar.timezone,
    ...(text ? { text } : {}),
  };
}

export function pagerIssue(row: TrackedRow) {
  return { repo: row.repo, number: row.number, url: row.html_url, title: row.title, cycle: row.cycle };
}

export interface CommentLike extends ResponseComment {
  created_at: string;
  user: { login: string; type?: string | null } | null;
}

/** Whether a comment is a team response, asking GitHub about team membership only when needed. */
export async function commentCounts(
  deps: AppDeps,
  gh: GitHub,
  comment: CommentLike,
  row: Pick<TrackedRow, "author">,
  policy: Policy,
): Promise<boolean> {
  const issue = { authorLogin: row.author };
  const members =
    comment.user && needsTeamLookup(comment, issue, policy.team)
      ? await deps.teams.membersAmong(gh, policy.team.teams, comment.user.login)
      : new Set<string>();
  return isTeamResponse(comment, issue, policy.team, members).counts;
}

/**
 * Records a team reply on a tracked issue: met (or breached, late), the at-risk label removed,
 * an open page acknowledged, the channel told when it had been warned. `log` defaults to the
 * handler's; either way the lines carry the issue.
 */
export async function applyTeamResponse(
  deps: HandlerDeps,
  gh: GitHub,
  row: TrackedRow,
  policy: Policy,
  at: number,
  by: string,
  parentLog: Logger = deps.log,
): Promise<boolean> {
  const log = withIssue(parentLog, issueKey(row));
  const priority = findPriority(policy, row.priority);
  const calendar = deps.calendars.for(policy);
  const decision = onTeamResponse(toSlaRecord(row), at, by, calendar, priority);
  if (!decision.record) return false;
  const ref = issueRef(row);
  if (decision.removeAtRiskLabel) await removeLabel(gh, ref, policy.labels.atRisk);
  if (decision.addBreachedLabel) await addLabel(gh, ref, policy.labels.breached);
  if (decision.removeBreachedLabel) await removeLabel(gh, ref, policy.labels.breached);
  const { pagerduty, slack } = deps.notifiers;
  if (decision.acknowledgePage && pagerduty) {
    await once(
      deps,
      effectKey(row, "page-ack"),
      "rerun",
      () => deliver("pagerduty", () => pagerduty.acknowledge(pagerIssue(row), log)),
      { channel: "pagerduty", log },
    );
  }
  if (slack && (row.state === "at-risk" || row.state === "breached")) {
    const text = responseSlackText({
      by,
      at,
      deadlineAt: row.deadline_at,
      businessMs: decision.patch.businessMs ?? 0,
      businessClock: priority.clock === "business",
    });
    await once(
      deps,
      effectKey(row, "response-slack"),
      "skip",
      () => deliver("slack", () => slack.notify(notice(row, policy, "met", text), log)),
      { channel: "slack", log },
    );
  }
  await updateTrackedUnleased(deps.store, row, {
    ...toColumns(decision.patch, row.cycle),
    ...(decision.patch.state === "breached" && row.breached_at == null ? { breached_at: at } : {}),
    updated_at: deps.clock.now(),
  });
  log.info({ by, late: decision.late, state: decision.patch.state }, "first team response recorded");
  return true;
}

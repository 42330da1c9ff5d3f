import type { Logger } from "probot";
import type { Policy, PriorityPolicy } from "../domain/policy.js";
import {
  commentAuthorRole,
  isTeamResponse,
  needsTeamLookup,
  type ResponseComment,
} from "../domain/sla/response.js";
import type { Metric } from "../domain/timers/timer.js";
import type { GitHub, IssueRef } from "../github/octokit.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import type { SlaNotice } from "../notify/index.js";
import type { IssueKey, TrackedRow } from "../store/intake-store.js";
import { releaseNamedLease, tryAcquireLease } from "../store/tracking-store.js";
import type { AppDeps, HandlerDeps } from "./deps.js";
import type { IntakeIssue } from "./intake.js";
import { runLifecycle, transitionSummary } from "./timers.js";

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

export function issueRef(row: Pick<TrackedRow, "repo" | "number">): IssueRef {
  const [owner = "", repo = ""] = row.repo.split("/");
  return { owner, repo, issue_number: row.number };
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
 * Who wrote a comment, for the timers (`commentAuthorRole`): `team`, `customer` or `none`,
 * asking GitHub about team membership only when the cheaper rules leave it open.
 */
export async function commentRole(
  deps: AppDeps,
  gh: GitHub,
  comment: CommentLike,
  row: Pick<TrackedRow, "author">,
  policy: Policy,
): Promise<"team" | "customer" | "none"> {
  const issue = { authorLogin: row.author };
  const members =
    comment.user && needsTeamLookup(comment, issue, policy.team)
      ? await deps.teams.membersAmong(gh, policy.team.teams, comment.user.login)
      : new Set<string>();
  return commentAuthorRole(comment, issue, policy.team, members);
}

export interface TeamResponseOptions {
  /**
   * The metrics the reply meets; default every one a team comment meets (first response, next
   * reply, the update interval). A PagerDuty acknowledgement is a first response only.
   */
  metrics?: readonly Metric[];
  /** The issue as the event delivered it, for the intake comment; absent: read from GitHub if needed. */
  issue?: IntakeIssue;
}

/**
 * Records a team reply at `at` by `by` on the issue's timers (src/domain/timers/lifecycle.ts): the
 * first response and the next reply met (late: breached), the update interval reset, the labels
 * of their levels removed, an open page acknowledged, the channel told when it had been warned,
 * the intake comment's next update moved. Returns false when nothing was recorded (already met,
 * nothing running, a reply older than the cycle). `log` defaults to the handler's; either way the
 * lines carry the issue. Throws what the store, GitHub and the notifiers throw.
 */
export async function applyTeamResponse(
  deps: HandlerDeps,
  gh: GitHub,
  row: TrackedRow,
  policy: Policy,
  at: number,
  by: string,
  parentLog: Logger = deps.log,
  options: TeamResponseOptions = {},
): Promise<boolean> {
  const log = withIssue(parentLog, issueKey(row));
  const { decision } = await runLifecycle(
    { deps, gh, row, policy, log },
    { kind: "team-comment", at, by, ...(options.metrics ? { metrics: options.metrics } : {}) },
    { issue: options.issue ?? null },
  );
  if (decision.changes.length === 0) return false;
  const first = decision.transitions.find((t) => t.metric === "first_response" && t.change === "met");
  if (first) {
    const state = first.late ? "breached" : "met";
    log.info({ by, late: first.late ?? false, state }, "first team response recorded");
  }
  const others = decision.transitions.filter((t) => t !== first);
  if (others.length > 0) {
    log.info({ by, timers: transitionSummary({ ...decision, transitions: others }) }, "team reply recorded");
  }
  return true;
}

/**
 * Records a customer comment at `at` by `by` on the issue's timers: the next-reply timer started when the
 * team replied before and none runs (it counts from the oldest unanswered comment), and a waiting
 * pause lifted (the resolution resumes at the comment and the waiting label comes off). Recorded
 * once however often the comment is delivered. `open`: the issue is open (a comment on a closed
 * issue starts no next reply). Returns false when nothing changed.
 */
export async function applyCustomerComment(
  deps: HandlerDeps,
  gh: GitHub,
  row: TrackedRow,
  policy: Policy,
  at: number,
  by: string,
  log: Logger,
  open: boolean,
): Promise<boolean> {
  const { decision } = await runLifecycle(
    { deps, gh, row, policy, log },
    { kind: "customer-comment", at, by },
    { open },
  );
  if (decision.changes.length === 0) return false;
  log.info({ timers: transitionSummary(decision) }, "customer comment recorded");
  return true;
}

import type { Logger } from "probot";
import { decideDue } from "../domain/sla/clock.js";
import {
  atRiskSlackText,
  breachMarker,
  breachSlackText,
  renderBreachComment,
} from "../domain/sla/messages.js";
import type { CommentAuthorship } from "../github/app-identity.js";
import { addLabel, removeLabel } from "../github/labels.js";
import { failFast, logTo } from "../github/octokit.js";
import { describeError } from "../helpers/describe-error.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { deliver, retryAfterOf } from "../notify/outbox.js";
import { getTrackedIssue, type TrackedRow } from "../store/intake-store.js";
import { getEffect, releaseLease, renewLease, updateTracked } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { remindPostMortem } from "./post-mortem.js";
import {
  applyTeamResponse,
  type CommentLike,
  commentCounts,
  effectKey,
  findPriority,
  IssueBusyError,
  issueRef,
  notice,
  once,
  pagerIssue,
  withIssueLock,
} from "./sla.js";

/** Failed attempts after which each further failure of a due row is logged at error, not warn. */
export const ESCALATION_LOUD_AFTER = 12;

/** Backoff between attempts of a failed escalation: 2 s, 4 s, … capped at 1 minute (a deadline waits). */
export function escalationRetryDelayMs(attempt: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

/**
 * Failed attempts per issue and due instant, per store, in this process only: the tracked row has
 * no attempt column, so a restart (or another replica taking the row over) counts from 1 again.
 */
const failures = new WeakMap<object, Map<string, { dueAt: number | null; attempts: number }>>();

function failuresOf(deps: HandlerDeps): Map<string, { dueAt: number | null; attempts: number }> {
  let map = failures.get(deps.store);
  if (!map) {
    map = new Map();
    failures.set(deps.store, map);
  }
  return map;
}

/**
 * The scheduler's action on one claimed row: re-read the issue's comments (a reply may have
 * landed while a webhook was lost), then warn (at risk) or escalate (breach) once. Every effect
 * goes through the outbox, so a crash or a second replica never doubles it. At most four GitHub
 * calls per breach: comments, breached label, breach comment, at-risk label removed.
 *
 * A failed attempt (GitHub down) keeps the row's lease until the next attempt, with backoff, and
 * is logged at once with the issue, the attempt and `nextAttemptAt`; an escalation never gives up.
 */
export async function escalateDue(claimed: TrackedRow, deps: HandlerDeps): Promise<void> {
  const key = { repo: claimed.repo, number: claimed.number };
  const issue = issueKey(key);
  const log = withIssue(deps.log, issue);
  const progress: Progress = {};
  try {
    await withIssueLock(deps, key, async () => {
      const row = await getTrackedIssue(deps.store, key);
      if (!row || row.lease_owner !== deps.owner) return; // the lease expired and someone else took it
      await escalateLocked(row, { ...deps, log }, progress);
    });
    failuresOf(deps).delete(issue);
  } catch (error) {
    if (error instanceof IssueBusyError) {
      log.debug("issue busy in another process: escalation looks again on the next pass");
      await releaseLease(deps.store, key, deps.owner); // a webhook is on it: look again on the next pass
      return;
    }
    await retryLater(claimed, deps, log, progress, error);
  }
}

interface Progress {
  transition?: string;
}

async function retryLater(
  claimed: TrackedRow,
  deps: HandlerDeps,
  log: Logger,
  progress: Progress,
  error: unknown,
): Promise<void> {
  const issue = issueKey(claimed);
  const counts = failuresOf(deps);
  const previous = counts.get(issue);
  const attempt = previous && previous.dueAt === claimed.next_due_at ? previous.attempts + 1 : 1;
  counts.set(issue, { dueAt: claimed.next_due_at, attempts: attempt });
  // Never sooner than a receiver's Retry-After (PagerDuty, Slack answering 429).
  const retryAt = deps.clock.now() + Math.max(escalationRetryDelayMs(attempt), retryAfterOf(error) ?? 0);
  // Keep the lease until then: no other pass (here or on a replica) retries sooner.
  const kept = await renewLease(deps.store, claimed, deps.owner, retryAt);
  const fields = {
    attempt,
    ...(progress.transition ? { transition: progress.transition } : {}),
    ...(claimed.next_due_at !== null ? { dueAt: new Date(claimed.next_due_at).toISOString() } : {}),
    ...(kept ? { nextAttemptAt: new Date(retryAt).toISOString() } : {}),
    error: describeError(error),
  };
  const message = kept
    ? "escalation failed; will retry"
    : "escalation failed; this process no longer holds the row, whoever claims it next retries";
  if (attempt >= ESCALATION_LOUD_AFTER) log.error(fields, `${message} (still failing)`);
  else log.warn(fields, message);
}

async function escalateLocked(row: TrackedRow, deps: HandlerDeps, progress: Progress): Promise<void> {
  const now = deps.clock.now();
  const ref = issueRef(row);
  const gh = logTo(failFast(await deps.auth(row.installation_id)), deps.log);
  const { policy } = await deps.setups.get(gh, { owner: ref.owner, repo: ref.repo });
  const priority = findPriority(policy, row.priority);
  const decision = decideDue(
    {
      state: row.state,
      atRiskAt: row.at_risk_at,
      deadlineAt: row.deadline_at,
      paged: row.paged_cycle === row.cycle,
    },
    now,
    priority,
  );
  if (!decision) {
    progress.transition = "post-mortem-reminder";
    if (!(await remindPostMortem(deps, gh, row, policy))) await releaseLease(deps.store, row, deps.owner);
    return;
  }
  progress.transition = decision.transition;
  const log = deps.log.child({ transition: decision.transition });

  const comments = (await gh.paginate(gh.rest.issues.listComments, {
    ...ref,
    since: new Date(row.cycle_started_at).toISOString(),
    per_page: 100,
  })) as unknown as CommentLike[];
  for (const comment of comments) {
    const at = Date.parse(comment.created_at);
    if (at < row.cycle_started_at || !(await commentCounts(deps, gh, comment, row, policy))) continue;
    log.info({ by: comment.user?.login }, "a team reply was found before escalating: recorded instead");
    await applyTeamResponse(deps, gh, row, policy, at, comment.user?.login ?? "", log);
    await releaseLease(deps.store, row, deps.owner);
    return;
  }

  const { slack, pagerduty } = deps.notifiers;
  // The page goes first, so what the breach comment and the Slack message say about it is what the
  // outbox confirmed. A notification that failed does not hold up the GitHub effects: its error
  // is thrown after them (before the commit), and the retried escalation completes what is pending.
  const deferred: unknown[] = [];
  if (decision.triggerPage && pagerduty) {
    await once(
      deps,
      effectKey(row, "page"),
      "rerun",
      () =>
        deliver("pagerduty", () =>
          pagerduty.trigger(
            pagerIssue(row),
            `First response overdue: ${row.repo}#${row.number} ${row.title}`,
            "critical",
            { priority: priority.key, type: row.type, deadline: new Date(row.deadline_at).toISOString() },
            log,
          ),
        ),
      { channel: "pagerduty", log },
    ).catch((error: unknown) => void deferred.push(error));
  }
  const pageConfirmed =
    row.paged_cycle === row.cycle || (await getEffect(deps.store, effectKey(row, "page")))?.status === "done";
  if (decision.addAtRiskLabel) {
    await once(deps, effectKey(row, "at-risk-label"), "rerun", () => addLabel(gh, ref, policy.labels.atRisk));
  }
  if (decision.addBreachedLabel) {
    await once(deps, effectKey(row, "breached-label"), "rerun", () =>
      addLabel(gh, ref, policy.labels.breached),
    );
  }
  if (decision.postBreachComment) {
    const marker = breachMarker(row.cycle);
    await once(deps, effectKey(row, "breach-comment"), "rerun", async () => {
      // Already posted by an attempt that died before recording it: the app's own comments say so.
      // A customer's comment quoting the marker is not ours and never suppresses the breach.
      for (const c of comments) if (await deps.self.marked(c as CommentAuthorship, marker)) return;
      const body = renderBreachComment({
        cycle: row.cycle,
        mention: policy.escalation.mention,
        typeName: policy.types.find((t) => t.key === row.type)?.name ?? row.type,
        priorityName: priority.name,
        cycleStartAt: row.cycle_started_at,
        deadlineAt: row.deadline_at,
        now,
        timezone: policy.calendar.timezone,
        paged: pageConfirmed,
      });
      await gh.rest.issues.createComment({ ...ref, body });
    });
  }
  if (decision.removeAtRiskLabel) {
    await once(deps, effectKey(row, "at-risk-unlabel"), "rerun", () =>
      removeLabel(gh, ref, policy.labels.atRisk),
    );
  }
  if (decision.notifySlack && slack) {
    const text =
      decision.transition === "breach"
        ? breachSlackText({
            mention: policy.escalation.mention,
            deadlineAt: row.deadline_at,
            now,
            paged: pageConfirmed,
          })
        : atRiskSlackText({
            targetMs:
              priority.clock === "business"
                ? deps.calendars.for(policy).businessTimeBetween(row.cycle_started_at, row.deadline_at)
                : row.deadline_at - row.cycle_started_at,
            warnAt: policy.escalation.warnAt,
            remainingMs: Math.max(0, row.deadline_at - now),
            businessClock: priority.clock === "business",
          });
    const kind = decision.transition === "breach" ? "breached" : "at-risk";
    await once(
      deps,
      effectKey(row, `${decision.transition}-slack`),
      "skip",
      () => deliver("slack", () => slack.notify(notice(row, policy, kind, text), log)),
      { channel: "slack", log },
    ).catch((error: unknown) => void deferred.push(error));
  }
  // A notification still pending: retry the escalation (no sooner than its Retry-After) rather
  // than commit a transition whose effects are not all confirmed.
  if (deferred.length > 0) throw deferred[0];

  const breach = decision.transition === "breach";
  await updateTracked(
    deps.store,
    row,
    deps.owner,
    {
      state: decision.patch.state,
      next_due_at: decision.patch.nextDueAt,
      paged_cycle: pageConfirmed ? row.cycle : null,
      ...(breach ? { breached_at: now } : {}),
      updated_at: now,
    },
    { release: true },
  );
  const due = breach ? row.deadline_at : row.at_risk_at;
  deps.metrics.lateness.observe({ transition: decision.transition }, Math.max(0, now - due) / 1000);
  if (breach) deps.metrics.breaches.inc();
  log.info({ lateMs: now - due }, breach ? "breach escalated" : "at-risk warning sent");
}

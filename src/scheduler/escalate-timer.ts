import type { Logger } from "probot";
import { ladderFor } from "../domain/timers/ladder.js";
import { heldElsewhere } from "../domain/timers/lifecycle.js";
import { decideDue, isFinal, levelInstants, nextFiring, type Timer } from "../domain/timers/timer.js";
import { failFast, logTo, pacedAt } from "../github/octokit.js";
import type { HandlerDeps } from "../handlers/deps.js";
import {
  applyTeamResponse,
  commentCounts,
  findPriority,
  IssueBusyError,
  issueRef,
  withIssueLock,
} from "../handlers/sla.js";
import { describeError } from "../helpers/describe-error.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { retryAfterOf } from "../outbox/index.js";
import { getTrackedIssue } from "../store/intake-store.js";
import {
  type ClaimedTimer,
  getTimers,
  releaseTimerLease,
  renewTimerLease,
  saveTimers,
  type TimerRow,
} from "../store/timer-store.js";
import { applyFiring, commentsSince } from "./firing.js";
import { RankGate } from "./rank-gate.js";

/** Failed attempts after which each further failure of a due timer is logged at error, not warn. */
export const ESCALATION_LOUD_AFTER = 12;

/** How long a timer whose issue another process is working on waits before it is looked at again, ms. */
export const ISSUE_BUSY_RETRY_MS = 5_000;

/** Backoff between attempts of a failed escalation: 2 s, 4 s, … capped at 1 minute (a deadline waits). */
export function escalationRetryDelayMs(attempt: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempt - 1), 60_000);
}

/**
 * The metrics a team reply meets (PRODUCT.md "More SLA metrics"): before one of their levels
 * fires, the issue's comments since the timer started are read again, in case the reply's webhook
 * was lost.
 */
const MET_BY_TEAM_REPLY: ReadonlySet<Timer["metric"]> = new Set(["first_response", "next_reply", "updates"]);

type TimerKey = Pick<TimerRow, "repo" | "number" | "metric" | "cycle">;

/** `owner/repo#12 next_reply c2`: one timer, in this process's failure counts. */
function timerName(row: TimerKey): string {
  return `${issueKey(row)} ${row.metric} c${row.cycle}`;
}

/**
 * Failed attempts per timer and due instant, per store, in this process only: the timer row has
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

/** What the attempt had got to, for its failure line. */
interface Progress {
  transition?: string;
  level?: string;
}

/**
 * Where a timer escalates: the scheduler's action on one claimed timer (any metric). Under the
 * issue lock it re-reads the issue's timers and, for a timer a team reply meets, the comments
 * since the timer started (a reply may have landed while its webhook was lost: it is recorded
 * instead). Then the domain decides what is due (`decideDue`: the ladder level, or a repeat) and
 * its cheap effects (page, Slack, labels) are applied through the outbox, each exactly once (see
 * `applyFiring`), before the timer's new state is written, fenced by the lease, which is released
 * in the same write; the firing's comment is queued in that write (`queued_comments`) and posted
 * by `postQueuedComment` when the installation's write pacing lets it out.
 *
 * A failed attempt (GitHub down, a receiver refusing) keeps the timer's lease until the next
 * attempt, with backoff (`escalationRetryDelayMs`, never sooner than a receiver's Retry-After),
 * and is logged at once with the issue, the attempt and `nextAttemptAt`; an escalation never
 * gives up. A webhook working on the issue in another process (`IssueBusyError`) keeps the
 * timer leased for `ISSUE_BUSY_RETRY_MS`, then the next pass looks again. With `gate` (the
 * scheduler's), the effects wait until the installation's more urgent escalations in flight are
 * done, so they reach GitHub in priority order. Never throws.
 */
export async function escalateTimer(
  claimed: ClaimedTimer,
  deps: HandlerDeps,
  gate: RankGate = new RankGate(),
): Promise<void> {
  const key = { repo: claimed.repo, number: claimed.number };
  const log = withIssue(deps.log, issueKey(key)).child({ metric: claimed.metric });
  const progress: Progress = {};
  const ticket = gate.enter(claimed.installation_id, claimed.rank);
  try {
    await withIssueLock(deps, key, async () => {
      const timers = await getTimers(deps.store, key);
      const row = timers.find((t) => t.metric === claimed.metric && t.cycle === claimed.cycle);
      if (!row) {
        // A newer cycle replaced it: nothing of this one is due any more.
        await releaseTimerLease(deps.store, claimed, deps.owner);
        return;
      }
      if (row.lease_owner !== deps.owner) return; // the lease expired and someone else took it
      await escalateLocked(row, timers, { ...deps, log }, progress, () => gate.ready(ticket));
    });
    failuresOf(deps).delete(timerName(claimed));
  } catch (error) {
    if (error instanceof IssueBusyError) {
      // Kept leased until then: claimed again at once, it would spin against the other process's
      // issue lease (up to 2 minutes when that process died), and keep its installation's queued
      // comments held as if it were escalating.
      log.debug("issue busy in another process: escalation looks again in a few seconds");
      await renewTimerLease(deps.store, claimed, deps.owner, deps.clock.now() + ISSUE_BUSY_RETRY_MS);
      return;
    }
    await retryLater(claimed, deps, log, progress, error);
  } finally {
    gate.leave(ticket);
  }
}

async function retryLater(
  claimed: ClaimedTimer,
  deps: HandlerDeps,
  log: Logger,
  progress: Progress,
  error: unknown,
): Promise<void> {
  const name = timerName(claimed);
  const counts = failuresOf(deps);
  const previous = counts.get(name);
  const attempt = previous && previous.dueAt === claimed.nextDueAt ? previous.attempts + 1 : 1;
  counts.set(name, { dueAt: claimed.nextDueAt, attempts: attempt });
  // Never sooner than a receiver's Retry-After (PagerDuty, Slack answering 429).
  const retryAt = deps.clock.now() + Math.max(escalationRetryDelayMs(attempt), retryAfterOf(error) ?? 0);
  // Keep the lease until then: no other pass (here or on a replica) retries sooner.
  let kept = false;
  try {
    kept = await renewTimerLease(deps.store, claimed, deps.owner, retryAt);
  } catch (storeError) {
    log.warn({ error: describeError(storeError) }, "could not keep the timer's lease; it expires on its own");
  }
  const fields = {
    attempt,
    ...(progress.transition ? { transition: progress.transition } : {}),
    ...(progress.level ? { ladderLevel: progress.level } : {}),
    ...(claimed.nextDueAt !== null ? { dueAt: new Date(claimed.nextDueAt).toISOString() } : {}),
    ...(kept ? { nextAttemptAt: new Date(retryAt).toISOString() } : {}),
    error: describeError(error),
  };
  const message = kept
    ? "escalation failed; will retry"
    : "escalation failed; this process no longer holds the row, whoever claims it next retries";
  if (attempt >= ESCALATION_LOUD_AFTER) log.error(fields, `${message} (still failing)`);
  else log.warn(fields, message);
}

async function escalateLocked(
  row: TimerRow,
  timers: TimerRow[],
  deps: HandlerDeps,
  progress: Progress,
  /** Resolves when the more urgent escalations of the installation in flight are done (`RankGate`). */
  turn: () => Promise<void>,
): Promise<void> {
  const now = deps.clock.now();
  const key = { repo: row.repo, number: row.number };
  const release = () => releaseTimerLease(deps.store, row, deps.owner);
  const tracked = await getTrackedIssue(deps.store, key);
  if (!tracked) {
    deps.log.warn("a timer of an untracked issue was due: left alone");
    await release();
    return;
  }
  const ref = issueRef(row);
  // Its labels go before queued ones of less urgent issues of the installation (the pacing's rank).
  const gh = pacedAt(logTo(failFast(await deps.auth(row.installation_id)), deps.log), row.rank);
  const { policy } = await deps.setups.get(gh, { owner: ref.owner, repo: ref.repo });
  const priority = findPriority(policy, tracked.priority);
  const calendar = deps.calendars.for(policy);
  const ladderOf = (metric: Timer["metric"]) => ladderFor(policy, priority, metric);
  const ladder = ladderOf(row.metric);
  const held = heldElsewhere(timers, row.metric, ladderOf);
  const paged = row.paged || tracked.paged_cycle === tracked.cycle;
  const decision = decideDue(row, now, calendar, ladder, held, { paged });
  if (!decision) {
    // Claimed but nothing due (paused, re-planned, final): plan the next look from the timer itself.
    const next = isFinal(row.state) ? null : (nextFiring(row, calendar, ladder)?.at ?? null);
    await saveTimers(
      deps.store,
      key,
      [
        {
          kind: "update",
          metric: row.metric,
          cycle: row.cycle,
          // Never quiet by mistake: a level the plan says is due but nothing fired is looked at
          // again in a minute (and said), rather than dropped.
          patch: { nextDueAt: next === null ? null : next > now ? next : now + 60_000 },
        },
      ],
      { owner: deps.owner, release: { metric: row.metric, cycle: row.cycle }, version: row.version, now },
    );
    if (next !== null && next <= now)
      deps.log.warn(
        { dueAt: new Date(next).toISOString() },
        "a due timer fired nothing: looked at again in a minute",
      );
    else deps.log.debug({ nextDueAt: next }, "a claimed timer had nothing due: planned again");
    return;
  }
  const { firing } = decision;
  progress.transition = firing.transition;
  progress.level = firing.level.name;
  const log = deps.log.child({ transition: firing.transition });

  if (MET_BY_TEAM_REPLY.has(row.metric)) {
    const comments = await commentsSince(gh, ref, row.startedAt);
    for (const comment of comments) {
      const at = Date.parse(comment.created_at);
      if (at < row.startedAt || !(await commentCounts(deps, gh, comment, tracked, policy))) continue;
      await applyTeamResponse(deps, gh, tracked, policy, at, comment.user?.login ?? "", log);
      const after = (await getTimers(deps.store, key)).find((t) => t.metric === row.metric);
      if (after && after.cycle === row.cycle && !isFinal(after.state)) continue; // not this timer's reply
      log.info({ by: comment.user?.login }, "a team reply was found before escalating: recorded instead");
      await release();
      return;
    }
  }

  await turn();
  const outcome = await applyFiring({
    deps: { ...deps, log },
    gh,
    policy,
    priority,
    tracked,
    timer: row,
    firing,
    now,
    paged,
  });

  const patch: Partial<Timer> = {
    ...decision.patch,
    ...(outcome.paged && !row.paged ? { paged: true } : {}),
  };
  const saved = await saveTimers(
    deps.store,
    key,
    [{ kind: "update", metric: row.metric, cycle: row.cycle, patch }],
    {
      owner: deps.owner,
      release: { metric: row.metric, cycle: row.cycle },
      version: row.version,
      now,
      ...(outcome.comment ? { comments: [outcome.comment] } : {}),
    },
  );
  if (!saved) {
    log.info("the timer's lease was lost before its escalation was recorded: whoever holds it now finishes");
    return;
  }
  // Lateness from the instant this firing was due: its level's threshold, or the repeat's plan.
  const due =
    (firing.repeat === 0 ? levelInstants(row, calendar, ladder)[firing.index] : row.nextDueAt) ?? now;
  deps.metrics.lateness.observe(
    { metric: row.metric, transition: firing.transition },
    Math.max(0, now - due) / 1000,
  );
  if (firing.transition === "breach") deps.metrics.breaches.inc({ metric: row.metric });
  const fields = {
    lateMs: now - due,
    ...(firing.transition === "escalate" || firing.repeat > 0
      ? { ladderLevel: firing.level.name, repeat: firing.repeat }
      : {}),
  };
  log.info(fields, LOG_LINES[firing.transition]);
}

/** The info line of each transition (operators grep these). */
const LOG_LINES: Record<"at-risk" | "breach" | "escalate", string> = {
  "at-risk": "at-risk warning sent",
  breach: "breach escalated",
  escalate: "escalation level fired",
};

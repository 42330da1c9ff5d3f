import type { Logger } from "probot";
import type { Timer } from "../domain/timers/timer.js";
import type { CommentAuthorship } from "../github/app-identity.js";
import { failFast, logTo, pacedAt } from "../github/octokit.js";
import type { HandlerDeps } from "../handlers/deps.js";
import { issueRef } from "../handlers/sla.js";
import { describeError } from "../helpers/describe-error.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { EffectNotSentError, once, retryAfterOf } from "../outbox/index.js";
import {
  finishQueuedComment,
  type QueuedComment,
  renewQueuedComment,
  retryQueuedComment,
} from "../store/comment-queue-store.js";
import { getTimers } from "../store/timer-store.js";
import { getEffect } from "../store/tracking-store.js";
import { ESCALATION_LOUD_AFTER, escalationRetryDelayMs } from "./escalate-timer.js";
import { commentsSince } from "./firing.js";

/** How long a claimed comment stays leased to this process (renewed while it waits for the pacing). */
export const COMMENT_LEASE_MS = 60_000;

/** How often a claimed comment's lease is renewed while it waits for its installation's pacing. */
export const COMMENT_HEARTBEAT_MS = 20_000;

/**
 * Thrown before a comment is sent when this process no longer holds it (another one posts it): the
 * outbox records no failure for it (`EffectNotSentError`).
 */
export class CommentLeaseLostError extends EffectNotSentError {
  override readonly name: string = "CommentLeaseLostError";
  constructor() {
    super("the queued comment's lease was lost before it was sent: whoever holds it now posts it");
  }
}

/**
 * Posts one claimed comment of a timer firing (`queued_comments`, queued by the firing's state
 * write) through the outbox under its effect key, exactly once:
 * - an at-risk warning or a level other than the breach whose timer was met or cancelled while
 *   the comment waited is not posted (it would ask for what was done); a breach comment always is
 *   (it records the miss);
 * - while it waits for the installation's write pacing (labels go first: `WritePacer`) its lease
 *   is renewed every `COMMENT_HEARTBEAT_MS`, and once more right before it is sent: a process
 *   that lost it never sends (`CommentLeaseLostError`), so two replicas never post it twice;
 * - a try that was interrupted after GitHub took the comment (a crash before it was recorded)
 *   finds the marker among the app's own comments and does not post again;
 * - a failed try gives the comment back with backoff (`escalationRetryDelayMs`, never sooner
 *   than a Retry-After), logged at warn with the issue and `nextAttemptAt` (at error from
 *   `ESCALATION_LOUD_AFTER` attempts); the outbox gives it up after its limit.
 * Never throws.
 */
export async function postQueuedComment(row: QueuedComment, deps: HandlerDeps): Promise<void> {
  const key = { repo: row.repo, number: row.number };
  const log = withIssue(deps.log, issueKey(key)).child({
    metric: row.metric,
    transition: row.transition,
  });
  const renew = () =>
    renewQueuedComment(deps.store, row.key, deps.owner, deps.clock.now() + COMMENT_LEASE_MS);
  const heartbeat = setInterval(() => void renew().catch(() => undefined), COMMENT_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    if (row.transition !== "breach" && (await moot(row, deps))) {
      await finishQueuedComment(deps.store, row.key, deps.owner);
      log.info("the timer was met or cancelled while its comment waited: not posted");
      return;
    }
    const gh = pacedAt(logTo(failFast(await deps.auth(row.installation_id)), log), row.rank);
    const ref = issueRef(row);
    const tried = (await getEffect(deps.store, row.key)) !== undefined;
    const beforeSend = async () => {
      if (!(await renew())) throw new CommentLeaseLostError();
    };
    await once(
      deps,
      row.key,
      "rerun",
      async () => {
        // Already posted by a try that died before recording it: the app's own comments say so.
        // A customer's comment quoting the marker is not ours and never suppresses it.
        if (tried) {
          for (const c of await commentsSince(gh, ref, row.since)) {
            if (await deps.self.marked(c as CommentAuthorship, row.marker)) return;
          }
        }
        await beforeSend(); // without the pacing (tests, SUPPORT_SLA_GITHUB_THROTTLE=off) too
        await gh.rest.issues.createComment({ ...ref, body: row.body, request: { beforeSend } });
      },
      { log },
    );
    await finishQueuedComment(deps.store, row.key, deps.owner);
    log.debug({ waitedMs: deps.clock.now() - row.queued_at }, "escalation comment posted");
  } catch (error) {
    await retryLater(row, deps, log, error);
  } finally {
    clearInterval(heartbeat);
  }
}

/** Whether the comment's timer was met or cancelled since (or replaced by a later cycle). */
async function moot(row: QueuedComment, deps: HandlerDeps): Promise<boolean> {
  const timers = await getTimers(deps.store, { repo: row.repo, number: row.number });
  const timer = timers.find((t) => t.metric === (row.metric as Timer["metric"]) && t.cycle === row.cycle);
  return timer === undefined || timer.state === "met" || timer.state === "cancelled";
}

async function retryLater(row: QueuedComment, deps: HandlerDeps, log: Logger, error: unknown): Promise<void> {
  if (error instanceof CommentLeaseLostError) {
    log.info(error.message);
    return;
  }
  const attempt = row.attempts + 1;
  const retryAt = deps.clock.now() + Math.max(escalationRetryDelayMs(attempt), retryAfterOf(error) ?? 0);
  let kept: number | null = null;
  try {
    kept = await retryQueuedComment(deps.store, row.key, deps.owner, retryAt);
  } catch (storeError) {
    log.warn(
      { error: describeError(storeError) },
      "could not give the comment back; its lease expires on its own",
    );
  }
  const fields = {
    attempt,
    ...(kept !== null ? { nextAttemptAt: new Date(retryAt).toISOString() } : {}),
    error: describeError(error),
  };
  const message =
    kept !== null
      ? "escalation comment failed; will retry"
      : "escalation comment failed; this process no longer holds it, whoever claims it next retries";
  if (attempt >= ESCALATION_LOUD_AFTER) log.error(fields, `${message} (still failing)`);
  else log.warn(fields, message);
}

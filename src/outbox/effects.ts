import { describeError, errorSummary } from "../helpers/describe-error.js";
import type { DeliveryResult } from "../notify/retry.js";
import type { Metrics } from "../runtime/metrics.js";
import type { Store } from "../store/db.js";
import { beginEffect, cancelEffect, failEffect, finishEffect, getEffect } from "../store/tracking-store.js";

/**
 * The outbox (the `effects` table) is the one record of what the app sent (issue 10, kinds 1-2).
 * An effect is `done` only after its receiver confirmed it; a failed try is recorded with its
 * error and the effect stays pending, so whichever attempt comes next (the inbox retrying the
 * delivery, the scheduler retrying the escalation, or either after a restart) completes it.
 * Nothing is retried by sleeping in memory for longer than one request's timeout.
 */

/**
 * How long an effect is retried from its first failed try before it is given up: 24 hours
 * (epoch-ms difference). A receiver that refuses a message for good (a 4xx other than 408/429)
 * gives it up at once. A given-up effect is logged at error and counted, never marked `done`.
 */
export const EFFECT_GIVE_UP_AFTER_MS = 24 * 60 * 60_000;

export type EffectChannel = "pagerduty" | "slack" | "github";

/** The part of a pino logger the outbox uses. Lines carry `issue` (from the effect key). */
export interface OutboxLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * A notification that did not go through, thrown by `deliver` so the outbox (and then the inbox or
 * the scheduler) can retry it. `message` and `result.error` are redacted: no secrets, no customer
 * text (the receivers' own error wording, a status, a network code).
 */
export class EffectFailedError extends Error {
  override readonly name = "EffectFailedError";
  constructor(
    readonly channel: EffectChannel,
    readonly result: DeliveryResult,
  ) {
    super(`${channel} notification failed: ${result.error ?? `HTTP ${result.status ?? "no answer"}`}`);
  }

  /** The receiver's Retry-After, ms, when it sent one. */
  get retryAfterMs(): number | undefined {
    return this.result.retryAfterMs;
  }
}

/**
 * Thrown by an effect that decided not to send after all, before anything left the process (a
 * queued comment whose lease another process took: see postQueuedComment). `runEffect` records no
 * failure for it: an effect tried for the first time is forgotten (the next holder starts it as
 * new), one tried before stays as it was; the error is rethrown to the caller.
 */
export class EffectNotSentError extends Error {
  override readonly name: string = "EffectNotSentError";
}

/** Throws `EffectFailedError` unless the notification was confirmed (`ok`). */
export async function deliver(channel: EffectChannel, send: () => Promise<DeliveryResult>): Promise<void> {
  const result = await send();
  if (!result.ok) throw new EffectFailedError(channel, result);
}

/**
 * The Retry-After (ms) an error carries, looking through the effect error that wraps it: the
 * inbox and the scheduler never try again sooner. Undefined when there is none.
 */
export function retryAfterOf(error: unknown): number | undefined {
  if (error instanceof EffectFailedError) return error.retryAfterMs;
  return undefined;
}

export interface OutboxDeps {
  store: Store;
  clock: { now(): number };
  metrics: Pick<Metrics, "effectFailures">;
  /** Test crash points (SUPPORT_SLA_FAILPOINT); a no-op in production. */
  failpoint: (name: string) => void;
}

export interface EffectOptions {
  /** Default `github`. */
  channel?: EffectChannel;
  /** Where failures are logged (warn; error when given up), bound to the issue or not. */
  log?: OutboxLogger | undefined;
  /**
   * The level of the line when the receiver refuses the effect for good. Default `error`; `warn`
   * for an effect whose loss leaves the issue tracked as usual (a Slack thread reply).
   */
  refusedLevel?: "warn" | "error";
}

/**
 * `owner/repo#12` from an effect key `owner/repo#12:c1:page` (the issue every line must carry);
 * undefined for a key that names no issue (a channel effect made before its issue exists).
 */
function issueOfKey(key: string): string | undefined {
  return /^([^#:]+\/[^#:]+#\d+)/.exec(key)?.[1];
}

/** What a failure means for the next attempt. */
function classify(
  error: unknown,
  onInterrupted: "rerun" | "skip",
): { landed: "no" | "maybe"; permanent: boolean } {
  if (error instanceof EffectFailedError) {
    const failure = error.result.failure ?? "retry";
    if (failure === "permanent") return { landed: "no", permanent: true };
    return { landed: failure === "unknown" ? "maybe" : "no", permanent: false };
  }
  // A GitHub write: an answer (4xx, 5xx) or a refused connection means it was not made... except
  // that a 5xx may come after GitHub made it, which only an idempotent (`rerun`) effect can risk.
  const status = (error as { status?: unknown } | null)?.status;
  const code = describeError(error).code;
  if (typeof status === "number" && status >= 400 && status < 500) return { landed: "no", permanent: false };
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN")
    return { landed: "no", permanent: false };
  return { landed: onInterrupted === "rerun" ? "no" : "maybe", permanent: false };
}

/**
 * Runs the side effect `key` once, however often its transition is retried, and records in the
 * outbox only what happened:
 * - `done` (skipped): it was confirmed before. `failed` (skipped): it was given up.
 * - `sending` found (a try that crashed, or one that may have landed): `rerun` effects (labels, a
 *   comment checked by marker, a PagerDuty event with its dedup key) run again; `skip` effects (a
 *   Slack message) are not repeated: at most once beats twice.
 * - Otherwise it runs. Success marks it `done` and returns true. An `EffectNotSentError` (the
 *   effect chose not to send) records nothing and is rethrown. A failure is logged at warn with
 *   the issue, counted in `support_sla_effect_failures_total{channel,outcome}`, recorded, and
 *   rethrown, so the caller's delivery or escalation is retried (no sooner than `Retry-After`, see
 *   `retryAfterOf`); the effect stays pending and the retry completes it. Two exceptions return
 *   false instead of throwing: a `skip` effect that may have landed (never sent again), and an
 *   effect given up (refused for good, or failing for longer than `EFFECT_GIVE_UP_AFTER_MS`),
 *   logged at error.
 *
 * Returns true when this call made the effect, false when it did not (already made, skipped,
 * given up). Throws what the effect threw when a later attempt should try again.
 */
export async function runEffect(
  deps: OutboxDeps,
  key: string,
  onInterrupted: "rerun" | "skip",
  effect: () => Promise<void>,
  options: EffectOptions = {},
): Promise<boolean> {
  const channel = options.channel ?? "github";
  // A receiver's Retry-After outlives this process: an attempt that comes sooner (a restart, a
  // retried delivery) does not send, it is told how long to wait.
  const pending = await getEffect(deps.store, key);
  const waitMs =
    pending?.status === "retry" && pending.retry_at !== null
      ? Number(pending.retry_at) - deps.clock.now()
      : 0;
  if (waitMs > 0) {
    throw new EffectFailedError(channel, {
      ok: false,
      attempts: 0,
      failure: "retry",
      retryAfterMs: waitMs,
      error: `not sent yet: the receiver asked to wait until ${new Date(Number(pending?.retry_at)).toISOString()}`,
    });
  }
  const status = await beginEffect(deps.store, key, deps.clock.now());
  if (status === "done" || status === "failed") return false;
  if (status === "sending" && onInterrupted === "skip") return false;
  try {
    await effect();
  } catch (error) {
    if (error instanceof EffectNotSentError) {
      // Nothing was sent: no failure to record. A first try leaves no trace; an earlier try's
      // `sending` stays (it may have landed: the next holder checks before sending).
      if (status === "new") await cancelEffect(deps.store, key);
      throw error;
    }
    await recordFailure(deps, key, channel, onInterrupted, error, options.log, options.refusedLevel);
    return false;
  }
  // Test crash point: only after a first attempt, so the restarted process can finish the job.
  if (status === "new") deps.failpoint(`after-${key.split(":").pop()}`);
  await finishEffect(deps.store, key, deps.clock.now());
  return true;
}

/** Records and reports one failed try; rethrows `error` when a later attempt should send it. */
async function recordFailure(
  deps: OutboxDeps,
  key: string,
  channel: EffectChannel,
  onInterrupted: "rerun" | "skip",
  error: unknown,
  log: OutboxLogger | undefined,
  refusedLevel: "warn" | "error" = "error",
): Promise<void> {
  const now = deps.clock.now();
  const { landed, permanent } = classify(error, onInterrupted);
  // A receiver's answer is no bug: its place in our code (the stack) says nothing.
  const described =
    error instanceof EffectFailedError ? { ...describeError(error), stack: undefined } : describeError(error);
  const summary = errorSummary(described);
  const retryAfterMs = retryAfterOf(error);
  const previous = await getEffect(deps.store, key);
  const firstFailedAt = previous?.first_failed_at ?? now;
  const expired = now - Number(firstFailedAt) >= EFFECT_GIVE_UP_AFTER_MS;
  const doubled = landed === "maybe" && onInterrupted === "skip";
  const giveUp = permanent || (expired && !doubled);
  const row = await failEffect(deps.store, key, now, {
    status: giveUp ? "failed" : doubled ? "sending" : "retry",
    error: summary,
    retryAt: retryAfterMs === undefined ? null : now + retryAfterMs,
  });
  // The issue key once: a logger already bound to this issue (the inbox's) carries it.
  const bindings = (log as { bindings?: () => Record<string, unknown> } | undefined)?.bindings?.() ?? {};
  const issue = bindings.issue === undefined ? issueOfKey(key) : undefined;
  const fields = {
    ...(issue !== undefined ? { issue } : {}),
    effect: key.split(":").pop(),
    channel,
    attempt: row.attempts,
    ...(error instanceof EffectFailedError && error.result.status !== undefined
      ? { status: error.result.status }
      : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    error: described,
  };
  if (giveUp) {
    deps.metrics.effectFailures.inc({ channel, outcome: "given-up" });
    const level = permanent ? refusedLevel : "error";
    log?.[level](
      { ...fields, firstFailedAt: new Date(Number(firstFailedAt)).toISOString() },
      permanent
        ? `${channel} effect refused by the receiver: given up, not sent`
        : `${channel} effect still failing after the retry limit: given up, not sent`,
    );
    return;
  }
  if (doubled) {
    deps.metrics.effectFailures.inc({ channel, outcome: "unknown" });
    log?.warn(
      fields,
      `${channel} effect failed after it may have been delivered: not sent again (at most once)`,
    );
    return;
  }
  deps.metrics.effectFailures.inc({ channel, outcome: "retry" });
  log?.warn(fields, `${channel} effect failed; the next attempt sends it`);
  throw error;
}

import { Context } from "probot";
import { failFast, logTo } from "../github/octokit.js";
import { describeError, errorSummary } from "../helpers/describe-error.js";
import { payloadSubject } from "../helpers/issue-log.js";
import { repoKey } from "../store/intake-store.js";
import type { InboxRow } from "../store/tracking-store.js";
import { failInbox, finishInbox } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { type IntakeTrigger, relabelTrigger, runIntake } from "./intake.js";
import { handleClosed, handleComment } from "./lifecycle.js";
import { handlePostMortemLabel, isPostMortemLabel } from "./post-mortem.js";
import { handlePush } from "./push.js";
import { IssueBusyError, withIssueLock } from "./sla.js";

const MAX_ATTEMPTS = 12;

/** Backoff between attempts of a failed delivery: 2 s, 4 s, … capped at 10 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(2_000 * 2 ** Math.max(0, attempts - 1), 600_000);
}

type AnyContext = Context;

/** The intake trigger of an `issues` event, or null when the event changes nothing intake reads. */
async function intakeTrigger(context: AnyContext, deps: HandlerDeps): Promise<IntakeTrigger | null> {
  const payload = context.payload as { action?: string; changes?: { body?: unknown } };
  switch (payload.action) {
    case "opened":
      return { kind: "opened" };
    case "reopened":
      return { kind: "reopened" };
    case "edited":
      return payload.changes?.body ? { kind: "edited" } : null;
    case "labeled": {
      const { policy } = await deps.setups.get(context.octokit, context.repo());
      return relabelTrigger(context as Context<"issues.labeled">, policy);
    }
    default:
      return null;
  }
}

/** Applies one stored delivery. */
async function apply(context: AnyContext, deps: HandlerDeps): Promise<void> {
  const payload = context.payload as {
    action?: string;
    issue?: { number: number; pull_request?: unknown };
    repository?: { name: string; owner: { login: string } };
  };
  if (context.name === "push") return handlePush(context as Context<"push">, deps);
  if (!payload.issue || !payload.repository || payload.issue.pull_request) return;
  const key = {
    repo: repoKey(payload.repository.owner.login, payload.repository.name),
    number: payload.issue.number,
  };
  await withIssueLock(deps, key, async () => {
    if (context.name === "issue_comment") {
      if (payload.action === "created")
        await handleComment(context as Context<"issue_comment.created">, deps);
      return;
    }
    if (payload.action === "closed") return handleClosed(context as Context<"issues.closed">, deps);
    const label = (payload as { label?: { name: string } }).label;
    if (payload.action === "labeled" && label) {
      const { policy } = await deps.setups.get(context.octokit, context.repo());
      if (isPostMortemLabel(label.name, policy)) {
        return handlePostMortemLabel(context as Context<"issues.labeled">, deps, policy);
      }
    }
    const trigger = await intakeTrigger(context, deps);
    if (trigger) await runIntake(context as Parameters<typeof runIntake>[0], deps, trigger);
    else context.log.debug("nothing for intake to do");
  });
}

/**
 * Applies one delivery from the inbox and records the outcome: done, or retried later with
 * backoff (GitHub down, another replica busy with the issue). A delivery that keeps failing is
 * given up after MAX_ATTEMPTS and left in the inbox with its last error for an admin to read.
 * Every failed attempt is logged at once (warn; error when given up) with the issue, the attempt
 * and when the next one is due; GitHub's own client does not retry quietly in between (failFast).
 */
export async function dispatchDelivery(row: InboxRow, deps: HandlerDeps): Promise<void> {
  const payload = row.payload as { action?: unknown } | null;
  const log = deps.log.child({
    delivery: row.delivery_id,
    event: row.event,
    ...(typeof payload?.action === "string" ? { action: payload.action } : {}),
    ...payloadSubject(row.payload),
  });
  const started = deps.clock.now();
  try {
    const octokit = logTo(failFast(await deps.auth(row.installation_id ?? 0)), log);
    const context = new Context(
      { id: row.delivery_id, name: row.event, payload: row.payload } as never,
      octokit,
      log,
    );
    await apply(context, { ...deps, log });
    await finishInbox(deps.store, row.delivery_id, deps.owner, deps.clock.now());
    deps.metrics.webhooks.inc({ event: row.event, outcome: "handled" });
    log.debug({ ms: deps.clock.now() - started, attempt: row.attempts }, "delivery handled");
  } catch (error) {
    const busy = error instanceof IssueBusyError;
    const giveUp = !busy && row.attempts >= MAX_ATTEMPTS;
    const described = describeError(error);
    const summary = errorSummary(described);
    if (giveUp) {
      log.error(
        { attempt: row.attempts, maxAttempts: MAX_ATTEMPTS, error: described },
        "delivery failed too often: given up, kept in the inbox",
      );
      await failInbox(deps.store, row.delivery_id, deps.owner, summary, Number.MAX_SAFE_INTEGER);
    } else {
      const retryAt = deps.clock.now() + (busy ? 500 : retryDelayMs(row.attempts));
      const nextAttemptAt = new Date(retryAt).toISOString();
      if (busy) log.debug({ nextAttemptAt }, "issue busy in another process: delivery waits");
      else
        log.warn(
          { attempt: row.attempts, maxAttempts: MAX_ATTEMPTS, nextAttemptAt, error: described },
          "delivery failed; will retry",
        );
      await failInbox(deps.store, row.delivery_id, deps.owner, summary, retryAt);
    }
    deps.metrics.webhooks.inc({ event: row.event, outcome: giveUp ? "failed" : "retried" });
  }
}

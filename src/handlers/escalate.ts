import { decideDue } from "../domain/sla/clock.js";
import {
  atRiskSlackText,
  breachMarker,
  breachSlackText,
  renderBreachComment,
} from "../domain/sla/messages.js";
import { addLabel, removeLabel } from "../github/labels.js";
import { getTrackedIssue, type TrackedRow } from "../store/intake-store.js";
import { releaseLease, updateTracked } from "../store/tracking-store.js";
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

/**
 * The scheduler's action on one claimed row: re-read the issue's comments (a reply may have
 * landed while a webhook was lost), then warn (at risk) or escalate (breach) once. Every effect
 * goes through the outbox, so a crash or a second replica never doubles it. At most four GitHub
 * calls per breach: comments, breached label, breach comment, at-risk label removed.
 */
export async function escalateDue(claimed: TrackedRow, deps: HandlerDeps): Promise<void> {
  const key = { repo: claimed.repo, number: claimed.number };
  try {
    await withIssueLock(deps, key, async () => {
      const row = await getTrackedIssue(deps.store, key);
      if (!row || row.lease_owner !== deps.owner) return; // the lease expired and someone else took it
      await escalateLocked(row, deps);
    });
  } catch (error) {
    if (!(error instanceof IssueBusyError)) throw error;
    await releaseLease(deps.store, key, deps.owner); // a webhook is on it: look again on the next pass
  }
}

async function escalateLocked(row: TrackedRow, deps: HandlerDeps): Promise<void> {
  const now = deps.clock.now();
  const ref = issueRef(row);
  const gh = await deps.auth(row.installation_id);
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
    if (!(await remindPostMortem(deps, gh, row, policy))) await releaseLease(deps.store, row, deps.owner);
    return;
  }
  const log = deps.log.child({ issue: `${row.repo}#${row.number}`, transition: decision.transition });

  const comments = (await gh.paginate(gh.rest.issues.listComments, {
    ...ref,
    since: new Date(row.cycle_started_at).toISOString(),
    per_page: 100,
  })) as unknown as CommentLike[];
  for (const comment of comments) {
    const at = Date.parse(comment.created_at);
    if (at < row.cycle_started_at || !(await commentCounts(deps, gh, comment, row, policy))) continue;
    log.info({ by: comment.user?.login }, "a team reply was found before escalating: recorded instead");
    await applyTeamResponse(deps, gh, row, policy, at, comment.user?.login ?? "");
    await releaseLease(deps.store, row, deps.owner);
    return;
  }

  const { slack, pagerduty } = deps.notifiers;
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
      // Already posted by an attempt that died before recording it: the comments say so.
      if (comments.some((c) => (c as { body?: string }).body?.includes(marker))) return;
      const body = renderBreachComment({
        cycle: row.cycle,
        mention: policy.escalation.mention,
        typeLabel: policy.types.find((t) => t.key === row.type)?.label ?? row.type,
        priorityLabel: priority.label,
        cycleStartAt: row.cycle_started_at,
        deadlineAt: row.deadline_at,
        now,
        timezone: policy.calendar.timezone,
        paged: decision.patch.paged && pagerduty !== null,
      });
      await gh.rest.issues.createComment({ ...ref, body });
    });
  }
  if (decision.removeAtRiskLabel) {
    await once(deps, effectKey(row, "at-risk-unlabel"), "rerun", () =>
      removeLabel(gh, ref, policy.labels.atRisk),
    );
  }
  if (decision.triggerPage && pagerduty) {
    await once(deps, effectKey(row, "page"), "rerun", async () => {
      await pagerduty.trigger(
        pagerIssue(row),
        `First response overdue: ${row.repo}#${row.number} ${row.title}`.slice(0, 1024),
        "critical",
        { priority: priority.key, type: row.type, deadline: new Date(row.deadline_at).toISOString() },
      );
    });
  }
  if (decision.notifySlack && slack) {
    const text =
      decision.transition === "breach"
        ? breachSlackText({
            mention: policy.escalation.mention,
            deadlineAt: row.deadline_at,
            now,
            paged: decision.patch.paged,
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
    await once(deps, effectKey(row, `${decision.transition}-slack`), "skip", async () => {
      await slack.notify(
        notice(row, policy, decision.transition === "breach" ? "breached" : "at-risk", text),
      );
    });
  }

  const breach = decision.transition === "breach";
  await updateTracked(
    deps.store,
    row,
    deps.owner,
    {
      state: decision.patch.state,
      next_due_at: decision.patch.nextDueAt,
      paged_cycle: decision.patch.paged ? row.cycle : null,
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

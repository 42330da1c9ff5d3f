import type { Policy, PriorityPolicy } from "../domain/policy.js";
import type { LevelFiring, TimerEffect } from "../domain/timers/timer.js";
import { addLabel, removeLabel } from "../github/labels.js";
import type { GitHub } from "../github/octokit.js";
import type { HandlerDeps } from "../handlers/deps.js";
import { type CommentLike, issueRef, pagerIssue } from "../handlers/sla.js";
import type { SlaNotice } from "../notify/index.js";
import { deliver, once, type TimerFiringRef, timerEffectKey } from "../outbox/index.js";
import type { QueuedCommentInsert } from "../store/comment-queue-store.js";
import type { TrackedRow } from "../store/intake-store.js";
import type { TimerRow } from "../store/timer-store.js";
import { getEffect } from "../store/tracking-store.js";
import { firingTexts } from "./texts.js";

/** One firing of a timer's ladder level, with everything its effects need. */
export interface FiringInput {
  deps: HandlerDeps;
  gh: GitHub;
  policy: Policy;
  priority: PriorityPolicy;
  /** The issue (title, link, author, type, the cycle its incident is keyed by). */
  tracked: TrackedRow;
  timer: TimerRow;
  firing: LevelFiring;
  now: number;
  /** An incident is already open for the issue's cycle (before this firing). */
  paged: boolean;
}

/** The order a firing's effects are applied in: the cheap signals first, the comment last. */
const ORDER: Record<TimerEffect["kind"], number> = {
  page: 0,
  slack: 1,
  "add-label": 2,
  "remove-label": 3,
  "page-ack": 4,
  comment: 5,
};

/**
 * Applies the effects of one firing through the outbox, each exactly once under its key
 * (`timerEffectKey`): the page first, so what the comment and the Slack message say about it is
 * what the outbox confirmed; then Slack and the labels (the cheap signals). The comment is not
 * posted here: it is rendered and returned, for the caller to queue in the transaction that
 * records the firing (`saveTimers` with `comments`); `postQueuedComment` posts it once the
 * installation's write pacing lets it out. None is returned when its effect is already done. A
 * notification that failed (PagerDuty, Slack) does not hold up the labels: its error is thrown
 * after them, and the retried escalation completes what is pending. A GitHub write that fails
 * throws at once.
 *
 * Returns whether an incident is open for the issue's cycle after this firing (`paged` before, or
 * this firing's page confirmed), and the comment to queue. Throws what a failed effect threw.
 */
export async function applyFiring(
  input: FiringInput,
): Promise<{ paged: boolean; comment?: QueuedCommentInsert }> {
  const { deps, gh, policy, tracked, timer, firing } = input;
  const log = deps.log;
  const ref = issueRef(timer);
  const firingRef: TimerFiringRef = {
    repo: timer.repo,
    number: timer.number,
    metric: timer.metric,
    cycle: timer.cycle,
    level: firing.level.name,
    repeat: firing.repeat,
  };
  const keyOf = (kind: TimerEffect["kind"]) => timerEffectKey(firingRef, kind);
  const { slack, pagerduty } = deps.notifiers;
  const deferred: unknown[] = [];
  const effects = [...firing.effects].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  let paged = input.paged;
  let comment: QueuedCommentInsert | undefined;
  // The level's comment and Slack line name the assignees: read once, only when the level asks.
  const speaks = effects.some((e) => e.kind === "comment" || e.kind === "slack");
  const assignees = firing.level.mentionAssignees && speaks ? await assigneesOf(gh, ref) : [];
  for (const effect of effects) {
    switch (effect.kind) {
      case "page": {
        if (!pagerduty) break;
        const texts = firingTexts(input, paged, assignees);
        await once(
          deps,
          keyOf("page"),
          "rerun",
          () =>
            deliver("pagerduty", () =>
              pagerduty.trigger(
                pagerIssue(tracked),
                texts.pageSummary,
                "critical",
                {
                  priority: input.priority.key,
                  type: tracked.type,
                  metric: timer.metric,
                  ...(timer.deadlineAt !== null
                    ? { deadline: new Date(timer.deadlineAt).toISOString() }
                    : {}),
                },
                log,
              ),
            ),
          { channel: "pagerduty", log },
        ).catch((error: unknown) => void deferred.push(error));
        paged = paged || (await getEffect(deps.store, keyOf("page")))?.status === "done";
        break;
      }
      case "slack": {
        if (!slack) break;
        const texts = firingTexts(input, paged, assignees);
        const notice: SlaNotice = {
          kind: texts.slackKind,
          metric: timer.metric,
          issue: { repo: tracked.repo, number: tracked.number, title: tracked.title, url: tracked.html_url },
          typeLabel: policy.types.find((t) => t.key === tracked.type)?.label ?? tracked.type,
          priorityLabel: input.priority.label,
          deadline: timer.deadlineAt ?? input.now,
          timezone: policy.calendar.timezone,
          text: texts.slack,
        };
        await once(deps, keyOf("slack"), "skip", () => deliver("slack", () => slack.notify(notice, log)), {
          channel: "slack",
          log,
        }).catch((error: unknown) => void deferred.push(error));
        break;
      }
      case "add-label":
        await once(deps, keyOf("add-label"), "rerun", () => addLabel(gh, ref, effect.label));
        break;
      case "remove-label":
        await once(deps, keyOf("remove-label"), "rerun", () => removeLabel(gh, ref, effect.label));
        break;
      case "comment": {
        // Queued, not posted: the comment waits for the installation's write pacing on its own
        // (see post-comment.ts), queued in the transaction that records this firing, so the
        // slot goes on to the next due timer and no issue's cheap signals wait behind it.
        const key = keyOf("comment");
        if ((await getEffect(deps.store, key))?.status === "done") break;
        const texts = firingTexts(input, paged, assignees);
        comment = {
          key,
          installation_id: timer.installation_id,
          repo: timer.repo,
          number: timer.number,
          metric: timer.metric,
          cycle: timer.cycle,
          transition: firing.transition,
          rank: timer.rank,
          body: texts.comment,
          marker: texts.marker,
          since: timer.startedAt,
          queued_at: input.now,
          available_at: input.now,
        };
        break;
      }
      case "page-ack":
        break; // a meet's effect (a team reply), applied by the handlers
    }
  }
  // A notification still pending: retry the escalation (no sooner than its Retry-After) rather
  // than commit a firing whose effects are not all confirmed.
  if (deferred.length > 0) throw deferred[0];
  return { paged, ...(comment ? { comment } : {}) };
}

/** The logins assigned to the issue now (`GET /repos/{owner}/{repo}/issues/{issue_number}`). */
async function assigneesOf(gh: GitHub, ref: ReturnType<typeof issueRef>): Promise<string[]> {
  const { data } = await gh.rest.issues.get({ ...ref });
  return (data.assignees ?? []).flatMap((a) => (a?.login ? [a.login] : []));
}

/**
 * The issue's comments created or updated since `since` (epoch ms), every page
 * (`GET /repos/{owner}/{repo}/issues/{issue_number}/comments?since=`, "List issue comments").
 */
export async function commentsSince(
  gh: GitHub,
  ref: ReturnType<typeof issueRef>,
  since: number,
): Promise<CommentLike[]> {
  return (await gh.paginate(gh.rest.issues.listComments, {
    ...ref,
    since: new Date(since).toISOString(),
    per_page: 100,
  })) as unknown as CommentLike[];
}

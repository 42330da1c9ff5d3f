import type { ClockKind, EscalationLevel, Policy, PriorityPolicy, ResponseTarget } from "../policy.js";
import type { Metric } from "./timer.js";

/**
 * The default escalation ladder of the first-response, next-reply and resolution timers:
 * today's behaviour exactly. `at-risk` at `escalation.warn_at` of the target (label
 * `labels.at_risk`, Slack); `breach` at 100 % (label `labels.breached` replacing it, a comment
 * mentioning `escalation.mention`, Slack, and a page when the priority pages).
 */
export function defaultLadder(policy: Policy, priority: PriorityPolicy): EscalationLevel[] {
  return [
    {
      name: "at-risk",
      at: { kind: "fraction", fraction: policy.escalation.warnAt },
      label: policy.labels.atRisk,
      comment: false,
      mention: [],
      mentionAssignees: false,
      slack: true,
      page: false,
      repeatMs: null,
    },
    {
      name: "breach",
      at: { kind: "fraction", fraction: 1 },
      label: policy.labels.breached,
      comment: true,
      mention: [...policy.escalation.mention],
      mentionAssignees: false,
      slack: true,
      page: priority.page,
      repeatMs: null,
    },
  ];
}

/**
 * The ladder a metric's timers climb for `priority`:
 * - first_response, next_reply, resolution: `escalation.levels` (null → `defaultLadder`); a
 *   configured level's `page` pages whatever the priority.
 * - updates: `reminder` at `warnAt` (comment to the assignees and the escalation handles, Slack),
 *   then `breach` at 100 % (comment and Slack; no label, no page: the issue already paged).
 * - post_mortem: `reminder` at 100 % (comment to the escalation handles), repeating every
 *   `post_mortem.repeat` until done (null: once).
 */
export function ladderFor(policy: Policy, priority: PriorityPolicy, metric: Metric): EscalationLevel[] {
  switch (metric) {
    case "first_response":
    case "next_reply":
    case "resolution":
      return policy.escalation.levels
        ? policy.escalation.levels.map(copyLevel)
        : defaultLadder(policy, priority);
    case "updates":
      return [
        {
          name: "reminder",
          at: { kind: "fraction", fraction: policy.escalation.warnAt },
          label: null,
          comment: true,
          mention: [...policy.escalation.mention],
          mentionAssignees: true,
          slack: true,
          page: false,
          repeatMs: null,
        },
        {
          name: "breach",
          at: { kind: "fraction", fraction: 1 },
          label: null,
          comment: true,
          mention: [...policy.escalation.mention],
          mentionAssignees: true,
          slack: true,
          page: false,
          repeatMs: null,
        },
      ];
    case "post_mortem":
      return [
        {
          name: "reminder",
          at: { kind: "fraction", fraction: 1 },
          label: null,
          comment: true,
          mention: [...policy.escalation.mention],
          mentionAssignees: false,
          slack: false,
          page: false,
          repeatMs: policy.postMortem.repeatMs,
        },
      ];
  }
}

/**
 * Whether a priority pages on-call as soon as its first response is awaited, before any ladder
 * level: a paging priority (`page`) on the calendar clock, Production down by default. The intake
 * handler pages (effect key `…:page`) at intake, at a reopening without a team reply, and when a
 * waiting issue is raised to such a priority; the intake comment and the shipped forms say so.
 */
export function pagesAtStart(priority: Pick<PriorityPolicy, "page" | "clock">): boolean {
  return priority.page && priority.clock === "calendar";
}

/**
 * A metric's target and clock for `priority`, or null when the metric is off for it:
 * first_response → `response`; next_reply, resolution, updates → their keys (null = off) on the
 * priority's clock; post_mortem → `post_mortem.due` on the calendar clock, for the post-mortem
 * priorities only.
 */
export function metricTarget(
  policy: Policy,
  priority: PriorityPolicy,
  metric: Metric,
): { target: ResponseTarget; clock: ClockKind } | null {
  switch (metric) {
    case "first_response":
      return { target: { ...priority.response }, clock: priority.clock };
    case "next_reply":
      return priority.nextReply ? { target: { ...priority.nextReply }, clock: priority.clock } : null;
    case "resolution":
      return priority.resolution ? { target: { ...priority.resolution }, clock: priority.clock } : null;
    case "updates":
      return priority.updates ? { target: { ...priority.updates }, clock: priority.clock } : null;
    case "post_mortem":
      return policy.postMortem.priorities.includes(priority.key)
        ? { target: { kind: "duration", ms: policy.postMortem.dueMs }, clock: "calendar" }
        : null;
  }
}

function copyLevel(level: EscalationLevel): EscalationLevel {
  return { ...level, at: { ...level.at }, mention: [...level.mention] };
}

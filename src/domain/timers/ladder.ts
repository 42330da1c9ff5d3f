import type { ClockKind, EscalationLevel, Policy, PriorityPolicy, ResponseTarget } from "../policy.js";
import type { Metric } from "./timer.js";

/**
 * The default escalation ladder of the first-response, next-reply and resolution timers:
 * today's behaviour exactly. `at-risk` at `escalation.warn_at` of the target (label
 * `labels.at_risk`, Slack); `breach` at 100 % (label `labels.breached` replacing it, a comment
 * mentioning `escalation.mention`, Slack, and a page when the priority pages).
 */
export declare function defaultLadder(policy: Policy, priority: PriorityPolicy): EscalationLevel[];

/**
 * The ladder a metric's timers climb for `priority`:
 * - first_response, next_reply, resolution: `escalation.levels` (null → `defaultLadder`); a
 *   configured level's `page` pages whatever the priority.
 * - updates: `reminder` at `warnAt` (comment to the assignees and the escalation handles, Slack),
 *   then `breach` at 100 % (comment and Slack; no label, no page: the issue already paged).
 * - post_mortem: `reminder` at 100 % (comment to the escalation handles), repeating every
 *   `post_mortem.repeat` until done (null: once).
 */
export declare function ladderFor(
  policy: Policy,
  priority: PriorityPolicy,
  metric: Metric,
): EscalationLevel[];

/**
 * A metric's target and clock for `priority`, or null when the metric is off for it:
 * first_response → `response`; next_reply, resolution, updates → their keys (null = off) on the
 * priority's clock; post_mortem → `post_mortem.due` on the calendar clock, for the post-mortem
 * priorities only.
 */
export declare function metricTarget(
  policy: Policy,
  priority: PriorityPolicy,
  metric: Metric,
): { target: ResponseTarget; clock: ClockKind } | null;

import {
  firingMarker,
  renderTimerComment,
  type TimerMessageView,
  timerSlackText,
} from "../domain/timers/messages.js";
import { countedBetween, type Metric } from "../domain/timers/timer.js";
import type { FiringInput } from "./firing.js";

/** What one firing says: its comment (with its marker), its Slack line, its page's summary. */
export interface FiringTexts {
  comment: string;
  /** The hidden marker the comment carries, by which a retried firing finds it already posted. */
  marker: string;
  slack: string;
  /** The Slack notice's headline: below 100 % of the target `at-risk`, at or past it `breached`. */
  slackKind: "at-risk" | "breached";
  /** The PagerDuty incident's summary (plain text; PagerDuty shows it as the incident title). */
  pageSummary: string;
}

/** What the page says is overdue, per metric (the incident title: "First response overdue: …"). */
const PAGE_SUBJECT: Record<Metric, string> = {
  first_response: "First response",
  next_reply: "Next reply",
  resolution: "Resolution",
  updates: "Update",
  post_mortem: "Post-mortem",
};

/**
 * The texts of one firing, from the domain's renderers (domain/timers/messages.ts, which keeps
 * today's first-response breach comment, marker and Slack lines). `paged`: an incident is open for
 * the issue's cycle, as the outbox confirmed; `assignees`: the issue's assignees' logins (read
 * only when the level mentions them). Throws RangeError for a time zone the runtime does not know.
 */
export function firingTexts(input: FiringInput, paged: boolean, assignees: readonly string[]): FiringTexts {
  const { policy, priority, tracked, timer, firing, now } = input;
  const calendar = input.deps.calendars.for(policy);
  const counted = countedBetween(calendar, timer.clock, timer.pauses, timer.startedAt, now);
  const view: TimerMessageView = {
    metric: timer.metric,
    cycle: timer.cycle,
    level: firing.level,
    repeat: firing.repeat,
    assignees,
    startedAt: timer.startedAt,
    deadlineAt: timer.deadlineAt ?? now,
    now,
    targetMs: timer.targetMs,
    remainingMs: Math.max(0, timer.targetMs - counted),
    businessClock: timer.clock === "business",
    paged,
    typeName: policy.types.find((t) => t.key === tracked.type)?.name ?? tracked.type,
    priorityName: priority.name,
  };
  return {
    marker: firingMarker(timer.metric, timer.cycle, firing.level.name, firing.repeat),
    comment: renderTimerComment(policy, view),
    slack: timerSlackText(view, { timezone: policy.calendar.timezone }),
    slackKind: firing.transition === "at-risk" ? "at-risk" : "breached",
    pageSummary: `${PAGE_SUBJECT[timer.metric]} overdue: ${tracked.repo}#${tracked.number} ${tracked.title}`,
  };
}

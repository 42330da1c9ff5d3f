import type { BusinessCalendar } from "./business-hours.js";
import type { PriorityPolicy } from "./policy.js";

/** What a deadline depends on in a priority. */
export type DeadlineRule = Pick<PriorityPolicy, "response" | "clock">;

/**
 * The first-response deadline of an issue opened at `openedMs`. A duration on the calendar clock
 * is plain elapsed time; on the business clock it is business time. `next-business-day` is the
 * close of the next business day whatever the clock.
 */
export function computeDeadline(
  calendar: BusinessCalendar,
  priority: DeadlineRule,
  openedMs: number,
): number {
  const { response } = priority;
  if (response.kind === "next-business-day") return calendar.nextBusinessDayClose(openedMs);
  if (priority.clock === "calendar") return openedMs + response.ms;
  return calendar.addBusinessTime(openedMs, response.ms);
}

/**
 * The instant at which `warnAt` (a fraction, 0 … 1) of the time from opening to the deadline is
 * used up, measured on the priority's clock: business time for the business clock, so an issue
 * opened on Friday evening is not at risk over the weekend.
 */
export function atRiskInstant(
  calendar: BusinessCalendar,
  priority: DeadlineRule,
  openedMs: number,
  deadlineMs: number,
  warnAt: number,
): number {
  if (!(warnAt >= 0 && warnAt <= 1))
    throw new RangeError(`warnAt must be a fraction between 0 and 1, got ${warnAt}`);
  if (deadlineMs <= openedMs) return deadlineMs;
  if (priority.clock === "calendar") return openedMs + Math.round((deadlineMs - openedMs) * warnAt);
  const target = calendar.businessTimeBetween(openedMs, deadlineMs);
  return calendar.addBusinessTime(openedMs, Math.round(target * warnAt));
}

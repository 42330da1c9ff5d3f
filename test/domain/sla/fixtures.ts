import { createCalendar } from "../../../src/domain/business-hours.js";
import type { PriorityPolicy } from "../../../src/domain/policy.js";
import { testPolicy } from "../../helpers/policy.js";
import { at, local } from "../calendar-fixtures.js";

export { at } from "../calendar-fixtures.js";

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export const policy = testPolicy();
export const TZ = policy.calendar.timezone;
export const calendar = createCalendar(policy.calendar);
export const WARN_AT = policy.escalation.warnAt;

export function priority(key: string): PriorityPolicy {
  const found = policy.priorities.find((p) => p.key === key);
  if (!found) throw new Error(`no priority ${key} in the test policy`);
  return found;
}

/** A priority with a tiny calendar target, as demos and tests configure it (`10s`). */
export function seconds(n: number, page = false): PriorityPolicy {
  return {
    ...priority("production-down"),
    key: `s${n}`,
    response: { kind: "duration", ms: n * SECOND },
    page,
  };
}

/** Brussels wall time of an instant, with its offset: "2026-11-30T09:30+01:00". */
export const show = (ms: number | null) => (ms === null ? null : local(ms, TZ));

/** Friday 27 November 2026, 16:30 in Brussels: half an hour before the weekend. */
export const FRIDAY_1630 = at("2026-11-27T16:30+01:00");

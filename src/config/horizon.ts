import { HORIZON_DAYS } from "../domain/business-hours.js";
import { WEEKDAYS, type Weekday } from "../domain/calendar-types.js";
import { parseCivil, weekdayIndex } from "../domain/civil-date.js";
import { parseDuration } from "../domain/duration.js";
import { publicHolidayDates, resolveHolidayCalendar } from "../domain/holidays.js";
import { parseTimeRange } from "./time-range.js";

/*
 * The planning horizon as a config rule. The deadline engine plans at most HORIZON_DAYS (366)
 * days ahead (src/domain/business-hours.ts); a business-clock target is valid only when it is
 * certain to be reached within that horizon from any start. That is checked without walking the
 * calendar, from a lower bound of the business time any 366-day span holds:
 *
 *   52 weeks of business_hours (any 364 consecutive days hold each weekly range 52 times)
 *   − the business time of the holidays of the densest 366-day span (listed holidays, and the
 *     public holidays of holiday_calendar in this year and the next two, one day of slack)
 *   − daylight saving time: a spring-forward night shortens a range by at most an hour, and two
 *     such nights can fall within 366 days (2 × the lesser of 1 h and the longest business day).
 *
 * A target above that bound is a problem at `priorities.<key>.response`.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Years of public holidays counted, from the current one: holidays move from year to year. */
const PUBLIC_YEARS = 3;

/** What the bound reads from a config: the `business_hours`, `holidays` and `holiday_calendar` sections as written. */
export interface HorizonInput {
  business_hours: Partial<Record<Weekday, string[] | undefined>>;
  holidays: readonly string[];
  holiday_calendar?: { country: string; state?: string | undefined; region?: string | undefined } | null;
}

/** Business ms of each weekday, Monday first (ranges that do not parse count as closed). */
function dayMs(input: HorizonInput): number[] {
  return WEEKDAYS.map((day) =>
    (input.business_hours[day] ?? []).reduce((sum, text) => {
      const range = parseTimeRange(text);
      return range.ok ? sum + (range.end - range.start) * MINUTE_MS : sum;
    }, 0),
  );
}

/**
 * The least business time (ms) any {@link HORIZON_DAYS}-day span holds under these business
 * hours and holidays: the most business time a business-clock target may ask. 0 or less when
 * the week is (nearly) closed. `nowMs` (epoch ms) picks the years of public holidays counted.
 */
export function guaranteedBusinessMs(input: HorizonInput, nowMs: number = Date.now()): number {
  const perDay = dayMs(input);
  const week = perDay.reduce((a, b) => a + b, 0);
  const longestDay = Math.max(...perDay);
  const closed = new Set<number>();
  for (const text of input.holidays) {
    const n = parseCivil(text);
    if (n !== null) closed.add(n);
  }
  let slackDays = 0;
  const calendar = input.holiday_calendar ? resolveHolidayCalendar(input.holiday_calendar) : undefined;
  if (calendar?.ok) {
    const year = new Date(nowMs).getUTCFullYear();
    for (let y = year; y < year + PUBLIC_YEARS; y++) {
      for (const date of publicHolidayDates(calendar.spec, y).keys()) {
        const n = parseCivil(date);
        if (n !== null) closed.add(n);
      }
    }
    slackDays = 1;
  }
  // The densest span: a sliding window of HORIZON_DAYS days over the closed dates, in order.
  const days = [...closed].sort((a, b) => a - b);
  let lost = 0;
  let densest = 0;
  let first = 0;
  for (let last = 0; last < days.length; last++) {
    lost += perDay[weekdayIndex(days[last] as number)] ?? 0;
    while ((days[last] as number) - (days[first] as number) >= HORIZON_DAYS) {
      lost -= perDay[weekdayIndex(days[first] as number)] ?? 0;
      first++;
    }
    densest = Math.max(densest, lost);
  }
  const dstSlack = 2 * Math.min(HOUR_MS, longestDay);
  return 52 * week - densest - slackDays * longestDay - dstSlack;
}

/** `52 h`, `1 h 30 min`, `45 min`: a business-time budget for a message. */
function hoursText(ms: number): string {
  const minutes = Math.floor(ms / MINUTE_MS);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** The largest target the config syntax can write within `ms`: `52h`, `90m` or `30s`. */
function targetText(ms: number): string {
  if (ms >= HOUR_MS) return `${Math.floor(ms / HOUR_MS)}h`;
  if (ms >= MINUTE_MS) return `${Math.floor(ms / MINUTE_MS)}m`;
  return `${Math.max(0, Math.floor(ms / 1000))}s`;
}

/**
 * Why the business-clock target `response` cannot be planned under these hours and holidays,
 * or null when it can (always null for `next-business-day`, a calendar-clock priority or an
 * unparseable target, which other checks report).
 */
export function horizonProblem(
  response: string,
  clock: "calendar" | "business",
  input: HorizonInput,
  nowMs?: number,
): string | null {
  if (clock !== "business") return null;
  const parsed = parseDuration(response);
  if (!parsed.ok || parsed.target.kind !== "duration") return null;
  const week = dayMs(input).reduce((a, b) => a + b, 0);
  if (week === 0) return null; // an empty week is its own problem (business_hours)
  const budget = guaranteedBusinessMs(input, nowMs);
  if (parsed.target.ms <= budget) return null;
  const longest = budget >= 1000 ? `use at most ${targetText(budget)}` : "no business-clock target fits";
  return (
    `${JSON.stringify(response)} of business time may not be reached within ${HORIZON_DAYS} days, the furthest the app plans a deadline ahead: ` +
    `these business hours give ${hoursText(week)} a week, less holidays; ${longest}, add business hours, or set clock: calendar`
  );
}

/**
 * Why the listed holidays make a next-business-day (or any business-clock) deadline fall beyond
 * the horizon, or null: a run of closed dates (holidays, and the weekdays without business hours
 * between them) of {@link HORIZON_DAYS} days or more. Public holidays never run that long.
 */
export function closedRunProblem(input: HorizonInput): string | null {
  const perDay = dayMs(input);
  if (perDay.every((ms) => ms === 0)) return null; // an empty week is its own problem
  const days = [...new Set(input.holidays.map(parseCivil).filter((n): n is number => n !== null))].sort(
    (a, b) => a - b,
  );
  const closed = new Set(days);
  const isClosed = (n: number) => closed.has(n) || perDay[weekdayIndex(n)] === 0;
  for (const first of days) {
    if (isClosed(first - 1)) continue; // not the start of a run
    let last = first;
    while (isClosed(last + 1) && last - first < HORIZON_DAYS) last++;
    if (last - first + 1 >= HORIZON_DAYS) {
      return `the holidays from ${input.holidays.find((h) => parseCivil(h) === first)} close every date for ${HORIZON_DAYS} days or more, and the app plans a deadline at most ${HORIZON_DAYS} days ahead; leave business days open within every year`;
    }
  }
  return null;
}

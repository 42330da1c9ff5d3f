import { Temporal } from "temporal-polyfill";
import { type CalendarSpec, type DayRange, WEEKDAYS, type Weekday } from "../../src/domain/calendar-types.js";
import type { ResponseTarget } from "../../src/domain/policy.js";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** `"09:00-17:00"` → minutes after midnight; "24:00" allowed as an end. */
function range(text: string): DayRange {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
  if (!match) throw new Error(`bad range ${text}`);
  const [, sh, sm, eh, em] = match.map(Number) as [number, number, number, number, number];
  return { start: sh * 60 + sm, end: eh * 60 + em };
}

/** A week from `HH:MM-HH:MM` strings; weekdays left out are closed. */
export function week(days: Partial<Record<Weekday, string[]>>): CalendarSpec["week"] {
  return Object.fromEntries(
    WEEKDAYS.map((day) => [day, (days[day] ?? []).map(range)]),
  ) as CalendarSpec["week"];
}

export function everyDay(...ranges: string[]): CalendarSpec["week"] {
  return week(Object.fromEntries(WEEKDAYS.map((day) => [day, ranges])));
}

export const OFFICE_WEEK = week({
  monday: ["09:00-17:00"],
  tuesday: ["09:00-17:00"],
  wednesday: ["09:00-17:00"],
  thursday: ["09:00-17:00"],
  friday: ["09:00-17:00"],
});

/** The default policy's calendar: Europe/Brussels, Monday to Friday 09:00–17:00, no holidays. */
export const DEFAULT_SPEC: CalendarSpec = { timezone: "Europe/Brussels", week: OFFICE_WEEK, holidays: [] };

export function spec(
  timezone: string,
  weekSpec: CalendarSpec["week"] = OFFICE_WEEK,
  extra: Partial<CalendarSpec> = {},
) {
  return { timezone, week: weekSpec, holidays: [], ...extra } satisfies CalendarSpec;
}

/** The default policy's priorities, as far as deadlines are concerned. */
export const PRIORITIES = {
  "production-down": { response: { kind: "duration", ms: 30 * MINUTE }, clock: "calendar" },
  urgent: { response: { kind: "duration", ms: HOUR }, clock: "business" },
  normal: { response: { kind: "next-business-day" }, clock: "business" },
} as const satisfies Record<string, { response: ResponseTarget; clock: "calendar" | "business" }>;

/**
 * Epoch ms of an ISO instant that names its offset ("2026-11-27T16:30+01:00" or "…Z"), so tests
 * never read the host's time zone.
 */
export function at(iso: string): number {
  if (!/(Z|[+-]\d{2}:\d{2})$/.test(iso)) throw new Error(`${iso} must end with Z or an offset`);
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${iso}`);
  return ms;
}

/** Local wall time with offset, to the minute (seconds shown when not zero): "2026-11-30T09:30+01:00". */
export function local(ms: number, timezone: string): string {
  const zoned = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timezone);
  return zoned.toString({
    timeZoneName: "never",
    smallestUnit: zoned.second || zoned.millisecond ? "millisecond" : "minute",
  });
}

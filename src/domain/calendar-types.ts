/** Days of the week as the config names them, Monday first (ISO 8601 order: index + 1 = ISO weekday). */
export const WEEKDAYS = [
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening range on a local day, in minutes after local midnight: 0 ≤ start < end ≤ 1440. */
export interface DayRange {
  start: number;
  end: number;
}

/** Public holidays of a `date-holidays` calendar, in that library's own terms (e.g. DE / BY). */
export interface HolidayCalendarSpec {
  country: string;
  state?: string | undefined;
  region?: string | undefined;
}

/**
 * Everything the business-hours engine needs, already validated by the config layer:
 * ranges sorted and non-overlapping, time zone known to the runtime.
 */
export interface CalendarSpec {
  timezone: string;
  week: Record<Weekday, DayRange[]>;
  /** Extra closed local dates, `YYYY-MM-DD`. */
  holidays: string[];
  holidayCalendar?: HolidayCalendarSpec | undefined;
}

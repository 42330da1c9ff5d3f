import { z } from "zod";
import { WEEKDAYS, type Weekday } from "../../domain/calendar-types.js";
import { checkHolidayCalendar } from "../../domain/holidays.js";
import { DEFAULT_TIMEZONE, DEFAULT_WEEK } from "../defaults.js";
import { limitedString, MAX_CHARS, MAX_ITEMS, tooManyItems } from "../limits.js";
import { echo, expected, quoted } from "../messages.js";
import { didYouMean } from "../suggest.js";
import { findOverlaps, formatRange, parseTimeRange, TIME_RANGE_PATTERN } from "../time-range.js";

/* The sections that make the business calendar: timezone, business_hours, holidays, holiday_calendar. */

// ---------------------------------------------------------------- timezone

/** Why `zone` cannot be used, or null. Offsets are refused even where Intl takes them: they ignore DST. */
export function timeZoneProblem(zone: string): string | null {
  const example = 'use an IANA name such as "Europe/Brussels" or "America/New_York"';
  if (/^[+-]|^$/.test(zone.trim())) {
    return `${echo(zone)} is not an IANA time zone; ${example} (a fixed offset would ignore daylight saving time)`;
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return null;
  } catch {
    return `${echo(zone)} is not a time zone known to this runtime; ${example}${didYouMean(zone, Intl.supportedValuesOf("timeZone"))}`;
  }
}

export const timezoneSchema = limitedString(
  MAX_CHARS.timezone,
  'an IANA time zone name such as "Europe/Brussels"',
)
  .superRefine((zone, ctx) => {
    const problem = timeZoneProblem(zone);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .default(DEFAULT_TIMEZONE)
  .describe(
    "IANA time zone of the support desk, e.g. `Europe/Brussels` or `America/New_York`. Business hours, holidays and the dates shown to customers use it.",
  );

// ---------------------------------------------------------------- business_hours

const timeRangeSchema = limitedString(MAX_CHARS.timeRange, 'a time range "HH:MM-HH:MM", e.g. "09:00-17:00"')
  // Not `abort: true`: an aborting issue would also stop the day's overlap check.
  .regex(TIME_RANGE_PATTERN, {
    error: (issue) => {
      const parsed = parseTimeRange(String(issue.input));
      return parsed.ok ? undefined : parsed.message;
    },
  })
  .superRefine((text, ctx) => {
    const parsed = parseTimeRange(text);
    if (!parsed.ok && TIME_RANGE_PATTERN.test(text))
      ctx.addIssue({ code: "custom", message: parsed.message });
  });

const daySchema = (day: Weekday) =>
  z
    .array(timeRangeSchema, {
      error: expected(`a list of ranges such as ["09:00-17:00"] ([] for a closed day)`),
    })
    .max(MAX_ITEMS.rangesPerDay, {
      abort: true,
      error: tooManyItems(MAX_ITEMS.rangesPerDay, "opening ranges a day"),
    })
    .superRefine(
      (texts, ctx) => {
        const ranges = texts.map((text) => {
          const parsed = typeof text === "string" ? parseTimeRange(text) : undefined;
          return parsed?.ok ? { start: parsed.start, end: parsed.end } : undefined;
        });
        for (const { index, other } of findOverlaps(ranges)) {
          const a = ranges[index];
          const b = ranges[other];
          if (!a || !b) continue;
          const merged = formatRange({ start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) });
          ctx.addIssue({
            code: "custom",
            path: [index],
            message: `${JSON.stringify(texts[index])} overlaps ${JSON.stringify(texts[other])}; merge them into one range, "${merged}"`,
          });
        }
      },
      // Overlaps among the valid ranges are worth reporting even when another range is malformed.
      { when: (payload) => Array.isArray(payload.value) },
    )
    .optional()
    .describe(
      `Opening ranges on ${day[0]?.toUpperCase()}${day.slice(1)}, e.g. \`["09:00-12:00", "13:00-17:00"]\`; \`[]\` or left out: closed.`,
    );

export const businessHoursSchema = z
  .strictObject(
    Object.fromEntries(WEEKDAYS.map((day) => [day, daySchema(day)])) as Record<
      Weekday,
      ReturnType<typeof daySchema>
    >,
    { error: expected('a mapping of weekday to ranges, e.g. monday: ["09:00-17:00"]') },
  )
  .default(DEFAULT_WEEK)
  .describe(
    "Weekly opening hours in `timezone`: weekday → list of `HH:MM-HH:MM` ranges (`24:00` may end a range). A weekday left out is closed. Setting `business_hours` replaces the whole default week (Monday to Friday, 09:00-17:00).",
  );

// ---------------------------------------------------------------- holidays

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function isCalendarDate(text: string): boolean {
  const [year = 0, month = 0, day = 0] = text.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const holidaysSchema = z
  .array(
    limitedString(MAX_CHARS.date, 'a date "YYYY-MM-DD", e.g. "2026-12-24"')
      .regex(DATE_PATTERN, {
        abort: true,
        error: (issue) => `${quoted(issue)} is not a date; write YYYY-MM-DD, e.g. "2026-12-24"`,
      })
      .refine(isCalendarDate, {
        error: (issue) => `${quoted(issue)} is not a day of the calendar; check the month and day`,
      }),
    { error: expected('a list of dates such as ["2026-12-24"]') },
  )
  .max(MAX_ITEMS.holidays, { error: tooManyItems(MAX_ITEMS.holidays, "holidays") })
  .default([])
  .describe("Extra closed local dates, `YYYY-MM-DD` (e.g. `2026-12-24`); a holiday closes its whole date.");

export const holidayCalendarSchema = z
  .strictObject(
    {
      country: limitedString(MAX_CHARS.holidayCode, "a country code such as BE")
        .min(1)
        .describe("Country code as the `date-holidays` library names it, e.g. `BE`, `DE`, `US`."),
      state: limitedString(MAX_CHARS.holidayCode, "a state code such as BY")
        .optional()
        .describe("State or province code within the country, e.g. `BY` (Bavaria) with `country: DE`."),
      region: limitedString(MAX_CHARS.holidayCode, "a region code")
        .optional()
        .describe("Region code within the state, where `date-holidays` has one."),
    },
    { error: expected("a mapping such as {country: BE} or {country: DE, state: BY}") },
  )
  .superRefine((spec, ctx) => {
    // Check the parts one by one so the problem lands on the part that is wrong.
    const country = checkHolidayCalendar({ country: spec.country });
    if (country) return ctx.addIssue({ code: "custom", path: ["country"], message: country });
    if (spec.state !== undefined) {
      const state = checkHolidayCalendar({ country: spec.country, state: spec.state });
      if (state) return ctx.addIssue({ code: "custom", path: ["state"], message: state });
    }
    if (spec.region !== undefined) {
      const region = checkHolidayCalendar(spec);
      if (region) ctx.addIssue({ code: "custom", path: ["region"], message: region });
    }
  })
  .nullable()
  .optional()
  .describe(
    "Public holidays of a country from the `date-holidays` library, closed on top of `holidays`: `{country: BE}` or `{country: DE, state: BY}`. Absent or null: none.",
  );

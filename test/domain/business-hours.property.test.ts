import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BusinessCalendar } from "../../src/domain/business-hours.js";
import { type CalendarSpec, type DayRange, WEEKDAYS } from "../../src/domain/calendar-types.js";
import { NaiveCalendar } from "./naive-reference.js";

/**
 * Zones with the local dates of their 2026 DST changes and the wall times (minutes) around them,
 * so random schedules often start or end inside a gap or an overlap.
 */
const ZONES = [
  { timezone: "Europe/Brussels", dates: ["2026-03-29", "2026-10-25"], hot: [120, 150, 180] },
  { timezone: "America/New_York", dates: ["2026-03-08", "2026-11-01"], hot: [60, 90, 120, 150, 180] },
  { timezone: "Australia/Lord_Howe", dates: ["2026-04-05", "2026-10-04"], hot: [90, 105, 120, 135, 150] },
  { timezone: "Pacific/Chatham", dates: ["2026-04-05", "2026-09-27"], hot: [165, 195, 225, 240] },
  // Santiago changes at midnight: 24:00 ends and 00:00 starts fall in the gap or the overlap.
  { timezone: "America/Santiago", dates: ["2026-04-05", "2026-09-06"], hot: [0, 1380, 1410, 1440] },
  { timezone: "Asia/Kolkata", dates: ["2026-06-15", "2026-12-24"], hot: [0, 1440] },
  { timezone: "UTC", dates: ["2026-12-31"], hot: [0, 1440] },
];

const MINUTES_PER_DAY = 1440;
/** The engine caches 64-day blocks and one starts here: targets must carry across its edge. */
const BLOCK_EDGE = "2026-08-07";

/** 0–3 sorted, non-overlapping ranges, boundaries on a 15-minute grid or at the zone's hot wall times. */
function dayRanges(hot: number[]): fc.Arbitrary<DayRange[]> {
  const boundary = fc.oneof(
    fc.integer({ min: 0, max: 96 }).map((q) => q * 15),
    fc.constantFrom(...hot),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<DayRange[]>([]) },
    { weight: 1, arbitrary: fc.constant<DayRange[]>([{ start: 0, end: 1440 }]) },
    {
      weight: 5,
      arbitrary: fc.uniqueArray(boundary, { minLength: 2, maxLength: 6 }).map((points) => {
        const sorted = [...points].sort((a, b) => a - b);
        const ranges: DayRange[] = [];
        for (let k = 0; k + 1 < sorted.length; k += 2) {
          ranges.push({ start: sorted[k] ?? 0, end: sorted[k + 1] ?? 0 });
        }
        return ranges;
      }),
    },
  );
}

interface Case {
  spec: CalendarSpec;
  start: number; // epoch minutes
  minutes: number;
  span: number;
}

const caseArbitrary: fc.Arbitrary<Case> = fc
  .constantFrom(...ZONES)
  .chain(({ timezone, dates, hot }) =>
    fc.record({
      timezone: fc.constant(timezone),
      days: fc.array(dayRanges(hot), { minLength: 7, maxLength: 7 }),
      anchor: fc.constantFrom(...dates, BLOCK_EDGE).map((date) => Date.parse(`${date}T00:00:00Z`) / 60_000),
      offset: fc.integer({ min: -3 * MINUTES_PER_DAY, max: 2 * MINUTES_PER_DAY }),
      holidayOffsets: fc.uniqueArray(fc.integer({ min: -3, max: 10 }), { maxLength: 3 }),
      fraction: fc.double({ min: 0, max: 1.5, noNaN: true }),
      spanHours: fc.integer({ min: 0, max: 96 }),
    }),
  )
  .map(({ timezone, days, anchor, offset, holidayOffsets, fraction, spanHours }) => {
    const week = Object.fromEntries(WEEKDAYS.map((day, k) => [day, days[k] ?? []])) as CalendarSpec["week"];
    if (WEEKDAYS.every((day) => week[day].length === 0)) week.monday = [{ start: 9 * 60, end: 17 * 60 }];
    const weekly = WEEKDAYS.reduce((sum, day) => sum + week[day].reduce((s, r) => s + r.end - r.start, 0), 0);
    const anchorDay = Math.floor(anchor / MINUTES_PER_DAY);
    const holidays = holidayOffsets.map((k) =>
      new Date((anchorDay + k) * 86_400_000).toISOString().slice(0, 10),
    );
    return {
      spec: { timezone, week, holidays },
      start: anchor + offset,
      // Up to 1.5 weeks' worth of business time, capped to keep the naive walk short.
      minutes: Math.max(1, Math.min(12 * 60, Math.floor(weekly * fraction))),
      span: spanHours * 60 + (offset % 60),
    };
  });

const show = (minutes: number) => new Date(minutes * 60_000).toISOString();

describe("business-hours engine against a naive minute-by-minute reference", () => {
  it("addBusinessTime and businessTimeBetween agree with the reference", () => {
    fc.assert(
      fc.property(caseArbitrary, ({ spec, start, minutes }) => {
        const engine = new BusinessCalendar(spec);
        const naive = new NaiveCalendar(spec);
        const got = engine.addBusinessTime(start * 60_000, minutes * 60_000);
        const want = naive.addBusinessMinutes(start, minutes);
        expect(show(got / 60_000), `addBusinessTime(${show(start)}, ${minutes} min)`).toBe(show(want));
        // Round trip: exactly the requested business time lies between start and the result.
        expect(engine.businessTimeBetween(start * 60_000, got)).toBe(minutes * 60_000);
      }),
      { numRuns: 120 },
    );
  });

  it("businessTimeBetween agrees with the reference", () => {
    fc.assert(
      fc.property(caseArbitrary, ({ spec, start, span }) => {
        const engine = new BusinessCalendar(spec);
        const naive = new NaiveCalendar(spec);
        const got = engine.businessTimeBetween(start * 60_000, (start + span) * 60_000);
        expect(got / 60_000, `businessTimeBetween(${show(start)}, +${span} min)`).toBe(
          naive.businessMinutesBetween(start, start + span),
        );
      }),
      { numRuns: 80 },
    );
  });

  it("nextBusinessDayClose agrees with the reference", () => {
    fc.assert(
      fc.property(caseArbitrary, ({ spec, start }) => {
        const engine = new BusinessCalendar(spec);
        const naive = new NaiveCalendar(spec);
        const got = engine.nextBusinessDayClose(start * 60_000);
        expect(show(got / 60_000), `nextBusinessDayClose(${show(start)})`).toBe(
          show(naive.nextBusinessDayClose(start)),
        );
      }),
      { numRuns: 150 },
    );
  });
});

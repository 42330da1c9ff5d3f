import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BusinessCalendar } from "../../../src/domain/business-hours.js";
import { type CalendarSpec, type DayRange, WEEKDAYS } from "../../../src/domain/calendar-types.js";
import type { EscalationLevel } from "../../../src/domain/policy.js";
import {
  countedBetween,
  instantAtCounted,
  pauseTimer,
  resumeTimer,
  startTimer,
  type Timer,
  timerStatus,
} from "../../../src/domain/timers/timer.js";
import { NaiveCalendar } from "../naive-reference.js";

/**
 * Issue 12, "Tests that must exist": business time counted by a timer with pauses equals the naive
 * reference's business time minus the paused intervals' business time; and the deadline of a
 * paused-and-resumed timer is where the naive walk, skipping paused minutes, reaches the target.
 * Every instant is a whole minute; the naive reference reads the wall clock minute by minute.
 */

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

/** Zones with a 2026 DST change (local date) so pauses and hours straddle gaps and overlaps. */
const ZONES = [
  { timezone: "Europe/Brussels", dates: ["2026-03-29", "2026-10-25", "2026-12-24"] },
  { timezone: "America/New_York", dates: ["2026-03-08", "2026-11-01"] },
  { timezone: "Australia/Lord_Howe", dates: ["2026-04-05", "2026-10-04"] },
  { timezone: "America/Santiago", dates: ["2026-04-05", "2026-09-06"] },
  { timezone: "UTC", dates: ["2026-12-31", "2026-08-07"] },
];

function dayRanges(): fc.Arbitrary<DayRange[]> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant<DayRange[]>([]) },
    { weight: 1, arbitrary: fc.constant<DayRange[]>([{ start: 0, end: DAY_MINUTES }]) },
    {
      weight: 5,
      arbitrary: fc
        .uniqueArray(
          fc.integer({ min: 0, max: 96 }).map((q) => q * 15),
          { minLength: 2, maxLength: 4 },
        )
        .map((points) => {
          const sorted = [...points].sort((a, b) => a - b);
          const ranges: DayRange[] = [];
          for (let k = 0; k + 1 < sorted.length; k += 2)
            ranges.push({ start: sorted[k] ?? 0, end: sorted[k + 1] ?? 0 });
          return ranges;
        }),
    },
  );
}

interface Case {
  spec: CalendarSpec;
  /** Epoch minutes. */
  start: number;
  /** Pause boundaries as minute offsets from the start, sorted: [s0, e0, s1, e1, …]; an odd count leaves the last open. */
  marks: number[];
  span: number;
  targetMinutes: number;
}

const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    days: fc.array(dayRanges(), { minLength: 7, maxLength: 7 }),
    offset: fc.integer({ min: -2 * DAY_MINUTES, max: 2 * DAY_MINUTES }),
    holidayOffsets: fc.uniqueArray(fc.integer({ min: -2, max: 8 }), { maxLength: 3 }),
    marks: fc.uniqueArray(fc.integer({ min: 0, max: 3 * DAY_MINUTES }), { maxLength: 5 }),
    span: fc.integer({ min: 0, max: 3 * DAY_MINUTES }),
    targetMinutes: fc.integer({ min: 1, max: 8 * 60 }),
  })
  .chain((r) => fc.record({ r: fc.constant(r), anchor: fc.constantFrom(...r.zone.dates) }))
  .map(({ r, anchor }) => {
    const week = Object.fromEntries(WEEKDAYS.map((day, k) => [day, r.days[k] ?? []])) as CalendarSpec["week"];
    if (WEEKDAYS.every((day) => week[day].length === 0)) week.tuesday = [{ start: 9 * 60, end: 17 * 60 }];
    const weekly = WEEKDAYS.reduce((sum, day) => sum + week[day].reduce((t, x) => t + x.end - x.start, 0), 0);
    const anchorMinute = Date.parse(`${anchor}T00:00:00Z`) / MINUTE;
    const anchorDay = Math.floor(anchorMinute / DAY_MINUTES);
    const holidays = r.holidayOffsets.map((k) =>
      new Date((anchorDay + k) * 86_400_000).toISOString().slice(0, 10),
    );
    return {
      spec: { timezone: r.zone.timezone, week, holidays },
      start: anchorMinute + r.offset,
      marks: [...r.marks].sort((a, b) => a - b),
      span: r.span,
      // At most a quarter of a week's business time, so the reference's walk stays short.
      targetMinutes: Math.max(1, Math.min(r.targetMinutes, Math.floor(weekly / 4))),
    };
  });

/** No levels: the property is about the count, not the ladder. */
const NO_LADDER: EscalationLevel[] = [];

/** A resolution timer started at `start`, paused and resumed at the marks through the timer API. */
function pausedTimer(c: Case, calendar: BusinessCalendar): Timer {
  let timer = startTimer(
    {
      metric: "resolution",
      cycle: 1,
      clock: "business",
      target: { kind: "duration", ms: c.targetMinutes * MINUTE },
    },
    c.start * MINUTE,
    calendar,
    NO_LADDER,
  );
  c.marks.forEach((mark, k) => {
    const instant = (c.start + mark) * MINUTE;
    const patch = k % 2 === 0 ? pauseTimer(timer, instant) : resumeTimer(timer, instant, calendar, NO_LADDER);
    expect(patch, `${k % 2 === 0 ? "pause" : "resume"} at +${mark} min`).not.toBeNull();
    timer = { ...timer, ...patch };
  });
  return timer;
}

/** Days the reference walks looking for a deadline (a case whose deadline lies beyond is not judged). */
const WALK_DAYS = 6;

/** Which minutes from `start` are business minutes, by the reference, read once per case. */
function businessMinutes(naive: NaiveCalendar, start: number, length: number): Uint8Array {
  const flags = new Uint8Array(length);
  for (let k = 0; k < length; k++) flags[k] = naive.isBusinessMinute(start + k) ? 1 : 0;
  return flags;
}

function sum(flags: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) n += flags[k] ?? 0;
  return n;
}

const show = (minutes: number) => new Date(minutes * MINUTE).toISOString();

describe("a timer's count with pauses against the naive minute-by-minute reference", () => {
  it("counted business time = the reference's business time − the paused intervals' business time", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const engine = new BusinessCalendar(c.spec);
        const naive = new NaiveCalendar(c.spec);
        const timer = pausedTimer(c, engine);
        const end = c.start + c.span;
        const flags = businessMinutes(naive, c.start, c.span);
        let paused = 0;
        for (const p of timer.pauses) {
          const from = Math.max(p.start / MINUTE, c.start);
          const to = Math.min(p.end === null ? end : p.end / MINUTE, end);
          if (to > from) paused += sum(flags, from - c.start, to - c.start);
        }
        const want = sum(flags, 0, c.span) - paused;
        const got = countedBetween(engine, "business", timer.pauses, c.start * MINUTE, end * MINUTE);
        expect(got / MINUTE, `count from ${show(c.start)} to ${show(end)}`).toBe(want);
        expect(timerStatus(timer, end * MINUTE, engine, NO_LADDER).countedMs).toBe(got);
      }),
      { numRuns: 45 },
    );
  }, 120_000);

  it("the deadline is where the reference, skipping paused minutes, reaches the target (null while paused before it)", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const engine = new BusinessCalendar(c.spec);
        const naive = new NaiveCalendar(c.spec);
        const timer = pausedTimer(c, engine);
        const pausedAt = (m: number) =>
          timer.pauses.some((p) => p.start / MINUTE <= m && (p.end === null || m < p.end / MINUTE));
        const open = timer.pauses.at(-1)?.end === null ? (timer.pauses.at(-1)?.start ?? 0) / MINUTE : null;
        let want: number | null = null;
        let count = 0;
        let walked = true;
        for (let k = 0; ; k++) {
          const m = c.start + k;
          if (open !== null && m >= open) break;
          if (k >= WALK_DAYS * DAY_MINUTES) {
            walked = false;
            break;
          }
          if (!pausedAt(m) && naive.isBusinessMinute(m) && ++count === c.targetMinutes) {
            want = m + 1;
            break;
          }
        }
        fc.pre(walked);
        const got = instantAtCounted(
          engine,
          "business",
          c.start * MINUTE,
          timer.pauses,
          c.targetMinutes * MINUTE,
        );
        expect(got === null ? null : show(got / MINUTE)).toBe(want === null ? null : show(want));
        // The timer's own deadline: null while paused, else the same instant.
        expect(timer.deadlineAt === null ? null : show(timer.deadlineAt / MINUTE)).toBe(
          open !== null ? null : want === null ? null : show(want),
        );
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

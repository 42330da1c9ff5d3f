import { Temporal } from "temporal-polyfill";
import { type CalendarSpec, type DayRange, type HolidayCalendarSpec, WEEKDAYS } from "./calendar-types.js";
import { civilFromDays, formatCivil, parseCivil, weekdayIndex } from "./civil-date.js";
import { type PublicHolidayDates, publicHolidayDates, resolveHolidayCalendar } from "./holidays.js";

/**
 * Business time, exactly (PRODUCT.md, "Deadline semantics"):
 *
 *   business time = ⋃ over open local dates d, ranges r of d's weekday: [at(d, r.start), at(d, r.end))
 *                   minus ⋃ over holidays h: [at(h, 00:00), at(h + 1, 00:00))
 *
 * where at(date, wall time) is Temporal's "compatible" reading (a wall time in a spring-forward gap
 * moves forward by the gap, one in a fall-back overlap takes the earlier instant) and a holiday is
 * not an open date. A business day is an open date with at least one non-empty range; its close is
 * the latest at(d, r.end).
 *
 * Speed: the union is precomputed per block of 64 local dates (epoch-ms intervals, cut at local
 * midnights, with running totals), so a call costs a Map lookup, a walk over one day's intervals
 * and a binary search over the running totals, whatever the duration. Temporal is only used while
 * filling a block.
 */

/** A calendar that cannot be built or cannot answer: a config problem, never a bug of the caller. */
export class CalendarError extends Error {
  override name = "CalendarError";
}

/**
 * How far ahead the engine plans: a business-clock deadline must fall within 366 days (a year,
 * leap day included) of the instant it is counted from. Planning further would walk the calendar
 * for as long as the config asks (one minute of business time a week and an 8760 h target is
 * 10,000 years), on every issue, on the event loop all repos share. Configs are held to it by
 * the `priorities.<key>.response` check (src/config/horizon.ts), so a valid config never meets it.
 */
export const HORIZON_DAYS = 366;
/** {@link HORIZON_DAYS} in epoch ms. */
export const HORIZON_MS = HORIZON_DAYS * 86_400_000;

/**
 * `addBusinessTime` would end more than {@link HORIZON_DAYS} days after its start. Thrown after
 * at most seven 64-day blocks of calendar have been filled, whatever the duration.
 */
export class BeyondHorizonError extends CalendarError {
  override name = "BeyondHorizonError";
  constructor(
    readonly startMs: number,
    readonly durationMs: number,
    readonly timezone: string,
  ) {
    super(
      `${Math.round(durationMs / 60_000)} min of business time from ${new Date(startMs).toISOString()} ends more than ${HORIZON_DAYS} days later in ${timezone}: give the business clock a shorter target or more business hours`,
    );
  }
}

export interface BusinessInterval {
  start: number;
  end: number;
}

export type ClosedReason = "holiday" | "public-holiday" | "closed";

export interface ClosedDay {
  /** Local date, `YYYY-MM-DD`. */
  date: string;
  reason: ClosedReason;
  /** The public holiday's name (in English when date-holidays has it). */
  name?: string;
}

const DAY_MS = 86_400_000;
const BLOCK_DAYS = 64;
const MAX_BLOCKS = 64;
/** Advancing gives up after this many consecutive days without business time (about 2 years). */
const MAX_IDLE_DAYS = 731;

const OPEN = 0;
const CLOSED = 1;
const HOLIDAY = 2;
const PUBLIC_HOLIDAY = 3;

// Typed-array reads in this file are in range by construction; the `as number` casts only answer
// noUncheckedIndexedAccess, so the hot paths stay free of checks.

/** 64 consecutive local dates: their midnights, business intervals and running business totals. */
class DayBlock {
  constructor(
    readonly index: number,
    readonly firstDay: number,
    /** dayStarts[i] = instant of local midnight of date firstDay + i (i = 0 … 64). */
    readonly dayStarts: Float64Array,
    /** Intervals of date i are pairs iv[ivStarts[i]] … iv[ivStarts[i + 1] - 1], within that date. */
    readonly ivStarts: Int32Array,
    readonly iv: Float64Array,
    /** totals[i] = business ms in dates 0 … i - 1 of the block. */
    readonly totals: Float64Array,
    /** Close of business per date; NaN when the date is not a business day. */
    readonly closes: Float64Array,
    /** nextBusinessDays[i] = first business day j ≥ i in the block, -1 when none (i = 0 … 64). */
    readonly nextBusinessDays: Int32Array,
    readonly reasons: Uint8Array,
    readonly names: ReadonlyArray<string | undefined>,
  ) {}

  dayStart(i: number): number {
    return this.dayStarts[i] as number;
  }
  total(i: number): number {
    return this.totals[i] as number;
  }
  ivStart(i: number): number {
    return this.ivStarts[i] as number;
  }
  at(k: number): number {
    return this.iv[k] as number;
  }

  /** Business ms of date i that lie before instant t. */
  before(i: number, t: number): number {
    let sum = 0;
    for (let k = this.ivStart(i), end = this.ivStart(i + 1); k < end; k += 2) {
      const s = this.at(k);
      if (s >= t) break;
      const e = this.at(k + 1);
      sum += Math.min(e, t) - s;
    }
    return sum;
  }
}

function assertInstant(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`${what} must be a finite epoch-millisecond instant`);
}

function validateRanges(day: string, ranges: readonly DayRange[] | undefined): DayRange[] {
  if (!Array.isArray(ranges)) throw new CalendarError(`business hours for ${day} must be a list of ranges`);
  return ranges.map((range) => {
    const { start, end } = range;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > 1440 || start >= end) {
      throw new CalendarError(
        `business hours range ${JSON.stringify(range)} on ${day} must be whole minutes with 0 ≤ start < end ≤ 1440 (24:00)`,
      );
    }
    return { start, end };
  });
}

function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

export class BusinessCalendar {
  readonly timezone: string;
  /** Ranges per weekday, Monday first. */
  private readonly week: readonly (readonly DayRange[])[];
  private readonly hasHours: boolean;
  private readonly explicitHolidays: ReadonlySet<number>;
  private readonly holidayCalendar: HolidayCalendarSpec | undefined;
  private readonly blocks = new Map<number, DayBlock>();
  private lastBlock: DayBlock | undefined;
  /** Local wall time minus instant at the last date located: maps most instants to their date first time. */
  private offsetGuess = 0;
  /** Index within the block of the date the last `locate` found. */
  private located = 0;

  constructor(spec: CalendarSpec) {
    this.timezone = spec.timezone;
    try {
      this.offsetGuess =
        new Temporal.PlainDate(2000, 1, 1).toZonedDateTime(spec.timezone).offsetNanoseconds / 1e6;
    } catch {
      throw new CalendarError(
        `unknown time zone ${JSON.stringify(spec.timezone)}: use an IANA name such as Europe/Brussels or America/New_York`,
      );
    }
    this.week = WEEKDAYS.map((day) => validateRanges(day, spec.week[day]));
    this.hasHours = this.week.some((ranges) => ranges.length > 0);
    const explicit = new Set<number>();
    for (const date of spec.holidays) {
      const n = parseCivil(date);
      if (n === null)
        throw new CalendarError(`holiday ${JSON.stringify(date)} must be a real date written YYYY-MM-DD`);
      explicit.add(n);
    }
    this.explicitHolidays = explicit;
    if (spec.holidayCalendar) {
      const resolved = resolveHolidayCalendar(spec.holidayCalendar);
      if (!resolved.ok) throw new CalendarError(resolved.message);
      this.holidayCalendar = resolved.spec;
    }
  }

  /**
   * The instant (epoch ms) at which `durationMs` of business time has been consumed from
   * `startMs` (epoch ms): a start outside business hours waits for the next opening, and a target
   * that runs out exactly at a closing time ends at that closing time. A duration of 0 returns
   * the start.
   *
   * @throws RangeError for a start or duration that is not a finite number (duration ≥ 0)
   * @throws CalendarError when the week has no business hours
   * @throws BeyondHorizonError when the result would lie more than {@link HORIZON_DAYS} days
   *   after the start; the walk stops there, so no duration costs more than that.
   */
  addBusinessTime(startMs: number, durationMs: number): number {
    const result = this.walkBusinessTime(startMs, durationMs);
    if (result - startMs > HORIZON_MS) throw new BeyondHorizonError(startMs, durationMs, this.timezone);
    return result;
  }

  private walkBusinessTime(startMs: number, durationMs: number): number {
    assertInstant(startMs, "start");
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) {
      throw new RangeError("duration must be a finite, non-negative number of milliseconds");
    }
    this.assertHasHours();
    let remaining = Math.round(durationMs);
    if (remaining === 0) return startMs;
    const horizon = startMs + HORIZON_MS;

    let block = this.locate(startMs);
    let i = this.located;
    for (let k = block.ivStart(i), end = block.ivStart(i + 1); k < end; k += 2) {
      const e = block.at(k + 1);
      if (e <= startMs) continue;
      const s = Math.max(block.at(k), startMs);
      if (remaining <= e - s) return s + remaining;
      remaining -= e - s;
    }

    let idleDays = 0;
    i++;
    for (;;) {
      if (i >= BLOCK_DAYS) {
        block = this.block(block.index + 1);
        i = 0;
      }
      if (block.dayStart(i) > horizon) throw new BeyondHorizonError(startMs, durationMs, this.timezone);
      const available = block.total(BLOCK_DAYS) - block.total(i);
      if (remaining > available) {
        remaining -= available;
        idleDays = available > 0 ? 0 : idleDays + BLOCK_DAYS - i;
        if (idleDays > MAX_IDLE_DAYS) throw this.noHoursError(startMs);
        i = BLOCK_DAYS;
        continue;
      }
      // The first date j whose running total reaches the target holds the answer.
      const target = block.total(i) + remaining;
      let lo = i;
      let hi = BLOCK_DAYS - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (block.total(mid + 1) >= target) hi = mid;
        else lo = mid + 1;
      }
      remaining = target - block.total(lo);
      let last = block.dayStart(lo);
      for (let k = block.ivStart(lo), end = block.ivStart(lo + 1); k < end; k += 2) {
        const s = block.at(k);
        last = block.at(k + 1);
        if (remaining <= last - s) return s + remaining;
        remaining -= last - s;
      }
      return last;
    }
  }

  /** Close of business on the first business day strictly after the local date of `startMs`. */
  nextBusinessDayClose(startMs: number): number {
    assertInstant(startMs, "start");
    this.assertHasHours();
    let block = this.locate(startMs);
    let i = this.located + 1;
    let idleDays = 0;
    for (;;) {
      if (i >= BLOCK_DAYS) {
        block = this.block(block.index + 1);
        i = 0;
      }
      const j = block.nextBusinessDays[i] as number;
      if (j >= 0) return block.closes[j] as number;
      idleDays += BLOCK_DAYS - i;
      if (idleDays > MAX_IDLE_DAYS) throw this.noHoursError(startMs);
      i = BLOCK_DAYS;
    }
  }

  /** Business ms elapsed from `aMs` to `bMs`; 0 when b ≤ a. Inverse of `addBusinessTime`. */
  businessTimeBetween(aMs: number, bMs: number): number {
    assertInstant(aMs, "from");
    assertInstant(bMs, "to");
    if (!(bMs > aMs)) return 0;
    const blockA = this.locate(aMs);
    const posA = blockA.total(this.located) + blockA.before(this.located, aMs);
    const indexA = blockA.index;
    const blockB = this.locate(bMs);
    const posB = blockB.total(this.located) + blockB.before(this.located, bMs);
    if (blockB.index === indexA) return posB - posA;
    let sum = this.block(indexA).total(BLOCK_DAYS) - posA + posB;
    for (let index = indexA + 1; index < blockB.index; index++) sum += this.block(index).total(BLOCK_DAYS);
    return sum;
  }

  /** Business time within [fromMs, toMs) as disjoint, ordered intervals (touching ones joined). */
  businessIntervals(fromMs: number, toMs: number): BusinessInterval[] {
    assertInstant(fromMs, "from");
    assertInstant(toMs, "to");
    const out: BusinessInterval[] = [];
    if (!(toMs > fromMs)) return out;
    let block = this.locate(fromMs);
    let i = this.located;
    for (;;) {
      if (i >= BLOCK_DAYS) {
        block = this.block(block.index + 1);
        i = 0;
      }
      if (block.dayStart(i) >= toMs) return out;
      for (let k = block.ivStart(i), end = block.ivStart(i + 1); k < end; k += 2) {
        const s = Math.max(block.at(k), fromMs);
        const e = Math.min(block.at(k + 1), toMs);
        if (e <= s) continue;
        const previous = out[out.length - 1];
        if (previous && previous.end === s) previous.end = e;
        else out.push({ start: s, end: e });
      }
      i++;
    }
  }

  /** Local dates overlapping [fromMs, toMs) that are not business days, and why. */
  closedDays(fromMs: number, toMs: number): ClosedDay[] {
    assertInstant(fromMs, "from");
    assertInstant(toMs, "to");
    const out: ClosedDay[] = [];
    if (!(toMs > fromMs)) return out;
    let block = this.locate(fromMs);
    let i = this.located;
    for (;;) {
      if (i >= BLOCK_DAYS) {
        block = this.block(block.index + 1);
        i = 0;
      }
      if (block.dayStart(i) >= toMs) return out;
      const reason = block.reasons[i];
      if (reason !== OPEN && block.dayStart(i + 1) > block.dayStart(i)) {
        const date = formatCivil(block.firstDay + i);
        if (reason === PUBLIC_HOLIDAY)
          out.push({ date, reason: "public-holiday", name: block.names[i] ?? "" });
        else out.push({ date, reason: reason === HOLIDAY ? "holiday" : "closed" });
      }
      i++;
    }
  }

  private assertHasHours(): void {
    if (!this.hasHours) {
      throw new CalendarError("the weekly business hours are empty: give at least one weekday a range");
    }
  }

  private noHoursError(startMs: number): CalendarError {
    return new CalendarError(
      `no business hours within 2 years after ${isoInstant(startMs)} in ${this.timezone}: check business hours and holidays`,
    );
  }

  /** The block holding the local date of instant t; that date's index goes to `this.located`. */
  private locate(t: number): DayBlock {
    const guess = Math.floor((t + this.offsetGuess) / DAY_MS);
    let block = this.block(Math.floor(guess / BLOCK_DAYS));
    let i = guess - block.firstDay;
    for (;;) {
      if (t < block.dayStart(i)) {
        if (--i < 0) {
          block = this.block(block.index - 1);
          i = BLOCK_DAYS - 1;
        }
      } else if (t >= block.dayStart(i + 1)) {
        if (++i >= BLOCK_DAYS) {
          block = this.block(block.index + 1);
          i = 0;
        }
      } else {
        break;
      }
    }
    this.located = i;
    this.offsetGuess = (block.firstDay + i) * DAY_MS - block.dayStart(i);
    return block;
  }

  private block(index: number): DayBlock {
    const last = this.lastBlock;
    if (last !== undefined && last.index === index) return last;
    let block = this.blocks.get(index);
    if (block === undefined) {
      block = this.fill(index);
      // Bounded: forget the oldest block; a later request simply fills it again.
      if (this.blocks.size >= MAX_BLOCKS) {
        const oldest = this.blocks.keys().next();
        if (!oldest.done) this.blocks.delete(oldest.value);
      }
      this.blocks.set(index, block);
    }
    this.lastBlock = block;
    return block;
  }

  /** Instant of a local wall time, `minutes` after midnight of date `dayNumber` (1440 = next midnight). */
  private toInstant(dayNumber: number, minutes: number): number {
    const { year, month, day } = civilFromDays(dayNumber + Math.floor(minutes / 1440));
    const m = minutes % 1440;
    return new Temporal.PlainDateTime(year, month, day, Math.floor(m / 60), m % 60).toZonedDateTime(
      this.timezone,
      {
        disambiguation: "compatible",
      },
    ).epochMilliseconds;
  }

  private holidayOf(dayNumber: number, publicDates: (year: number) => PublicHolidayDates | undefined) {
    const dates = publicDates(civilFromDays(dayNumber).year);
    const name = dates?.get(formatCivil(dayNumber));
    if (name !== undefined) return { reason: PUBLIC_HOLIDAY, name };
    if (this.explicitHolidays.has(dayNumber)) return { reason: HOLIDAY, name: undefined };
    return null;
  }

  private fill(index: number): DayBlock {
    const firstDay = index * BLOCK_DAYS;
    const dayStarts = new Float64Array(BLOCK_DAYS + 1);
    for (let i = 0; i <= BLOCK_DAYS; i++) dayStarts[i] = this.toInstant(firstDay + i, 0);
    const reasons = new Uint8Array(BLOCK_DAYS);
    const names: (string | undefined)[] = new Array(BLOCK_DAYS).fill(undefined);
    const closes = new Float64Array(BLOCK_DAYS).fill(Number.NaN);
    const calendar = this.holidayCalendar;
    const publicDates = (year: number) => (calendar ? publicHolidayDates(calendar, year) : undefined);

    // Raw intervals of the dates of the block and of the date before (whose ranges could, through a
    // gap at midnight, end after this block's first midnight).
    const raw: number[] = [];
    for (let day = firstDay - 1; day < firstDay + BLOCK_DAYS; day++) {
      const i = day - firstDay;
      const holiday = this.holidayOf(day, publicDates);
      if (holiday) {
        if (i >= 0) {
          reasons[i] = holiday.reason;
          names[i] = holiday.name;
        }
        continue;
      }
      let close = Number.NaN;
      // A date of exactly 24 h has one UTC offset throughout: its wall times are plain arithmetic
      // from its midnight, without Temporal (which costs ~10 µs a call; 12 ranges a day made
      // planning a year ahead take ~100 ms). Other dates (DST changes) convert each wall time.
      const midnight = i >= 0 ? (dayStarts[i] as number) : Number.NaN;
      const plain = i >= 0 && (dayStarts[i + 1] as number) - midnight === DAY_MS;
      const wall = (minutes: number) => (plain ? midnight + minutes * 60_000 : this.toInstant(day, minutes));
      for (const range of this.week[weekdayIndex(day)] ?? []) {
        const s = range.start === 0 && i >= 0 ? midnight : wall(range.start);
        const e = range.end === 1440 && i >= -1 ? (dayStarts[i + 1] as number) : wall(range.end);
        if (e > s) {
          raw.push(s, e);
          if (Number.isNaN(close) || e > close) close = e;
        }
      }
      if (i >= 0) {
        if (Number.isNaN(close)) reasons[i] = CLOSED;
        else closes[i] = close;
      }
    }

    const merged = mergeIntervals(raw);
    const iv: number[] = [];
    const ivStarts = new Int32Array(BLOCK_DAYS + 1);
    const totals = new Float64Array(BLOCK_DAYS + 1);
    const blockStart = dayStarts[0] as number;
    const blockEnd = dayStarts[BLOCK_DAYS] as number;
    let day = 0;
    let sum = 0;
    for (let k = 0; k < merged.length; k += 2) {
      let s = Math.max(merged[k] as number, blockStart);
      const e = Math.min(merged[k + 1] as number, blockEnd);
      while (s < e) {
        while ((dayStarts[day + 1] as number) <= s) {
          day++;
          ivStarts[day] = iv.length;
          totals[day] = sum;
        }
        const cut = Math.min(e, dayStarts[day + 1] as number);
        if ((reasons[day] as number) < HOLIDAY) {
          iv.push(s, cut);
          sum += cut - s;
        }
        s = cut;
      }
    }
    while (day < BLOCK_DAYS) {
      day++;
      ivStarts[day] = iv.length;
      totals[day] = sum;
    }

    const nextBusinessDays = new Int32Array(BLOCK_DAYS + 1);
    nextBusinessDays[BLOCK_DAYS] = -1;
    for (let i = BLOCK_DAYS - 1; i >= 0; i--) {
      nextBusinessDays[i] = Number.isNaN(closes[i]) ? (nextBusinessDays[i + 1] as number) : i;
    }
    return new DayBlock(
      index,
      firstDay,
      dayStarts,
      ivStarts,
      Float64Array.from(iv),
      totals,
      closes,
      nextBusinessDays,
      reasons,
      names,
    );
  }
}

/** Union of [start, end) pairs given flat; returns flat, ordered, disjoint pairs (touching ones joined). */
function mergeIntervals(flat: number[]): number[] {
  let pairs: Array<[number, number]> = [];
  for (let k = 0; k < flat.length; k += 2) pairs.push([flat[k] as number, flat[k + 1] as number]);
  pairs = pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (out.length > 0 && s <= (out[last] as number)) {
      if (e > (out[last] as number)) out[last] = e;
    } else {
      out.push(s, e);
    }
  }
  return out;
}

const calendars = new Map<string, BusinessCalendar>();
const MAX_CALENDARS = 32;

/**
 * A business calendar for a validated spec. Throws CalendarError for an unknown time zone,
 * holiday calendar or malformed holiday; an empty week only fails when asked to advance.
 * Calendars are immutable, so equal specs share one instance and its cache.
 */
export function createCalendar(spec: CalendarSpec): BusinessCalendar {
  const key = JSON.stringify([
    spec.timezone,
    WEEKDAYS.map((day) => spec.week[day]),
    spec.holidays,
    spec.holidayCalendar ?? null,
  ]);
  let calendar = calendars.get(key);
  if (!calendar) {
    calendar = new BusinessCalendar(spec);
    if (calendars.size >= MAX_CALENDARS) calendars.clear();
    calendars.set(key, calendar);
  }
  return calendar;
}

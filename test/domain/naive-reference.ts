/**
 * A deliberately naive business-hours reference for the property tests. It shares no code with the
 * engine: it reads the local wall time of every single minute with Intl.DateTimeFormat and walks
 * minute by minute. Slow on purpose; keep durations short.
 *
 * It implements the same definition (see src/domain/business-hours.ts):
 *   business time = ⋃ open dates d, ranges r: [at(d, r.start), at(d, r.end)) − ⋃ holidays h: [at(h, 0:00), at(h+1, 0:00))
 * with at() the "compatible" reading of a wall time, found here by scanning minutes: the first
 * minute whose wall time equals the target (earlier of two in an overlap); when the wall clock
 * jumps over the target (a gap), the target read with the offset in force just before the jump.
 *
 * Every instant here is in whole minutes since the epoch. Only explicit holidays are supported.
 */
import type { CalendarSpec, DayRange } from "../../src/domain/calendar-types.js";

const WEEK_ORDER = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;
const MAX_WALK_MINUTES = 120 * 1440;

/** Wall time (minutes since 1970-01-01T00:00 local) of each epoch minute, per zone, shared by all cases. */
const wallCaches = new Map<string, Map<number, number>>();

export class NaiveCalendar {
  private readonly format: Intl.DateTimeFormat;
  private readonly walls: Map<number, number>;
  private readonly holidays: Set<number>;
  private readonly intervalsByDate = new Map<number, Array<[number, number]>>();

  constructor(private readonly spec: CalendarSpec) {
    if (spec.holidayCalendar) throw new Error("the naive reference only knows explicit holidays");
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: spec.timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    let walls = wallCaches.get(spec.timezone);
    if (!walls) {
      walls = new Map();
      wallCaches.set(spec.timezone, walls);
    }
    if (walls.size > 1_000_000) walls.clear();
    this.walls = walls;
    this.holidays = new Set(spec.holidays.map((date) => Date.parse(`${date}T00:00:00Z`) / 86_400_000));
  }

  /** Local wall time of epoch minute m, as minutes since local 1970-01-01 00:00. */
  wall(m: number): number {
    const cached = this.walls.get(m);
    if (cached !== undefined) return cached;
    // "03/29/2026, 03:30"
    const text = this.format.format(m * 60_000);
    const match = /^(\d{2})\/(\d{2})\/(\d{4}), (\d{2}):(\d{2})$/.exec(text);
    if (!match) throw new Error(`unexpected Intl output ${text}`);
    const [, mo, d, y, h, mi] = match.map(Number) as [number, number, number, number, number, number];
    const wall = Date.UTC(y, mo - 1, d, h, mi) / 60_000;
    this.walls.set(m, wall);
    return wall;
  }

  /** Local date (days since 1970-01-01) of epoch minute m. */
  dateOf(m: number): number {
    return Math.floor(this.wall(m) / 1440);
  }

  /** The compatible instant (epoch minute) of a wall time given in minutes since local 1970-01-01. */
  at(wallTarget: number): number {
    for (let m = wallTarget - 15 * 60; m <= wallTarget + 15 * 60; m++) {
      const w = this.wall(m);
      if (w === wallTarget) return m;
      if (w > wallTarget) {
        const offsetBefore = this.wall(m - 1) - (m - 1);
        return wallTarget - offsetBefore;
      }
    }
    throw new Error(`no instant found for wall minute ${wallTarget}`);
  }

  private ranges(date: number): DayRange[] {
    const weekday = WEEK_ORDER[(new Date(date * 86_400_000).getUTCDay() + 6) % 7] ?? "monday";
    return this.spec.week[weekday];
  }

  private intervals(date: number): Array<[number, number]> {
    let list = this.intervalsByDate.get(date);
    if (!list) {
      list = this.holidays.has(date)
        ? []
        : this.ranges(date).map((r): [number, number] => [
            this.at(date * 1440 + r.start),
            this.at(date * 1440 + r.end),
          ]);
      this.intervalsByDate.set(date, list);
    }
    return list;
  }

  isBusinessMinute(m: number): boolean {
    const date = this.dateOf(m);
    for (const h of [date - 1, date, date + 1]) {
      if (this.holidays.has(h) && this.at(h * 1440) <= m && m < this.at((h + 1) * 1440)) return false;
    }
    for (const d of [date - 1, date, date + 1]) {
      for (const [s, e] of this.intervals(d)) if (s <= m && m < e) return true;
    }
    return false;
  }

  /** Epoch minute at which `minutes` business minutes have elapsed from minute `start` (minutes > 0). */
  addBusinessMinutes(start: number, minutes: number): number {
    let count = 0;
    for (let m = start; m < start + MAX_WALK_MINUTES; m++) {
      if (this.isBusinessMinute(m) && ++count === minutes) return m + 1;
    }
    throw new Error("naive walk gave up");
  }

  businessMinutesBetween(a: number, b: number): number {
    let count = 0;
    for (let m = a; m < b; m++) if (this.isBusinessMinute(m)) count++;
    return count;
  }

  nextBusinessDayClose(start: number): number {
    const first = this.dateOf(start);
    for (let date = first + 1; date < first + 800; date++) {
      if (this.holidays.has(date)) continue;
      let close = Number.NEGATIVE_INFINITY;
      for (const r of this.ranges(date)) {
        const s = this.at(date * 1440 + r.start);
        const e = this.at(date * 1440 + r.end);
        if (e > s && e > close) close = e;
      }
      if (close > Number.NEGATIVE_INFINITY) return close;
    }
    throw new Error("no business day within 800 days");
  }
}

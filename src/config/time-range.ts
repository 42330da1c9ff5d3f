import type { DayRange } from "../domain/calendar-types.js";

/** The shape the config accepts; the JSON Schema shows it to editors. */
export const TIME_RANGE_PATTERN = /^\d{2}:\d{2}-\d{2}:\d{2}$/;

export type TimeRangeResult = ({ ok: true } & DayRange) | { ok: false; message: string };

const MINUTES_PER_DAY = 24 * 60;

/** Minutes after midnight of `HH:MM`, or undefined when it is no time of day (24:00 counts, as an end). */
function minutesOf(hh: string, mm: string): number | undefined {
  const hours = Number(hh);
  const minutes = Number(mm);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return undefined;
  return hours * 60 + minutes;
}

const format = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;

/** `start-end` in `HH:MM` notation, e.g. for suggesting a merged range. */
export const formatRange = (range: DayRange): string => `${format(range.start)}-${format(range.end)}`;

/** One opening range `HH:MM-HH:MM` on one local day; "24:00" may only end a range. */
export function parseTimeRange(text: string): TimeRangeResult {
  const quoted = JSON.stringify(text);
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text);
  if (!match) {
    return { ok: false, message: `${quoted} is not a time range; write HH:MM-HH:MM, e.g. "09:00-17:00"` };
  }
  const [, sh = "", sm = "", eh = "", em = ""] = match;
  const start = minutesOf(sh, sm);
  const end = minutesOf(eh, em);
  const notATime = (hh: string, mm: string): TimeRangeResult => ({
    ok: false,
    message: `${quoted}: ${hh}:${mm} is not a time of day; use 00:00 to 23:59 (and 24:00 to end a range at midnight)`,
  });
  if (start === undefined) return notATime(sh, sm);
  if (end === undefined) return notATime(eh, em);
  if (start === MINUTES_PER_DAY) {
    return { ok: false, message: `${quoted}: 24:00 can only end a range; start the range at 00:00` };
  }
  if (end < start) {
    return {
      ok: false,
      message: `${quoted} ends before it starts; a range cannot cross midnight: write "${format(start)}-24:00" on this day and "00:00-${format(end)}" on the next`,
    };
  }
  if (end === start) {
    return { ok: false, message: `${quoted} is empty; the end must be later than the start` };
  }
  return { ok: true, start, end };
}

export interface RangeOverlap {
  /** Index (in list order) of the range that overlaps an earlier-listed one. */
  index: number;
  /** Index of the range it overlaps. */
  other: number;
}

/** Overlapping pairs among one day's valid ranges, each reported on the later-listed range. */
export function findOverlaps(ranges: ReadonlyArray<DayRange | undefined>): RangeOverlap[] {
  const overlaps: RangeOverlap[] = [];
  ranges.forEach((range, index) => {
    if (range === undefined) return;
    for (let other = 0; other < index; other++) {
      const earlier = ranges[other];
      if (earlier !== undefined && range.start < earlier.end && earlier.start < range.end) {
        overlaps.push({ index, other });
        return;
      }
    }
  });
  return overlaps;
}

import { describe, expect, test } from "vitest";
import { closest, didYouMean, editDistance } from "../../src/config/suggest.js";
import { findOverlaps, formatRange, parseTimeRange } from "../../src/config/time-range.js";

describe("suggestions for typos", () => {
  test("edit distance counts a swap of neighbours as one edit", () => {
    expect(editDistance("urgnet", "urgent")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("abc", "")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  test("separators and case do not count; far-off words get no suggestion", () => {
    expect(closest("businessHours", ["timezone", "business_hours"])).toBe("business_hours");
    expect(closest("warn-at", ["warn_at", "mention"])).toBe("warn_at");
    expect(closest("colour", ["color", "label"])).toBe("color");
    expect(closest("pager", ["warn_at", "mention", "phone", "chat"])).toBeUndefined();
    expect(closest("ab", ["xy"])).toBeUndefined();
  });

  test("didYouMean reads as a suffix, empty when there is nothing to suggest", () => {
    expect(didYouMean("bussiness_hours", ["business_hours"])).toBe(" (did you mean business_hours?)");
    expect(didYouMean("zzz", ["business_hours"])).toBe("");
  });
});

describe("time ranges", () => {
  test("HH:MM-HH:MM in minutes after midnight; 24:00 ends a day", () => {
    expect(parseTimeRange("09:00-17:00")).toEqual({ ok: true, start: 540, end: 1020 });
    expect(parseTimeRange("00:00-24:00")).toEqual({ ok: true, start: 0, end: 1440 });
    expect(parseTimeRange("23:59-24:00")).toEqual({ ok: true, start: 1439, end: 1440 });
  });

  test.each([
    ["9-17", '"9-17" is not a time range; write HH:MM-HH:MM, e.g. "09:00-17:00"'],
    ["9:00-17:00", '"9:00-17:00" is not a time range; write HH:MM-HH:MM, e.g. "09:00-17:00"'],
    [" 09:00-17:00", '" 09:00-17:00" is not a time range; write HH:MM-HH:MM, e.g. "09:00-17:00"'],
    [
      "09:00-24:30",
      '"09:00-24:30": 24:30 is not a time of day; use 00:00 to 23:59 (and 24:00 to end a range at midnight)',
    ],
    [
      "25:00-26:00",
      '"25:00-26:00": 25:00 is not a time of day; use 00:00 to 23:59 (and 24:00 to end a range at midnight)',
    ],
    ["24:00-24:00", '"24:00-24:00": 24:00 can only end a range; start the range at 00:00'],
  ])("%j is refused", (text, message) => {
    expect(parseTimeRange(text)).toEqual({ ok: false, message });
  });

  test("overlaps are reported on the later-listed range, touching ranges are fine", () => {
    const ranges = [{ start: 540, end: 780 }, { start: 780, end: 900 }, undefined, { start: 600, end: 660 }];
    expect(findOverlaps(ranges)).toEqual([{ index: 3, other: 0 }]);
    expect(formatRange({ start: 540, end: 1440 })).toBe("09:00-24:00");
  });
});

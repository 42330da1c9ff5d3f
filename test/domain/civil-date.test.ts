import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  civilFromDays,
  daysFromCivil,
  formatCivil,
  parseCivil,
  weekdayIndex,
} from "../../src/domain/civil-date.js";

const DAY_MS = 86_400_000;

describe("civil dates as day numbers", () => {
  it("agree with Date.UTC for every day of 1600–2400", () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(1600, 1, 1), max: daysFromCivil(2400, 12, 31) }), (n) => {
        const date = new Date(n * DAY_MS);
        expect(civilFromDays(n)).toEqual({
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
        });
        expect(formatCivil(n)).toBe(date.toISOString().slice(0, 10));
        expect(parseCivil(formatCivil(n))).toBe(n);
        expect(weekdayIndex(n)).toBe((date.getUTCDay() + 6) % 7);
      }),
      { numRuns: 2000 },
    );
  });

  it("knows 2026-11-27 is a Friday and rejects dates that do not exist", () => {
    expect(weekdayIndex(daysFromCivil(2026, 11, 27))).toBe(4);
    expect(parseCivil("2026-02-29")).toBeNull();
    expect(parseCivil("2028-02-29")).toBe(daysFromCivil(2028, 2, 29));
    expect(parseCivil("2026-13-01")).toBeNull();
    expect(parseCivil("26-12-01")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/domain/duration.js";

describe("parseDuration", () => {
  it.each([
    ["30m", 30 * 60_000],
    ["1h", 3_600_000],
    ["90s", 90_000],
    ["8760h", 8760 * 3_600_000],
    [" 2H ", 7_200_000],
  ])("accepts %j", (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, target: { kind: "duration", ms } });
  });

  it("accepts next-business-day", () => {
    expect(parseDuration("next-business-day")).toEqual({ ok: true, target: { kind: "next-business-day" } });
  });

  it.each(["0m", "-1h", "1.5h", "90", "", "   ", "1d", "h", "1 hour", "1h30m", "next business week", "1e3s"])(
    "rejects %j and says which forms are accepted",
    (text) => {
      const result = parseDuration(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/s, m or h .*next-business-day/);
    },
  );

  it("rejects a bare number from YAML and anything over a year", () => {
    const bare = parseDuration(90);
    expect(bare.ok).toBe(false);
    if (!bare.ok) expect(bare.message).toMatch(/90 has no unit/);
    const long = parseDuration("8761h");
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.message).toMatch(/longer than a year/);
  });
});

describe("formatDuration", () => {
  it.each([
    [90 * 60_000, "1 h 30 min"],
    [3_600_000, "1 h"],
    [45 * 60_000, "45 min"],
    [30_000, "30 s"],
    [40 * 3_600_000, "40 h"],
    [3_600_000 + 5_000, "1 h 5 s"],
    [0, "0 s"],
    [-30 * 60_000, "-30 min"],
  ])("%d ms is %j", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

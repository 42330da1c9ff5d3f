import { describe, expect, it } from "vitest";
import { checkHolidayCalendar, publicHolidayDates } from "../../src/domain/holidays.js";

describe("publicHolidayDates", () => {
  it("lists the public holidays of a country as local dates with names", () => {
    const be = publicHolidayDates({ country: "BE" }, 2026);
    expect(be.get("2026-12-25")).toBe("Christmas Day");
    expect(be.get("2026-07-21")).toBeDefined();
    expect([...be.keys()].every((date) => date.startsWith("2026-"))).toBe(true);
  });

  it("keeps public holidays only (no observances such as Christmas Eve in DE)", () => {
    const de = publicHolidayDates({ country: "DE" }, 2026);
    expect(de.has("2026-12-24")).toBe(false);
    expect(de.has("2026-12-25")).toBe(true);
  });

  it("adds a state's holidays", () => {
    expect(publicHolidayDates({ country: "DE", state: "BY" }, 2027).get("2027-01-06")).toBe("Epiphany");
    expect(publicHolidayDates({ country: "DE" }, 2027).has("2027-01-06")).toBe(false);
  });

  it("closes every date of a multi-day holiday (KR Chuseok 2026, three days)", () => {
    const kr = publicHolidayDates({ country: "KR" }, 2026);
    const chuseok = [...kr].filter(([, name]) => name === kr.get("2026-09-25")).map(([date]) => date);
    expect(chuseok).toEqual(["2026-09-24", "2026-09-25", "2026-09-26"]);
  });

  it("reads holidays that begin at the previous sunset by their date (AE Eid al-Fitr 2026)", () => {
    const ae = publicHolidayDates({ country: "AE" }, 2026);
    expect(ae.has("2026-03-19")).toBe(false);
    expect(["2026-03-20", "2026-03-21", "2026-03-22"].every((date) => ae.has(date))).toBe(true);
  });
});

describe("checkHolidayCalendar", () => {
  it("accepts known codes in any case", () => {
    expect(checkHolidayCalendar({ country: "BE" })).toBeNull();
    expect(checkHolidayCalendar({ country: "de", state: "by" })).toBeNull();
    expect(checkHolidayCalendar({ country: "DE", state: "BY", region: "A" })).toBeNull();
  });

  it.each([
    [{ country: "XX" }, /unknown holiday calendar country "XX".*e\.g\. BE/],
    [{ country: "DE", state: "ZZ" }, /unknown state "ZZ" for holiday calendar country DE: use one of .*BY/],
    [
      { country: "DE", state: "BY", region: "QQ" },
      /unknown region "QQ" for holiday calendar DE\/BY: use one of .*A/,
    ],
    [{ country: "DE", region: "A" }, /needs a state/],
  ])("explains %j", (spec, message) => {
    expect(checkHolidayCalendar(spec)).toMatch(message);
  });
});

import { describe, expect, it } from "vitest";
import { createCalendar } from "../../src/domain/business-hours.js";
import { at, HOUR, local, MINUTE, OFFICE_WEEK, spec, week } from "./calendar-fixtures.js";

/**
 * Wall times in a spring-forward gap move forward by the gap; wall times in a fall-back overlap
 * take the earlier instant (Temporal's "compatible"). Ranges spanning a change measure real time.
 */

/** A calendar open only on Sundays, with the given ranges. */
const sundays = (timezone: string, ...ranges: string[]) =>
  createCalendar(spec(timezone, week({ sunday: ranges })));

/** Business time of the one local date `date` (a Sunday), and its single interval as local text. */
function sundayOf(timezone: string, date: string, offsetBefore: string, ...ranges: string[]) {
  const calendar = sundays(timezone, ...ranges);
  const from = at(`${date}T00:00${offsetBefore}`);
  const to = from + 30 * HOUR;
  return {
    total: calendar.businessTimeBetween(from, to),
    intervals: calendar
      .businessIntervals(from, to)
      .map((i) => `${local(i.start, timezone)}/${local(i.end, timezone)}`),
  };
}

describe("Europe/Brussels: spring forward 2026-03-29 02:00→03:00, fall back 2026-10-25 03:00→02:00", () => {
  const tz = "Europe/Brussels";
  const office = createCalendar(spec(tz));

  it("carries an urgent target over the spring-forward weekend", () => {
    expect(local(office.addBusinessTime(at("2026-03-27T16:30+01:00"), HOUR), tz)).toBe(
      "2026-03-30T09:30+02:00",
    );
    expect(local(office.nextBusinessDayClose(at("2026-03-27T16:30+01:00")), tz)).toBe(
      "2026-03-30T17:00+02:00",
    );
  });

  it("carries an urgent target over the fall-back weekend", () => {
    expect(local(office.addBusinessTime(at("2026-10-23T16:30+02:00"), HOUR), tz)).toBe(
      "2026-10-26T09:30+01:00",
    );
    expect(local(office.nextBusinessDayClose(at("2026-10-24T12:00+02:00")), tz)).toBe(
      "2026-10-26T17:00+01:00",
    );
  });

  it("maps a range starting in the gap forward: 02:00-04:00 on 2026-03-29 is 03:00-04:00, 1 h", () => {
    expect(sundayOf(tz, "2026-03-29", "+01:00", "02:00-04:00")).toEqual({
      total: HOUR,
      intervals: ["2026-03-29T03:00+02:00/2026-03-29T04:00+02:00"],
    });
    const calendar = sundays(tz, "02:00-04:00");
    expect(local(calendar.addBusinessTime(at("2026-03-28T12:00+01:00"), 30 * MINUTE), tz)).toBe(
      "2026-03-29T03:30+02:00",
    );
    expect(local(calendar.nextBusinessDayClose(at("2026-03-28T12:00+01:00")), tz)).toBe(
      "2026-03-29T04:00+02:00",
    );
  });

  it("maps an end in the gap forward by the gap: 01:00-02:30 is 01:00+01:00 to 03:30+02:00, 1.5 h", () => {
    expect(sundayOf(tz, "2026-03-29", "+01:00", "01:00-02:30").total).toBe(90 * MINUTE);
  });

  it("takes the earlier instant in the overlap: 01:00-03:00 on 2026-10-25 lasts 3 h", () => {
    expect(sundayOf(tz, "2026-10-25", "+02:00", "01:00-03:00")).toEqual({
      total: 3 * HOUR,
      intervals: ["2026-10-25T01:00+02:00/2026-10-25T03:00+01:00"],
    });
    expect(sundayOf(tz, "2026-10-25", "+02:00", "02:30-04:00").total).toBe(150 * MINUTE);
  });

  it("measures 00:00-24:00 in real time: 23 h and 25 h", () => {
    expect(sundayOf(tz, "2026-03-29", "+01:00", "00:00-24:00").total).toBe(23 * HOUR);
    expect(sundayOf(tz, "2026-10-25", "+02:00", "00:00-24:00").total).toBe(25 * HOUR);
  });
});

describe("America/New_York: spring forward 2026-03-08 02:00→03:00, fall back 2026-11-01 02:00→01:00", () => {
  const tz = "America/New_York";
  const office = createCalendar(spec(tz));

  it("carries targets over the DST weekends", () => {
    expect(local(office.addBusinessTime(at("2026-03-06T16:30-05:00"), HOUR), tz)).toBe(
      "2026-03-09T09:30-04:00",
    );
    expect(local(office.addBusinessTime(at("2026-10-30T16:30-04:00"), HOUR), tz)).toBe(
      "2026-11-02T09:30-05:00",
    );
    expect(local(office.nextBusinessDayClose(at("2026-03-07T10:00-05:00")), tz)).toBe(
      "2026-03-09T17:00-04:00",
    );
    expect(local(office.nextBusinessDayClose(at("2026-11-01T01:30-05:00")), tz)).toBe(
      "2026-11-02T17:00-05:00",
    );
  });

  it("handles ranges touching the gap on 2026-03-08", () => {
    expect(sundayOf(tz, "2026-03-08", "-05:00", "02:00-04:00").total).toBe(HOUR);
    expect(sundayOf(tz, "2026-03-08", "-05:00", "02:30-05:00").intervals).toEqual([
      "2026-03-08T03:30-04:00/2026-03-08T05:00-04:00",
    ]);
    expect(sundayOf(tz, "2026-03-08", "-05:00", "00:00-24:00").total).toBe(23 * HOUR);
  });

  it("handles ranges touching the overlap on 2026-11-01", () => {
    expect(sundayOf(tz, "2026-11-01", "-04:00", "01:00-03:00").total).toBe(3 * HOUR);
    expect(sundayOf(tz, "2026-11-01", "-04:00", "01:30-01:45").intervals).toEqual([
      "2026-11-01T01:30-04:00/2026-11-01T01:45-04:00",
    ]);
    const calendar = sundays(tz, "01:00-03:00");
    // Two hours from 01:00 EDT: 01:00–02:00 EDT, then 01:00–02:00 EST.
    expect(local(calendar.addBusinessTime(at("2026-11-01T00:00-04:00"), 2 * HOUR), tz)).toBe(
      "2026-11-01T02:00-05:00",
    );
  });
});

describe("Australia/Lord_Howe: 30-minute shifts (spring 2026-10-04 02:00→02:30, fall 2026-04-05 02:00→01:30)", () => {
  const tz = "Australia/Lord_Howe";

  it("measures whole days of 23.5 h and 24.5 h", () => {
    expect(sundayOf(tz, "2026-10-04", "+10:30", "00:00-24:00").total).toBe(23.5 * HOUR);
    expect(sundayOf(tz, "2026-04-05", "+11:00", "00:00-24:00").total).toBe(24.5 * HOUR);
  });

  it("moves a gap start forward by 30 minutes and takes the earlier overlap instant", () => {
    expect(sundayOf(tz, "2026-10-04", "+10:30", "02:00-03:00").intervals).toEqual([
      "2026-10-04T02:30+11:00/2026-10-04T03:00+11:00",
    ]);
    expect(sundayOf(tz, "2026-04-05", "+11:00", "01:30-02:00").total).toBe(HOUR);
  });

  it("carries an office-hours target over the change", () => {
    const office = createCalendar(spec(tz));
    expect(local(office.addBusinessTime(at("2026-10-02T16:30+10:30"), HOUR), tz)).toBe(
      "2026-10-05T09:30+11:00",
    );
  });
});

describe("fixed and odd offsets", () => {
  it("Asia/Kolkata (+05:30)", () => {
    const tz = "Asia/Kolkata";
    const office = createCalendar(spec(tz));
    expect(local(office.addBusinessTime(at("2026-11-27T16:30+05:30"), HOUR), tz)).toBe(
      "2026-11-30T09:30+05:30",
    );
    expect(local(office.nextBusinessDayClose(at("2026-11-27T16:30+05:30")), tz)).toBe(
      "2026-11-30T17:00+05:30",
    );
    // 20:00 UTC on Thursday is already Friday 01:30 in Kolkata.
    expect(local(office.nextBusinessDayClose(at("2026-11-26T20:00:00Z")), tz)).toBe("2026-11-30T17:00+05:30");
  });

  it("Pacific/Chatham (+12:45 / +13:45, spring forward 2026-09-27 02:45→03:45)", () => {
    const tz = "Pacific/Chatham";
    const office = createCalendar(spec(tz));
    expect(local(office.addBusinessTime(at("2026-09-25T16:30+12:45"), HOUR), tz)).toBe(
      "2026-09-28T09:30+13:45",
    );
    // 20:00 UTC on Thursday 26 Nov is Friday 09:45 in Chatham.
    expect(local(office.nextBusinessDayClose(at("2026-11-26T20:00:00Z")), tz)).toBe("2026-11-30T17:00+13:45");
    expect(sundayOf(tz, "2026-09-27", "+12:45", "02:00-04:00").total).toBe(HOUR);
    expect(sundayOf(tz, "2026-04-05", "+13:45", "00:00-24:00").total).toBe(25 * HOUR);
  });

  it("an office week keeps its hours in every zone", () => {
    for (const tz of ["UTC", "Asia/Kolkata", "Pacific/Chatham", "America/St_Johns", "Asia/Kathmandu"]) {
      const calendar = createCalendar(spec(tz, OFFICE_WEEK));
      const monday = at("2026-11-30T00:00:00Z") - 14 * HOUR;
      expect(calendar.businessTimeBetween(monday, monday + 7 * 24 * HOUR), tz).toBe(40 * HOUR);
    }
  });
});

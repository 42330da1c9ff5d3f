import { afterEach, describe, expect, it } from "vitest";
import {
  BeyondHorizonError,
  BusinessCalendar,
  CalendarError,
  createCalendar,
} from "../../src/domain/business-hours.js";
import type { CalendarSpec } from "../../src/domain/calendar-types.js";
import { at, DEFAULT_SPEC, everyDay, HOUR, local, MINUTE, spec, week } from "./calendar-fixtures.js";

const BRUSSELS = "Europe/Brussels";
const office = createCalendar(DEFAULT_SPEC);
const show = (ms: number) => local(ms, BRUSSELS);

describe("addBusinessTime on the default calendar (Brussels, Mon–Fri 09:00–17:00)", () => {
  it.each([
    ["Fri 16:30 carries over the weekend", "2026-11-27T16:30+01:00", HOUR, "2026-11-30T09:30+01:00"],
    ["inside business hours", "2026-11-25T10:00+01:00", HOUR, "2026-11-25T11:00+01:00"],
    [
      "ending exactly at closing time stays at closing time",
      "2026-11-26T16:00+01:00",
      HOUR,
      "2026-11-26T17:00+01:00",
    ],
    [
      "a start at closing time waits for the next opening",
      "2026-11-26T17:00+01:00",
      HOUR,
      "2026-11-27T10:00+01:00",
    ],
    [
      "a start before opening waits for the opening",
      "2026-11-26T07:15+01:00",
      HOUR,
      "2026-11-26T10:00+01:00",
    ],
    ["a start at opening time", "2026-11-26T09:00+01:00", HOUR, "2026-11-26T10:00+01:00"],
    ["Saturday opening", "2026-11-28T12:00+01:00", HOUR, "2026-11-30T10:00+01:00"],
    ["Sunday opening, just before midnight", "2026-11-29T23:59+01:00", HOUR, "2026-11-30T10:00+01:00"],
    [
      "a full business day from opening ends at closing",
      "2026-11-26T09:00+01:00",
      8 * HOUR,
      "2026-11-26T17:00+01:00",
    ],
    ["40 business hours is one week", "2026-11-23T09:00+01:00", 40 * HOUR, "2026-11-27T17:00+01:00"],
    ["seconds are kept", "2026-11-27T16:59:30+01:00", HOUR, "2026-11-30T09:59:30.000+01:00"],
  ])("%s", (_name, opened, duration, expected) => {
    expect(show(office.addBusinessTime(at(opened), duration))).toBe(expected);
  });

  it("gives the instant the CLI prints for the product brief's example", () => {
    const deadline = office.addBusinessTime(at("2026-11-27T15:30:00Z"), HOUR);
    expect(new Date(deadline).toISOString()).toBe("2026-11-30T08:30:00.000Z");
  });

  it("returns the start for a zero duration and rejects negative or infinite ones", () => {
    const start = at("2026-11-28T12:00+01:00");
    expect(office.addBusinessTime(start, 0)).toBe(start);
    expect(() => office.addBusinessTime(start, -1)).toThrow(RangeError);
    expect(() => office.addBusinessTime(start, Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => office.addBusinessTime(Number.NaN, HOUR)).toThrow(RangeError);
  });

  it("crosses many cached blocks: 800 h from a Monday morning is 20 weeks later (over a DST change)", () => {
    expect(show(office.addBusinessTime(at("2026-01-05T09:00+01:00"), 800 * HOUR))).toBe(
      "2026-05-22T17:00+02:00",
    );
  });
});

describe("nextBusinessDayClose on the default calendar", () => {
  it.each([
    ["Fri 16:30 → Monday's close", "2026-11-27T16:30+01:00", "2026-11-30T17:00+01:00"],
    [
      "Fri before opening still counts Friday as the opening date",
      "2026-11-27T08:00+01:00",
      "2026-11-30T17:00+01:00",
    ],
    ["Saturday → Monday", "2026-11-28T10:00+01:00", "2026-11-30T17:00+01:00"],
    ["Sunday just before midnight → Monday", "2026-11-29T23:59:59+01:00", "2026-11-30T17:00+01:00"],
    ["Monday at midnight → Tuesday", "2026-11-30T00:00+01:00", "2026-12-01T17:00+01:00"],
    ["Thursday night → Friday", "2026-11-26T23:30+01:00", "2026-11-27T17:00+01:00"],
  ])("%s", (_name, opened, expected) => {
    expect(show(office.nextBusinessDayClose(at(opened)))).toBe(expected);
  });

  it("uses the local date, not the UTC date (23:30 UTC on Sunday is Monday in Brussels)", () => {
    expect(show(office.nextBusinessDayClose(at("2026-11-29T23:30:00Z")))).toBe("2026-12-01T17:00+01:00");
  });
});

describe("holidays close their whole local date", () => {
  const explicit = createCalendar({ ...DEFAULT_SPEC, holidays: ["2026-12-24"] });
  const belgian = createCalendar({
    ...DEFAULT_SPEC,
    holidays: ["2026-12-24"],
    holidayCalendar: { country: "BE" },
  });

  it("skips a date of the explicit list", () => {
    expect(show(explicit.addBusinessTime(at("2026-12-23T16:30+01:00"), HOUR))).toBe("2026-12-25T09:30+01:00");
    expect(show(explicit.nextBusinessDayClose(at("2026-12-23T10:00+01:00")))).toBe("2026-12-25T17:00+01:00");
  });

  it("skips a public holiday of the country calendar (BE Christmas, Friday 2026-12-25)", () => {
    expect(show(belgian.addBusinessTime(at("2026-12-23T16:30+01:00"), HOUR))).toBe("2026-12-28T09:30+01:00");
    expect(show(belgian.nextBusinessDayClose(at("2026-12-23T10:00+01:00")))).toBe("2026-12-28T17:00+01:00");
  });

  it("waits for the next business day when opened on a holiday", () => {
    expect(show(belgian.addBusinessTime(at("2026-12-25T10:00+01:00"), HOUR))).toBe("2026-12-28T10:00+01:00");
  });

  it("uses the state's holidays: Epiphany 2027-01-06 in DE/BY but not in DE as a whole", () => {
    const bavaria = createCalendar(
      spec(BRUSSELS, DEFAULT_SPEC.week, { holidayCalendar: { country: "DE", state: "BY" } }),
    );
    const germany = createCalendar(spec(BRUSSELS, DEFAULT_SPEC.week, { holidayCalendar: { country: "DE" } }));
    const opened = at("2027-01-05T16:30+01:00");
    expect(show(bavaria.addBusinessTime(opened, HOUR))).toBe("2027-01-07T09:30+01:00");
    expect(show(germany.addBusinessTime(opened, HOUR))).toBe("2027-01-06T09:30+01:00");
    expect(show(bavaria.nextBusinessDayClose(opened))).toBe("2027-01-07T17:00+01:00");
  });
});

describe("a schedule with a lunch break (New York, Monday 08:00–12:00 and 13:00–18:00)", () => {
  const ny = "America/New_York";
  const lunch = createCalendar(spec(ny, week({ monday: ["08:00-12:00", "13:00-18:00"] })));

  it.each([
    ["2 h from 11:30 skips lunch", "2026-11-30T11:30-05:00", 2 * HOUR, "2026-11-30T14:30-05:00"],
    ["ending exactly at the lunch closing", "2026-11-30T11:30-05:00", 30 * MINUTE, "2026-11-30T12:00-05:00"],
    ["a start during lunch waits for 13:00", "2026-11-30T12:15-05:00", 30 * MINUTE, "2026-11-30T13:30-05:00"],
    ["ending exactly at the day's close", "2026-11-30T17:00-05:00", HOUR, "2026-11-30T18:00-05:00"],
    ["the next week's Monday after the close", "2026-11-30T17:30-05:00", HOUR, "2026-12-07T08:30-05:00"],
  ])("%s", (_name, opened, duration, expected) => {
    expect(local(lunch.addBusinessTime(at(opened), duration), ny)).toBe(expected);
  });

  it("closes next business day at the end of the last range", () => {
    expect(local(lunch.nextBusinessDayClose(at("2026-11-30T09:00-05:00")), ny)).toBe(
      "2026-12-07T18:00-05:00",
    );
  });
});

describe("a 00:00–24:00 schedule, seven days a week", () => {
  const always = createCalendar(spec(BRUSSELS, everyDay("00:00-24:00")));

  it("is continuous business time across midnights", () => {
    const opened = at("2026-11-27T16:30+01:00");
    expect(always.addBusinessTime(opened, HOUR)).toBe(opened + HOUR);
    expect(always.addBusinessTime(opened, 40 * HOUR)).toBe(opened + 40 * HOUR);
    expect(always.businessTimeBetween(opened, opened + 100 * HOUR)).toBe(100 * HOUR);
    expect(always.businessIntervals(opened, opened + 50 * HOUR)).toEqual([
      { start: opened, end: opened + 50 * HOUR },
    ]);
  });

  it("closes the next business day at its midnight", () => {
    expect(show(always.nextBusinessDayClose(at("2026-11-27T16:30+01:00")))).toBe("2026-11-29T00:00+01:00");
  });
});

describe("businessTimeBetween", () => {
  it("measures only business time", () => {
    expect(office.businessTimeBetween(at("2026-11-27T16:30+01:00"), at("2026-11-30T09:30+01:00"))).toBe(HOUR);
    expect(office.businessTimeBetween(at("2026-11-23T00:00+01:00"), at("2026-11-30T00:00+01:00"))).toBe(
      40 * HOUR,
    );
    expect(office.businessTimeBetween(at("2026-11-28T00:00+01:00"), at("2026-11-29T12:00+01:00"))).toBe(0);
  });

  it("is 0 when the end is not after the start", () => {
    const t = at("2026-11-25T10:00+01:00");
    expect(office.businessTimeBetween(t, t)).toBe(0);
    expect(office.businessTimeBetween(t + HOUR, t)).toBe(0);
  });

  it.each([
    ["2026-11-27T16:30+01:00", HOUR],
    ["2026-11-28T03:00+01:00", 7 * HOUR + 59 * MINUTE],
    ["2026-03-27T16:59+01:00", 40 * HOUR],
    ["2026-10-23T12:00+02:00", 123 * HOUR + 17 * MINUTE],
    ["2026-12-31T23:59+01:00", 1000 * HOUR],
  ])("round-trips addBusinessTime from %s", (opened, duration) => {
    const start = at(opened);
    expect(office.businessTimeBetween(start, office.addBusinessTime(start, duration))).toBe(duration);
  });
});

describe("calendars that cannot advance throw instead of looping", () => {
  it("throws for a week without business hours, but only when asked to advance", () => {
    const empty = createCalendar(spec(BRUSSELS, week({})));
    const t = at("2026-11-27T16:30+01:00");
    expect(() => empty.addBusinessTime(t, HOUR)).toThrow(CalendarError);
    expect(() => empty.addBusinessTime(t, HOUR)).toThrow(/business hours are empty/);
    expect(() => empty.nextBusinessDayClose(t)).toThrow(CalendarError);
    expect(empty.businessTimeBetween(t, t + 100 * HOUR)).toBe(0);
  });

  it("throws when holidays leave no business time within 2 years", () => {
    const saturdays: string[] = [];
    for (let day = Date.UTC(2026, 10, 28); day < Date.UTC(2030, 0, 1); day += 7 * 86_400_000) {
      saturdays.push(new Date(day).toISOString().slice(0, 10));
    }
    const blocked = createCalendar(
      spec(BRUSSELS, week({ saturday: ["09:00-17:00"] }), { holidays: saturdays }),
    );
    const t = at("2026-11-27T16:30+01:00");
    // Adding business time stops at the planning horizon (366 days), before the 2-year idle limit.
    expect(() => blocked.addBusinessTime(t, HOUR)).toThrow(BeyondHorizonError);
    expect(() => blocked.nextBusinessDayClose(t)).toThrow(/no business hours within 2 years/);
  });

  it("rejects an unknown time zone, holiday calendar or malformed holiday with a clear message", () => {
    expect(() => createCalendar(spec("Mars/Olympus_Mons"))).toThrow(CalendarError);
    expect(() => createCalendar(spec("Mars/Olympus_Mons"))).toThrow(/unknown time zone "Mars\/Olympus_Mons"/);
    expect(() =>
      createCalendar(spec(BRUSSELS, DEFAULT_SPEC.week, { holidayCalendar: { country: "XX" } })),
    ).toThrow(/unknown holiday calendar country "XX"/);
    expect(() => createCalendar(spec(BRUSSELS, DEFAULT_SPEC.week, { holidays: ["2026-02-30"] }))).toThrow(
      /YYYY-MM-DD/,
    );
    const bad = { ...DEFAULT_SPEC, week: { ...DEFAULT_SPEC.week, monday: [{ start: 600, end: 540 }] } };
    expect(() => createCalendar(bad)).toThrow(/0 ≤ start < end ≤ 1440/);
  });
});

describe("host time zone independence", () => {
  const original = process.env.TZ;
  afterEach(() => {
    if (original === undefined) delete process.env.TZ;
    else process.env.TZ = original;
  });

  it("gives the same instants whatever process.env.TZ says", () => {
    const compute = (s: CalendarSpec) => {
      const calendar = new BusinessCalendar(s);
      const opened = at("2026-03-27T16:30+01:00");
      return [calendar.addBusinessTime(opened, 3 * HOUR), calendar.nextBusinessDayClose(opened)];
    };
    const specs = [DEFAULT_SPEC, spec("Pacific/Chatham"), spec("America/New_York", everyDay("01:00-03:00"))];
    process.env.TZ = "UTC";
    const reference = specs.map(compute);
    for (const tz of ["Pacific/Auckland", "America/New_York", "Asia/Kolkata"]) {
      process.env.TZ = tz;
      expect(specs.map(compute)).toEqual(reference);
    }
  });
});

import Holidays from "date-holidays";
import type { HolidayCalendarSpec } from "./calendar-types.js";
import { daysFromCivil, formatCivil } from "./civil-date.js";

/** Local dates (`YYYY-MM-DD`) closed by a public holiday, with the holiday's name. */
export type PublicHolidayDates = ReadonlyMap<string, string>;

type Resolved = { ok: true; spec: HolidayCalendarSpec } | { ok: false; message: string };

const DAY_MS = 86_400_000;
const MAX_CACHED_YEARS = 512;

// One `Holidays` lister for the metadata calls; getCountries() rebuilds its answer on every call.
const lister = new Holidays();
let countries: Record<string, string> | undefined;

function keysOf(record: Record<string, string> | undefined): string[] {
  return record ? Object.keys(record) : [];
}

function findKey(keys: string[], wanted: string): string | undefined {
  const upper = wanted.trim().toUpperCase();
  return keys.find((key) => key.toUpperCase() === upper);
}

/**
 * Checks a holiday calendar against the codes `date-holidays` knows and returns it with the
 * library's own spelling of each code (so `be` and `BE` share one cache entry).
 */
export function resolveHolidayCalendar(spec: HolidayCalendarSpec): Resolved {
  countries ??= lister.getCountries("en");
  const country = findKey(keysOf(countries), spec.country);
  if (!country) {
    return {
      ok: false,
      message: `unknown holiday calendar country ${JSON.stringify(spec.country)}: use an ISO 3166-1 alpha-2 code that date-holidays knows, e.g. BE, DE, US`,
    };
  }
  if (spec.state === undefined || spec.state === "") {
    if (spec.region !== undefined && spec.region !== "") {
      return {
        ok: false,
        message: `holiday calendar region ${JSON.stringify(spec.region)} needs a state too`,
      };
    }
    return { ok: true, spec: { country } };
  }
  const states = keysOf(lister.getStates(country, "en"));
  const state = findKey(states, spec.state);
  if (!state) {
    return {
      ok: false,
      message:
        states.length === 0
          ? `holiday calendar country ${country} has no states in date-holidays: remove the state`
          : `unknown state ${JSON.stringify(spec.state)} for holiday calendar country ${country}: use one of ${states.join(", ")}`,
    };
  }
  if (spec.region === undefined || spec.region === "") return { ok: true, spec: { country, state } };
  const regions = keysOf(lister.getRegions(country, state, "en"));
  const region = findKey(regions, spec.region);
  if (!region) {
    return {
      ok: false,
      message:
        regions.length === 0
          ? `holiday calendar state ${country}/${state} has no regions in date-holidays: remove the region`
          : `unknown region ${JSON.stringify(spec.region)} for holiday calendar ${country}/${state}: use one of ${regions.join(", ")}`,
    };
  }
  return { ok: true, spec: { country, state, region } };
}

/** An error message for a country, state or region `date-holidays` does not know; null when fine. */
export function checkHolidayCalendar(spec: HolidayCalendarSpec): string | null {
  const resolved = resolveHolidayCalendar(spec);
  return resolved.ok ? null : resolved.message;
}

function cacheKey(spec: HolidayCalendarSpec): string {
  return [spec.country, spec.state ?? "", spec.region ?? ""].join("/");
}

const instances = new Map<string, Holidays>();
/** Dates each year's public holidays cover, keyed by calendar and year; may spill into the next year. */
const coveredByYear = new Map<string, Map<string, string>>();
const datesByYear = new Map<string, PublicHolidayDates>();

function instanceFor(spec: HolidayCalendarSpec): Holidays {
  const key = cacheKey(spec);
  let hd = instances.get(key);
  if (!hd) {
    const { country, state, region } = spec;
    hd =
      state === undefined
        ? new Holidays(country)
        : region === undefined
          ? new Holidays(country, state)
          : new Holidays(country, state, region);
    instances.set(key, hd);
  }
  return hd;
}

function addName(into: Map<string, string>, date: string, name: string): void {
  const existing = into.get(date);
  if (existing === undefined) into.set(date, name);
  else if (!existing.split(" / ").includes(name)) into.set(date, `${existing} / ${name}`);
}

/** Every local date covered by the public holidays `date-holidays` lists for one year. */
function coveredDates(spec: HolidayCalendarSpec, year: number): Map<string, string> {
  const key = `${cacheKey(spec)}@${year}`;
  let covered = coveredByYear.get(key);
  if (covered) return covered;
  covered = new Map();
  for (const holiday of instanceFor(spec).getHolidays(year, "en")) {
    if (holiday.type !== "public") continue;
    // `date` is the first day in the country's own local terms ("2026-12-25 00:00:00", or
    // "2026-03-20 00:00:00 -0600" for a holiday that begins at the previous sunset). The span
    // start..end counts the days: whole days give whole multiples of 24 h give or take a DST hour.
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(holiday.date);
    if (!match) continue;
    const first = daysFromCivil(Number(match[1]), Number(match[2]), Number(match[3]));
    const days = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / DAY_MS));
    for (let offset = 0; offset < days; offset++) addName(covered, formatCivil(first + offset), holiday.name);
  }
  if (coveredByYear.size >= MAX_CACHED_YEARS) coveredByYear.clear();
  coveredByYear.set(key, covered);
  return covered;
}

/**
 * Public holidays (type `public` only) of a `date-holidays` calendar that fall on local dates of
 * `year`, including the tail of a multi-day holiday that began the year before. The calendar
 * must be one `resolveHolidayCalendar` accepted.
 */
export function publicHolidayDates(spec: HolidayCalendarSpec, year: number): PublicHolidayDates {
  const key = `${cacheKey(spec)}@${year}`;
  const cached = datesByYear.get(key);
  if (cached) return cached;
  const prefix = `${String(year).padStart(4, "0")}-`;
  const dates = new Map<string, string>();
  for (const source of [coveredDates(spec, year - 1), coveredDates(spec, year)]) {
    for (const [date, name] of source) if (date.startsWith(prefix)) addName(dates, date, name);
  }
  if (datesByYear.size >= MAX_CACHED_YEARS) datesByYear.clear();
  datesByYear.set(key, dates);
  return dates;
}

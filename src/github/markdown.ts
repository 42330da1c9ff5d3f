import { neutralizeInvisible } from "../helpers/invisible.js";
import { clip } from "../helpers/limits.js";

export { neutralizeInvisible };

/**
 * Text echoed from an issue into one of our comments: it must never ping anyone (`@user`,
 * `@org/team`), never close our table, link or HTML comment, never reorder the text around it
 * (bidirectional controls, see `neutralizeInvisible`), and stay on one line of at most
 * `maxLength` UTF-16 units.
 */
export function inlineText(text: string, maxLength = 200): string {
  const oneLine = neutralizeInvisible(text).replace(/\s+/g, " ").trim();
  const clipped = clip(oneLine, maxLength);
  return (
    clipped
      // Backslash-escape everything markdown or GitHub could act on inside a table cell or list item.
      .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
      // A zero-width joiner after @ keeps the text readable and stops GitHub's mention and team links.
      .replace(/@/g, "@\u200D")
      .replace(/(^|\s)-(?=\s)/g, "$1\\-")
  );
}

/** Most formatters kept (a few per configured zone); the cache starts afresh beyond it. */
const FORMATTER_CACHE_SIZE = 256;
const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An `Intl.DateTimeFormat` for `locale` and `options`, made once and reused: making one costs far
 * more than formatting with it, and every deadline the app writes is formatted. Throws RangeError
 * for an unknown zone (nothing is cached then).
 */
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, options);
    if (formatters.size >= FORMATTER_CACHE_SIZE) formatters.clear();
    formatters.set(key, found);
  }
  return found;
}

/** Locales whose short zone names cover most zones: each names its own region's zones (EST, CET, IST, AEST). */
const ZONE_NAME_LOCALES = ["en-GB", "en-US", "en-IN", "en-AU", "en-NZ", "en-CA"];

/** The zone's usual abbreviation at that instant (CET, EST, IST) or, where none exists, GMT+5:45. */
export function zoneAbbreviation(instantMs: number, timeZone: string): string {
  let fallback = "";
  for (const locale of ZONE_NAME_LOCALES) {
    const name =
      formatter(locale, { timeZone, timeZoneName: "short" })
        .formatToParts(new Date(instantMs))
        .find((p) => p.type === "timeZoneName")?.value ?? "";
    if (name && !/^(GMT|UTC)[+-]/.test(name)) return name;
    fallback ||= name;
  }
  return fallback;
}

/**
 * Formats an instant in a zone as `Mon 30 Nov 2026, 09:30 CET`; seconds appear only when the
 * instant has some (targets of seconds, in demos and tests). Throws RangeError for an unknown zone.
 */
export function formatLocal(instantMs: number, timeZone: string): string {
  const withSeconds = instantMs % 60_000 !== 0;
  const parts = formatter("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    ...(withSeconds ? { second: "2-digit" as const } : {}),
    hourCycle: "h23",
  }).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const time = [get("hour"), get("minute"), withSeconds ? get("second") : ""].filter(Boolean).join(":");
  return `${get("weekday")} ${get("day")} ${get("month")} ${get("year")}, ${time} ${zoneAbbreviation(instantMs, timeZone)}`;
}

/** Formats an instant in UTC as `2026-11-30 08:30 UTC` (with seconds when it has some). */
export function formatUtc(instantMs: number): string {
  const iso = new Date(instantMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, instantMs % 60_000 !== 0 ? 19 : 16)} UTC`;
}

/**
 * Text echoed from an issue into one of our comments: it must never ping anyone (`@user`,
 * `@org/team`), never close our table, link or HTML comment, and stay on one line.
 */
export function inlineText(text: string, maxLength = 200): string {
  const oneLine = text
    .replace(/[\u200B-\u200D\u2060\uFEFF]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  const clipped = oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
  return (
    clipped
      // Backslash-escape everything markdown or GitHub could act on inside a table cell or list item.
      .replace(/[\\`*_{}[\]()<>#+!|~]/g, (c) => `\\${c}`)
      // A zero-width joiner after @ keeps the text readable and stops GitHub's mention and team links.
      .replace(/@/g, "@\u200D")
      .replace(/(^|\s)-(?=\s)/g, "$1\\-")
  );
}

/** Formats an instant in a zone as `Mon 30 Nov 2026, 09:30 CET`. */
export function formatLocal(instantMs: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  }).formatToParts(new Date(instantMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")} ${get("day")} ${get("month")} ${get("year")}, ${get("hour")}:${get("minute")} ${get("timeZoneName")}`;
}

/** Formats an instant in UTC as `2026-11-30 08:30 UTC`. */
export function formatUtc(instantMs: number): string {
  return `${new Date(instantMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

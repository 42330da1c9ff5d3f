import type { ResponseTarget } from "./policy.js";

export type ParseDurationResult = { ok: true; target: ResponseTarget } | { ok: false; message: string };

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000 } as const;
/** No first-response target is longer than a year; a bigger number is a typo (or an attack on the engine). */
export const MAX_DURATION_MS = 365 * 24 * UNIT_MS.h;

const ACCEPTED =
  "write a whole positive number followed by s, m or h (e.g. 90s, 30m, 1h) or next-business-day";

const ACCEPTED_SPAN = "write a whole positive number followed by s, m or h (e.g. 90s, 30m, 1h)";

/**
 * Parses a span that is only ever a duration (a repeat interval, a time after the deadline): as
 * {@link parseDuration}, but `next-business-day` is refused and no message offers it.
 */
export function parseSpan(text: string | number): { ok: true; ms: number } | { ok: false; message: string } {
  const parsed = parseDuration(text);
  if (!parsed.ok) return { ok: false, message: parsed.message.replace(ACCEPTED, ACCEPTED_SPAN) };
  if (parsed.target.kind !== "duration")
    return { ok: false, message: `${JSON.stringify(text)} is not a span of time: ${ACCEPTED_SPAN}` };
  return { ok: true, ms: parsed.target.ms };
}

/**
 * Parses a first-response target as the config writes it: `Ns`, `Nm`, `Nh` (N a positive whole
 * number) or `next-business-day`.
 */
export function parseDuration(text: string | number): ParseDurationResult {
  if (typeof text === "number") {
    return { ok: false, message: `${text} has no unit: ${ACCEPTED}` };
  }
  const trimmed = text.trim().toLowerCase();
  if (trimmed === "next-business-day") return { ok: true, target: { kind: "next-business-day" } };
  if (trimmed === "") return { ok: false, message: `the response time is empty: ${ACCEPTED}` };
  const match = /^(\d+)\s*([smh])$/.exec(trimmed);
  if (!match) return { ok: false, message: `${JSON.stringify(text)} is not a response time: ${ACCEPTED}` };
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms === 0) return { ok: false, message: `${JSON.stringify(text)} is zero: ${ACCEPTED}` };
  if (ms > MAX_DURATION_MS) {
    return { ok: false, message: `${JSON.stringify(text)} is longer than a year: the most is 8760h` };
  }
  return { ok: true, target: { kind: "duration", ms } };
}

/** Human text for a span, to the second: "1 h 30 min", "45 min", "30 s", "40 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? "-" : "";
  let seconds = Math.round(Math.abs(ms) / 1000);
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const parts: string[] = [];
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if (seconds || parts.length === 0) parts.push(`${seconds} s`);
  return sign + parts.join(" ");
}

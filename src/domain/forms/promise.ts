import type { ClockKind, PriorityPolicy, ResponseTarget } from "../policy.js";
import { headingKey } from "./text.js";

/*
 * The response-time promise a form states for a priority, in one grammar both ways: `init`
 * writes it with {@link responsePromise}, `check-config --forms` reads it back with
 * {@link findStatedTargets}. A form line states a target only when it has both parts:
 *
 *   1. it starts with a priority name in bold (`**Urgent**`, `__Urgent__`; after an optional
 *      list marker), the way the priority dropdown's description introduces each choice;
 *   2. later on that line, one of the promise phrases:
 *        "respond within N second(s) | minute(s) | hour(s)"  ("business" before the unit: the
 *                                     business clock; "24/7" after it: the calendar clock;
 *                                     neither: the clock is not stated and is not compared),
 *        "respond by the end of the next business day"  (also "respond [by|on] the next business day").
 *      "respond", "responds", "response"; N in digits or as a word from one to twelve, or "a"/"an".
 *
 * Anything else (a response time in a sentence that names no priority in bold, days or weeks, a
 * range such as "1-2 hours") is not a stated target: a checker that guesses would flag honest
 * prose in other people's forms. None of the public forms in test/fixtures/forms-corpus states
 * one.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A first-response target as a form states it. `clock` is null when the text does not say. */
export type StatedTarget =
  | { kind: "duration"; ms: number; clock: ClockKind | null }
  | { kind: "next-business-day" };

/** One stated target found in a text: which priority it is for, and what it says. */
export interface StatedTargetMatch {
  /** The bold priority name as written, e.g. "Urgent". */
  priority: string;
  target: StatedTarget;
  /** The promise phrase as written, e.g. "respond within 1 business hour". */
  phrase: string;
  /** 0-based index of the line within the text. */
  line: number;
}

const UNITS: Array<{ ms: number; one: string; many: string }> = [
  { ms: HOUR, one: "hour", many: "hours" },
  { ms: MINUTE, one: "minute", many: "minutes" },
  { ms: SECOND, one: "second", many: "seconds" },
];

/** "1 business hour", "4 hours", "90 business minutes": the largest unit the span is a whole number of. */
function spanText(ms: number, clock: ClockKind): string {
  const unit = UNITS.find((u) => ms % u.ms === 0) ?? (UNITS[2] as (typeof UNITS)[number]);
  const n = Math.round(ms / unit.ms);
  return `${n} ${clock === "business" ? "business " : ""}${n === 1 ? unit.one : unit.many}`;
}

/**
 * The promise sentence for a priority's first-response target, as the forms `init` writes say it:
 * "we respond within 1 business hour", "we respond within 30 minutes, 24/7", "we respond by the
 * end of the next business day". {@link findStatedTargets} reads every sentence this writes.
 */
export function responsePromise(priority: Pick<PriorityPolicy, "response" | "clock">): string {
  return `we ${responsePhrase(priority)}`;
}

/** {@link responsePromise} without its subject: "respond within 4 business hours". */
export function responsePhrase(priority: Pick<PriorityPolicy, "response" | "clock">): string {
  const { response, clock } = priority;
  if (response.kind === "next-business-day") return "respond by the end of the next business day";
  return `respond within ${spanText(response.ms, clock)}${clock === "calendar" ? ", 24/7" : ""}`;
}

/** The config's way to write a response target: `4h`, `30m`, `90s`, `next-business-day`. */
export function configResponseText(response: ResponseTarget): string {
  if (response.kind === "next-business-day") return "next-business-day";
  if (response.ms % HOUR === 0) return `${response.ms / HOUR}h`;
  if (response.ms % MINUTE === 0) return `${response.ms / MINUTE}m`;
  return `${Math.round(response.ms / SECOND)}s`;
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
};

const UNIT_MS: Record<string, number> = { second: SECOND, minute: MINUTE, hour: HOUR };

// A bold priority name at the start of a line, after an optional list marker.
// The name may hold backslash-escaped markup (`**Low \*priority\***`, as `init` writes such names).
const LEAD =
  /^\s{0,3}(?:[-*+]\s+|\d{1,3}[.)]\s+)?(?:\*\*((?:\\.|[^*\\\n]){1,160}?)\*\*|__((?:\\.|[^_\\\n]){1,160}?)__)/;
const WITHIN = new RegExp(
  String.raw`\brespon(?:d|ds|se)\s+(?:is\s+)?within\s+(\d{1,6}|${Object.keys(NUMBER_WORDS).join("|")})\s+(business\s+)?(second|minute|hour)s?\b((?:\s*,)?\s*24\s*/\s*7)?`,
  "i",
);
const NEXT_DAY =
  /\brespon(?:d|ds|se)\s+(?:is\s+)?(?:(?:by|on|within)\s+)?(?:the\s+end\s+of\s+)?the\s+next\s+business\s+day\b/i;

/** The promise phrase of one line (after its bold priority name), or null when it has none. */
function statedTarget(rest: string): { target: StatedTarget; phrase: string } | null {
  const within = WITHIN.exec(rest);
  const nextDay = NEXT_DAY.exec(rest);
  // The earlier phrase wins when a line has both.
  if (within && (!nextDay || within.index <= nextDay.index)) {
    const count = /^\d/.test(within[1] ?? "")
      ? Number(within[1])
      : (NUMBER_WORDS[(within[1] ?? "").toLowerCase()] ?? 0);
    const unit = UNIT_MS[(within[3] ?? "").toLowerCase()] ?? SECOND;
    const clock: ClockKind | null = within[2] ? "business" : within[4] ? "calendar" : null;
    return { target: { kind: "duration", ms: count * unit, clock }, phrase: within[0].trim() };
  }
  if (nextDay) return { target: { kind: "next-business-day" }, phrase: nextDay[0].trim() };
  return null;
}

/**
 * Every stated first-response target in a text (a form's description or markdown), line by line,
 * by the grammar at the top of this module. Pure; never throws.
 */
export function findStatedTargets(text: string): StatedTargetMatch[] {
  const found: StatedTargetMatch[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    const lead = LEAD.exec(line);
    if (!lead) return;
    const stated = statedTarget(line.slice(lead[0].length));
    if (!stated) return;
    // Read as a customer sees it: escapes resolved and inline markup unwrapped.
    const priority = headingKey(lead[1] ?? lead[2] ?? "").replace(/:$/, "");
    if (priority === "") return;
    found.push({ priority, ...stated, line: index });
  });
  return found;
}

/**
 * Whether a stated target says what the priority's config says. A target that leaves the clock
 * unstated agrees with either clock; "next business day" agrees only with `next-business-day`.
 */
export function agrees(stated: StatedTarget, priority: Pick<PriorityPolicy, "response" | "clock">): boolean {
  const { response, clock } = priority;
  if (stated.kind === "next-business-day") return response.kind === "next-business-day";
  if (response.kind !== "duration") return false;
  return stated.ms === response.ms && (stated.clock === null || stated.clock === clock);
}

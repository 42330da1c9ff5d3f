import { neutralizeInvisible } from "../../helpers/invisible.js";
import { clip } from "../../helpers/limits.js";

/**
 * Invisible characters that survive copy-paste from chat tools and word processors: zero-width
 * space, non-joiner and joiner, directional marks, word joiner and invisible operators, and the
 * byte-order mark. None of them changes what a reader sees in a heading or a one-line answer.
 */
const INVISIBLE = "\\u200B-\\u200F\\u2060-\\u2064\\uFEFF";
const INVISIBLE_ALL = new RegExp(`[${INVISIBLE}]`, "g");
const BLANK_OR_INVISIBLE = new RegExp(`[\\s${INVISIBLE}]`);
const LEADING_BLANK = new RegExp(`^[ \\t${INVISIBLE}]+`);
const WHITESPACE_RUNS = /\s+/g;

/** Key under which a field label and a `### heading` are compared: no invisibles, single spaces. */
export function normaliseLabel(text: string): string {
  return text.replace(INVISIBLE_ALL, "").replace(WHITESPACE_RUNS, " ").trim();
}

/** Trims whitespace and invisible characters from both ends (inside, ZWJ emoji stay intact). */
export function trimAnswer(text: string): string {
  // A loop, not a `^\s+|\s+$` regex: that one is quadratic on a long inner run of spaces.
  let start = 0;
  let end = text.length;
  while (start < end && BLANK_OR_INVISIBLE.test(text.charAt(start))) start++;
  while (end > start && BLANK_OR_INVISIBLE.test(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Removes invisible characters from a line's indentation, so `\u200B### Label` is a heading. */
export function stripLeadingInvisible(line: string): string {
  const c = line.charCodeAt(0);
  if (Number.isNaN(c)) return line;
  if (c !== 32 && c !== 9 && c !== 0xfeff && (c < 0x200b || c > 0x200f) && (c < 0x2060 || c > 0x2064))
    return line;
  const m = LEADING_BLANK.exec(line);
  if (m === null) return line;
  return m[0].replace(INVISIBLE_ALL, "") + line.slice(m[0].length);
}

/** One line, at most `max` characters: for echoing user text back inside a message. */
export function excerpt(text: string, max = 60): string {
  // Not normaliseLabel: that drops every joiner, and an excerpt is shown, not compared.
  const flat = neutralizeInvisible(text).replace(WHITESPACE_RUNS, " ").trim();
  return clip(flat, max);
}

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

/**
 * Plain-text key of a short text: no invisibles, single spaces, trimmed. Used where text is
 * compared as written (checkbox options, dropdown answers); headings and field labels are
 * compared with {@link headingKey}, which also reads the markdown.
 */
export function normaliseLabel(text: string): string {
  return text.replace(INVISIBLE_ALL, "").replace(WHITESPACE_RUNS, " ").trim();
}

/**
 * Removes complete `<!-- ... -->` comments from one line. A comment left open at the end of the
 * line is kept as text: only a comment that starts a line (an HTML block) can span lines.
 */
export function stripInlineComments(line: string): string {
  let start = line.indexOf("<!--");
  if (start < 0) return line;
  let out = "";
  let from = 0;
  while (start >= 0) {
    const end = line.indexOf("-->", start + 2);
    if (end < 0) break;
    out += line.slice(from, start);
    from = end + 3;
    start = line.indexOf("<!--", from);
  }
  return out + line.slice(from);
}

/** Longest text whose markup {@link headingKey} reads; field labels are far shorter. */
const MAX_MARKUP_TEXT = 500;
/** ASCII punctuation, which a backslash escapes in CommonMark (spec 0.31, "Backslash escapes"). */
const ESCAPABLE = /\\([!-/:-@[-`{-~])/g;
/** Private-use stand-ins for escaped characters while the markup around them is read. */
const ESCAPE_BASE = 0xe000;
const ESCAPED = /[\ue000-\ue07f]/g;
const CODE_SPAN = /(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g;
const IMAGE_OR_LINK = /!?\[([^\]]*)\](?:\([^)]*\)|\[[^\]]*\])?/g;
const AUTOLINK = /<((?:[a-z][a-z0-9+.-]{1,31}:[^\s<>]*)|(?:[^\s<>@]+@[^\s<>@]+))>/gi;
const HTML_TAG = /<\/?[a-z][a-z0-9-]*(?:\s[^<>]*)?\/?>/gi;
/** Emphasis and strikethrough delimiters around text; `_` only at word boundaries (intraword `_` is literal). */
const EMPHASIS = [
  /(\*{1,3})(?=\S)([\s\S]*?\S)\1/g,
  /(?<![\p{L}\p{N}])(_{1,3})(?=\S)([\s\S]*?\S)\1(?![\p{L}\p{N}])/gu,
  /(~~?)(?=\S)([\s\S]*?\S)\1/g,
];
const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  num: "#",
};
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));/g;

function decodeEntity(match: string, dec?: string, hex?: string, name?: string): string {
  if (dec !== undefined || hex !== undefined) {
    const code = dec !== undefined ? Number(dec) : Number.parseInt(hex ?? "", 16);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code)
      : "\ufffd";
  }
  return ENTITIES[name ?? ""] ?? match;
}

/** The markdown of one line read as the text a reader sees: links, emphasis, code and tags unwrapped. */
function visibleText(text: string): string {
  // Escaped characters are literal: hide them from the markup rules, restore them at the end.
  let out = text.replace(ESCAPABLE, (_m, c: string) => String.fromCharCode(ESCAPE_BASE + c.charCodeAt(0)));
  const codes: string[] = [];
  out = out.replace(CODE_SPAN, (_m, _ticks: string, code: string) => {
    codes.push(code.replace(ESCAPED, (c) => `\\${String.fromCharCode(c.charCodeAt(0) - ESCAPE_BASE)}`));
    return `\ue100${codes.length - 1}\ue101`;
  });
  out = out.replace(IMAGE_OR_LINK, "$1").replace(AUTOLINK, "$1").replace(HTML_TAG, "");
  for (let pass = 0; pass < 3; pass++) for (const re of EMPHASIS) out = out.replace(re, "$2");
  out = out.replace(ENTITY, decodeEntity);
  out = out.replace(/\ue100(\d+)\ue101/g, (_m, i: string) => {
    const code = codes[Number(i)] ?? "";
    // CommonMark strips one space on each side of a code span that has both.
    return /^ .*[^ ].* $/.test(code) ? code.slice(1, -1) : code;
  });
  return out.replace(ESCAPED, (c) => String.fromCharCode(c.charCodeAt(0) - ESCAPE_BASE));
}

/**
 * The text of an ATX heading's content with its optional closing sequence removed: trailing `#`s
 * preceded by a space or tab, or a content made only of `#`s (CommonMark 0.31, "ATX headings").
 * `Order #` reads as "Order"; `C#` and `Order \#` keep their `#`.
 */
export function stripClosingHashes(content: string): string {
  const text = content.trim();
  let end = text.length;
  while (end > 0 && text.charAt(end - 1) === "#") end--;
  if (end === 0) return "";
  if (end < text.length && (text.charAt(end - 1) === " " || text.charAt(end - 1) === "\t")) {
    return text.slice(0, end).trim();
  }
  return text;
}

/**
 * The one key under which a field's label and a `### ` heading of an issue body are compared.
 * GitHub writes each answer under `### <label>`; the key is what a reader sees of that heading:
 * closing `#`s dropped, HTML comments hidden, links, images, emphasis, strikethrough, code spans
 * and inline HTML tags unwrapped, backslash escapes and character references resolved, invisible
 * characters removed and whitespace collapsed. So the label `Order #` and the heading `### Order #`
 * both read "Order", and `### **Order** \#` reads "Order #" like the label `Order #` written
 * `Order \#`. Pass the label as written, or the heading's text after `### `.
 * Rules: CommonMark 0.31 (https://spec.commonmark.org/0.31.2/) and GitHub Flavored Markdown
 * (https://github.github.com/gfm/), sections "ATX headings", "Backslash escapes", "Code spans",
 * "Emphasis and strong emphasis", "Strikethrough", "Links", "Images", "Autolinks", "Raw HTML".
 */
export function headingKey(content: string): string {
  const text = stripClosingHashes(stripInlineComments(content.replace(INVISIBLE_ALL, "")));
  // Markup is read on text of label length only: its patterns are quadratic on hostile input, and
  // both sides of the comparison go through here, so a longer text still meets its own heading.
  return normaliseLabel(text.length <= MAX_MARKUP_TEXT ? visibleText(text) : text);
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

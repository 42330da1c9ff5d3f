// Text helpers of `npm run demo`: the app's comments (GitHub markdown) as a terminal reader takes
// them in, and word wrapping that keeps every character. Pure functions, tested in
// test/report/demo-text.test.ts.

/** GitHub's alert kinds (`> [!CAUTION]` …), shown as the word that titles the rendered box. */
const ALERT = /^>\s*\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*$/i;

/** A table cell or line without markdown syntax: links as `text (url)`, escapes and emphasis undone. */
function plain(text) {
  return text
    .replace(/\u200D/g, "") // the zero-width joiner that keeps an echoed @handle from pinging
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<\/?(?:sub|sup|b|i|em|strong|code|kbd|details|summary)>/gi, "")
    .replace(/\[([^\]]*)\]\((https?:[^)\s]+)\)/g, "$1 ($2)")
    .replace(/\*\*/g, "")
    .replace(/\\(.)/g, "$1")
    .trim();
}

/** The cells of a table row `| a | b |`, split on pipes that are not escaped. */
function cells(row) {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => plain(c));
}

/**
 * The visible lines of a comment, in order, each whole: hidden `<!-- … -->` markers, blank lines
 * and table rules (`| | |`, `|---|---|`) are dropped; a two-cell row `| key | value |` reads
 * `key: value`; an alert's `> [!CAUTION]` titles its first line (`Caution: …`); quote markers,
 * emphasis and escapes are removed. Nothing else is dropped or shortened.
 */
export function commentLines(body) {
  const lines = [];
  let alert = null;
  for (const raw of String(body).split("\n")) {
    const line = raw.replace(/<!--[\s\S]*?-->/g, "").trim();
    if (!line) continue;
    const kind = ALERT.exec(line);
    if (kind) {
      const word = kind[1].toLowerCase();
      alert = `${word[0].toUpperCase()}${word.slice(1)}: `;
      continue;
    }
    let text;
    if (/^\|.*\|$/.test(line)) {
      const row = cells(line);
      if (row.every((c) => c === "" || /^:?-{3,}:?$/.test(c))) continue;
      text = row.length === 2 ? `${row[0]}: ${row[1]}` : row.filter(Boolean).join(" · ");
    } else {
      text = plain(line.replace(/^>\s?/, ""));
    }
    if (!text) continue;
    lines.push(`${alert ?? ""}${text}`);
    alert = null;
  }
  return lines;
}

/**
 * `line` in pieces of at most `width` characters (the pieces after the first: `restWidth`),
 * broken between words; a word longer than the room is broken inside, between characters. A line
 * that fits is returned as it is; otherwise the pieces joined with single spaces give back the
 * line with its runs of spaces collapsed, except where a long word was broken: no character is
 * dropped. Widths must be at least 1.
 */
export function wrapLine(line, width, restWidth = width) {
  if (!(width >= 1 && restWidth >= 1))
    throw new RangeError(`widths must be at least 1, got ${width}, ${restWidth}`);
  const text = String(line);
  // A line that fits is kept as it is, spacing included (aligned columns stay aligned).
  if ([...text].length <= width) return [text];
  const pieces = [];
  const room = () => (pieces.length === 0 ? width : restWidth);
  let current = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let chars = [...word];
    if (current.length > 0 && current.length + 1 + chars.length <= room()) {
      current.push(" ", ...chars);
      continue;
    }
    if (current.length > 0) pieces.push(current.join(""));
    while (chars.length > room()) {
      const n = room();
      pieces.push(chars.slice(0, n).join(""));
      chars = chars.slice(n);
    }
    current = chars;
  }
  if (current.length > 0 || pieces.length === 0) pieces.push(current.join(""));
  return pieces;
}

/**
 * A block of lines for a terminal `columns` wide: the first line after `head`, every other line
 * indented by `indent` spaces (default: under the first line's text), and the continuation of a
 * wrapped line by two more, so that each line of a comment stays recognisable as one. No printed
 * line is longer than `columns` unless `head` is. Returns the printed lines.
 */
export function layout(head, lines, columns = 100, indent = head.length) {
  const out = [];
  lines.forEach((line, i) => {
    const start = i === 0 ? head : " ".repeat(indent);
    const more = " ".repeat(indent + 2);
    const [first, ...rest] = wrapLine(
      line,
      Math.max(20, columns - start.length),
      Math.max(20, columns - more.length),
    );
    out.push(`${start}${first}`);
    for (const piece of rest) out.push(`${more}${piece}`);
  });
  if (lines.length === 0) out.push(head.trimEnd());
  return out;
}

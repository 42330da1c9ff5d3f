/**
 * The size limits of every channel the app writes to, and the helpers that keep each message
 * inside them by construction: long lists are summarised ("…and 4,870 more"), long strings are
 * clipped on a character boundary, and a last guard cuts a body at a line boundary with a notice.
 *
 * Lengths are JavaScript string lengths (UTF-16 code units) unless a name says bytes. GitHub and
 * Slack count characters (code points), never more than code units, so a text whose `.length` is
 * within a limit is within that channel's limit.
 */

/**
 * Issue comment and issue body: 65,536 characters. GitHub answers 422 `Validation Failed` with
 * `body is too long (maximum is 65536 characters)` above it (reported by API users, e.g.
 * https://github.com/danger/danger/issues/424; the REST docs:
 * https://docs.github.com/en/rest/issues/comments#create-an-issue-comment).
 */
export const GITHUB_COMMENT_MAX = 65_536;
/** Issue body: the same 65,536 characters as a comment (https://docs.github.com/en/rest/issues/issues#create-an-issue). */
export const GITHUB_ISSUE_BODY_MAX = 65_536;
/** Issue title: GitHub keeps at most 256 characters. */
export const GITHUB_ISSUE_TITLE_MAX = 256;
/**
 * Check run `output.summary` and `output.text`: "Maximum length: 65535 characters"
 * (https://docs.github.com/en/rest/checks/runs#create-a-check-run). GitHub enforces it on bytes in
 * practice (https://github.com/github/rest-api-description/issues/5399), so the app counts UTF-8 bytes.
 */
export const CHECK_RUN_OUTPUT_MAX_BYTES = 65_535;
/** Check run annotations: at most 50 per request (same page). The app sends none. */
export const CHECK_RUN_ANNOTATIONS_MAX = 50;
/**
 * `@` mentions the app writes in one comment. GitHub links and notifies only the first few
 * mentions of a comment (reports say 10 to 50; undocumented:
 * https://github.com/isaacs/github/issues/23): the rest are listed without pinging.
 */
export const GITHUB_MENTIONS_MAX = 10;

/**
 * Slack message `text`: Slack truncates above 40,000 characters and advises at most 4,000
 * (https://api.slack.com/methods/chat.postMessage#truncating). The app keeps to the advice.
 */
export const SLACK_TEXT_MAX = 40_000;
export const SLACK_TEXT_ADVISED = 4_000;
/** A section block's `text`: 3,000 characters (https://api.slack.com/reference/block-kit/blocks#section). */
export const SLACK_SECTION_TEXT_MAX = 3_000;
/** A section block's `fields`: at most 10, each at most 2,000 characters (same page). */
export const SLACK_FIELDS_MAX = 10;
export const SLACK_FIELD_TEXT_MAX = 2_000;
/** A context block: at most 10 elements (https://api.slack.com/reference/block-kit/blocks#context). */
export const SLACK_CONTEXT_ELEMENTS_MAX = 10;
/** Blocks in one message: at most 50 (https://api.slack.com/reference/block-kit/blocks). */
export const SLACK_BLOCKS_MAX = 50;

/**
 * PagerDuty Events API v2 `payload.summary`: 1,024 characters; `dedup_key`: 255
 * (https://developer.pagerduty.com/docs/events-API-v2/trigger-events/).
 */
export const PAGERDUTY_SUMMARY_MAX = 1_024;
export const PAGERDUTY_DEDUP_KEY_MAX = 255;
/** A whole Events API v2 request: 512 KB (https://developer.pagerduty.com/docs/events-API-v2/overview/#size-limits). */
export const PAGERDUTY_EVENT_MAX_BYTES = 512 * 1024;

/** `4870` → `4,870`: counts in summaries ("…and 4,870 more"). */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** UTF-8 bytes of a text: the measure of byte-limited channels (check runs, PagerDuty). */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });
/** How far back from a cut the grapheme search looks: longer clusters are cut anyway. */
const GRAPHEME_WINDOW = 64;

/**
 * The longest prefix of `text` no longer than `max` code units that ends on a character boundary:
 * never half a surrogate pair, and never inside a joined emoji (👩‍💻, 🇧🇪) unless one cluster is
 * longer than 64 code units. Pure; `max` ≥ 0.
 */
export function prefixWithin(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  const from = Math.max(0, max - GRAPHEME_WINDOW);
  let cut = from;
  for (const { index, segment } of graphemes.segment(text.slice(from, max + GRAPHEME_WINDOW))) {
    const end = from + index + segment.length;
    if (end > max) break;
    cut = end;
  }
  if (cut === from && from > 0) cut = max; // one huge cluster (e.g. stacked combining marks): cut it
  // Never leave a lone high surrogate at the end.
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return text.slice(0, cut);
}

/** `text` within `max` code units: clipped on a character boundary with an ellipsis when longer. */
export function clip(text: string, max: number, ellipsis = "…"): string {
  if (text.length <= max) return text;
  if (max <= ellipsis.length) return prefixWithin(ellipsis, max);
  return `${prefixWithin(text, max - ellipsis.length)}${ellipsis}`;
}

export interface FitOptions {
  /** Show at most this many items even when more would fit (readability). Default: no cap. */
  maxItems?: number;
  /** How an item's size is counted. Default: code units (`.length`); check runs pass `utf8Bytes`. */
  measure?: (text: string) => number;
}

/** A list whose items are rendered only when asked for: a renderer formats only what it shows. */
export interface LazyList {
  count: number;
  item: (index: number) => string;
}

/** `count` items rendered by `item(i)` on demand, for {@link fitLines}. */
export function lazyList(count: number, item: (index: number) => string): LazyList {
  return { count, item };
}

/**
 * As many of `items` as fit in `budget` (each item counts its size plus one for the newline
 * that joins it), in order; when some are left out, the last line is `more(leftOut)`, e.g.
 * `- …and 4,870 more.`, and the room for it is kept. The result, joined with "\n", is never
 * longer than `budget`; when not even the summary fits, it is empty. Renders and measures items
 * only up to the first that does not fit: O(items shown), also for a {@link LazyList}.
 */
export function fitLines(
  items: readonly string[] | LazyList,
  budget: number,
  more: (leftOut: number) => string,
  options: FitOptions = {},
): string[] {
  const list = Array.isArray(items) ? lazyList(items.length, (i) => items[i] as string) : (items as LazyList);
  const measure = options.measure ?? ((t: string) => t.length);
  const maxItems = Math.min(options.maxItems ?? Number.POSITIVE_INFINITY, list.count);
  // The summary line never gets longer as fewer items are left out: reserve its longest form.
  const reserve = measure(more(list.count)) + 1;
  const shown: string[] = [];
  const sizes: number[] = [];
  let used = 0;
  for (let i = 0; i < maxItems; i++) {
    const text = list.item(i);
    const size = measure(text) + 1;
    if (used + size > budget) break;
    shown.push(text);
    sizes.push(size);
    used += size;
  }
  if (shown.length === list.count) return shown;
  // Something is left out: drop items until the summary line fits too.
  while (shown.length > 0 && used + reserve > budget) {
    shown.pop();
    used -= sizes.pop() as number;
  }
  if (used + reserve > budget) return [];
  return [...shown, more(list.count - shown.length)];
}

/**
 * Last guard for a body that must fit `max`: returned as is when it fits, else cut at the last
 * line break that leaves room for `notice` (on its own line), or on a character boundary when
 * there is none. Renderers budget their lists so that this never fires; it keeps the limit a
 * property of the code rather than of the input.
 */
export function fitBody(
  text: string,
  max: number,
  notice = "_…cut here: the message was longer than this channel allows._",
): string {
  if (text.length <= max) return text;
  const room = max - notice.length - 1;
  if (room <= 0) return prefixWithin(text, max);
  const head = prefixWithin(text, room);
  const lineEnd = head.lastIndexOf("\n");
  return `${lineEnd > 0 ? head.slice(0, lineEnd) : head}\n${notice}`;
}

/** Longest handle worth writing: `@` + a 39-character login + `/` + a team slug of up to 100. */
export const MENTION_MAX_LENGTH = 141;

/**
 * The `@` handles a comment mentions: trimmed, empty ones dropped, each handle once
 * (case-insensitive), at most `max` of them; `more` counts the distinct handles left out,
 * including any longer than {@link MENTION_MAX_LENGTH} (no GitHub account or team has such a name).
 */
export function capMentions(
  handles: readonly string[],
  max = GITHUB_MENTIONS_MAX,
): { shown: string[]; more: number } {
  const seen = new Set<string>();
  const shown: string[] = [];
  let more = 0;
  for (const raw of handles) {
    const handle = raw.trim();
    const key = handle.toLowerCase();
    if (!handle || seen.has(key)) continue;
    seen.add(key);
    if (shown.length < max && handle.length <= MENTION_MAX_LENGTH) shown.push(handle);
    else more++;
  }
  return { shown, more };
}

// Types of demo-text.mjs, for the tests that import it.

/** The visible lines of a comment (GitHub markdown), in order, each whole. */
export function commentLines(body: string): string[];
/**
 * `line` in pieces of at most `width` characters (`restWidth` after the first), broken between
 * words (inside a longer word); a line that fits is returned as it is. Throws RangeError below 1.
 */
export function wrapLine(line: string, width: number, restWidth?: number): string[];
/** `lines` after `head`, wrapped to `columns` (default 100), continuation lines indented. */
export function layout(head: string, lines: readonly string[], columns?: number, indent?: number): string[];

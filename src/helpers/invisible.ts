/**
 * Unicode's bidirectional formatting characters: embeddings and overrides (U+202A–U+202E),
 * isolates (U+2066–U+2069), the marks LRM, RLM (U+200E, U+200F) and ALM (U+061C). Echoed from an
 * issue they reorder what people read around them (the "Trojan Source" trick, CVE-2021-42574;
 * https://www.unicode.org/reports/tr9/#Explicit_Directional_Embeddings,
 * https://github.blog/changelog/2021-10-31-warning-about-bidirectional-unicode-text/).
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * Zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) that are not holding something
 * together. A joiner (ZWJ U+200D, ZWNJ U+200C) between two emoji or two letters stays: it makes
 * 👩‍💻 one emoji (https://unicode.org/reports/tr51/#Emoji_ZWJ_Sequences) and shapes words in
 * Indic and Arabic scripts (https://www.unicode.org/faq/indic.html#14).
 */
const STRAY_ZERO_WIDTH =
  /(?<!\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{L}|\p{M}|\uFE0F)[\u200C\u200D]|[\u200C\u200D](?!\p{Extended_Pictographic}|\p{L}|\p{M})|[\u200B\u2060\uFEFF]/gu;

/**
 * Text from an issue (or any customer text) with its invisible controls neutralised, for every
 * channel the app writes to (GitHub comments, Slack, PagerDuty): bidirectional controls
 * (BIDI_CONTROLS) and stray zero-width characters are removed; joined emoji keep their joiners,
 * variation selectors (U+FE0E, U+FE0F), skin tones and flag tags are untouched. Pure; never throws.
 */
export function neutralizeInvisible(text: string): string {
  return text.replace(BIDI_CONTROLS, "").replace(STRAY_ZERO_WIDTH, "");
}

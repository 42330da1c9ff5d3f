import type { z } from "zod";

/** Characters of a value a message repeats; a longer value is cut, so a message stays short. */
export const MAX_ECHO_CHARS = 80;

/** `"text"` as JSON, cut after {@link MAX_ECHO_CHARS} characters with `…`. */
export function echo(text: string): string {
  return JSON.stringify(text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS)}…` : text);
}

/** How a YAML value reads to the person who wrote it. */
export function describeValue(input: unknown): string {
  if (input === null || input === undefined) return "nothing";
  if (Array.isArray(input)) return "a list";
  if (input instanceof Date) return `the date ${input.toISOString()}`;
  switch (typeof input) {
    case "string":
      return echo(input);
    case "number":
      return `the number ${input}`;
    case "boolean":
      return `${input}`;
    case "object":
      return "a mapping";
    default:
      return typeof input;
  }
}

type RawIssue = z.core.$ZodRawIssue;

/**
 * Error function for a value of the wrong YAML type: says what to write instead. Numbers and
 * booleans where text is expected get the quoting hint, since YAML decided the type, not the user.
 */
export function expected(what: string): (issue: RawIssue) => string | undefined {
  return (issue) => {
    if (issue.code !== "invalid_type") return undefined;
    const input = issue.input;
    if (input === undefined) return `is required; write ${what}`;
    if (input === null) return `is empty; write ${what}, or remove the key to use the default`;
    const readAs =
      typeof input === "number" ? "a number" : typeof input === "boolean" ? "true/false" : undefined;
    const quoteHint =
      issue.expected === "string" && readAs !== undefined
        ? `; YAML read it as ${readAs}, so put it in quotes`
        : "";
    return `expected ${what}, got ${describeValue(input)}${quoteHint}`;
  };
}

/** The quoted input of an issue, for messages that repeat what the user wrote (long text is cut). */
export const quoted = (issue: RawIssue): string =>
  typeof issue.input === "string" ? echo(issue.input) : JSON.stringify(issue.input);

/** "a", "a and b", "a, b and c" (or "a, b or c"): for messages naming several keys. */
export function listing(items: readonly string[], conjunction: "and" | "or" = "and"): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

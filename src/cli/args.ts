import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Temporal } from "temporal-polyfill";
import { didYouMean } from "../config/suggest.js";

/** Bad usage or an unreadable file: the CLI prints the message on one line and exits 2. */
export class UsageError extends Error {}

type OptionSpec = Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>;

/**
 * Strict flag parsing whose errors name the bad flag; an unknown flag also names the closest known
 * one (`Unknown option '--froms' (did you mean --forms?); see --help`). Throws UsageError.
 */
export function parseFlags<T extends OptionSpec>(args: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // node's messages are multi-line ("Unknown option '--x'. To specify a positional …"): keep the first sentence.
    const first = message.split(/\.\s|\n/)[0] ?? message;
    const unknown = /^Unknown option '(--[^'=]+)/.exec(first)?.[1];
    if (unknown === undefined) throw new UsageError(first);
    const flags = Object.keys(options).map((name) => `--${name}`);
    throw new UsageError(`${first}${didYouMean(unknown, flags)}; see --help for the options`);
  }
}

export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, expected a file" : code;
    throw new UsageError(`cannot read ${what} ${path}: ${reason ?? "unreadable"}`);
  }
}

/**
 * An instant from the command line. With a zone or offset (`Z`, `+01:00`) it is that instant;
 * without one it is a wall time in the policy's zone, so the answer never depends on the host TZ.
 */
export function parseInstant(text: string, timezone: string, flag: string): number {
  const trimmed = text.trim();
  try {
    if (/(?:[zZ]|[+-]\d\d(?::?\d\d)?)(?:\[.*\])?$/.test(trimmed) && /T/.test(trimmed)) {
      return Temporal.Instant.from(trimmed).epochMilliseconds;
    }
    return Temporal.PlainDateTime.from(trimmed).toZonedDateTime(timezone, { disambiguation: "compatible" })
      .epochMilliseconds;
  } catch {
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not an ISO 8601 date-time (e.g. 2026-11-27T15:30:00Z, or 2026-11-27T16:30 in the config's zone)`,
    );
  }
}

import { z } from "zod";
import { expected } from "./messages.js";

/*
 * How much one repo's config may ask of the app. The event loop is shared by every repo, so no
 * value in a config may make validation, a "did you mean" hint or the deadline engine run long:
 * every string has a length limit, every list a length limit, and the file (each fetched file and
 * the `_extends` merge of them) a size limit (MAX_CONFIG_CHARS in load.ts).
 */

/** Most characters of any config string, by kind. All far above honest use. */
export const MAX_CHARS = {
  /** IANA zone names are at most 30 characters (`America/Argentina/ComodRivadavia`: 32). */
  timezone: 64,
  /** `HH:MM-HH:MM` is 11. */
  timeRange: 32,
  /** `YYYY-MM-DD` is 10. */
  date: 32,
  /** date-holidays codes are 2 or 3 characters. */
  holidayCode: 16,
  /** Priority and type keys. */
  key: 40,
  /** `90s`, `8760h`, `next-business-day`. */
  duration: 32,
  /** A 6-hex-digit colour. */
  color: 16,
  /** The name customers read for a priority or a type. */
  name: 80,
  /** A form file name under `.github/ISSUE_TEMPLATE/`. */
  form: 100,
  /** GitHub logins have at most 39 characters (plus `@` and `[bot]`). */
  login: 64,
  /** `@org/team-slug`: an org login (39) and a team slug. */
  team: 140,
  /** A phone number as written for people. */
  phone: 40,
  /** A chat channel link. */
  url: 500,
  /** `owner/repo:path/to/file.yml`. */
  extends: 300,
} as const;

/** Most entries of the config's lists and maps. */
export const MAX_ITEMS = {
  /** Opening ranges per weekday: the engine converts each, for each date it plans over. */
  rangesPerDay: 12,
  holidays: 1000,
  /** team.users, team.teams, team.ignore. */
  people: 100,
  /** escalation.mention: every one is pinged by each breach comment. */
  mentions: 20,
  priorities: 20,
  types: 50,
  /** post_mortem.priorities. */
  postMortemPriorities: 20,
  /** escalation.levels: Freshdesk offers four resolution escalation levels; ten is far above honest use. */
  levels: 10,
} as const;

/**
 * A config string of at most `max` characters. The length check runs first and stops the other
 * checks (`abort`), so no pattern, lookup or suggestion ever sees a longer value, and the message
 * does not repeat it.
 */
export function limitedString(max: number, what: string) {
  return z.string({ error: expected(what) }).max(max, {
    abort: true,
    error: (issue) =>
      `is ${String(issue.input).length} characters long; at most ${max} are allowed here (write ${what})`,
  });
}

/** The `error` of a list's `.max(n)`: names the limit. */
export const tooManyItems =
  (max: number, what: string) =>
  (issue: { input?: unknown }): string =>
    `has ${Array.isArray(issue.input) ? issue.input.length : "too many"} entries; at most ${max} ${what} are allowed`;

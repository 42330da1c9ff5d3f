import { isBot } from "../../helpers/is-bot.js";
import type { Policy } from "../policy.js";

/**
 * "Is this comment the team's first response?" as one pure predicate (PRODUCT.md, "What counts as
 * the first response"), in the manner of github/issue-metrics' `ignore_comment`: the exclusions
 * (bots, the issue's author, ignored users) are checked first and win over every way of being on
 * the team, so an OWNER who opened the issue does not answer it.
 *
 * Team membership needs an API call, so it is the last rule and has its own question,
 * `needsTeamLookup`: the caller resolves members only for a comment the cheaper rules leave open.
 */

/** The parts of a GitHub comment the rule reads (the REST/webhook shape). */
export interface ResponseComment {
  /** null for a comment whose author account is gone. */
  user: { login: string; type?: string | null } | null;
  author_association: string;
}

export interface ResponseIssue {
  /** Login of whoever opened the issue. */
  authorLogin: string;
}

export type TeamRule = Policy["team"];

export interface ResponseVerdict {
  counts: boolean;
  /** Why, for logs and `/sla explain`: e.g. "association MEMBER", "the issue's author". */
  reason: string;
}

/** Logins compare without case and without a leading "@" (`@Octocat` in a config is `octocat`). */
export function normalizeLogin(login: string): string {
  return login.trim().replace(/^@/, "").toLowerCase();
}

function includesLogin(list: readonly string[], login: string): boolean {
  return list.some((entry) => normalizeLogin(entry) === login);
}

/** The verdict the rules that need no API call reach, or null when only team membership can tell. */
function cheapVerdict(
  comment: ResponseComment,
  issue: ResponseIssue,
  team: TeamRule,
): ResponseVerdict | null {
  const { user } = comment;
  if (!user) return { counts: false, reason: "no author (deleted account)" };
  if (isBot(user)) return { counts: false, reason: `@${user.login} is a bot` };
  const login = normalizeLogin(user.login);
  if (login === normalizeLogin(issue.authorLogin)) {
    return { counts: false, reason: `@${user.login} opened the issue` };
  }
  if (includesLogin(team.ignore, login)) return { counts: false, reason: `@${user.login} is ignored` };
  const association = comment.author_association.toUpperCase();
  if (team.associations.some((a) => a.toUpperCase() === association)) {
    return { counts: true, reason: `association ${association}` };
  }
  if (includesLogin(team.users, login))
    return { counts: true, reason: `@${user.login} is a configured user` };
  if (team.teams.length === 0) {
    return { counts: false, reason: `@${user.login} is not on the team (association ${association})` };
  }
  return null;
}

/**
 * Whether `comment` is a team response on `issue`. `teamMembers` holds the lower-case logins of the
 * members of `team.teams`, as the caller resolved them (it may pass an empty set when
 * `needsTeamLookup` said no lookup was needed).
 */
export function isTeamResponse(
  comment: ResponseComment,
  issue: ResponseIssue,
  team: TeamRule,
  teamMembers: ReadonlySet<string>,
): ResponseVerdict {
  const cheap = cheapVerdict(comment, issue, team);
  if (cheap) return cheap;
  // cheapVerdict only leaves comments with an author undecided.
  const login = comment.user?.login ?? "";
  if (teamMembers.has(normalizeLogin(login))) {
    return { counts: true, reason: `@${login} is a member of ${team.teams.join(", ")}` };
  }
  return {
    counts: false,
    reason: `@${login} is not on the team (association ${comment.author_association.toUpperCase()}, not in ${team.teams.join(", ")})`,
  };
}

/**
 * True only when the verdict depends on team membership: the comment is not excluded, not from a
 * listed association or user, and teams are configured. Then, and only then, the caller looks
 * the members up.
 */
export function needsTeamLookup(comment: ResponseComment, issue: ResponseIssue, team: TeamRule): boolean {
  return cheapVerdict(comment, issue, team) === null;
}

/**
 * Who wrote a comment, for the timers: `team` (a team response, as {@link isTeamResponse} says),
 * `customer` (anyone else with an account: the issue's author, a colleague of theirs, an outside
 * contributor) or `none` (a deleted account, a bot, an ignored user: their comments start and stop
 * nothing). A customer comment starts the next-reply timer and lifts the waiting pause (PRODUCT.md,
 * "More SLA metrics"). `teamMembers` as for `isTeamResponse`.
 */
export function commentAuthorRole(
  comment: ResponseComment,
  issue: ResponseIssue,
  team: TeamRule,
  teamMembers: ReadonlySet<string>,
): "team" | "customer" | "none" {
  const { user } = comment;
  if (!user || isBot(user) || includesLogin(team.ignore, normalizeLogin(user.login))) return "none";
  return isTeamResponse(comment, issue, team, teamMembers).counts ? "team" : "customer";
}

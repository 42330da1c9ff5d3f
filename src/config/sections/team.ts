import { z } from "zod";
import { AUTHOR_ASSOCIATIONS, DEFAULT_TEAM } from "../defaults.js";
import { limitedString, MAX_CHARS, MAX_ITEMS, tooManyItems } from "../limits.js";
import { describeValue, expected, quoted } from "../messages.js";
import { didYouMean } from "../suggest.js";

/* Who counts as the support team; and `_extends`. Who is told when a deadline passes: escalation.ts. */

// ---------------------------------------------------------------- team

const LOGIN_PATTERN = /^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
const TEAM_PATTERN = /^@?[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

const login = limitedString(MAX_CHARS.login, 'a GitHub login such as "octocat"').regex(LOGIN_PATTERN, {
  error: (issue) => `${quoted(issue)} is not a GitHub login; write a user name such as "octocat"`,
});

export const teamSchema = z
  .strictObject(
    {
      associations: z
        .array(
          z.enum(AUTHOR_ASSOCIATIONS, {
            error: (issue) =>
              `${describeValue(issue.input)} is not an author_association; use one of ${AUTHOR_ASSOCIATIONS.join(", ")}${didYouMean(String(issue.input), AUTHOR_ASSOCIATIONS)}`,
          }),
          { error: expected("a list such as [OWNER, MEMBER, COLLABORATOR]") },
        )
        .default(DEFAULT_TEAM.associations)
        .describe(
          `GitHub \`author_association\` values whose comments count as the team: ${AUTHOR_ASSOCIATIONS.join(", ")}.`,
        ),
      users: z
        .array(login, { error: expected('a list of logins such as ["octocat"]') })
        .max(MAX_ITEMS.people, { error: tooManyItems(MAX_ITEMS.people, "logins") })
        .default(DEFAULT_TEAM.users)
        .describe("GitHub logins that count as the team whatever their association, e.g. `octocat`."),
      teams: z
        .array(
          limitedString(MAX_CHARS.team, 'a team such as "acme/support"').regex(TEAM_PATTERN, {
            error: (issue) => `${quoted(issue)} is not a team; write "org/team-slug", e.g. "acme/support"`,
          }),
          { error: expected('a list of teams such as ["acme/support"]') },
        )
        .max(MAX_ITEMS.people, { error: tooManyItems(MAX_ITEMS.people, "teams") })
        .default(DEFAULT_TEAM.teams)
        .describe("GitHub teams (`org/team-slug`) whose members count as the team."),
      ignore: z
        .array(login, { error: expected('a list of logins such as ["renovate-helper"]') })
        .max(MAX_ITEMS.people, { error: tooManyItems(MAX_ITEMS.people, "logins") })
        .default(DEFAULT_TEAM.ignore)
        .describe(
          "Logins whose comments never count as a response (bots and the issue's author never count anyway).",
        ),
    },
    { error: expected("a mapping with associations, users, teams and ignore") },
  )
  .superRefine((team, ctx) => {
    if (team.associations.length + team.users.length + team.teams.length === 0) {
      ctx.addIssue({
        code: "custom",
        message:
          "nobody counts as the team, so no reply would ever stop the clock; list associations, users or teams",
      });
    }
  })
  .default(DEFAULT_TEAM)
  .describe("Who counts as the support team: the first comment by a team member is the first response.");

export const extendsSchema = limitedString(
  MAX_CHARS.extends,
  'a repository such as ".github" or "acme/support-config"',
)
  .optional()
  .describe(
    "Probot's `_extends`: start from the same file in another repository, e.g. `.github` or `acme/support-config:.github/support-sla.yml`.",
  );

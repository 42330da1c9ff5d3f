import { z } from "zod";
import { AUTHOR_ASSOCIATIONS, DEFAULT_ESCALATION, DEFAULT_TEAM } from "../defaults.js";
import { limitedString, MAX_CHARS, MAX_ITEMS, tooManyItems } from "../limits.js";
import { describeValue, expected, quoted } from "../messages.js";
import { didYouMean } from "../suggest.js";

/* The sections about people: who is the team, who is told when a deadline passes; and `_extends`. */

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

// ---------------------------------------------------------------- escalation

const PERCENT_PATTERN = /^(?:[1-9]|[1-9][0-9])%$/;
const MENTION_PATTERN = /^@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const PHONE_PATTERN = /^\+?[0-9][0-9 ().\-/]*[0-9]$/;

function isWebAddress(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

export const escalationSchema = z
  .strictObject(
    {
      warn_at: limitedString(MAX_CHARS.duration, 'a percentage such as "80%"')
        .regex(PERCENT_PATTERN, {
          error: (issue) => `${quoted(issue)} is not a percentage from 1% to 99%; write e.g. "80%"`,
        })
        .default(DEFAULT_ESCALATION.warn_at)
        .describe(
          "Share of the response target after which an unanswered issue is labelled at risk, `1%` to `99%`.",
        ),
      mention: z
        .array(
          limitedString(MAX_CHARS.team, '"@user" or "@org/team"').regex(MENTION_PATTERN, {
            error: (issue) =>
              String(issue.input).startsWith("@")
                ? `${quoted(issue)} is not a GitHub mention; write "@user" or "@org/team"`
                : `${quoted(issue)} needs a leading "@": write "@${String(issue.input)}"`,
          }),
          { error: expected('a list such as ["@acme/support"]') },
        )
        .max(MAX_ITEMS.mentions, { error: tooManyItems(MAX_ITEMS.mentions, "mentions") })
        .default(DEFAULT_ESCALATION.mention)
        .describe(
          'Who a breach comment mentions: `@user` or `@org/team`. Default: nobody; set it (e.g. `["@acme/support"]`) so breaches reach someone.',
        ),
      phone: limitedString(MAX_CHARS.phone, 'a phone number in quotes, e.g. "+32 2 123 45 67"')
        .regex(PHONE_PATTERN, {
          error: (issue) =>
            `${quoted(issue)} is not a phone number; write digits with an optional leading "+", e.g. "+32 2 123 45 67"`,
        })
        .nullable()
        .default(DEFAULT_ESCALATION.phone)
        .describe(
          "Escalation phone number given to customers on Production-down issues, e.g. `+32 2 123 45 67`; null: none.",
        ),
      chat: limitedString(MAX_CHARS.url, 'a link such as "https://acme.slack.com/archives/C0123"')
        .refine(isWebAddress, {
          error: (issue) =>
            `${quoted(issue)} is not a web address; write the chat channel's https:// link, e.g. "https://acme.slack.com/archives/C0123"`,
        })
        .meta({ format: "uri" })
        .nullable()
        .default(DEFAULT_ESCALATION.chat)
        .describe(
          "Link to the support chat channel, given to customers in every intake comment and in the forms and SUPPORT.md that `init` writes; null: none.",
        ),
    },
    { error: expected("a mapping with warn_at, mention, phone and chat") },
  )
  .default(DEFAULT_ESCALATION)
  .describe("Warnings before a deadline and escalation when it passes.");

export const extendsSchema = limitedString(
  MAX_CHARS.extends,
  'a repository such as ".github" or "acme/support-config"',
)
  .optional()
  .describe(
    "Probot's `_extends`: start from the same file in another repository, e.g. `.github` or `acme/support-config:.github/support-sla.yml`.",
  );

import { z } from "zod";
import { parseDuration, parseSpan } from "../../domain/duration.js";
import type { EscalationLevel } from "../../domain/policy.js";
import { DEFAULT_ESCALATION, type EscalationLevelConfig } from "../defaults.js";
import { limitedString, MAX_CHARS, MAX_ITEMS, tooManyItems } from "../limits.js";
import { echo, expected, quoted } from "../messages.js";
import { labelName } from "./labels.js";

/*
 * Who is told, and how, as a deadline nears and passes: `escalation`, with its optional ladder
 * (`escalation.levels`). A ladder is an ordered list of levels, each with a threshold (a share of
 * the target, or a time after the deadline) and its actions; without one, the default ladder
 * applies (at risk at `warn_at`, breach at 100%: src/domain/timers/ladder.ts).
 */

const PERCENT_PATTERN = /^(?:[1-9]|[1-9][0-9])%$/;
const MENTION_PATTERN = /^@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
const PHONE_PATTERN = /^\+?[0-9][0-9 ().\-/]*[0-9]$/;
const LEVEL_NAME_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The shortest `repeat` of a level (and of the post-mortem reminder): every repeat is a GitHub
 * write (a comment or a label) or a Slack message, and the installation's write budget is shared
 * by all its issues (GitHub's secondary rate limits: "Rate limits for the REST API",
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
 */
export const MIN_REPEAT_MS = 5 * 60_000;

function isWebAddress(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

const THRESHOLD_HINT =
  'write a share of the target such as "80%", or a time after the deadline such as "+2h"';

/** A level's threshold as the policy holds it, or why the text is not one. */
export type ParsedThreshold = { ok: true; at: EscalationLevel["at"] } | { ok: false; message: string };

/**
 * Reads a level's `at`: `N%` (N a whole number from 1 to 100: a share of the target, 100% being
 * the deadline) or `+DURATION` (a time after the deadline, `Ns`, `Nm` or `Nh` as for `response`,
 * counted on the timer's clock). Shares above 100% are refused so that the order of the levels
 * never depends on the target: every share comes before every time after the deadline.
 */
export function parseThreshold(text: string): ParsedThreshold {
  const trimmed = text.trim();
  const percent = /^(\d+)\s*%$/.exec(trimmed);
  if (percent) {
    const value = Number(percent[1]);
    if (value === 0)
      return { ok: false, message: `${echo(text)} would fire as the clock starts; write 1% to 100%` };
    if (value > 100) {
      return {
        ok: false,
        message: `${echo(text)} is past the deadline; a share of the target goes up to "100%" (the deadline): write a later level as a time after it, e.g. "+2h"`,
      };
    }
    return { ok: true, at: { kind: "fraction", fraction: value / 100 } };
  }
  if (trimmed.startsWith("+")) {
    const parsed = parseDuration(trimmed.slice(1));
    if (parsed.ok && parsed.target.kind === "duration") {
      return { ok: true, at: { kind: "after-breach", ms: parsed.target.ms } };
    }
    if (/^\+\s*0+\s*[smh]$/i.test(trimmed)) {
      return {
        ok: false,
        message: `${echo(text)} is the deadline itself; write "100%", or a time after it such as "+2h"`,
      };
    }
    return {
      ok: false,
      message: `${echo(text)} is not a time after the deadline; write "+" and a whole positive number followed by s, m or h, e.g. "+2h" (at most "+8760h")`,
    };
  }
  const duration = parseDuration(trimmed);
  if (duration.ok && duration.target.kind === "duration") {
    return {
      ok: false,
      message: `${echo(text)} needs a "+": write "+${trimmed}" for ${trimmed} after the deadline, or a share of the target such as "80%"`,
    };
  }
  return { ok: false, message: `${echo(text)} is not a threshold; ${THRESHOLD_HINT}` };
}

/**
 * A repeat interval (`escalation.levels[].repeat`, `post_mortem.repeat`): a duration as for
 * `response` (never `next-business-day`) of at least {@link MIN_REPEAT_MS}; ms, or why not.
 */
export function parseRepeat(text: string): { ok: true; ms: number } | { ok: false; message: string } {
  if (text.trim().toLowerCase() === "next-business-day") {
    return {
      ok: false,
      message: `${echo(text)} is not an interval; write a duration such as "1h" or "24h"`,
    };
  }
  const parsed = parseSpan(text);
  if (!parsed.ok) return parsed;
  if (parsed.ms < MIN_REPEAT_MS) {
    return {
      ok: false,
      message: `${echo(text)} is shorter than 5m; every repeat writes to GitHub, so repeat at most every 5 minutes (write "5m" or more)`,
    };
  }
  return { ok: true, ms: parsed.ms };
}

/** `"@user"` or `"@org/team"`: who a comment mentions. */
export const mentionsSchema = z
  .array(
    limitedString(MAX_CHARS.team, '"@user" or "@org/team"').regex(MENTION_PATTERN, {
      error: (issue) =>
        String(issue.input).startsWith("@")
          ? `${quoted(issue)} is not a GitHub mention; write "@user" or "@org/team"`
          : `${quoted(issue)} needs a leading "@": write "@${String(issue.input)}"`,
    }),
    { error: expected('a list such as ["@acme/support"]') },
  )
  .max(MAX_ITEMS.mentions, { error: tooManyItems(MAX_ITEMS.mentions, "mentions") });

const flag = (description: string) =>
  z
    .boolean({ error: expected("true or false") })
    .default(false)
    .describe(description);

const levelSchema = z.strictObject(
  {
    name: limitedString(MAX_CHARS.key, 'a level name such as "at-risk"')
      .regex(LEVEL_NAME_PATTERN, {
        error: (issue) =>
          `${quoted(issue)} is not a level name; use lowercase letters and digits joined by hyphens, e.g. "manager"`,
      })
      .describe(
        "The level's name, shown in explanations and logs: lowercase letters and digits joined by hyphens, e.g. `at-risk`, `manager`. Required; unique in the ladder.",
      ),
    at: z
      .string({
        error: (issue) =>
          issue.code === "invalid_type" && typeof issue.input === "number"
            ? `${issue.input} has no unit; write "${issue.input}%" for a share of the target, or "+${issue.input}m" for a time after the deadline`
            : expected('a threshold such as "80%" or "+2h"')(issue),
      })
      .max(MAX_CHARS.duration, {
        abort: true,
        error: (issue) =>
          `is ${String(issue.input).length} characters long; at most ${MAX_CHARS.duration} are allowed here (${THRESHOLD_HINT})`,
      })
      .superRefine((text, ctx) => {
        const parsed = parseThreshold(text);
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
      })
      .describe(
        'When the level fires: a share of the target, `1%` to `100%` (`100%` is the deadline), or a time after the deadline with a leading `+`, e.g. `"+2h"` (on the timer\'s clock: business time on the business clock). Required; the levels are listed in the order they fire.',
      ),
    label: labelName
      .nullable()
      .default(null)
      .describe(
        "Label added when the level fires; the label of the level before it is removed. It may be `labels.at_risk`, `labels.breached` or a label of its own, which levels may share. null: no label.",
      ),
    comment: flag(
      "Post a comment on the issue that mentions `mention` (and the assignees with `assignees`).",
    ),
    mention: mentionsSchema
      .optional()
      .describe("Who the comment mentions, `@user` or `@org/team`. Default: `escalation.mention`."),
    assignees: flag("The comment also mentions the issue's assignees."),
    slack: flag("Tell the Slack channel (`SLACK_WEBHOOK_URL`)."),
    page: flag("Page on-call through PagerDuty (`PAGERDUTY_ROUTING_KEY`), whatever the priority's `page`."),
    repeat: limitedString(MAX_CHARS.duration, 'an interval such as "1h"')
      .superRefine((text, ctx) => {
        const parsed = parseRepeat(text);
        if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
      })
      .optional()
      .describe(
        "Fire again this often, e.g. `1h`, until the timer is met or the next level fires (at least `5m`, on the timer's clock). Default: once.",
      ),
  },
  {
    error: expected('a mapping such as {name: manager, at: "+2h", comment: true, mention: ["@acme/leads"]}'),
  },
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Where a threshold falls in firing order: shares of the target first, then times after the deadline. */
const rank = (at: EscalationLevel["at"]): number => (at.kind === "fraction" ? at.fraction : 1 + at.ms / 1e12);

/**
 * The checks across levels, also when some entries are invalid (so that one bad entry does not
 * hide another's problem; invalid values are skipped): unique names, thresholds in firing order,
 * something to do, and `mention`/`assignees` only with a comment.
 */
function checkLevels(levels: unknown[], ctx: z.core.$RefinementCtx<unknown>): void {
  const names = new Map<string, number>();
  let previous: { index: number; text: string; rank: number } | undefined;
  levels.forEach((level, index) => {
    if (!isRecord(level)) return;
    if (typeof level.name === "string") {
      const first = names.get(level.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [index, "name"],
          input: level.name,
          message: `${echo(level.name)} is already the name of levels[${first}]; every level needs its own name`,
        });
      } else names.set(level.name, index);
    }
    const parsed = typeof level.at === "string" ? parseThreshold(level.at) : undefined;
    if (parsed?.ok && typeof level.at === "string") {
      const here = { index, text: level.at, rank: rank(parsed.at) };
      if (previous !== undefined && here.rank <= previous.rank) {
        ctx.addIssue({
          code: "custom",
          path: [index, "at"],
          input: level.at,
          message:
            here.rank === previous.rank
              ? `${echo(level.at)} is also the threshold of levels[${previous.index}]; give each level its own threshold, or merge the two levels`
              : `${echo(level.at)} comes before levels[${previous.index}]'s ${echo(previous.text)}; list the levels in the order they fire`,
        });
      }
      if (previous === undefined || here.rank > previous.rank) previous = here;
    }
    // A misspelt action is its own problem (an unknown key, already reported): not also "does nothing".
    const misspelt = ctx.issues.some(
      (issue) => issue.code === "unrecognized_keys" && issue.path?.[0] === index,
    );
    const acts =
      misspelt ||
      (typeof level.label === "string" && level.label.trim() !== "") ||
      level.comment === true ||
      level.slack === true ||
      level.page === true;
    if (!acts) {
      ctx.addIssue({
        code: "custom",
        path: [index],
        input: level,
        message: "does nothing; give it a label, or set comment, slack or page to true",
      });
    }
    if (level.comment !== true) {
      for (const key of ["mention", "assignees"] as const) {
        if (level[key] === undefined || level[key] === false) continue;
        ctx.addIssue({
          code: "custom",
          path: [index, key],
          input: level[key],
          message: `only a comment mentions people; add comment: true to this level, or remove ${key}`,
        });
      }
    }
  });
}

export const levelsSchema = z
  .array(levelSchema, {
    error: expected('a list of levels such as [{name: at-risk, at: "80%", label: "sla: at risk"}]'),
  })
  .min(1, {
    error:
      "lists no level; list at least one, or remove the key for the default ladder (at risk at warn_at, breach at 100%)",
  })
  .max(MAX_ITEMS.levels, { abort: true, error: tooManyItems(MAX_ITEMS.levels, "levels") })
  .superRefine(checkLevels, { when: (payload) => Array.isArray(payload.value) })
  .nullable()
  .default(DEFAULT_ESCALATION.levels)
  .describe(
    'The escalation ladder of the `first_response`, `next_reply` and `resolution` timers: levels in the order they fire, each once per timer cycle. null or left out: the default ladder, `at-risk` at `warn_at` (label `labels.at_risk`, Slack) and `breach` at 100% (label `labels.breached`, a comment mentioning `mention`, Slack, and a page when the priority pages). README: "SLA metrics".',
  );

/** The policy form of a validated ladder; null (the default ladder) stays null. */
export function toLevels(
  levels: readonly EscalationLevelConfig[] | null,
  mention: readonly string[],
): EscalationLevel[] | null {
  if (levels === null) return null;
  return levels.map((level) => {
    const at = parseThreshold(level.at);
    if (!at.ok) throw new Error(`toPolicy needs a validated config: ${at.message}`);
    const repeat = level.repeat === undefined ? undefined : parseRepeat(level.repeat);
    if (repeat !== undefined && !repeat.ok)
      throw new Error(`toPolicy needs a validated config: ${repeat.message}`);
    return {
      name: level.name,
      at: at.at,
      label: level.label,
      comment: level.comment,
      mention: [...(level.mention ?? mention)],
      mentionAssignees: level.assignees,
      slack: level.slack,
      page: level.page,
      repeatMs: repeat === undefined ? null : repeat.ms,
    };
  });
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
          "Share of the target after which an unanswered issue is labelled at risk (default ladder) and the periodic-update reminder goes out, `1%` to `99%`.",
        ),
      mention: mentionsSchema
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
      levels: levelsSchema,
    },
    { error: expected("a mapping with warn_at, mention, phone, chat and levels") },
  )
  .default(DEFAULT_ESCALATION)
  .describe("Warnings before a deadline and escalation when it passes.");

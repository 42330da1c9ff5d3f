import { z } from "zod";
import type { ChannelsPolicy } from "../../domain/policy.js";
import { limitedString, MAX_CHARS, tooManyItems } from "../limits.js";
import { expected, quoted } from "../messages.js";

/*
 * The process's other ways in (issue 13): which PagerDuty services and which Slack channels open
 * issues in this repository. A service or a channel may be claimed by one repository only, across
 * the app's installations (checked by the app's index, not here: one file cannot see the others).
 */

/** Most services or channels one repository may claim. */
export const MAX_CHANNEL_CLAIMS = 50;
/** Most PagerDuty users mapped to GitHub logins. */
export const MAX_CHANNEL_USERS = 200;

/**
 * PagerDuty object ids (services, users) are short upper-case alphanumeric strings such as
 * `PIJ90N7` (https://developer.pagerduty.com/docs/webhooks/v3-overview, "Event Data Types").
 */
const PAGERDUTY_ID = /^[A-Z0-9]{2,20}$/;
/**
 * Slack conversation ids: `C…` (public), `G…` (private) or `D…` (direct), upper-case alphanumeric
 * (https://api.slack.com/types/conversation).
 */
const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,30}$/;
const LOGIN_PATTERN = /^@?[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

const pagerDutyId = (what: string) =>
  limitedString(40, `a PagerDuty ${what} id such as "PIJ90N7"`).regex(PAGERDUTY_ID, {
    error: (issue) =>
      `${quoted(issue)} is not a PagerDuty ${what} id; copy it from the ${what}'s page in PagerDuty (upper-case letters and digits, e.g. "PIJ90N7")`,
  });

const priorityKey = (example: string) => limitedString(MAX_CHARS.key, `a priority key such as ${example}`);

export const DEFAULT_PAGERDUTY_CHANNEL = {
  type: "on-call",
  urgency: { high: "production-down", low: "urgent" },
  close_on_resolve: false,
  notes: false,
};

export const DEFAULT_SLACK_CHANNEL = { type: null, priority: "urgent" };

const pagerDutySchema = z
  .strictObject(
    {
      services: z
        .array(pagerDutyId("service"), { error: expected('a list of service ids such as ["PIJ90N7"]') })
        .max(MAX_CHANNEL_CLAIMS, { error: tooManyItems(MAX_CHANNEL_CLAIMS, "services") })
        .default([])
        .describe(
          "PagerDuty service ids whose incidents open issues in this repository, e.g. `[PIJ90N7]`. A service may be claimed by one repository only.",
        ),
      type: limitedString(MAX_CHARS.key, "a type key such as on-call")
        .default(DEFAULT_PAGERDUTY_CHANNEL.type)
        .describe("Type of the issues incidents open (a key of `types`)."),
      urgency: z
        .strictObject(
          {
            high: priorityKey("production-down")
              .default(DEFAULT_PAGERDUTY_CHANNEL.urgency.high)
              .describe("Priority of an issue opened by a high-urgency incident."),
            low: priorityKey("urgent")
              .default(DEFAULT_PAGERDUTY_CHANNEL.urgency.low)
              .describe("Priority of an issue opened by a low-urgency incident."),
          },
          { error: expected("a mapping such as {high: production-down, low: urgent}") },
        )
        .default(DEFAULT_PAGERDUTY_CHANNEL.urgency)
        .describe(
          "Priority by PagerDuty urgency (keys of `priorities`). The type rule of a priority (`types`) does not apply: an incident is on-call's own word.",
        ),
      users: z
        .record(
          pagerDutyId("user"),
          limitedString(MAX_CHARS.login, 'a GitHub login such as "alice"').regex(LOGIN_PATTERN, {
            error: (issue) => `${quoted(issue)} is not a GitHub login; write a user name such as "alice"`,
          }),
          { error: expected("a mapping of PagerDuty user id to GitHub login, e.g. {PXPGF42: alice}") },
        )
        .refine((users) => Object.keys(users).length <= MAX_CHANNEL_USERS, {
          error: `at most ${MAX_CHANNEL_USERS} users are allowed`,
        })
        .default({})
        .describe(
          "PagerDuty user id → GitHub login: who acknowledged an incident, recorded as the first response. An acknowledgement by a user not listed is recorded as `pagerduty:<user id>`.",
        ),
      close_on_resolve: z
        .boolean({ error: expected("true or false") })
        .default(DEFAULT_PAGERDUTY_CHANNEL.close_on_resolve)
        .describe("Close the issue when its incident is resolved (it is commented on either way)."),
      notes: z
        .boolean({ error: expected("true or false") })
        .default(DEFAULT_PAGERDUTY_CHANNEL.notes)
        .describe("Copy the notes added on the incident in PagerDuty to the issue as comments."),
    },
    { error: expected("a mapping with services, type, urgency, users, close_on_resolve and notes") },
  )
  .describe("PagerDuty v3 webhooks (the phone line's Live Call Routing and any on-call page).");

const slackSchema = z
  .strictObject(
    {
      channels: z
        .array(
          limitedString(40, 'a Slack channel id such as "C0123ABCD"').regex(SLACK_CHANNEL_ID, {
            error: (issue) =>
              `${quoted(issue)} is not a Slack channel id; copy it from the channel's details in Slack (e.g. "C0123ABCD"), not its name`,
          }),
          { error: expected('a list of channel ids such as ["C0123ABCD"]') },
        )
        .max(MAX_CHANNEL_CLAIMS, { error: tooManyItems(MAX_CHANNEL_CLAIMS, "channels") })
        .default([])
        .describe(
          "Slack channel ids whose `@help` requests open issues in this repository, e.g. `[C0123ABCD]`. A channel may be claimed by one repository only.",
        ),
      type: limitedString(MAX_CHARS.key, "a type key such as problem")
        .nullable()
        .default(DEFAULT_SLACK_CHANNEL.type)
        .describe(
          "Type of a request that names none (the command's optional argument names one); null: `default_type`.",
        ),
      priority: priorityKey("urgent")
        .default(DEFAULT_SLACK_CHANNEL.priority)
        .describe("Priority of the issues Slack requests open."),
    },
    { error: expected("a mapping with channels, type and priority") },
  )
  .describe("Slack slash command and message shortcut (`@help` requests).");

export const channelsSchema = z
  .strictObject(
    {
      pagerduty: pagerDutySchema.optional(),
      slack: slackSchema.optional(),
    },
    { error: expected("a mapping with pagerduty and slack") },
  )
  .default({})
  .describe(
    "Which PagerDuty services and Slack channels open issues in this repository. Secrets (webhook secret, signing secret, bot token) come from the app's environment only.",
  );

export type ChannelsConfig = z.output<typeof channelsSchema>;

/** The policy form of a validated `channels` section. */
export function toChannelsPolicy(config: ChannelsConfig): ChannelsPolicy {
  const pd = config.pagerduty;
  const slack = config.slack;
  return {
    pagerduty: pd
      ? {
          services: [...new Set(pd.services)],
          type: pd.type,
          urgency: { ...pd.urgency },
          users: Object.fromEntries(
            Object.entries(pd.users).map(([id, login]) => [id, login.replace(/^@/, "")]),
          ),
          closeOnResolve: pd.close_on_resolve,
          notes: pd.notes,
        }
      : null,
    slack: slack
      ? { channels: [...new Set(slack.channels)], type: slack.type, priority: slack.priority }
      : null,
  };
}

interface ChannelRefs {
  types: Record<string, unknown>;
  priorities: Record<string, unknown>;
  channels: ChannelsConfig;
}

/**
 * The keys `channels` names exist: its types among `types`, its priorities among `priorities`.
 * Returns `[path, input, message]` problems for the config's cross-checks.
 */
export function channelProblems(
  config: ChannelRefs,
): Array<{ path: PropertyKey[]; input: unknown; message: string }> {
  const out: Array<{ path: PropertyKey[]; input: unknown; message: string }> = [];
  const typeKeys = Object.keys(config.types);
  const priorityKeys = Object.keys(config.priorities);
  const type = (path: PropertyKey[], key: string | null) => {
    if (key === null || Object.hasOwn(config.types, key)) return;
    out.push({
      path,
      input: key,
      message: `${key} is not a configured type; use one of ${typeKeys.join(", ")}`,
    });
  };
  const priority = (path: PropertyKey[], key: string) => {
    if (Object.hasOwn(config.priorities, key)) return;
    out.push({
      path,
      input: key,
      message: `${key} is not a configured priority; use one of ${priorityKeys.join(", ")}`,
    });
  };
  const { pagerduty, slack } = config.channels;
  if (pagerduty) {
    type(["channels", "pagerduty", "type"], pagerduty.type);
    priority(["channels", "pagerduty", "urgency", "high"], pagerduty.urgency.high);
    priority(["channels", "pagerduty", "urgency", "low"], pagerduty.urgency.low);
  }
  if (slack) {
    type(["channels", "slack", "type"], slack.type);
    priority(["channels", "slack", "priority"], slack.priority);
  }
  return out;
}

import type { Weekday } from "../domain/calendar-types.js";
import type { ClockKind } from "../domain/policy.js";

/** One priority as the validated config holds it, after merging over the built-in entry of its key. */
export interface PriorityConfig {
  /** What customers read, e.g. "Urgent". */
  name: string;
  label: string;
  response: string;
  /** Next-reply target, as written (`4h`, `next-business-day`); null: not timed. */
  next_reply: string | null;
  /** Resolution target, as written; null: not timed. */
  resolution: string | null;
  /** Periodic-update interval, as written; null: not timed. */
  updates: string | null;
  clock: ClockKind;
  types: string[] | null;
  page: boolean;
  color: string;
  description: string;
}

/** One request type as the validated config holds it. */
export interface TypeConfig {
  /** What customers read, e.g. "Problem / troubleshooting". */
  name: string;
  label: string;
  form: string | null;
  color: string;
  description: string;
}

/** One `escalation.levels` entry as the validated config holds it (`at` still as written). */
export interface EscalationLevelConfig {
  name: string;
  /** `"80%"` (a share of the target, 1% to 100%) or `"+2h"` (a time after the deadline). */
  at: string;
  label: string | null;
  comment: boolean;
  /** Absent: `escalation.mention`. */
  mention?: string[] | undefined;
  assignees: boolean;
  slack: boolean;
  page: boolean;
  /** A duration such as `1h`; absent: the level fires once. */
  repeat?: string | undefined;
}

export const DEFAULT_TIMEZONE = "Europe/Brussels";

export const DEFAULT_WEEK: Partial<Record<Weekday, string[]>> = {
  monday: ["09:00-17:00"],
  tuesday: ["09:00-17:00"],
  wednesday: ["09:00-17:00"],
  thursday: ["09:00-17:00"],
  friday: ["09:00-17:00"],
};

/*
 * Colours: reds to orange for priorities (hotter = sooner), one distinct hue per type, GitHub's
 * own "bug" red for problems. Descriptions name the scope from the support process, never the
 * response time, so a config that changes `response` does not leave a stale description behind.
 * Names are those of the support process (its "Priorities" and "Request types" tables), in
 * sentence case: customers read them in the intake comment, where a label string would be jargon.
 */
export const DEFAULT_PRIORITIES: Record<string, PriorityConfig> = {
  "production-down": {
    name: "Production down",
    label: "priority: production down",
    response: "30m",
    next_reply: null,
    resolution: null,
    // During an outage the customer hears from the team at least every half hour (issue 12, "updates").
    updates: "30m",
    clock: "calendar",
    types: ["problem"],
    page: true,
    color: "b60205",
    description: "Production down or badly hampered for many end users; on-call is paged 24/7",
  },
  urgent: {
    name: "Urgent",
    label: "priority: urgent",
    response: "1h",
    next_reply: null,
    resolution: null,
    updates: null,
    clock: "business",
    types: null,
    page: true,
    color: "d93f0b",
    description: "Blocking work or affecting end users",
  },
  normal: {
    name: "Normal",
    label: "priority: normal",
    response: "next-business-day",
    next_reply: null,
    resolution: null,
    updates: null,
    clock: "business",
    types: null,
    page: false,
    color: "fbca04",
    description: "Handled in the regular flow",
  },
};

export const DEFAULT_TYPES: Record<string, TypeConfig> = {
  "add-remove-user": {
    name: "Add/remove user",
    label: "type: add/remove user",
    form: "add-remove-user.yml",
    color: "1d76db",
    description: "Grant or revoke someone's access",
  },
  "change-request": {
    name: "Change request",
    label: "type: change request",
    form: "change-request.yml",
    color: "5319e7",
    description: "Change to the customer's environment (configuration or technology)",
  },
  guidance: {
    name: "Guidance & usage support",
    label: "type: guidance",
    form: "guidance.yml",
    color: "0e8a16",
    description: "Questions, guidance and explanations (architecture, tools, ...)",
  },
  "on-call": {
    name: "On-call",
    label: "type: on-call",
    form: "on-call.yml",
    color: "c5def5",
    description: "Messages received during on-call",
  },
  problem: {
    name: "Problem / troubleshooting",
    label: "type: problem",
    form: "problem.yml",
    color: "d73a4a",
    description: "Something is broken; troubleshooting needed",
  },
  other: {
    name: "Other",
    label: "type: other",
    form: "other.yml",
    color: "ededed",
    description: "Anything else",
  },
};

/** Fields a new priority key gets when the config leaves them out (`label` and `response` aside). */
export const NEW_PRIORITY_DEFAULTS = {
  next_reply: null,
  resolution: null,
  updates: null,
  clock: "business",
  types: null,
  page: false,
  color: "ededed",
} as const satisfies Partial<PriorityConfig>;

export const NEW_TYPE_COLOR = "ededed";

export const DEFAULT_PRIORITY = "normal";
export const DEFAULT_TYPE = "other";

/** GitHub's `author_association` values, as webhook payloads spell them. */
export const AUTHOR_ASSOCIATIONS = [
  "OWNER",
  "MEMBER",
  "COLLABORATOR",
  "CONTRIBUTOR",
  "FIRST_TIME_CONTRIBUTOR",
  "FIRST_TIMER",
  "MANNEQUIN",
  "NONE",
] as const;

export const DEFAULT_TEAM = {
  associations: ["OWNER", "MEMBER", "COLLABORATOR"] as Array<(typeof AUTHOR_ASSOCIATIONS)[number]>,
  users: [] as string[],
  teams: [] as string[],
  ignore: [] as string[],
};

/*
 * Nobody is mentioned by default: a guessed handle such as "@acme/support" would ping a
 * stranger's team or nobody at all. The breach label and comment still happen without it.
 */
export const DEFAULT_ESCALATION = {
  warn_at: "80%",
  mention: [] as string[],
  phone: null as string | null,
  chat: null as string | null,
  /** null: the default ladder (at risk at `warn_at`, breach at 100%), today's behaviour exactly. */
  levels: null as EscalationLevelConfig[] | null,
};

/*
 * `waiting` is the label team members put on an issue while they wait for the customer: it pauses
 * the resolution clock. `resolved` is off by default: a support desk on GitHub closes an issue
 * when it is resolved, and a second way to say so would leave one of them out of date.
 */
export const DEFAULT_STATUS_LABELS = {
  incomplete: "intake: incomplete",
  at_risk: "sla: at risk",
  breached: "sla: breached",
  waiting: "status: waiting for customer",
  resolved: null as string | null,
};

import { z } from "zod";
import { WEEKDAYS } from "../domain/calendar-types.js";
import { closedRunProblem, horizonProblem } from "./horizon.js";
import { expected, listing } from "./messages.js";
import {
  businessHoursSchema,
  holidayCalendarSchema,
  holidaysSchema,
  timezoneSchema,
} from "./sections/calendar.js";
import { channelProblems, channelsSchema } from "./sections/channels.js";
import { escalationSchema } from "./sections/escalation.js";
import { DEFAULT_POST_MORTEM, postMortemSchema, reportSchema } from "./sections/follow-up.js";
import {
  defaultPrioritySchema,
  defaultTypeSchema,
  prioritiesSchema,
  statusLabelsSchema,
  typesSchema,
} from "./sections/labels.js";
import { extendsSchema, teamSchema } from "./sections/team.js";
import { didYouMean } from "./suggest.js";

export type { PriorityConfig, TypeConfig } from "./defaults.js";

const sectionsSchema = z.strictObject(
  {
    _extends: extendsSchema,
    timezone: timezoneSchema,
    business_hours: businessHoursSchema,
    holidays: holidaysSchema,
    holiday_calendar: holidayCalendarSchema,
    priorities: prioritiesSchema,
    default_priority: defaultPrioritySchema,
    types: typesSchema,
    default_type: defaultTypeSchema,
    team: teamSchema,
    escalation: escalationSchema,
    labels: statusLabelsSchema,
    post_mortem: postMortemSchema,
    report: reportSchema,
    channels: channelsSchema,
  },
  { error: expected("a mapping of settings such as `timezone: Europe/Brussels`") },
);

type Sections = z.output<typeof sectionsSchema>;
type Section = keyof Sections;

/** Marks the issues of cross-checks, so that one cross-check's finding does not silence another. */
const CROSS_CHECK = { crossCheck: true };

/**
 * A cross-check runs once the sections it reads are valid, whatever else is wrong: that way one
 * run reports every problem it can, and no check reads a half-parsed section.
 */
const whenValid = (...sections: Section[]) => ({
  when: (payload: z.core.ParsePayload) =>
    typeof payload.value === "object" &&
    payload.value !== null &&
    !Array.isArray(payload.value) &&
    !payload.issues.some(
      (issue) =>
        sections.includes(issue.path?.[0] as Section) &&
        !(issue.code === "custom" && issue.params?.crossCheck),
    ),
});

type Ctx = z.core.$RefinementCtx<Sections>;
type CustomIssue = { path: PropertyKey[]; input: unknown; message: string };

const report = (ctx: Ctx, issue: CustomIssue): void =>
  ctx.addIssue({ code: "custom", params: CROSS_CHECK, ...issue });

function checkPriorityTypes(config: Sections, ctx: Ctx): void {
  const typeKeys = Object.keys(config.types);
  for (const [key, priority] of Object.entries(config.priorities)) {
    priority.types?.forEach((type, index) => {
      if (Object.hasOwn(config.types, type)) return;
      report(ctx, {
        path: ["priorities", key, "types", index],
        input: type,
        message: `${type} is not a configured type${didYouMean(type, typeKeys)}; use one of ${typeKeys.join(", ")}, or write types: null for every type`,
      });
    });
  }
}

function checkBusinessClock(config: Sections, ctx: Ctx): void {
  const open = WEEKDAYS.some((day) => (config.business_hours[day]?.length ?? 0) > 0);
  if (open) return;
  const users = Object.entries(config.priorities)
    .filter(([, priority]) => priority.clock === "business")
    .map(([key]) => key);
  if (users.length === 0) return;
  const who = users.length === 1 ? `priority ${users[0]} uses` : `priorities ${listing(users)} use`;
  report(ctx, {
    path: ["business_hours"],
    input: config.business_hours,
    message: `no business hours in the week, but ${who} the business clock; add opening hours or set clock: calendar`,
  });
}

/**
 * A business-clock target must be reached within the engine's planning horizon (366 days) from
 * any start, under these business hours and holidays (src/config/horizon.ts).
 */
function checkHorizon(config: Sections, ctx: Ctx): void {
  const closedRun = closedRunProblem(config);
  if (closedRun) report(ctx, { path: ["holidays"], input: config.holidays, message: closedRun });
  for (const [key, priority] of Object.entries(config.priorities)) {
    for (const metric of ["response", "next_reply", "resolution", "updates"] as const) {
      const target = priority[metric];
      if (target === null) continue;
      const problem = horizonProblem(target, priority.clock, config);
      if (problem) report(ctx, { path: ["priorities", key, metric], input: target, message: problem });
    }
  }
}

function checkDefaultPriority(config: Sections, ctx: Ctx): void {
  const key = config.default_priority;
  const keys = Object.keys(config.priorities);
  const priority = Object.hasOwn(config.priorities, key) ? config.priorities[key] : undefined;
  if (priority === undefined) {
    report(ctx, {
      path: ["default_priority"],
      input: key,
      message: `${key} is not a configured priority${didYouMean(key, keys)}; set default_priority to one of ${keys.join(", ")}`,
    });
  } else if (priority.types !== null) {
    const open = keys.filter((other) => config.priorities[other]?.types === null);
    report(ctx, {
      path: ["default_priority"],
      input: key,
      message: `${key} is only for ${priority.types.length === 1 ? "type" : "types"} ${listing(priority.types)}, but the default priority must fit every type; ${open.length > 0 ? `use ${listing(open, "or")}` : "choose a priority with types: null"}`,
    });
  }
}

function checkDefaultType(config: Sections, ctx: Ctx): void {
  const key = config.default_type;
  if (Object.hasOwn(config.types, key)) return;
  const keys = Object.keys(config.types);
  report(ctx, {
    path: ["default_type"],
    input: key,
    message: `${key} is not a configured type${didYouMean(key, keys)}; set default_type to one of ${keys.join(", ")}`,
  });
}

/** GitHub label names are unique without regard to case, across everything this app labels. */
function checkUniqueLabels(config: Sections, ctx: Ctx): void {
  const owners = new Map<string, { label: string; path: string }>();
  const lower = (label: string) => label.trim().toLowerCase();
  const claim = (label: string, path: Array<string>) => {
    const name = lower(label);
    const owner = owners.get(name);
    if (owner === undefined) {
      owners.set(name, { label, path: path.join(".") });
      return;
    }
    const caseNote = owner.label === label ? "" : ` ("${owner.label}": GitHub label names ignore case)`;
    report(ctx, {
      path,
      input: label,
      message: `"${label}" is already the label of ${owner.path}${caseNote}; every priority, type and status label needs its own name`,
    });
  };
  for (const [key, priority] of Object.entries(config.priorities))
    claim(priority.label, ["priorities", key, "label"]);
  for (const [key, type] of Object.entries(config.types)) claim(type.label, ["types", key, "label"]);
  for (const [key, label] of Object.entries(config.labels)) if (label !== null) claim(label, ["labels", key]);
  claim(config.post_mortem.required_label, ["post_mortem", "required_label"]);
  claim(config.post_mortem.done_label, ["post_mortem", "done_label"]);
  // A level's label is a timer label: it may be the at-risk or breached label, or one of its own
  // that several levels share, never a label that means something else.
  const timerLabels = new Set([config.labels.at_risk, config.labels.breached].map(lower));
  config.escalation.levels?.forEach((level, index) => {
    if (level.label === null || timerLabels.has(lower(level.label))) return;
    const owner = owners.get(lower(level.label));
    if (owner === undefined) {
      owners.set(lower(level.label), { label: level.label, path: `escalation.levels[${index}].label` });
      return;
    }
    if (owner.path.startsWith("escalation.levels[")) return;
    const caseNote = owner.label === level.label ? "" : ` ("${owner.label}": GitHub label names ignore case)`;
    report(ctx, {
      path: ["escalation", "levels", index, "label"],
      input: level.label,
      message: `"${level.label}" is already the label of ${owner.path}${caseNote}; a level's label is labels.at_risk, labels.breached or a name of its own`,
    });
  });
}

/** The post-mortem follow-up names configured priorities. */
function checkPostMortem(config: Sections, ctx: Ctx): void {
  const keys = Object.keys(config.priorities);
  const chosen = config.post_mortem.priorities;
  // The default list names production-down; a config that removed that priority just has no follow-up.
  if (chosen.join() === DEFAULT_POST_MORTEM.priorities.join()) return;
  chosen.forEach((key, i) => {
    if (Object.hasOwn(config.priorities, key)) return;
    report(ctx, {
      path: ["post_mortem", "priorities", i],
      input: key,
      message: `${key} is not a configured priority${didYouMean(key, keys)}; use one of ${keys.join(", ")}`,
    });
  });
}

/** The types and priorities `channels` names are configured (src/config/sections/channels.ts). */
function checkChannels(config: Sections, ctx: Ctx): void {
  for (const problem of channelProblems(config)) report(ctx, problem);
}

/** The one schema of `.github/support-sla.yml`: validation, defaults, merging and cross-checks. */
export const configSchema = sectionsSchema
  .superRefine(checkPriorityTypes, whenValid("priorities", "types"))
  .superRefine(checkBusinessClock, whenValid("priorities", "business_hours"))
  .superRefine(checkHorizon, whenValid("priorities", "business_hours", "holidays", "holiday_calendar"))
  .superRefine(checkDefaultPriority, whenValid("priorities", "default_priority"))
  .superRefine(checkDefaultType, whenValid("types", "default_type"))
  .superRefine(checkUniqueLabels, whenValid("priorities", "types", "labels", "post_mortem", "escalation"))
  .superRefine(checkPostMortem, whenValid("priorities", "post_mortem"))
  .superRefine(checkChannels, whenValid("priorities", "types", "channels"))
  .meta({
    title: "support-sla configuration",
    description:
      "`.github/support-sla.yml`: the SLA policy of a support desk run on GitHub issues (first response, next reply, resolution, periodic updates, post-mortem follow-up). Every key is optional; a missing key takes the default.",
  });

/** A validated config with every default applied: still in the file's vocabulary (`30m`, `80%`). */
export type SupportSlaConfig = z.output<typeof configSchema>;
/** What a config file may contain. */
export type SupportSlaConfigInput = z.input<typeof configSchema>;

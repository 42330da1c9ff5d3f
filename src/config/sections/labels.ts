import { z } from "zod";
import { parseDuration } from "../../domain/duration.js";
import {
  DEFAULT_PRIORITIES,
  DEFAULT_PRIORITY,
  DEFAULT_STATUS_LABELS,
  DEFAULT_TYPE,
  DEFAULT_TYPES,
} from "../defaults.js";
import { limitedString, MAX_CHARS } from "../limits.js";
import {
  checkPriorityEntries,
  checkTypeEntries,
  mergePriorities,
  mergeTypes,
  whenMapping,
} from "../merge.js";
import { describeValue, expected, quoted } from "../messages.js";

/* The sections that name GitHub labels: priorities, types and the status labels. */

// ---------------------------------------------------------------- labels, shared by several sections

/** A GitHub label name: at most 50 characters ("Create a label", https://docs.github.com/en/rest/issues/labels#create-a-label, answers 422 "name is too long (maximum is 50 characters)"). */
export const labelName = z
  .string({ error: expected('a label name such as "priority: urgent"') })
  .trim()
  .min(1, { error: "a label needs a name" })
  .max(50, {
    error: (issue) => `${quoted(issue)} is too long; GitHub allows at most 50 characters in a label name`,
  });

const labelColor = limitedString(MAX_CHARS.color, 'a colour as 6 hex digits in quotes, e.g. "d93f0b"').regex(
  /^[0-9a-fA-F]{6}$/,
  {
    error: (issue) =>
      String(issue.input).startsWith("#")
        ? `${quoted(issue)}: write the colour without "#", e.g. "${String(issue.input).slice(1)}"`
        : `${quoted(issue)} is not a colour; write 6 hex digits without "#", e.g. "d93f0b"`,
  },
);

const labelDescription = z.string({ error: expected("a short text") }).max(100, {
  error: "is too long; GitHub allows at most 100 characters in a label description",
});

/** The name customers read in the intake comment: not a label, so any text, but not a blank one. */
const displayName = (example: string) =>
  limitedString(MAX_CHARS.name, `a name such as "${example}"`)
    .trim()
    .min(1, { error: `a name cannot be blank; write what customers should read, e.g. "${example}"` });

// ---------------------------------------------------------------- priorities

const KEY_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const entryKey = (kind: string, example: string) =>
  limitedString(MAX_CHARS.key, `a ${kind} key such as "${example}"`).regex(KEY_PATTERN, {
    error: (issue) =>
      `${quoted(issue)} is not a valid ${kind} key; use lowercase letters and digits joined by hyphens, e.g. "${example}"`,
  });

const OFF_WORDS = new Set(["off", "none", "never", "no", "false", "disabled"]);

/**
 * A target as `response` writes it (`90s`, `30m`, `1h`, `next-business-day`); `metric` names the
 * key in the message that tells how to turn an optional metric off (null).
 */
const targetSchema = (metric?: string) =>
  z
    .string({
      error: (issue) => {
        if (issue.code === "invalid_type" && typeof issue.input === "number")
          return `${issue.input} has no unit; write "${issue.input}m" for minutes or "${issue.input}h" for hours`;
        if (metric !== undefined && issue.code === "invalid_type" && typeof issue.input === "boolean")
          return `${issue.input} is not a target; write a duration such as "4h", or null to leave ${metric} untimed`;
        return expected('a duration such as "30m", "1h" or "next-business-day"')(issue);
      },
    })
    .max(MAX_CHARS.duration, {
      abort: true,
      error: (issue) =>
        `is ${String(issue.input).length} characters long; at most ${MAX_CHARS.duration} are allowed here (write a duration such as "30m", "1h" or "next-business-day")`,
    })
    .superRefine((text, ctx) => {
      if (metric !== undefined && OFF_WORDS.has(text.trim().toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(text)} is not a target; write null to leave ${metric} untimed`,
        });
        return;
      }
      const parsed = parseDuration(text);
      if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
    });

/** `next_reply`, `resolution`, `updates`: a target like `response`, or null for a metric that is not timed. */
const metricSchema = (metric: string) => targetSchema(metric).nullable().optional();

const responseSchema = targetSchema();

const CLOCKS = ["calendar", "business"] as const;

export const typeKeySchema = entryKey("type", "change-request");
export const priorityKeySchema = entryKey("priority", "production-down");

const priorityEntrySchema = z.strictObject(
  {
    name: displayName("Urgent")
      .optional()
      .describe(
        'Name customers read in the intake comment, e.g. "Urgent". Default for a new key: the key in words (`high-impact`: "High impact").',
      ),
    label: labelName
      .optional()
      .describe(
        "GitHub label that marks an issue with this priority. Default for a new key: `priority: <key>`.",
      ),
    response: responseSchema
      .optional()
      .describe(
        "First-response target: whole seconds, minutes or hours above zero (`90s`, `30m`, `1h`) or `next-business-day` (close of business on the first business day after the day the issue was opened). Required for a new priority.",
      ),
    next_reply: metricSchema("next_reply").describe(
      "Next-reply target: once the team has replied, a customer's comment must be answered within it, counted from the oldest unanswered one. Same syntax as `response`, on this priority's `clock`; null: not timed. Default: not timed.",
    ),
    resolution: metricSchema("resolution").describe(
      "Resolution target: from the issue's creation to its close (or `labels.resolved`), not counting the time `labels.waiting` is on it; a reopened issue resumes the same clock. Same syntax as `response`, on this priority's `clock`; null: not timed. Default: not timed.",
    ),
    updates: metricSchema("updates").describe(
      "Periodic-update interval while the issue is open: each team comment starts the next one; a reminder goes out at `escalation.warn_at` of it. Same syntax as `response`, on this priority's `clock`; null: not timed. Default: `30m` for `production-down`, not timed for the others.",
    ),
    clock: z
      .enum(CLOCKS, {
        error: (issue) =>
          `${describeValue(issue.input)} is not a clock; use "calendar" (every minute, 24/7) or "business" (business hours only)`,
      })
      .optional()
      .describe(
        "`calendar` counts every minute, 24/7; `business` counts business hours minus holidays. `next-business-day` needs `business`. Default for a new key: `business`.",
      ),
    types: z
      .array(typeKeySchema, {
        error: expected("a list of type keys such as [problem], or null for every type"),
      })
      .min(1, {
        error: "lists no type; list the type keys this priority is for, or write null for every type",
      })
      .nullable()
      .optional()
      .describe(
        "Type keys this priority may be chosen for, e.g. `[problem]`; null: every type. Default for a new key: every type.",
      ),
    page: z
      .boolean({ error: expected("true or false") })
      .optional()
      .describe(
        "Whether a breach (and, on the calendar clock, a new issue) pages on-call through PagerDuty. Default for a new key: `false`.",
      ),
    color: labelColor
      .optional()
      .describe("Label colour, 6 hex digits without `#`. Default for a new key: `ededed`."),
    description: labelDescription
      .optional()
      .describe("Label description shown on GitHub. Default for a new key: empty."),
  },
  { error: expected("a mapping such as {response: 4h, clock: business}, or null to remove the priority") },
);

export const prioritiesSchema = z
  .record(priorityKeySchema, priorityEntrySchema.nullable(), {
    error: expected("a mapping of priority key to settings"),
  })
  .superRefine(checkPriorityEntries, whenMapping)
  .default(DEFAULT_PRIORITIES)
  .transform(mergePriorities)
  .describe(
    "Priorities by key. An entry is merged over the built-in priority of the same key (`production-down`, `urgent`, `normal`), so `urgent: {response: 2h}` changes only the response time; a new key adds a priority; `null` removes a built-in one. Built-in priorities keep their order, new ones follow in file order.",
  );

export const defaultPrioritySchema = priorityKeySchema
  .default(DEFAULT_PRIORITY)
  .describe("Priority of an issue whose form gives none. It must be allowed for every type.");

// ---------------------------------------------------------------- types

const FORM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$/;

const typeEntrySchema = z.strictObject(
  {
    name: displayName("Problem / troubleshooting")
      .optional()
      .describe(
        'Name customers read in the intake comment, e.g. "Problem / troubleshooting". Default for a new key: the key in words (`billing`: "Billing").',
      ),
    label: labelName
      .optional()
      .describe("GitHub label that marks an issue of this type. Default for a new key: `type: <key>`."),
    form: limitedString(MAX_CHARS.form, 'a form file name such as "problem.yml", or null')
      .regex(FORM_PATTERN, {
        error: (issue) =>
          String(issue.input).includes("/")
            ? `${quoted(issue)}: write only the file name, e.g. "problem.yml"; forms are read from .github/ISSUE_TEMPLATE/`
            : `${quoted(issue)} is not a form file name; write a .yml file name under .github/ISSUE_TEMPLATE/, e.g. "problem.yml", or null for a type without a form`,
      })
      .nullable()
      .optional()
      .describe(
        "Issue form under `.github/ISSUE_TEMPLATE/` that files this type, e.g. `problem.yml`; null: no form. Default for a new key: `<key>.yml`.",
      ),
    color: labelColor
      .optional()
      .describe("Label colour, 6 hex digits without `#`. Default for a new key: `ededed`."),
    description: labelDescription
      .optional()
      .describe("Label description shown on GitHub. Default for a new key: empty."),
  },
  {
    error: expected(
      'a mapping such as {label: "type: billing", form: billing.yml}, or null to remove the type',
    ),
  },
);

export const typesSchema = z
  .record(typeKeySchema, typeEntrySchema.nullable(), { error: expected("a mapping of type key to settings") })
  .superRefine(checkTypeEntries, whenMapping)
  .default(DEFAULT_TYPES)
  .transform(mergeTypes)
  .describe(
    "Request types by key, merged over the six built-in types the same way as `priorities`: a new key adds a type, `null` removes a built-in one.",
  );

export const defaultTypeSchema = typeKeySchema
  .default(DEFAULT_TYPE)
  .describe("Type of an issue whose form matches no type's `form`.");

// ---------------------------------------------------------------- labels

export const statusLabelsSchema = z
  .strictObject(
    {
      incomplete: labelName
        .default(DEFAULT_STATUS_LABELS.incomplete)
        .describe("Label on an issue whose intake form has missing or invalid fields."),
      at_risk: labelName
        .default(DEFAULT_STATUS_LABELS.at_risk)
        .describe(
          "Label of the default ladder's `at-risk` level: a first response, next reply or resolution of the issue is past `escalation.warn_at` of its target.",
        ),
      breached: labelName
        .default(DEFAULT_STATUS_LABELS.breached)
        .describe(
          "Label of the default ladder's `breach` level: a first response, next reply or resolution of the issue is overdue.",
        ),
      waiting: labelName
        .default(DEFAULT_STATUS_LABELS.waiting)
        .describe(
          "A team member adds this label while the team waits for the customer: it pauses the resolution clock. The customer's next comment removes it and the clock resumes. The app creates it in the repository.",
        ),
      resolved: labelName
        .nullable()
        .default(DEFAULT_STATUS_LABELS.resolved)
        .describe(
          'Adding this label meets the resolution target as a close does, e.g. "status: resolved"; the app creates it in the repository. null: only a close does.',
        ),
    },
    { error: expected("a mapping with incomplete, at_risk, breached, waiting and resolved") },
  )
  .default(DEFAULT_STATUS_LABELS)
  .describe("Names of the status labels the app sets and removes.");

import { z } from "zod";
import { parseDuration } from "../../domain/duration.js";
import { limitedString, MAX_CHARS, MAX_ITEMS, tooManyItems } from "../limits.js";
import { expected, quoted } from "../messages.js";

/* What happens after the first response: the post-mortem follow-up and the weekly SLA report. */

const label = z
  .string({ error: expected('a label name such as "post-mortem: required"') })
  .trim()
  .min(1, { error: "a label needs a name" })
  .max(50, {
    error: (issue) => `${quoted(issue)} is too long; GitHub allows at most 50 characters in a label name`,
  });

export const DEFAULT_POST_MORTEM = {
  priorities: ["production-down"],
  due: "72h",
  required_label: "post-mortem: required",
  done_label: "post-mortem: done",
};

export const postMortemSchema = z
  .strictObject(
    {
      priorities: z
        .array(limitedString(MAX_CHARS.key, "a priority key such as production-down"), {
          error: expected("a list of priority keys such as [production-down]"),
        })
        .max(MAX_ITEMS.postMortemPriorities, {
          error: tooManyItems(MAX_ITEMS.postMortemPriorities, "priorities"),
        })
        .default(DEFAULT_POST_MORTEM.priorities)
        .describe("Closing an issue of one of these priorities asks the team whether a post-mortem is due."),
      due: limitedString(MAX_CHARS.duration, 'a duration such as "72h"')
        .superRefine((text, ctx) => {
          const parsed = parseDuration(text);
          if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
          else if (parsed.target.kind !== "duration") {
            ctx.addIssue({
              code: "custom",
              message: 'write a duration such as "72h": the post-mortem clock is 24/7',
            });
          }
        })
        .default(DEFAULT_POST_MORTEM.due)
        .describe("Calendar time from the `required_label` to the reminder, e.g. `72h` (about three days)."),
      required_label: label
        .default(DEFAULT_POST_MORTEM.required_label)
        .describe(
          "A team member adds this label when a post-mortem is due: it starts the post-mortem clock.",
        ),
      done_label: label
        .default(DEFAULT_POST_MORTEM.done_label)
        .describe("Added when the post-mortem document is shared: it meets the post-mortem deadline."),
    },
    { error: expected("a mapping with priorities, due, required_label and done_label") },
  )
  .default(DEFAULT_POST_MORTEM)
  .describe(
    "The post-mortem follow-up of closed Production-down issues (major downtime, document within ~3 days).",
  );

export const reportSchema = z
  .strictObject(
    {
      weekly: z
        .boolean({ error: expected("true or false") })
        .default(false)
        .describe(
          "Post last week's SLA report as an issue in this repository every Monday from 09:00 local time.",
        ),
    },
    { error: expected("a mapping such as `weekly: true`") },
  )
  .default({ weekly: false })
  .describe("The SLA report for the status meeting.");

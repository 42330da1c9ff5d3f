import { z } from "zod";
import { parseDuration } from "../../domain/duration.js";
import { limitedString, MAX_CHARS, MAX_ITEMS, tooManyItems } from "../limits.js";
import { expected, quoted } from "../messages.js";
import { parseRepeat } from "./escalation.js";

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
  repeat: "24h" as string | false,
};

/**
 * `post_mortem.repeat` as the policy holds it: ms between reminders, or null for one reminder
 * (`none` or `false`). Throws on a value the schema refuses.
 */
export function postMortemRepeatMs(repeat: string | false): number | null {
  if (repeat === false || repeat.trim().toLowerCase() === "none") return null;
  const parsed = parseRepeat(repeat);
  if (!parsed.ok) throw new Error(`toPolicy needs a validated config: ${parsed.message}`);
  return parsed.ms;
}

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
      repeat: z
        .union(
          [
            z.literal(false),
            limitedString(MAX_CHARS.duration, 'an interval such as "24h", or none').superRefine(
              (text, ctx) => {
                if (text.trim().toLowerCase() === "none") return;
                const parsed = parseRepeat(text);
                if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
              },
            ),
          ],
          {
            error: (issue) =>
              issue.input === true
                ? 'true is not an interval; write one such as "24h", or none (or false) for one reminder'
                : typeof issue.input === "number"
                  ? `${issue.input} has no unit; write "${issue.input}h" for hours, or none for one reminder`
                  : typeof issue.input === "string"
                    ? // Only a string over the length limit fails both options (the others get their own message).
                      `is ${issue.input.length} characters long; at most ${MAX_CHARS.duration} are allowed here (write an interval such as "24h", or none)`
                    : expected('an interval such as "24h", or none for one reminder')({
                        ...issue,
                        code: "invalid_type",
                        expected: "string",
                      } as z.core.$ZodRawIssue),
          },
        )
        .default(DEFAULT_POST_MORTEM.repeat)
        .describe(
          "The reminder of an overdue post-mortem repeats this often (calendar time, at least `5m`) until `done_label` is added. `none` or `false`: one reminder.",
        ),
    },
    { error: expected("a mapping with priorities, due, required_label, done_label and repeat") },
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

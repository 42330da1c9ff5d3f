import { CalendarError, createCalendar } from "../domain/business-hours.js";
import { computeDeadline } from "../domain/deadline.js";
import { explainDeadline, renderExplanation } from "../domain/sla/explain.js";
import { parseFlags, parseInstant, UsageError } from "./args.js";
import type { Io } from "./main.js";
import { policyFromFile } from "./policy-file.js";

export const DEADLINE_HELP = `Usage: support-sla deadline [--config FILE] --priority KEY --opened ISO [--opened ISO ...]

Prints, for each --opened instant in order, one JSON line:
  {"priority":"urgent","opened":"2026-11-27T15:30:00.000Z","deadline":"2026-11-30T08:30:00.000Z"}

Options:
  --config FILE    a .github/support-sla.yml (default: the built-in default policy)
  --priority KEY   a priority key of the config (production-down, urgent, normal by default)
  --opened ISO     when the issue was opened: 2026-11-27T15:30:00Z, or a wall time such as
                   2026-11-27T16:30 read in the config's time zone; repeatable
  --explain        instead of JSON, show how each deadline was computed: the policy, the zone,
                   the business intervals counted, the holidays and closed days skipped
  -h, --help       show this help`;

export function deadlineCommand(args: string[], io: Io): number {
  const { values } = parseFlags(args, {
    config: { type: "string" },
    priority: { type: "string" },
    opened: { type: "string", multiple: true },
    explain: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(DEADLINE_HELP);
    return 0;
  }
  if (!values.priority) throw new UsageError("missing --priority KEY");
  if (!values.opened?.length) throw new UsageError("missing --opened ISO (give it once per issue)");
  const policy = policyFromFile(values.config);
  const priority = policy.priorities.find((p) => p.key === values.priority);
  if (!priority) {
    throw new UsageError(
      `unknown --priority ${JSON.stringify(values.priority)} (configured: ${policy.priorities.map((p) => p.key).join(", ")})`,
    );
  }
  const tz = policy.calendar.timezone;
  const opened = values.opened.map((text) => parseInstant(text, tz, "--opened"));
  let calendar: ReturnType<typeof createCalendar>;
  try {
    calendar = createCalendar(policy.calendar);
    for (const at of opened) {
      if (values.explain) {
        io.out(renderExplanation(explainDeadline(calendar, policy, priority, at)));
        io.out("");
        continue;
      }
      const deadline = computeDeadline(calendar, priority, at);
      io.out(
        JSON.stringify({
          priority: priority.key,
          opened: new Date(at).toISOString(),
          deadline: new Date(deadline).toISOString(),
        }),
      );
    }
  } catch (error) {
    if (error instanceof CalendarError) throw new UsageError(error.message);
    throw error;
  }
  return 0;
}

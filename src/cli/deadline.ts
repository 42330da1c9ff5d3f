import { Temporal } from "temporal-polyfill";
import { didYouMean } from "../config/suggest.js";
import {
  type BusinessCalendar,
  CalendarError,
  createCalendar,
  HORIZON_DAYS,
  HORIZON_MS,
} from "../domain/business-hours.js";
import type { EscalationLevel, PriorityPolicy } from "../domain/policy.js";
import { explainDeadline, metricConfigKey, renderExplanation } from "../domain/sla/explain.js";
import { ladderFor, metricTarget } from "../domain/timers/ladder.js";
import {
  type Metric,
  type Pause,
  pauseTimer,
  resumeTimer,
  startTimer,
  type Timer,
} from "../domain/timers/timer.js";
import { parseFlags, parseInstant, UsageError } from "./args.js";
import type { Io } from "./main.js";
import { policyFromFile } from "./policy-file.js";

/** The metrics `deadline --metric` plans (the post-mortem is not a per-priority target). */
export const DEADLINE_METRICS = ["first_response", "next_reply", "resolution", "updates"] as const;
type DeadlineMetric = (typeof DEADLINE_METRICS)[number];

export const DEADLINE_HELP = `Usage: support-sla deadline [--config FILE] --priority KEY --opened ISO [--opened ISO ...]
                         [--metric METRIC] [--pause START/END ...] [--explain]

Prints, for each --opened instant in order, one JSON line:
  {"priority":"urgent","metric":"first_response","opened":"2026-11-27T15:30:00.000Z","deadline":"2026-11-30T08:30:00.000Z"}

Options:
  --config FILE    a .github/support-sla.yml (default: the built-in default policy)
  --priority KEY   a priority key of the config (production-down, urgent, normal by default)
  --opened ISO     when the metric's clock started (for first_response and resolution: when the
                   issue was opened): 2026-11-27T15:30:00Z, or a wall time such as
                   2026-11-27T16:30 read in the config's time zone; repeatable
  --metric METRIC  first_response (default), next_reply, resolution or updates: the deadline of
                   that metric, on the priority's clock, with the target the config sets for it
                   (priorities.KEY.response, .next_reply, .resolution, .updates)
  --pause START/END  time that does not count on the metric's clock, as two ISO instants with an
                   offset or Z: 2026-11-27T16:00:00Z/2026-11-30T10:00:00Z; repeatable, pauses
                   must not overlap nor start before --opened; not for first_response, which is
                   never paused. (The app itself pauses only resolution, while labels.waiting is
                   on the issue.)
  --explain        instead of JSON, show how each deadline was computed: the policy, the zone,
                   the business intervals counted, the holidays and closed days skipped, the
                   pauses and the time each excluded, and the escalation levels with their instants
  -h, --help       show this help`;

const PAUSE_EXAMPLE = "e.g. 2026-11-27T16:00:00Z/2026-11-30T10:00:00Z";
const HAS_OFFSET = /T.*(?:[zZ]|[+-]\d\d(?::?\d\d)?)(?:\[[^\]]*\])?$/;

/** One `--pause` value as given, and the interval it names. */
interface PauseArg extends Pause {
  text: string;
  end: number;
}

/**
 * Splits `START/END` at the first `/` outside a bracketed zone annotation (`…[Europe/Brussels]`
 * holds one), or returns null when there is no such `/`. ISO 8601 writes a time interval as
 * `<start>/<end>` (ISO 8601-1:2019, "time interval"; the same form as RFC 3339 Appendix A's
 * `time-interval`, https://www.rfc-editor.org/rfc/rfc3339#appendix-A).
 */
function splitInterval(text: string): [string, string] | null {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]") depth = Math.max(0, depth - 1);
    else if (c === "/" && depth === 0) return [text.slice(0, i), text.slice(i + 1)];
  }
  return null;
}

function parsePauseInstant(part: string, which: "START" | "END", text: string): number {
  const trimmed = part.trim();
  if (trimmed === "" || !HAS_OFFSET.test(trimmed)) {
    throw new UsageError(
      `--pause ${JSON.stringify(text)}: ${which} ${JSON.stringify(part)} is not an ISO 8601 instant with an offset or Z (${PAUSE_EXAMPLE})`,
    );
  }
  try {
    return Temporal.Instant.from(trimmed).epochMilliseconds;
  } catch {
    throw new UsageError(
      `--pause ${JSON.stringify(text)}: ${which} ${JSON.stringify(part)} is not an ISO 8601 instant with an offset or Z (${PAUSE_EXAMPLE})`,
    );
  }
}

/**
 * The `--pause` values, sorted by start. Throws UsageError (exit 2) for a value that is not
 * `START/END`, an instant without an offset, an END not after its START, or two pauses that
 * overlap (touching is fine: one ends where the next starts).
 */
export function parsePauses(texts: readonly string[]): PauseArg[] {
  const pauses = texts.map((text): PauseArg => {
    const parts = splitInterval(text);
    if (!parts) {
      throw new UsageError(`--pause ${JSON.stringify(text)} is not START/END (${PAUSE_EXAMPLE})`);
    }
    const start = parsePauseInstant(parts[0], "START", text);
    const end = parsePauseInstant(parts[1], "END", text);
    if (end < start) throw new UsageError(`--pause ${JSON.stringify(text)} ends before it starts`);
    if (end === start) throw new UsageError(`--pause ${JSON.stringify(text)} is empty: END equals START`);
    return { text, start, end };
  });
  pauses.sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < pauses.length; i++) {
    const [before, after] = [pauses[i - 1] as PauseArg, pauses[i] as PauseArg];
    if (after.start < before.end) {
      throw new UsageError(
        `--pause ${JSON.stringify(after.text)} overlaps --pause ${JSON.stringify(before.text)}; give each paused interval once`,
      );
    }
  }
  return pauses;
}

function parseMetric(text: string | undefined): DeadlineMetric {
  if (text === undefined) return "first_response";
  const metric = DEADLINE_METRICS.find((m) => m === text);
  if (metric) return metric;
  throw new UsageError(
    `--metric ${JSON.stringify(text)} is not a metric${didYouMean(text, [...DEADLINE_METRICS])}; use one of ${DEADLINE_METRICS.join(", ")}`,
  );
}

/**
 * The metric's timer started at `at` with `pauses` applied as the app applies them
 * (`pauseTimer` at each start, `resumeTimer` at each end), so its deadline is the one the app
 * would plan. Throws UsageError when a pause starts before `at`.
 */
function plannedTimer(
  spec: Parameters<typeof startTimer>[0],
  at: number,
  pauses: readonly PauseArg[],
  calendar: BusinessCalendar,
  ladder: readonly EscalationLevel[],
): Timer {
  let timer = startTimer(spec, at, calendar, ladder);
  for (const p of pauses) {
    if (p.start < at) {
      throw new UsageError(
        `--pause ${JSON.stringify(p.text)} starts before the clock starts (--opened ${new Date(at).toISOString()})`,
      );
    }
    timer = { ...timer, ...pauseTimer(timer, p.start) };
    timer = { ...timer, ...resumeTimer(timer, p.end, calendar, ladder) };
  }
  return timer;
}

/** The metric's target and clock for the priority; a metric the config leaves off is a config error (exit 2). */
function targetOf(
  policy: ReturnType<typeof policyFromFile>,
  priority: PriorityPolicy,
  metric: Metric,
  configPath: string | undefined,
) {
  const planned = metricTarget(policy, priority, metric);
  if (planned) return planned;
  const where = configPath === undefined ? "the default policy" : `config ${configPath}`;
  throw new UsageError(
    `${metric} is off for priority ${JSON.stringify(priority.key)}: ${where} sets no ${metricConfigKey(priority, metric)} (e.g. ${metric}: 4h)`,
  );
}

export function deadlineCommand(args: string[], io: Io): number {
  const { values } = parseFlags(args, {
    config: { type: "string" },
    priority: { type: "string" },
    opened: { type: "string", multiple: true },
    metric: { type: "string" },
    pause: { type: "string", multiple: true },
    explain: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(DEADLINE_HELP);
    return 0;
  }
  if (!values.priority) throw new UsageError("missing --priority KEY");
  if (!values.opened?.length) throw new UsageError("missing --opened ISO (give it once per issue)");
  const metric = parseMetric(values.metric);
  const pauses = parsePauses(values.pause ?? []);
  if (metric === "first_response" && pauses.length > 0) {
    throw new UsageError(
      "--pause: the first response is never paused; the app pauses only the resolution (--metric resolution), while the waiting label is on",
    );
  }
  const policy = policyFromFile(values.config);
  const priority = policy.priorities.find((p) => p.key === values.priority);
  if (!priority) {
    throw new UsageError(
      `unknown --priority ${JSON.stringify(values.priority)} (configured: ${policy.priorities.map((p) => p.key).join(", ")})`,
    );
  }
  const { target, clock } = targetOf(policy, priority, metric, values.config);
  const tz = policy.calendar.timezone;
  const opened = values.opened.map((text) => parseInstant(text, tz, "--opened"));
  for (const at of opened) {
    for (const p of pauses) {
      if (p.end - at > HORIZON_MS) {
        throw new UsageError(
          `--pause ${JSON.stringify(p.text)} ends more than ${HORIZON_DAYS} days after --opened ${new Date(at).toISOString()}: deadlines are planned at most ${HORIZON_DAYS} days ahead`,
        );
      }
    }
  }
  try {
    const calendar = createCalendar(policy.calendar);
    const ladder = ladderFor(policy, priority, metric);
    // Every --opened is planned (and every pause checked against it) before anything is printed:
    // a usage error never leaves part of the output behind.
    const planned = opened.map((at) => ({
      at,
      timer: plannedTimer({ metric, cycle: 1, clock, target }, at, pauses, calendar, ladder),
    }));
    for (const { at, timer } of planned) {
      if (values.explain) {
        io.out(renderExplanation(explainDeadline(calendar, policy, priority, at, { timer, ladder })));
        io.out("");
        continue;
      }
      if (timer.deadlineAt === null) throw new Error(`the planned ${metric} timer has no deadline`);
      io.out(
        JSON.stringify({
          priority: priority.key,
          metric,
          opened: new Date(at).toISOString(),
          deadline: new Date(timer.deadlineAt).toISOString(),
        }),
      );
    }
  } catch (error) {
    if (error instanceof CalendarError) throw new UsageError(error.message);
    throw error;
  }
  return 0;
}

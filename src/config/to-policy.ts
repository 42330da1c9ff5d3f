import { type DayRange, WEEKDAYS, type Weekday } from "../domain/calendar-types.js";
import { parseDuration } from "../domain/duration.js";
import type { Policy, ResponseTarget } from "../domain/policy.js";
import type { SupportSlaConfig } from "./schema.js";
import { toChannelsPolicy } from "./sections/channels.js";
import { toLevels } from "./sections/escalation.js";
import { postMortemRepeatMs } from "./sections/follow-up.js";
import { parseTimeRange } from "./time-range.js";

/** Intl's spelling of a zone when it only differs in case ("europe/brussels"); aliases stay as written. */
function zoneSpelling(zone: string): string {
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
}

function dayRanges(texts: readonly string[] | undefined): DayRange[] {
  const ranges = (texts ?? []).map((text) => {
    const parsed = parseTimeRange(text);
    if (!parsed.ok) throw new Error(`toPolicy needs a validated config: ${parsed.message}`);
    return { start: parsed.start, end: parsed.end };
  });
  return ranges.sort((a, b) => a.start - b.start);
}

function responseTarget(text: string): ResponseTarget {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new Error(`toPolicy needs a validated config: ${parsed.message}`);
  return parsed.target;
}

/** `next_reply`, `resolution`, `updates`: null (not timed) stays null. */
const optionalTarget = (text: string | null): ResponseTarget | null =>
  text === null ? null : responseTarget(text);

const withoutAt = (name: string): string => name.replace(/^@/, "");

/** The policy domain code consumes, from a config that `configSchema` already validated. */
export function toPolicy(config: SupportSlaConfig): Policy {
  const week = Object.fromEntries(
    WEEKDAYS.map((day) => [day, dayRanges(config.business_hours[day])]),
  ) as Record<Weekday, DayRange[]>;
  const calendar = config.holiday_calendar;
  return {
    calendar: {
      timezone: zoneSpelling(config.timezone),
      week,
      holidays: [...new Set(config.holidays)].sort(),
      holidayCalendar: calendar
        ? {
            country: calendar.country,
            ...(calendar.state !== undefined && { state: calendar.state }),
            ...(calendar.region !== undefined && { region: calendar.region }),
          }
        : undefined,
    },
    priorities: Object.entries(config.priorities).map(([key, p]) => ({
      key,
      name: p.name,
      label: p.label,
      response: responseTarget(p.response),
      clock: p.clock,
      types: p.types === null ? null : [...p.types],
      nextReply: optionalTarget(p.next_reply),
      resolution: optionalTarget(p.resolution),
      updates: optionalTarget(p.updates),
      page: p.page,
      color: p.color.toLowerCase(),
      description: p.description,
    })),
    types: Object.entries(config.types).map(([key, t]) => ({
      key,
      name: t.name,
      label: t.label,
      form: t.form,
      color: t.color.toLowerCase(),
      description: t.description,
    })),
    defaultPriority: config.default_priority,
    defaultType: config.default_type,
    team: {
      associations: [...config.team.associations],
      users: config.team.users.map(withoutAt),
      teams: config.team.teams.map(withoutAt),
      ignore: config.team.ignore.map(withoutAt),
    },
    escalation: {
      warnAt: Number.parseInt(config.escalation.warn_at, 10) / 100,
      mention: [...config.escalation.mention],
      phone: config.escalation.phone,
      chat: config.escalation.chat,
      levels: toLevels(config.escalation.levels, config.escalation.mention),
    },
    labels: {
      incomplete: config.labels.incomplete,
      atRisk: config.labels.at_risk,
      breached: config.labels.breached,
      waiting: config.labels.waiting,
      resolved: config.labels.resolved,
    },
    postMortem: {
      priorities: [...config.post_mortem.priorities],
      dueMs: durationMs(config.post_mortem.due),
      requiredLabel: config.post_mortem.required_label,
      doneLabel: config.post_mortem.done_label,
      repeatMs: postMortemRepeatMs(config.post_mortem.repeat),
    },
    report: { weekly: config.report.weekly },
    channels: toChannelsPolicy(config.channels),
  };
}

function durationMs(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok || parsed.target.kind !== "duration")
    throw new Error(`validated duration ${text} did not parse`);
  return parsed.target.ms;
}

import { Temporal } from "temporal-polyfill";
import { clip, fitBody, GITHUB_ISSUE_BODY_MAX, GITHUB_ISSUE_TITLE_MAX } from "../helpers/limits.js";
import { renderMarkdown } from "./markdown.js";
import type { SlaReport } from "./types.js";

/*
 * The weekly report (`report.weekly` in the config): posted as an issue in the repo for the
 * previous ISO week (Monday 00:00 to the next Monday 00:00, local), from Monday 09:00 local on.
 * Pure: the caller passes the last week posted (kept in the store, taken under a lease so that
 * one replica posts) and the clock.
 */

/** Local time on Monday from which last week's report is due. */
export const WEEKLY_POST_TIME = Temporal.PlainTime.from("09:00");

/** `2026-W48`: the ISO week-numbering year and week of a local date. */
export function isoWeekKey(date: Temporal.PlainDate): string {
  return `${date.yearOfWeek ?? date.year}-W${String(date.weekOfYear ?? 0).padStart(2, "0")}`;
}

const mondayOf = (date: Temporal.PlainDate) => date.subtract({ days: date.dayOfWeek - 1 });

/**
 * The week whose report should be posted now, or null when it has been (`lastPostedWeek` is that
 * week or a later one). From Monday 09:00 local that is last week; before it, the week before
 * (still due if it was never posted, say the app was down all Monday). Missed older weeks are
 * not caught up: only the latest complete week is reported.
 */
export function weeklyReportDue(lastPostedWeek: string | null, now: number, timezone: string): string | null {
  const local = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(timezone);
  const monday = mondayOf(local.toPlainDate());
  const postAt = monday.toZonedDateTime({
    timeZone: timezone,
    plainTime: WEEKLY_POST_TIME,
  }).epochMilliseconds;
  const due = isoWeekKey(monday.subtract({ weeks: now >= postAt ? 1 : 2 }));
  if (lastPostedWeek !== null && lastPostedWeek >= due) return null;
  return due;
}

/** The instants [since, until) of an ISO week in `timezone`: Monday 00:00 to the next Monday 00:00. */
export function weekWindow(week: string, timezone: string): { since: number; until: number } {
  const match = /^(\d{4})-W(\d{2})$/.exec(week);
  const year = Number(match?.[1]);
  const number = Number(match?.[2]);
  // 4 January is always in week 1.
  const jan4 = match ? Temporal.PlainDate.from({ year, month: 1, day: 4 }) : undefined;
  const monday = jan4 && mondayOf(jan4).add({ weeks: number - 1 });
  if (!monday || number < 1 || isoWeekKey(monday) !== week) {
    throw new RangeError(`${JSON.stringify(week)} is not an ISO week such as 2026-W48`);
  }
  const start = (date: Temporal.PlainDate) => date.toZonedDateTime({ timeZone: timezone }).epochMilliseconds;
  return { since: start(monday), until: start(monday.add({ weeks: 1 })) };
}

const MARKER = /<!-- support-sla:weekly-report week=(\d{4}-W\d{2}) -->/;

/** Hidden marker of the week's report issue: finds it again (a retry must not post it twice). */
export function weeklyMarker(week: string): string {
  return `<!-- support-sla:weekly-report week=${week} -->`;
}

export function parseWeeklyMarker(body: string): string | null {
  return MARKER.exec(body)?.[1] ?? null;
}

/** At most this many breaches are listed in the issue (its body is limited to 65,536 characters). */
export const WEEKLY_MAX_BREACHES = 100;

function localDate(iso: string, timezone: string): Temporal.PlainDate {
  return Temporal.Instant.from(iso).toZonedDateTimeISO(timezone).toPlainDate();
}

function dayText(date: Temporal.PlainDate, withYear: boolean): string {
  return date.toLocaleString("en-GB", {
    day: "numeric",
    month: "short",
    ...(withYear ? { year: "numeric" } : {}),
    timeZone: "UTC",
  });
}

/**
 * The issue for a weekly report: title with the week and its dates (at most 256 characters),
 * body with the hidden marker and the markdown report, at most GitHub's 65,536 characters however
 * many priorities, types and breaches the week had (the tables end with "…and N more").
 * `week` defaults to the ISO week the report's window starts in.
 */
export function renderWeeklyIssue(report: SlaReport, week?: string): { title: string; body: string } {
  const zone = report.timezone;
  const first = report.window.since ? localDate(report.window.since, zone) : null;
  const last = report.window.until ? localDate(report.window.until, zone).subtract({ days: 1 }) : null;
  const key = week ?? (first ? isoWeekKey(first) : null);
  const dates = first && last ? `${dayText(first, first.year !== last.year)} – ${dayText(last, true)}` : null;
  const title = clip(
    `SLA report ${report.repo}${key ? `: week ${key}` : ""}${dates ? ` (${dates})` : ""}`,
    GITHUB_ISSUE_TITLE_MAX,
  );
  const marker = key ? weeklyMarker(key) : "<!-- support-sla:weekly-report -->";
  const footer =
    "_Posted once a week by support-sla. The same report, with a chart: `support-sla report --repo " +
    `${clip(report.repo, 140)}${report.window.since ? ` --since ${report.window.since}` : ""}` +
    `${report.window.until ? ` --until ${report.window.until}` : ""} --out DIR\`._`;
  const room = GITHUB_ISSUE_BODY_MAX - marker.length - footer.length - 2;
  const markdown = renderMarkdown(report, { level: 2, maxBreaches: WEEKLY_MAX_BREACHES, maxLength: room });
  const body = fitBody([marker, markdown, footer].join("\n"), GITHUB_ISSUE_BODY_MAX);
  return { title, body };
}

import type { Kysely } from "kysely";
import type { ChannelLinksTable } from "../channels/store.js";
import type { ClockKind, ResponseTarget } from "../domain/policy.js";
import type { TimerState } from "../domain/timers/timer.js";
import type { Store } from "../store/db.js";
import { parsePauses } from "../store/timer-store.js";
import {
  REPORT_COLUMNS,
  REPORT_METRICS,
  type ReportChannel,
  type ReportRow,
  type ReportTimer,
} from "./types.js";

export interface ReportQuery {
  /** `owner/name`; stored lower-case. */
  repo: string;
  /** Cycle start ≥ since (epoch ms). */
  since?: number | undefined;
  /** Cycle start < until (epoch ms). */
  until?: number | undefined;
}

/**
 * The tracked issues of one repo whose current cycle started in [since, until), each with the
 * channel it came in through (see {@link loadIssueChannels}).
 */
export async function loadReportRows(store: Store, query: ReportQuery): Promise<ReportRow[]> {
  let select = store.db
    .selectFrom("tracked_issues")
    .select(REPORT_COLUMNS)
    .where("repo", "=", query.repo.toLowerCase());
  if (query.since !== undefined) select = select.where("cycle_started_at", ">=", query.since);
  if (query.until !== undefined) select = select.where("cycle_started_at", "<", query.until);
  const rows = await select.orderBy("cycle_started_at").orderBy("number").execute();
  if (rows.length === 0) return rows;
  const channels = await loadIssueChannels(store, query.repo);
  return rows.map((row) => ({ ...row, channel: channels.get(row.number) ?? "github" }));
}

/**
 * The next-reply and resolution timers of one repo that started in [since, until), each with its
 * issue's priority, type, title and link (`timers` joined to `tracked_issues`), earliest first.
 * Every state is read, cancelled ones included (the report says how many it leaves out).
 */
export async function loadReportTimers(store: Store, query: ReportQuery): Promise<ReportTimer[]> {
  let select = store.db
    .selectFrom("timers as t")
    .innerJoin("tracked_issues as i", (j) =>
      j.onRef("i.repo", "=", "t.repo").onRef("i.number", "=", "t.number"),
    )
    .select([
      "t.repo",
      "t.number",
      "t.metric",
      "t.cycle",
      "t.state",
      "t.clock",
      "t.target_kind",
      "t.target_ms",
      "t.target_counted_ms",
      "t.started_at",
      "t.pauses",
      "t.deadline_at",
      "t.met_at",
      "t.met_by",
      "t.counted_ms",
      "t.late",
      "t.breached_at",
      "i.priority",
      "i.type",
      "i.title",
      "i.html_url",
    ])
    .where("t.repo", "=", query.repo.toLowerCase())
    .where(
      "t.metric",
      "in",
      REPORT_METRICS.map((m) => m.key),
    );
  if (query.since !== undefined) select = select.where("t.started_at", ">=", query.since);
  if (query.until !== undefined) select = select.where("t.started_at", "<", query.until);
  const rows = await select.orderBy("t.started_at").orderBy("t.number").orderBy("t.metric").execute();
  // PostgreSQL hands back BIGINT columns as strings.
  const num = (v: number | string | null) => (v === null ? null : Number(v));
  return rows.map((r) => {
    const targetMs = num(r.target_ms);
    const target: ResponseTarget =
      r.target_kind === "next-business-day"
        ? { kind: "next-business-day" }
        : { kind: "duration", ms: targetMs ?? 0 };
    return {
      repo: r.repo,
      number: Number(r.number),
      metric: r.metric as ReportTimer["metric"],
      cycle: Number(r.cycle),
      state: r.state as TimerState,
      clock: (r.clock === "calendar" ? "calendar" : "business") as ClockKind,
      target,
      targetMs: Number(r.target_counted_ms),
      startedAt: Number(r.started_at),
      pauses: parsePauses(r.pauses),
      deadlineAt: num(r.deadline_at),
      metAt: num(r.met_at),
      metBy: r.met_by,
      countedMs: num(r.counted_ms),
      late: Number(r.late) === 1,
      breachedAt: num(r.breached_at),
      priority: r.priority,
      type: r.type,
      title: r.title,
      url: r.html_url,
    };
  });
}

/**
 * Issue number → channel for the issues of `repo` (any case) that the app opened for a PagerDuty
 * incident or a Slack request: the `channel_links` rows of origin `channel` with an issue number
 * (src/channels/store.ts). An incident the app itself triggered for a GitHub issue (origin `app`)
 * leaves that issue a GitHub one. Issues not in the map came in on GitHub.
 */
export async function loadIssueChannels(
  store: Store,
  repo: string,
): Promise<Map<number, Exclude<ReportChannel, "github">>> {
  // The channel tables are not part of the core schema type (as in src/channels/store.ts).
  const db = store.db as unknown as Kysely<{ channel_links: ChannelLinksTable }>;
  const links = await db
    .selectFrom("channel_links")
    .select(["number", "kind"])
    .where("repo", "=", repo.toLowerCase())
    .where("origin", "=", "channel")
    .where("number", "is not", null)
    .orderBy("created_at")
    .execute();
  const out = new Map<number, Exclude<ReportChannel, "github">>();
  for (const link of links) {
    // PostgreSQL may hand back integers as strings; the first link of an issue wins.
    const number = Number(link.number);
    if (!out.has(number)) out.set(number, link.kind);
  }
  return out;
}

/** A repository the store tracks issues of, with how many (every cycle window, every state). */
export interface KnownRepo {
  repo: string;
  issues: number;
}

/** How many issues of `repo` (any case) the store tracks, whatever their window or state. */
export async function countRepoIssues(store: Store, repo: string): Promise<number> {
  const row = await store.db
    .selectFrom("tracked_issues")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("repo", "=", repo.toLowerCase())
    .executeTakeFirst();
  // PostgreSQL returns count(*) as a bigint string.
  return Number(row?.n ?? 0);
}

/** Every repository the store tracks issues of, in name order, with its issue count. */
export async function knownRepos(store: Store): Promise<KnownRepo[]> {
  const rows = await store.db
    .selectFrom("tracked_issues")
    .select((eb) => ["repo", eb.fn.countAll<number | string>().as("n")])
    .groupBy("repo")
    .orderBy("repo")
    .execute();
  return rows.map((r) => ({ repo: r.repo, issues: Number(r.n) }));
}

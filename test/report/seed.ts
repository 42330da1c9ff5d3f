import type { SlaTarget } from "../../src/domain/policy.js";
import type { Store } from "../../src/store/db.js";
import { saveTrackedIssue, type TrackedIssue } from "../../src/store/intake-store.js";

/*
 * A seeded store for the report, on the default policy (Europe/Brussels, CET = UTC+1 in November,
 * Mon-Fri 09:00-17:00 local = 08:00-16:00 UTC; production-down 30 min 24/7, urgent 1 business
 * hour, normal next business day). Every figure the tests expect is worked out by hand next to
 * the row it comes from. The report is taken at NOW = Wed 25 Nov 2026 12:00 UTC (13:00 CET).
 */

/** An instant in November 2026, UTC. */
export const nov = (day: number, hour: number, minute = 0) => Date.UTC(2026, 10, day, hour, minute);
export const NOW = nov(25, 12);
export const MIN = 60_000;
export const HOUR = 60 * MIN;

export interface SeedRow {
  number: number;
  priority: string;
  type: string;
  state: "pending" | "at-risk" | "breached" | "met" | "cancelled";
  start: number;
  deadline: number;
  reply?: { at: number; businessMs: number; late?: boolean };
  closedAt?: number;
  repo?: string;
  /** The target recorded at tracking; default: the priority's in the default policy; null: none recorded. */
  target?: SlaTarget | null;
}

type Extra = Pick<SeedRow, "reply" | "closedAt" | "repo" | "target">;

/** The default policy's targets, as the app records them when it tracks an issue. */
export const DEFAULT_TARGETS: Record<string, SlaTarget> = {
  "production-down": { response: { kind: "duration", ms: 30 * 60_000 }, clock: "calendar" },
  urgent: { response: { kind: "duration", ms: 60 * 60_000 }, clock: "business" },
  normal: { response: { kind: "next-business-day" }, clock: "business" },
};
const r = (
  number: number,
  priority: string,
  type: string,
  state: SeedRow["state"],
  start: number,
  deadline: number,
  extra: Extra = {},
): SeedRow => ({ number, priority, type, state, start, deadline, ...extra });

const answered = (at: number, businessMs: number, late = false): Extra => ({
  reply: { at, businessMs, late },
});

export const SEED: SeedRow[] = [
  // urgent × problem
  // #1 met: 10:00 → 10:20 CET, 20 min (business = wall).
  r(1, "urgent", "problem", "met", nov(23, 9), nov(23, 10), answered(nov(23, 9, 20), 20 * MIN)),
  // #2 met: 40 min.
  r(2, "urgent", "problem", "met", nov(23, 10), nov(23, 11), answered(nov(23, 10, 40), 40 * MIN)),
  // #3 breached, answered late: 150 min, 1 h 30 min past the deadline.
  r(3, "urgent", "problem", "breached", nov(23, 12), nov(23, 13), answered(nov(23, 14, 30), 150 * MIN, true)),
  // #4 breached, never answered (escalated): overdue Mon 14:00 → Wed 12:00 UTC = 46 h, still counting.
  r(4, "urgent", "problem", "breached", nov(23, 13), nov(23, 14)),
  // urgent × guidance
  // #5 pending, deadline 12:30 UTC not passed at NOW: running.
  r(5, "urgent", "guidance", "pending", nov(25, 11, 30), nov(25, 12, 30)),
  // #6 pending but its deadline (11:00 UTC) passed at NOW, not escalated yet: breached, 1 h overdue.
  r(6, "urgent", "guidance", "pending", nov(25, 10), nov(25, 11)),
  // #7 at risk, deadline 12:10 UTC: running.
  r(7, "urgent", "guidance", "at-risk", nov(25, 11, 10), nov(25, 12, 10)),
  // #8 closed at 09:30 UTC, before its 10:00 UTC deadline, no reply: cancelled.
  r(8, "urgent", "guidance", "cancelled", nov(24, 9), nov(24, 10), { closedAt: nov(24, 9, 30) }),
  // #9 met overnight: opened Mon 16:30 CET, answered Tue 09:15 CET: 30 + 15 = 45 business min, 16 h 45 min wall.
  r(9, "urgent", "guidance", "met", nov(23, 15, 30), nov(24, 8, 30), answered(nov(24, 8, 15), 45 * MIN)),
  // normal × problem
  // #10 met: Mon 11:00 CET → Tue 10:00 CET = 6 h + 1 h = 7 business h, 23 h wall; the deadline
  // (Tue 17:00 CET) allowed 6 h + 8 h = 14 business h: 50% of target.
  r(10, "normal", "problem", "met", nov(23, 10), nov(24, 16), answered(nov(24, 9), 7 * HOUR)),
  // #12 closed without a reply after its deadline (Tue 17 16:00 → Wed 18 09:00 UTC): breached, 17 h.
  r(12, "normal", "problem", "cancelled", nov(16, 9), nov(17, 16), { closedAt: nov(18, 9) }),
  // normal × guidance
  // #11 answered late: Fri 15:00 CET → Tue 09:30 CET = 2 h + 8 h + 30 min = 10.5 business h, 90.5 h
  // wall; allowed Fri 2 h + Mon 8 h = 10 h (105%); 16 h 30 min past Mon 17:00 CET.
  r(
    11,
    "normal",
    "guidance",
    "breached",
    nov(20, 14),
    nov(23, 16),
    answered(nov(24, 8, 30), 10.5 * HOUR, true),
  ),
  // #13 pending, deadline Thu 17:00 CET: running.
  r(13, "normal", "guidance", "pending", nov(25, 9), nov(26, 16)),
  // production-down × problem (calendar clock: business ms are elapsed ms)
  // #14 met at the weekend: 12 min of 30 (40%).
  r(14, "production-down", "problem", "met", nov(21, 2), nov(21, 2, 30), answered(nov(21, 2, 12), 12 * MIN)),
  // #15 answered late: 60 min (200%), 30 min past the deadline.
  r(
    15,
    "production-down",
    "problem",
    "breached",
    nov(22, 20),
    nov(22, 20, 30),
    answered(nov(22, 21), 60 * MIN, true),
  ),
  // Another repo: never in acme/app's report.
  r(1, "urgent", "problem", "met", nov(23, 9), nov(23, 10), {
    reply: { at: nov(23, 9, 5), businessMs: 5 * MIN },
    repo: "acme/other",
  }),
];

/** The `target_*` columns that record `target` (all NULL for null: not recorded), as the app writes them. */
function targetColumns(
  target: SlaTarget | null,
): Pick<TrackedIssue, "target_kind" | "target_ms" | "target_clock"> {
  if (target === null) return { target_kind: null, target_ms: null, target_clock: null };
  return {
    target_kind: target.response.kind,
    target_ms: target.response.kind === "duration" ? target.response.ms : null,
    target_clock: target.clock,
  };
}

export function toTracked(row: SeedRow): TrackedIssue {
  const repo = row.repo ?? "acme/app";
  return {
    repo,
    number: row.number,
    installation_id: 1,
    author: "customer",
    type: row.type,
    priority: row.priority,
    priority_override: null,
    body_priority: row.priority,
    intake: "valid",
    created_at: row.start,
    deadline_at: row.deadline,
    intake_comment_id: null,
    intake_comment_digest: null,
    updated_at: row.start,
    state: row.state,
    cycle: 1,
    cycle_started_at: row.start,
    at_risk_at: row.deadline - 12 * MIN,
    title: `Issue ${row.number} | @someone [x](y)`,
    html_url: `https://github.com/${repo}/issues/${row.number}`,
    first_response_at: row.reply?.at ?? null,
    first_response_by: row.reply ? "engineer" : null,
    first_response_business_ms: row.reply?.businessMs ?? null,
    first_response_late: row.reply?.late ? 1 : 0,
    breached_at: row.state === "breached" ? row.deadline : null,
    closed_at: row.closedAt ?? null,
    ...targetColumns(row.target === undefined ? (DEFAULT_TARGETS[row.priority] ?? null) : row.target),
  };
}

export async function seed(store: Store, rows: SeedRow[] = SEED): Promise<void> {
  for (const row of rows) await saveTrackedIssue(store, toTracked(row));
}

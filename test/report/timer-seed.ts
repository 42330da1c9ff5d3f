import type { Insertable } from "kysely";
import type { ClockKind } from "../../src/domain/policy.js";
import type { Pause, TimerState } from "../../src/domain/timers/timer.js";
import type { Store } from "../../src/store/db.js";
import type { TimersTable } from "../../src/store/schema.js";
import { HOUR, MIN, nov } from "./seed.js";

/*
 * Next-reply and resolution timers for the seeded issues of test/report/seed.ts, written as
 * `timers` rows. Same calendar as the seed: Europe/Brussels, Mon-Fri 09:00-17:00 CET =
 * 08:00-16:00 UTC in November, no holidays; the report is taken at NOW = Wed 25 Nov 2026 12:00
 * UTC. Each count is worked out by hand next to its row. Targets: next reply Urgent 4 business
 * hours, Production down 1 h 24/7; resolution Urgent 16 business hours, Normal 40 business hours,
 * Production down 8 h 24/7.
 */

export interface TimerSeed {
  number: number;
  metric: "next_reply" | "resolution";
  cycle?: number;
  state: TimerState;
  clock: ClockKind;
  /** The target in counted ms (a duration target of that length). */
  target: number;
  start: number;
  pauses?: Pause[];
  deadline: number | null;
  met?: { at: number; counted: number; late?: boolean };
  breachedAt?: number;
  repo?: string;
}

export const NEXT_REPLY: TimerSeed[] = [
  // Production down × problem (1 h, 24/7)
  // #14 answered in 40 min: met.
  {
    number: 14,
    metric: "next_reply",
    state: "met",
    clock: "calendar",
    target: HOUR,
    start: nov(21, 3),
    deadline: null,
    met: { at: nov(21, 3, 40), counted: 40 * MIN },
  },
  // #15 escalated by the scheduler, never answered: breached, unanswered.
  {
    number: 15,
    metric: "next_reply",
    state: "breached",
    clock: "calendar",
    target: HOUR,
    start: nov(22, 21, 30),
    deadline: nov(22, 22, 30),
    breachedAt: nov(22, 22, 30),
  },
  // Urgent × problem (4 business hours)
  // #1 answered in 1 h: met.
  {
    number: 1,
    metric: "next_reply",
    state: "met",
    clock: "business",
    target: 4 * HOUR,
    start: nov(23, 9, 30),
    deadline: null,
    met: { at: nov(23, 10, 30), counted: HOUR },
  },
  // #2 Mon 14:00 → Tue 10:00 UTC: Mon 2 h + Tue 2 h = exactly 4 h, at the deadline: met.
  {
    number: 2,
    metric: "next_reply",
    state: "met",
    clock: "business",
    target: 4 * HOUR,
    start: nov(23, 14),
    deadline: null,
    met: { at: nov(24, 10), counted: 4 * HOUR },
  },
  // #3 Mon 15:00 → Tue 12:00 UTC: 1 h + 4 h = 5 h, late: breached (answered late).
  {
    number: 3,
    metric: "next_reply",
    state: "met",
    clock: "business",
    target: 4 * HOUR,
    start: nov(23, 15),
    deadline: null,
    met: { at: nov(24, 12), counted: 5 * HOUR, late: true },
  },
  // #3's second reply owed, Wed 09:00 UTC, deadline 13:00 UTC: 3 h counted at NOW, running.
  {
    number: 3,
    metric: "next_reply",
    cycle: 2,
    state: "at-risk",
    clock: "business",
    target: 4 * HOUR,
    start: nov(25, 9),
    deadline: nov(25, 13),
  },
  // #4 owed since Tue 09:00 UTC, deadline Tue 13:00 UTC, never answered and the scheduler never
  // escalated it (still pending): past its deadline at NOW, so breached, unanswered.
  {
    number: 4,
    metric: "next_reply",
    state: "pending",
    clock: "business",
    target: 4 * HOUR,
    start: nov(24, 9),
    deadline: nov(24, 13),
  },
  // Urgent × guidance: #9 closed before the reply was due: cancelled, left out.
  {
    number: 9,
    metric: "next_reply",
    state: "cancelled",
    clock: "business",
    target: 4 * HOUR,
    start: nov(24, 15),
    deadline: null,
  },
];

export const RESOLUTION: TimerSeed[] = [
  // Production down × problem (8 h, 24/7)
  // #15 Sun 20:00 → Mon 03:00 UTC, paused Sun 22:00-23:00: 7 h - 1 h = 6 h: met.
  {
    number: 15,
    metric: "resolution",
    state: "met",
    clock: "calendar",
    target: 8 * HOUR,
    start: nov(22, 20),
    pauses: [{ start: nov(22, 22), end: nov(22, 23) }],
    deadline: null,
    met: { at: nov(23, 3), counted: 6 * HOUR },
  },
  // Urgent × problem (16 business hours)
  // #1 closed after 6 h: met.
  {
    number: 1,
    metric: "resolution",
    state: "met",
    clock: "business",
    target: 16 * HOUR,
    start: nov(23, 9),
    deadline: null,
    met: { at: nov(23, 15), counted: 6 * HOUR },
  },
  // #3 from Mon 08:00 UTC: Mon 8 h + Tue 8 h, due Tue 16:00 UTC; still open, at risk, not
  // escalated yet: 20 h counted at NOW, breached (unresolved).
  {
    number: 3,
    metric: "resolution",
    state: "at-risk",
    clock: "business",
    target: 16 * HOUR,
    start: nov(23, 8),
    deadline: nov(24, 16),
  },
  // #4 from Mon 13:00 UTC, waiting for the customer since Tue 10:00 UTC: Mon 3 h + Tue 2 h = 5 h
  // counted, no deadline while paused: running. The pause has kept Tue 10:00-16:00 + Wed
  // 08:00-12:00 = 10 business hours off the clock so far.
  {
    number: 4,
    metric: "resolution",
    state: "pending",
    clock: "business",
    target: 16 * HOUR,
    start: nov(23, 13),
    pauses: [{ start: nov(24, 10), end: null }],
    deadline: null,
  },
  // Normal × guidance (40 business hours)
  // #11 opened Fri 20 14:00 UTC; waiting for the customer Fri 15:00 → Tue 09:00 UTC, a weekend
  // between: Fri 1 h + Mon 8 h + Tue 1 h = 10 business hours paused. Closed Tue 12:00 UTC:
  // Fri 1 h + Tue 3 h = 4 h counted: met.
  {
    number: 11,
    metric: "resolution",
    state: "met",
    clock: "business",
    target: 40 * HOUR,
    start: nov(20, 14),
    pauses: [{ start: nov(20, 15), end: nov(24, 9) }],
    deadline: null,
    met: { at: nov(24, 12), counted: 4 * HOUR },
  },
  // #13 cancelled (its priority lost the metric): left out, its pause not listed.
  {
    number: 13,
    metric: "resolution",
    state: "cancelled",
    clock: "business",
    target: 40 * HOUR,
    start: nov(25, 9),
    pauses: [{ start: nov(25, 9, 30), end: nov(25, 10) }],
    deadline: null,
  },
  // Another repo: never in acme/app's report.
  {
    number: 1,
    metric: "resolution",
    state: "pending",
    clock: "business",
    target: 16 * HOUR,
    start: nov(23, 9),
    pauses: [{ start: nov(23, 10), end: null }],
    deadline: null,
    repo: "acme/other",
  },
];

export const TIMERS: TimerSeed[] = [...NEXT_REPLY, ...RESOLUTION];

/** A `timers` row as the store writes it (src/store/schema.ts TimersTable). */
export function timerRow(t: TimerSeed): Insertable<TimersTable> {
  return {
    repo: t.repo ?? "acme/app",
    number: t.number,
    metric: t.metric,
    cycle: t.cycle ?? 1,
    installation_id: 1,
    rank: 0,
    state: t.state,
    clock: t.clock,
    target_kind: "duration",
    target_ms: t.target,
    target_counted_ms: t.target,
    target_source: "planned",
    started_at: t.start,
    pauses: JSON.stringify(t.pauses ?? []),
    deadline_at: t.deadline,
    level: 0,
    firings: 0,
    next_due_at: t.state === "met" || t.state === "cancelled" ? null : t.deadline,
    met_at: t.met?.at ?? null,
    met_by: t.met ? "engineer" : null,
    counted_ms: t.met?.counted ?? null,
    late: t.met?.late ? 1 : 0,
    breached_at: t.breachedAt ?? (t.met?.late ? t.met.at : null),
    paged: 0,
    lease_owner: null,
    lease_until: null,
    updated_at: t.start,
    version: 0,
  };
}

export async function seedTimers(store: Store, timers: TimerSeed[] = TIMERS): Promise<void> {
  for (const t of timers) await store.db.insertInto("timers").values(timerRow(t)).execute();
}

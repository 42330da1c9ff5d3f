import { describe, expect, it } from "vitest";
import { type BusinessCalendar, createCalendar } from "../../../src/domain/business-hours.js";
import { pagesAtStart } from "../../../src/domain/timers/ladder.js";
import {
  decideLifecycle,
  type LifecycleDecision,
  type LifecycleEvent,
} from "../../../src/domain/timers/lifecycle.js";
import {
  decideDue,
  legacyState,
  meetTimer,
  type Timer,
  type TimerEffect,
} from "../../../src/domain/timers/timer.js";
import {
  at,
  calendar,
  FRIDAY_1630,
  HOUR,
  MINUTE,
  policy,
  priority,
  SECOND,
  seconds,
  show,
} from "../sla/fixtures.js";
import {
  AT_RISK_LABEL,
  BREACHED_LABEL,
  DEADLINE,
  firstResponse,
  ladderOf,
  urgentTimer,
} from "./first-response-fixtures.js";

/*
 * What the events do to its first response (issue 12: "The first response … as today"):
 * a team reply, a close, a reopening and a priority change, on the urgent issue opened Friday
 * 27 November 2026 at 16:30 in Brussels (at risk Monday 09:18, due 09:30). Each case states what
 * users see: the state the issue shows, its deadline, and the labels, pages and incidents.
 */

const none = new Set<string>();

/** What `event` does to an issue of priority `key` whose first response is `timer`. */
function on(
  timer: Timer,
  event: LifecycleEvent,
  options: { key?: string; open?: boolean; calendar?: BusinessCalendar } = {},
): LifecycleDecision {
  return decideLifecycle(
    {
      policy,
      priority: priority(options.key ?? "urgent"),
      calendar: options.calendar ?? calendar,
      timers: [timer],
      open: options.open ?? true,
    },
    event,
  );
}

/** The first response after the decision (its current cycle). */
function first(decision: LifecycleDecision): Timer {
  const timer = decision.timers.find((t) => t.metric === "first_response");
  if (!timer) throw new Error("no first-response timer");
  return timer;
}

/** The effects the decision asks for on the first response (every cycle), in order. */
function effects(decision: LifecycleDecision): Array<TimerEffect | { kind: "page-resolve" }> {
  return decision.effects.filter((e) => e.metric === "first_response").map((e) => e.effect);
}

/** The first response's rows the decision writes (inserts and patches). */
function writes(decision: LifecycleDecision) {
  return decision.changes.filter(
    (c) => (c.kind === "insert" ? c.timer.metric : c.metric) === "first_response",
  );
}

describe("a team reply", () => {
  const reply = (timer: Timer, when: string, key = "urgent") =>
    on(timer, { kind: "team-comment", at: at(when), by: "Engineer-Eva" }, { key });

  it("before the at-risk instant: met, with the business time it took", () => {
    // Friday 16:30-17:00 and Monday 09:00-09:10: 40 business minutes.
    const decision = reply(urgentTimer(), "2026-11-30T09:10+01:00");
    expect(first(decision)).toMatchObject({
      state: "met",
      metAt: at("2026-11-30T09:10+01:00"),
      metBy: "Engineer-Eva",
      countedMs: 40 * MINUTE,
      late: false,
      nextDueAt: null,
    });
    expect(decision.transitions).toEqual([
      expect.objectContaining({ metric: "first_response", change: "met", reason: "first response, on time" }),
    ]);
    expect(effects(decision)).toEqual([]);
  });

  it("on the calendar clock the time taken is elapsed time, weekend included", () => {
    const downed = firstResponse(priority("production-down"), FRIDAY_1630);
    const decision = reply(downed, "2026-11-30T09:10+01:00", "production-down");
    expect(first(decision).countedMs).toBe(64 * HOUR + 40 * MINUTE);
  });

  it("while at risk: met, and the at-risk label goes", () => {
    const decision = reply(urgentTimer("at-risk"), "2026-11-30T09:20+01:00");
    expect(first(decision)).toMatchObject({ state: "met", late: false, countedMs: 50 * MINUTE });
    expect(effects(decision)).toEqual([{ kind: "remove-label", label: AT_RISK_LABEL }]);
  });

  it("exactly at the deadline: on time", () => {
    expect(first(reply(urgentTimer("at-risk"), "2026-11-30T09:30+01:00"))).toMatchObject({
      state: "met",
      late: false,
    });
  });

  it("after the breach: recorded late, the issue still shows breached, the page is acknowledged", () => {
    const decision = reply(urgentTimer("breached", { paged: true }), "2026-11-30T10:15+01:00");
    const timer = first(decision);
    expect(timer).toMatchObject({ late: true, countedMs: 105 * MINUTE, metBy: "Engineer-Eva" });
    expect(legacyState(timer)).toBe("breached");
    expect(decision.transitions[0]?.reason).toBe("first response, after the deadline");
    // The breach label stays; no label is added or removed.
    expect(effects(decision)).toEqual([{ kind: "page-ack" }]);
  });

  it("after the deadline but before the scheduler escalated: breached and late, labelled, not escalated", () => {
    const decision = reply(urgentTimer("at-risk"), "2026-11-30T09:30:02+01:00");
    expect(legacyState(first(decision))).toBe("breached");
    expect(first(decision).late).toBe(true);
    expect(effects(decision)).toEqual([
      { kind: "remove-label", label: AT_RISK_LABEL },
      { kind: "add-label", label: BREACHED_LABEL },
    ]);
  });

  it("an on-time reply seen only after the breach was escalated (a race): met, the breached label goes", () => {
    const decision = reply(urgentTimer("breached"), "2026-11-30T09:29+01:00");
    expect(first(decision)).toMatchObject({ state: "met", late: false });
    expect(legacyState(first(decision))).toBe("met");
    expect(effects(decision)).toEqual([{ kind: "remove-label", label: BREACHED_LABEL }]);
  });

  it("acknowledges a page sent at intake (Production down)", () => {
    const downed = { ...firstResponse(priority("production-down"), FRIDAY_1630), paged: true };
    const decision = reply(downed, "2026-11-27T16:40+01:00", "production-down");
    expect(first(decision).state).toBe("met");
    expect(effects(decision)).toEqual([{ kind: "page-ack" }]);
  });

  it.each([
    [
      "already met",
      urgentTimer("met", { metAt: FRIDAY_1630 + MINUTE }),
      "this cycle already has its first response",
    ],
    [
      "late reply already recorded",
      urgentTimer("met", { metAt: DEADLINE + MINUTE, late: true }),
      "this cycle already has its first response",
    ],
    ["met without a recorded time", urgentTimer("met", { metAt: null }), "this cycle is already met"],
    ["closed before any reply", urgentTimer("cancelled"), "the issue was closed before any reply"],
  ])("counts only once per cycle: %s → no change", (_, timer, reason) => {
    const decision = reply(timer, "2026-11-30T09:40+01:00");
    expect([decision.changes, decision.effects]).toEqual([[], []]);
    const ladder = ladderOf(priority("urgent"));
    expect(meetTimer(timer, at("2026-11-30T09:40+01:00"), "eva", calendar, ladder, none).reason).toBe(reason);
  });

  it("ignores a reply older than the current cycle", () => {
    const cycle2 = firstResponse(priority("urgent"), at("2026-11-30T12:00+01:00"), undefined, 2);
    const decision = reply(cycle2, "2026-11-30T11:00+01:00");
    expect([decision.changes, decision.effects]).toEqual([[], []]);
    const ladder = ladderOf(priority("urgent"));
    expect(meetTimer(cycle2, at("2026-11-30T11:00+01:00"), "eva", calendar, ladder, none).reason).toBe(
      "the reply predates the current cycle",
    );
  });
});

describe("a close", () => {
  const close = (timer: Timer, when = at("2026-11-30T09:00+01:00")) => on(timer, { kind: "close", at: when });

  it.each([
    ["pending", false, "cancelled", []],
    ["at-risk", false, "cancelled", [{ kind: "remove-label", label: AT_RISK_LABEL }]],
    ["pending", true, "cancelled", [{ kind: "page-resolve" }]],
    ["met", true, "met", [{ kind: "page-resolve" }]],
    ["breached", true, "breached", [{ kind: "page-resolve" }]],
    ["met", false, "met", []],
    ["breached", false, "breached", []],
    ["cancelled", false, "cancelled", []],
  ] as const)("%s (paged: %s) → %s, effects %j", (state, paged, after, expected) => {
    const decision = close(urgentTimer(state, { paged }));
    expect(first(decision)).toMatchObject({ state: after, paged: false, nextDueAt: null });
    expect(effects(decision)).toEqual(expected);
    // Nothing is written when nothing changes.
    expect(writes(decision).length > 0).toBe(after !== state || paged);
  });

  it("a close from before the current cycle (delivered after the reopening) changes nothing", () => {
    const cycle2 = {
      ...firstResponse(priority("urgent"), at("2026-11-30T12:00+01:00"), undefined, 2),
      paged: true,
    };
    expect(effects(close(cycle2, at("2026-11-30T11:59+01:00")))).toEqual([]);
    expect(first(close(cycle2, at("2026-11-30T11:59+01:00"))).state).toBe("pending");
    const now = close(cycle2, at("2026-11-30T12:00+01:00"));
    expect(first(now).state).toBe("cancelled");
    expect(effects(now)).toEqual([{ kind: "page-resolve" }]);
  });
});

describe("a reopening", () => {
  const REOPENED = at("2026-12-04T16:30+01:00"); // the next Friday, 16:30
  const reopen = (timer: Timer, options: { key?: string; calendar?: BusinessCalendar } = {}) =>
    on(timer, { kind: "reopen", at: REOPENED }, { ...options, open: false });

  it.each(["cancelled", "breached", "pending", "at-risk"] as const)(
    "without a reply (%s): a new cycle from the reopen time, counted in business hours",
    (state) => {
      const decision = reopen(urgentTimer(state));
      const timer = first(decision);
      expect(show(timer.deadlineAt)).toBe("2026-12-07T09:30+01:00");
      expect(show(timer.nextDueAt)).toBe("2026-12-07T09:18+01:00");
      expect(timer).toMatchObject({
        state: "pending",
        cycle: 2,
        startedAt: REOPENED,
        metAt: null,
        late: false,
      });
      expect(timer.paged).toBe(false);
      const removed = effects(decision).filter((e) => e.kind === "remove-label");
      const expected = { breached: [BREACHED_LABEL], "at-risk": [AT_RISK_LABEL], pending: [], cancelled: [] };
      expect(removed).toEqual(expected[state].map((label) => ({ kind: "remove-label", label })));
      expect(pagesAtStart(priority("urgent"))).toBe(false);
    },
  );

  it("skips a holiday in the new cycle's deadline", () => {
    const withHoliday = createCalendar({ ...policy.calendar, holidays: ["2026-12-07"] });
    const timer = first(reopen(urgentTimer("cancelled"), { calendar: withHoliday }));
    expect(show(timer.deadlineAt)).toBe("2026-12-08T09:30+01:00");
  });

  it("for a priority that pages at intake (Production down): due the same evening, and paged again", () => {
    const timer = first(reopen(urgentTimer("cancelled"), { key: "production-down" }));
    expect(show(timer.deadlineAt)).toBe("2026-12-04T17:00+01:00");
    // The intake handler pages a new cycle of such a priority that no incident covers.
    expect(pagesAtStart(priority("production-down"))).toBe(true);
    expect(timer.paged).toBe(false);
    // An incident still open (its close never resolved it) carries over: no second page.
    expect(first(reopen(urgentTimer("breached", { paged: true }), { key: "production-down" })).paged).toBe(
      true,
    );
  });

  it.each([
    ["met", urgentTimer("met", { metAt: DEADLINE - MINUTE })],
    ["breached with a late reply", urgentTimer("met", { metAt: DEADLINE + MINUTE, late: true })],
  ])("after a reply (%s): unchanged", (_, timer) => {
    const decision = reopen(timer);
    expect(writes(decision)).toEqual([]);
    expect(first(decision)).toEqual(timer);
  });

  it("the same reopening delivered twice starts one cycle", () => {
    const once = reopen(urgentTimer("cancelled"));
    const again = decideLifecycle(
      { policy, priority: priority("urgent"), calendar, timers: once.timers, open: true },
      { kind: "reopen", at: REOPENED },
    );
    expect(writes(again)).toEqual([]);
    expect(first(again).cycle).toBe(2);
  });
});

describe("a priority change", () => {
  const replan = (timer: Timer, key: string, now: number) =>
    on(timer, { kind: "replan", at: now }, { key }).timers.find(
      (t) => t.metric === "first_response",
    ) as Timer;
  const replanned = (timer: Timer, key: string, now: number) =>
    on(timer, { kind: "replan", at: now }, { key });

  it("to a shorter target already past: breached at once, and Production down pages", () => {
    // Urgent opened Friday 16:30, still pending on Saturday: Production down was due Friday 17:00.
    const now = at("2026-11-28T10:00+01:00");
    const timer = replan(urgentTimer(), "production-down", now);
    expect(timer).toMatchObject({
      state: "pending",
      deadlineAt: at("2026-11-27T17:00+01:00"),
      nextDueAt: now,
      target: { kind: "duration", ms: 30 * MINUTE },
      clock: "calendar",
    });
    // The scheduler, claiming it at once, escalates the breach only, with a page.
    const due = decideDue(timer, now, calendar, ladderOf(priority("production-down")), none);
    expect(due?.firing.transition).toBe("breach");
    expect(due?.firing.effects.map((e) => e.kind)).toContain("page");
  });

  it("to a longer target: the deadline moves, and an at-risk issue is no longer at risk", () => {
    const decision = replanned(urgentTimer("at-risk"), "normal", at("2026-11-30T09:20+01:00"));
    expect(first(decision)).toMatchObject({ state: "pending", nextDueAt: at("2026-11-30T15:18+01:00") });
    expect(show(first(decision).deadlineAt)).toBe("2026-11-30T17:00+01:00");
    expect(effects(decision)).toEqual([{ kind: "remove-label", label: AT_RISK_LABEL }]);
  });

  it("to a shorter target whose at-risk instant has passed: at risk now", () => {
    const normal = firstResponse(priority("normal"), FRIDAY_1630);
    const now = at("2026-11-30T09:25+01:00");
    const timer = replan(normal, "urgent", now);
    expect(timer).toMatchObject({ state: "pending", deadlineAt: DEADLINE, nextDueAt: now });
    expect(decideDue(timer, now, calendar, ladderOf(priority("urgent")), none)?.firing.transition).toBe(
      "at-risk",
    );
  });

  it("re-plans from the cycle start of a reopened issue, not from its creation", () => {
    const reopened = at("2026-12-04T16:30+01:00");
    const cycle2 = firstResponse(priority("normal"), reopened, undefined, 2);
    expect(show(replan(cycle2, "urgent", reopened + MINUTE).deadlineAt)).toBe("2026-12-07T09:30+01:00");
  });

  it("with the same priority and plan: nothing written (a config push that changed nothing)", () => {
    expect(writes(replanned(urgentTimer(), "urgent", FRIDAY_1630 + MINUTE))).toEqual([]);
  });

  it("to a tiny calendar target (seconds)", () => {
    const now = FRIDAY_1630 + 9 * SECOND;
    const decision = decideLifecycle(
      { policy, priority: seconds(10), calendar, timers: [urgentTimer()], open: true },
      { kind: "replan", at: now },
    );
    const timer = first(decision);
    expect(timer).toMatchObject({ deadlineAt: FRIDAY_1630 + 10 * SECOND, nextDueAt: now });
    const due = decideDue(timer, now, calendar, ladderOf(seconds(10)), none);
    expect(due?.firing.transition).toBe("at-risk");
    expect(due?.patch.nextDueAt).toBe(FRIDAY_1630 + 10 * SECOND);
  });

  it.each(["breached", "met", "cancelled"] as const)("a %s first response is not re-planned", (state) => {
    // Raising a breached issue to Production down keeps it breached: the breach was escalated.
    const timer = urgentTimer(state);
    const decision = replanned(timer, "production-down", DEADLINE);
    expect(writes(decision)).toEqual([]);
    expect(first(decision)).toEqual(timer);
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCalendar } from "../../../src/domain/business-hours.js";
import type { ClockKind, PriorityPolicy, ResponseTarget } from "../../../src/domain/policy.js";
import { defaultLadder, ladderFor } from "../../../src/domain/timers/ladder.js";
import {
  decideDue,
  legacyState,
  meetTimer,
  startTimer,
  type Timer,
  type TimerEffect,
} from "../../../src/domain/timers/timer.js";
import { testPolicy } from "../../helpers/policy.js";
import { at, DEFAULT_SPEC, everyDay, HOUR, MINUTE, spec, week } from "../calendar-fixtures.js";
import { decideDue as clockDecideDue, onTeamResponse, planCycle, type SlaRecord } from "./reference-clock.js";

/**
 * The default ladder is today's first-response clock exactly (issue 12, "Escalation ladder": "The
 * default ladder reproduces today's behaviour exactly"): for random calendars, start instants,
 * targets and priorities, the timer model's deadline, at-risk instant, due transitions with their
 * effects, and the team reply's decision equal what the first-response clock before timers computed
 * (./reference-clock.ts, that clock kept as a reference).
 */

const CALENDARS = [
  DEFAULT_SPEC,
  // Split days and a holiday on Christmas week.
  spec(
    "America/New_York",
    week({ monday: ["08:00-12:00", "13:00-18:30"], wednesday: ["10:00-16:00"], friday: ["09:00-17:00"] }),
    { holidays: ["2026-12-25", "2026-03-09"] },
  ),
  // Every day around the clock, in a zone with half-hour DST.
  spec("Australia/Lord_Howe", everyDay("00:00-24:00")),
  // Short days across DST in Santiago (changes at midnight).
  spec("America/Santiago", everyDay("00:00-02:00", "22:00-24:00")),
  spec(
    "Asia/Kolkata",
    week({ saturday: ["09:30-13:30"], sunday: ["09:30-13:30"], tuesday: ["09:00-17:00"] }),
  ),
].map((s) => ({ spec: s, calendar: createCalendar(s) }));

const targets: fc.Arbitrary<ResponseTarget> = fc.oneof(
  fc.constant<ResponseTarget>({ kind: "next-business-day" }),
  fc
    .oneof(
      fc.constantFrom(0, 1_000, 10_000, 30 * MINUTE, HOUR, 4 * HOUR, 40 * HOUR),
      fc.integer({ min: 0, max: 80 * HOUR }),
    )
    .map((ms): ResponseTarget => ({ kind: "duration", ms })),
);

const START_MIN = at("2026-01-01T00:00Z");
const START_MAX = at("2027-01-01T00:00Z");

const cases = fc.record({
  calendarIndex: fc.integer({ min: 0, max: CALENDARS.length - 1 }),
  start: fc.oneof(
    fc.integer({ min: START_MIN, max: START_MAX }),
    // On a minute boundary, where opening and closing times sit.
    fc.integer({ min: START_MIN / MINUTE, max: START_MAX / MINUTE }).map((m) => m * MINUTE),
  ),
  target: targets,
  clock: fc.constantFrom<ClockKind>("business", "calendar"),
  page: fc.boolean(),
  paged: fc.boolean(),
  warnAt: fc.oneof(fc.constantFrom(0.8, 0.5, 0.9, 0.75), fc.double({ min: 0.01, max: 0.99, noNaN: true })),
  /** Where "now" and the reply fall, as a multiple of the span from start to deadline (and a jitter in ms). */
  nowAt: fc.double({ min: -0.2, max: 2.5, noNaN: true }),
  jitter: fc.integer({ min: -2, max: 2 }),
});

function priorityOf(target: ResponseTarget, clock: ClockKind, page: boolean): PriorityPolicy {
  const base = testPolicy().priorities[1] as PriorityPolicy;
  return { ...base, response: target, clock, page };
}

/** Today's decision as timer effects, in the order the escalation applies them. */
function todaysDueEffects(
  d: NonNullable<ReturnType<typeof clockDecideDue>>,
  atRisk: string,
  breached: string,
) {
  const effects: TimerEffect[] = [];
  if (d.addAtRiskLabel) effects.push({ kind: "add-label", label: atRisk });
  if (d.addBreachedLabel) effects.push({ kind: "add-label", label: breached });
  if (d.removeAtRiskLabel) effects.push({ kind: "remove-label", label: atRisk });
  if (d.postBreachComment)
    effects.push({ kind: "comment", mention: ["@acme/support"], mentionAssignees: false });
  if (d.notifySlack) effects.push({ kind: "slack" });
  if (d.triggerPage) effects.push({ kind: "page" });
  return effects;
}

const sortEffects = (effects: TimerEffect[]) => [...effects].map((e) => JSON.stringify(e)).sort();

describe("the default ladder reproduces today's first-response clock", () => {
  it("deadline and at-risk instant equal planCycle for random starts, targets, clocks and calendars", () => {
    fc.assert(
      fc.property(cases, ({ calendarIndex, start, target, clock, page, warnAt }) => {
        const { calendar, spec: calendarSpec } = CALENDARS[calendarIndex] as (typeof CALENDARS)[number];
        const policy = { ...testPolicy(), calendar: calendarSpec };
        policy.escalation.warnAt = warnAt;
        const priority = priorityOf(target, clock, page);
        const ladder = ladderFor(policy, priority, "first_response");
        const plan = planCycle(calendar, priority, start, warnAt);
        const timer = startTimer(
          { metric: "first_response", cycle: 1, clock, target },
          start,
          calendar,
          ladder,
        );
        expect(timer.deadlineAt).toBe(plan.deadlineAt);
        expect(timer.nextDueAt).toBe(Math.min(plan.atRiskAt, plan.deadlineAt));
        expect(timer.state).toBe("pending");
      }),
      { numRuns: 600 },
    );
  });

  it("decideDue fires what today's decideDue does, from pending and from at risk", () => {
    fc.assert(
      fc.property(cases, ({ calendarIndex, start, target, clock, page, paged, warnAt, nowAt, jitter }) => {
        const { calendar, spec: calendarSpec } = CALENDARS[calendarIndex] as (typeof CALENDARS)[number];
        const policy = { ...testPolicy(), calendar: calendarSpec };
        policy.escalation = { ...policy.escalation, warnAt, mention: ["@acme/support"] };
        const priority = priorityOf(target, clock, page);
        const ladder = defaultLadder(policy, priority);
        const plan = planCycle(calendar, priority, start, warnAt);
        const now = Math.round(start + (plan.deadlineAt - start) * nowAt) + jitter;
        const pending = {
          ...startTimer({ metric: "first_response", cycle: 1, clock, target }, start, calendar, ladder),
          paged,
        };
        for (const state of ["pending", "at-risk"] as const) {
          const timer: Timer =
            state === "pending"
              ? pending
              : { ...pending, state, level: 1, firings: 1, nextDueAt: plan.deadlineAt };
          const today = clockDecideDue({ state, ...plan, paged }, now, priority);
          const got = decideDue(timer, now, calendar, ladder, new Set());
          if (today === null) {
            expect(got).toBeNull();
            continue;
          }
          expect(got?.firing.transition).toBe(today.transition);
          expect(got?.firing.level.name).toBe(today.transition);
          expect(got?.firing.repeat).toBe(0);
          expect(got?.patch.state).toBe(today.patch.state);
          expect(got?.patch.nextDueAt).toBe(today.patch.nextDueAt);
          expect(got?.patch.paged).toBe(today.patch.paged);
          expect(sortEffects(got?.firing.effects ?? [])).toEqual(
            sortEffects(todaysDueEffects(today, policy.labels.atRisk, policy.labels.breached)),
          );
        }
      }),
      { numRuns: 600 },
    );
  });

  it("meetTimer decides a team reply as today's onTeamResponse, in every running state", () => {
    fc.assert(
      fc.property(cases, ({ calendarIndex, start, target, clock, page, paged, warnAt, nowAt, jitter }) => {
        const { calendar, spec: calendarSpec } = CALENDARS[calendarIndex] as (typeof CALENDARS)[number];
        const policy = { ...testPolicy(), calendar: calendarSpec };
        policy.escalation.warnAt = warnAt;
        const priority = priorityOf(target, clock, page);
        const ladder = defaultLadder(policy, priority);
        const plan = planCycle(calendar, priority, start, warnAt);
        const replyAt = Math.round(start + (plan.deadlineAt - start) * nowAt) + jitter;
        const started = {
          ...startTimer({ metric: "first_response", cycle: 1, clock, target }, start, calendar, ladder),
          paged,
        };
        const levels = { pending: 0, "at-risk": 1, breached: 2 } as const;
        for (const state of ["pending", "at-risk", "breached"] as const) {
          const timer: Timer = {
            ...started,
            state,
            level: levels[state],
            firings: levels[state] > 0 ? 1 : 0,
          };
          const row: SlaRecord = {
            priority: priority.key,
            state,
            cycle: 1,
            cycleStartAt: start,
            ...plan,
            nextDueAt: null,
            firstResponseAt: null,
            firstResponseBy: null,
            businessMs: null,
            late: false,
            paged,
            target: null,
          };
          const today = onTeamResponse(row, replyAt, "octocat", calendar, priority);
          const got = meetTimer(timer, replyAt, "octocat", calendar, ladder, new Set());
          expect(got.reason).toBe(today.reason);
          if (!today.record) {
            expect(got.patch).toBeNull();
            continue;
          }
          expect(got.late).toBe(today.late);
          expect(got.patch?.countedMs).toBe(today.patch.businessMs);
          expect(got.patch?.metAt).toBe(replyAt);
          expect(got.patch?.metBy).toBe("octocat");
          expect(got.patch?.nextDueAt).toBeNull();
          expect(legacyState({ state: "met", late: got.late, breachedAt: null })).toBe(today.patch.state);
          const want: TimerEffect[] = [];
          if (today.removeAtRiskLabel) want.push({ kind: "remove-label", label: policy.labels.atRisk });
          if (today.addBreachedLabel) want.push({ kind: "add-label", label: policy.labels.breached });
          if (today.removeBreachedLabel) want.push({ kind: "remove-label", label: policy.labels.breached });
          if (today.acknowledgePage) want.push({ kind: "page-ack" });
          expect(sortEffects(got.effects)).toEqual(sortEffects(want));
        }
      }),
      { numRuns: 600 },
    );
  });

  it("uses today's labels, warn_at, handles and page of the priority", () => {
    const policy = testPolicy();
    policy.escalation = { ...policy.escalation, warnAt: 0.75, mention: ["@acme/support", "@alice"] };
    const urgent = policy.priorities.find((p) => p.key === "urgent") as PriorityPolicy;
    const normal = policy.priorities.find((p) => p.key === "normal") as PriorityPolicy;
    const [risk, breach] = defaultLadder(policy, urgent);
    expect(risk).toMatchObject({
      name: "at-risk",
      at: { kind: "fraction", fraction: 0.75 },
      label: "sla: at risk",
      comment: false,
      slack: true,
      page: false,
      repeatMs: null,
    });
    expect(breach).toMatchObject({
      name: "breach",
      at: { kind: "fraction", fraction: 1 },
      label: "sla: breached",
      comment: true,
      mention: ["@acme/support", "@alice"],
      slack: true,
      page: true,
      repeatMs: null,
    });
    expect(defaultLadder(policy, normal)[1]?.page).toBe(false);
    // An old config (no `escalation.levels`) climbs the default ladder on the three response metrics.
    for (const metric of ["first_response", "next_reply", "resolution"] as const)
      expect(ladderFor(policy, urgent, metric)).toEqual(defaultLadder(policy, urgent));
  });

  it("an urgent issue opened Friday 16:30 in Brussels is at risk Monday 09:18 and breached at 09:30, as today", () => {
    const policy = testPolicy();
    const calendar = createCalendar(policy.calendar);
    const urgent = policy.priorities.find((p) => p.key === "urgent") as PriorityPolicy;
    const ladder = ladderFor(policy, urgent, "first_response");
    const timer = startTimer(
      { metric: "first_response", cycle: 1, clock: "business", target: urgent.response },
      at("2026-11-27T16:30+01:00"),
      calendar,
      ladder,
    );
    expect(timer.nextDueAt).toBe(at("2026-11-30T09:18+01:00"));
    expect(timer.deadlineAt).toBe(at("2026-11-30T09:30+01:00"));
    // The process was down over the deadline: the breach only, never the at-risk warning.
    const late = decideDue(timer, at("2026-11-30T10:00+01:00"), calendar, ladder, new Set());
    expect(late?.firing.transition).toBe("breach");
    expect(late?.firing.effects.map((e) => e.kind)).toEqual(["add-label", "comment", "slack", "page"]);
  });
});

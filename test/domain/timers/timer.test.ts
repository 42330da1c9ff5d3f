import { describe, expect, it } from "vitest";
import { createCalendar } from "../../../src/domain/business-hours.js";
import type { EscalationLevel, Policy, PriorityPolicy } from "../../../src/domain/policy.js";
import { defaultLadder, ladderFor, metricTarget } from "../../../src/domain/timers/ladder.js";
import {
  cancelTimer,
  countedBetween,
  decideDue,
  legacyState,
  levelInstants,
  type Metric,
  meetTimer,
  pauseTimer,
  reopenTimer,
  replanTimer,
  resumeTimer,
  startTimer,
  type Timer,
  timerStatus,
} from "../../../src/domain/timers/timer.js";
import { testPolicy } from "../../helpers/policy.js";
import { at, HOUR, local, MINUTE } from "../calendar-fixtures.js";

/*
 * One table per metric and transition (issue 12, "Tests that must exist"). Calendar: Brussels,
 * Monday–Friday 09:00–17:00 (the default policy's); `HOLIDAY_CALENDAR` adds Monday 30 November
 * 2026 as a holiday. Thursday 26 November 2026 is a Thursday; Monday 7 December a Monday.
 */

const AT_RISK = "sla: at risk";
const BREACHED = "sla: breached";
const NONE: ReadonlySet<string> = new Set();

function makePolicy(): Policy {
  const p = testPolicy();
  p.escalation.mention = ["@acme/support"];
  const urgent = priorityOf(p, "urgent");
  urgent.nextReply = { kind: "duration", ms: 4 * HOUR };
  urgent.resolution = { kind: "duration", ms: 16 * HOUR };
  return p;
}

function priorityOf(p: Policy, key: string): PriorityPolicy {
  const found = p.priorities.find((x) => x.key === key);
  if (!found) throw new Error(`no priority ${key}`);
  return found;
}

const policy = makePolicy();
const urgent = priorityOf(policy, "urgent");
const productionDown = priorityOf(policy, "production-down");
const calendar = createCalendar(policy.calendar);
const HOLIDAY_CALENDAR = createCalendar({ ...policy.calendar, holidays: ["2026-11-30"] });
const show = (ms: number | null | undefined) => (ms == null ? null : local(ms, "Europe/Brussels"));

/** A timer of `metric` for `priority` started at `iso`, on the metric's target and clock. */
function start(metric: Metric, priority: PriorityPolicy, iso: string, cal = calendar, cycle = 1): Timer {
  const target = metricTarget(policy, priority, metric);
  if (!target) throw new Error(`${metric} is off for ${priority.key}`);
  return startTimer({ metric, cycle, ...target }, at(iso), cal, ladderFor(policy, priority, metric));
}

/** Applies a patch the way the store does. */
const apply = (timer: Timer, patch: Partial<Timer> | null | undefined): Timer => ({ ...timer, ...patch });

describe("next_reply", () => {
  const ladder = ladderFor(policy, urgent, "next_reply");

  it("counts from the oldest unanswered customer comment: a later one does not move the deadline", () => {
    // The customer wrote at 10:00 and again at 11:00; the timer started at the first comment.
    const timer = start("next_reply", urgent, "2026-12-07T10:00+01:00");
    expect(show(timer.startedAt)).toBe("2026-12-07T10:00+01:00");
    expect(show(timer.nextDueAt)).toBe("2026-12-07T13:12+01:00"); // 80 % of 4 h
    expect(show(timer.deadlineAt)).toBe("2026-12-07T14:00+01:00");
    // A reply at 14:30 is within 4 h of the second comment, but late for the first.
    const met = meetTimer(timer, at("2026-12-07T14:30+01:00"), "maintainer", calendar, ladder, NONE);
    expect(met.late).toBe(true);
    expect(met.reason).toBe("next reply, after the deadline");
    expect(met.patch).toMatchObject({ state: "met", metBy: "maintainer", countedMs: 4.5 * HOUR, late: true });
    expect(met.effects).toEqual([{ kind: "add-label", label: BREACHED }]);
  });

  it.each([
    // now, expected transition, expected level, state, effects
    ["2026-12-07T13:11+01:00", null, null, null, null],
    ["2026-12-07T13:12+01:00", "at-risk", "at-risk", "at-risk", ["add-label sla: at risk", "slack"]],
    [
      "2026-12-07T14:00+01:00",
      "breach",
      "breach",
      "breached",
      ["add-label sla: breached", "comment @acme/support", "slack", "page"],
    ],
    // Found late (the process was down): the breach only.
    [
      "2026-12-08T09:00+01:00",
      "breach",
      "breach",
      "breached",
      ["add-label sla: breached", "comment @acme/support", "slack", "page"],
    ],
  ] as const)("from pending at %s: %s", (now, transition, level, state, effects) => {
    const timer = start("next_reply", urgent, "2026-12-07T10:00+01:00");
    const due = decideDue(timer, at(now), calendar, ladder, NONE);
    if (transition === null) {
      expect(due).toBeNull();
      return;
    }
    expect(due?.firing.transition).toBe(transition);
    expect(due?.firing.level.name).toBe(level);
    expect(due?.patch.state).toBe(state);
    expect(
      due?.firing.effects.map((e) =>
        e.kind === "add-label" || e.kind === "remove-label"
          ? `${e.kind} ${e.label}`
          : e.kind === "comment"
            ? `comment ${e.mention.join(" ")}`
            : e.kind,
      ),
    ).toEqual(effects);
  });

  it("at risk → breach replaces the at-risk label; a team reply then keeps the breach label", () => {
    let timer = start("next_reply", urgent, "2026-12-07T10:00+01:00");
    timer = apply(timer, decideDue(timer, at("2026-12-07T13:12+01:00"), calendar, ladder, NONE)?.patch);
    expect(timer).toMatchObject({ state: "at-risk", level: 1, firings: 1 });
    expect(show(timer.nextDueAt)).toBe("2026-12-07T14:00+01:00");
    const breach = decideDue(timer, at("2026-12-07T14:00+01:00"), calendar, ladder, NONE);
    expect(breach?.firing.effects.slice(0, 2)).toEqual([
      { kind: "add-label", label: BREACHED },
      { kind: "remove-label", label: AT_RISK },
    ]);
    timer = apply(timer, breach?.patch);
    expect(timer).toMatchObject({
      state: "breached",
      level: 2,
      nextDueAt: null,
      breachedAt: at("2026-12-07T14:00+01:00"),
    });
    expect(timer.paged).toBe(true);
    // The late reply keeps the breach label and acknowledges the page the breach sent.
    const met = meetTimer(timer, at("2026-12-07T14:05+01:00"), "maintainer", calendar, ladder, NONE);
    expect(met.effects).toEqual([{ kind: "page-ack" }]);
    expect(legacyState(apply(timer, met.patch))).toBe("breached");
  });

  it("keeps the at-risk label while another running timer of the issue holds it", () => {
    let timer = start("next_reply", urgent, "2026-12-07T10:00+01:00");
    timer = apply(timer, decideDue(timer, at("2026-12-07T13:30+01:00"), calendar, ladder, NONE)?.patch);
    const held = new Set([AT_RISK]);
    expect(meetTimer(timer, at("2026-12-07T13:40+01:00"), "m", calendar, ladder, held).effects).toEqual([]);
    expect(meetTimer(timer, at("2026-12-07T13:40+01:00"), "m", calendar, ladder, NONE).effects).toEqual([
      { kind: "remove-label", label: AT_RISK },
    ]);
    const breach = decideDue(timer, at("2026-12-07T14:00+01:00"), calendar, ladder, held);
    expect(breach?.firing.effects.filter((e) => e.kind === "remove-label")).toEqual([]);
  });

  it("is cancelled by a close: the at-risk label goes, a breach label stays", () => {
    const timer = start("next_reply", urgent, "2026-12-07T10:00+01:00");
    const atRisk = apply(
      timer,
      decideDue(timer, at("2026-12-07T13:30+01:00"), calendar, ladder, NONE)?.patch,
    );
    const closed = cancelTimer(atRisk, at("2026-12-07T13:45+01:00"), ladder, NONE);
    expect(closed.patch).toMatchObject({ state: "cancelled", nextDueAt: null });
    expect(closed.effects).toEqual([{ kind: "remove-label", label: AT_RISK }]);
    const breached = apply(
      atRisk,
      decideDue(atRisk, at("2026-12-07T14:00+01:00"), calendar, ladder, NONE)?.patch,
    );
    const closedLate = cancelTimer(breached, at("2026-12-07T15:00+01:00"), ladder, NONE);
    expect(closedLate.effects).toEqual([]);
    expect(legacyState(apply(breached, closedLate.patch))).toBe("breached");
    // Final timers, and a close older than the cycle, change nothing.
    expect(
      cancelTimer(apply(atRisk, closed.patch), at("2026-12-07T16:00+01:00"), ladder, NONE).patch,
    ).toBeNull();
    expect(cancelTimer(timer, at("2026-12-07T09:00+01:00"), ladder, NONE).patch).toBeNull();
  });

  it("records a meet once: a second reply, or one before the cycle, is not recorded", () => {
    const timer = start("next_reply", urgent, "2026-12-07T10:00+01:00");
    const met = apply(
      timer,
      meetTimer(timer, at("2026-12-07T11:00+01:00"), "m", calendar, ladder, NONE).patch,
    );
    expect(met).toMatchObject({ state: "met", late: false, countedMs: HOUR, nextDueAt: null });
    expect(meetTimer(met, at("2026-12-07T12:00+01:00"), "m", calendar, ladder, NONE)).toMatchObject({
      patch: null,
      reason: "this cycle is already met",
    });
    expect(meetTimer(timer, at("2026-12-07T09:59+01:00"), "m", calendar, ladder, NONE)).toMatchObject({
      patch: null,
      reason: "the event predates the current cycle",
    });
    expect(decideDue(met, at("2026-12-08T10:00+01:00"), calendar, ladder, NONE)).toBeNull();
  });
});

describe("resolution: pauses while the team waits for the customer", () => {
  const ladder = ladderFor(policy, urgent, "resolution");
  // Thursday 09:00, 16 business hours: Friday 17:00 without a pause.
  const opened = () => start("resolution", urgent, "2026-11-26T09:00+01:00", HOLIDAY_CALENDAR);

  it("a pause spanning a weekend and a holiday moves the deadline by the paused business time", () => {
    let timer = opened();
    expect(show(timer.deadlineAt)).toBe("2026-11-27T17:00+01:00");
    // Waiting label Friday 12:00 (11 h counted); the customer answers Tuesday 11:00 (Monday is a holiday).
    timer = apply(timer, pauseTimer(timer, at("2026-11-27T12:00+01:00")));
    expect(timer).toMatchObject({ deadlineAt: null, nextDueAt: null });
    expect(levelInstants(timer, HOLIDAY_CALENDAR, ladder)).toEqual([null, null]);
    // Paused: nothing fires at the instants the unpaused timer would have.
    expect(decideDue(timer, at("2026-11-27T17:00+01:00"), HOLIDAY_CALENDAR, ladder, NONE)).toBeNull();
    const status = timerStatus(timer, at("2026-11-30T12:00+01:00"), HOLIDAY_CALENDAR, ladder);
    expect(status).toMatchObject({ paused: true, countedMs: 11 * HOUR, next: null });
    timer = apply(timer, resumeTimer(timer, at("2026-12-01T11:00+01:00"), HOLIDAY_CALENDAR, ladder));
    expect(timer.pauses).toEqual([
      { start: at("2026-11-27T12:00+01:00"), end: at("2026-12-01T11:00+01:00") },
    ]);
    // 5 h left from Tuesday 11:00; at risk at 12 h 48 min counted.
    expect(show(timer.deadlineAt)).toBe("2026-12-01T16:00+01:00");
    expect(show(timer.nextDueAt)).toBe("2026-12-01T12:48+01:00");
    // The deadline moved by the paused business time: Friday 12–17 and Tuesday 9–11 = 7 h.
    const pausedMs = HOLIDAY_CALENDAR.businessTimeBetween(
      at("2026-11-27T12:00+01:00"),
      at("2026-12-01T11:00+01:00"),
    );
    expect(pausedMs).toBe(7 * HOUR);
    expect(timer.deadlineAt).toBe(HOLIDAY_CALENDAR.addBusinessTime(at("2026-11-27T17:00+01:00"), pausedMs));
    expect(
      countedBetween(
        HOLIDAY_CALENDAR,
        "business",
        timer.pauses,
        timer.startedAt,
        at("2026-12-01T16:00+01:00"),
      ),
    ).toBe(16 * HOUR);
  });

  it("a customer comment lifts the pause at its time; the flip is recorded once however often delivered", () => {
    let timer = opened();
    timer = apply(timer, pauseTimer(timer, at("2026-11-26T15:00+01:00")));
    const comment = at("2026-11-27T10:30+01:00");
    const resumed = resumeTimer(timer, comment, HOLIDAY_CALENDAR, ladder);
    timer = apply(timer, resumed);
    expect(timer.pauses).toEqual([{ start: at("2026-11-26T15:00+01:00"), end: comment }]);
    // 6 h counted Thursday; 10 h left from Friday 10:30: 6 h 30 min on Friday, 3 h 30 min on
    // Tuesday (Monday is a holiday).
    expect(show(timer.deadlineAt)).toBe("2026-12-01T12:30+01:00");
    // Delivered again: nothing to record.
    expect(resumeTimer(timer, comment, HOLIDAY_CALENDAR, ladder)).toBeNull();
    expect(pauseTimer(timer, at("2026-11-26T15:00+01:00"))).toBeNull();
  });

  it("a team member adds and removes the waiting label twice: both pauses are excluded", () => {
    const events: [string, "pause" | "resume"][] = [
      ["2026-11-26T10:00+01:00", "pause"],
      ["2026-11-26T11:00+01:00", "resume"],
      ["2026-11-26T13:00+01:00", "pause"],
      ["2026-11-26T15:30+01:00", "resume"],
    ];
    let timer = opened();
    for (const [iso, kind] of events) {
      const patch =
        kind === "pause" ? pauseTimer(timer, at(iso)) : resumeTimer(timer, at(iso), HOLIDAY_CALENDAR, ladder);
      expect(patch, `${kind} at ${iso}`).not.toBeNull();
      timer = apply(timer, patch);
    }
    expect(timer.pauses).toHaveLength(2);
    // 1 h + 2 h 30 min paused: 16 h counted reach Tuesday 12:30 instead of Friday 17:00.
    expect(show(timer.deadlineAt)).toBe("2026-12-01T12:30+01:00");
    expect(timerStatus(timer, at("2026-11-26T17:00+01:00"), HOLIDAY_CALENDAR, ladder).countedMs).toBe(
      4.5 * HOUR,
    );
    // Every event delivered again, in any order: nothing changes.
    for (const [iso, kind] of events) {
      const again =
        kind === "pause" ? pauseTimer(timer, at(iso)) : resumeTimer(timer, at(iso), HOLIDAY_CALENDAR, ladder);
      expect(again, `${kind} at ${iso} again`).toBeNull();
    }
    // A stale resume delivered after a third pause began does not end that pause.
    timer = apply(timer, pauseTimer(timer, at("2026-11-27T09:30+01:00")));
    expect(resumeTimer(timer, at("2026-11-26T11:00+01:00"), HOLIDAY_CALENDAR, ladder)).toBeNull();
  });

  it("resumes after the pause and fires its levels at the moved instants", () => {
    let timer = opened();
    timer = apply(timer, pauseTimer(timer, at("2026-11-27T12:00+01:00")));
    timer = apply(timer, resumeTimer(timer, at("2026-12-01T11:00+01:00"), HOLIDAY_CALENDAR, ladder));
    expect(decideDue(timer, at("2026-12-01T12:47+01:00"), HOLIDAY_CALENDAR, ladder, NONE)).toBeNull();
    const risk = decideDue(timer, at("2026-12-01T12:48+01:00"), HOLIDAY_CALENDAR, ladder, NONE);
    expect(risk?.firing.transition).toBe("at-risk");
    timer = apply(timer, risk?.patch);
    expect(show(timer.nextDueAt)).toBe("2026-12-01T16:00+01:00");
  });

  it("a close while paused meets it on time, judged against the deadline with the pause ended there", () => {
    let timer = opened();
    timer = apply(timer, pauseTimer(timer, at("2026-11-27T12:00+01:00")));
    const met = meetTimer(timer, at("2026-12-02T10:00+01:00"), null, HOLIDAY_CALENDAR, ladder, NONE);
    expect(met).toMatchObject({ late: false, reason: "resolution, on time" });
    expect(met.patch?.pauses).toEqual([
      { start: at("2026-11-27T12:00+01:00"), end: at("2026-12-02T10:00+01:00") },
    ]);
    expect(met.patch?.countedMs).toBe(11 * HOUR);
  });

  it("a reopen resumes the same timer: the closed interval is a pause, its fired level and label come back", () => {
    let timer = opened();
    timer = apply(
      timer,
      decideDue(timer, at("2026-11-27T15:00+01:00"), HOLIDAY_CALENDAR, ladder, NONE)?.patch,
    );
    expect(timer.state).toBe("at-risk");
    const closed = meetTimer(timer, at("2026-11-27T16:00+01:00"), null, HOLIDAY_CALENDAR, ladder, NONE);
    expect(closed.effects).toEqual([{ kind: "remove-label", label: AT_RISK }]);
    timer = apply(timer, closed.patch);
    const reopened = reopenTimer(timer, at("2026-12-01T09:30+01:00"), HOLIDAY_CALENDAR, ladder);
    expect(reopened?.effects).toEqual([{ kind: "add-label", label: AT_RISK }]);
    expect(reopened?.patch).toMatchObject({ state: "at-risk", metAt: null, late: false });
    timer = apply(timer, reopened?.patch);
    expect(timer.pauses).toEqual([
      { start: at("2026-11-27T16:00+01:00"), end: at("2026-12-01T09:30+01:00") },
    ]);
    // 15 h counted at the close; 1 h left from Tuesday 09:30.
    expect(show(timer.deadlineAt)).toBe("2026-12-01T10:30+01:00");
    expect(show(timer.nextDueAt)).toBe("2026-12-01T10:30+01:00");
    expect(reopenTimer(timer, at("2026-12-01T09:30+01:00"), HOLIDAY_CALENDAR, ladder)).toBeNull();
  });
});

describe("updates", () => {
  const ladder = ladderFor(policy, productionDown, "updates");

  it("reminds the assignees and the handles before it is due, then breaches without a label or a page", () => {
    const timer = start("updates", productionDown, "2026-12-07T10:00+01:00");
    expect(timer.clock).toBe("calendar");
    expect(show(timer.nextDueAt)).toBe("2026-12-07T10:24+01:00");
    const reminder = decideDue(timer, at("2026-12-07T10:24+01:00"), calendar, ladder, NONE);
    expect(reminder?.firing.level.name).toBe("reminder");
    expect(reminder?.firing.effects).toEqual([
      { kind: "comment", mention: ["@acme/support"], mentionAssignees: true },
      { kind: "slack" },
    ]);
    const breach = decideDue(
      apply(timer, reminder?.patch),
      at("2026-12-07T10:30+01:00"),
      calendar,
      ladder,
      NONE,
    );
    expect(breach?.firing).toMatchObject({ transition: "breach", repeat: 0 });
    expect(breach?.firing.effects.map((e) => e.kind)).toEqual(["comment", "slack"]);
  });

  it("is reset by a team comment: the cycle is met and the next one starts at the comment", () => {
    let first = start("updates", productionDown, "2026-12-07T10:00+01:00");
    first = apply(first, decideDue(first, at("2026-12-07T10:24+01:00"), calendar, ladder, NONE)?.patch);
    const comment = at("2026-12-07T10:26+01:00");
    const met = meetTimer(first, comment, "maintainer", calendar, ladder, NONE);
    expect(met).toMatchObject({ late: false, effects: [], reason: "update, on time" });
    expect(met.patch?.countedMs).toBe(26 * MINUTE);
    const second = start("updates", productionDown, "2026-12-07T10:26+01:00", calendar, 2);
    expect(second).toMatchObject({ cycle: 2, state: "pending", startedAt: comment });
    expect(show(second.nextDueAt)).toBe("2026-12-07T10:50+01:00");
    expect(show(second.deadlineAt)).toBe("2026-12-07T10:56+01:00");
    // The old cycle's instants no longer fire anything.
    expect(
      decideDue(apply(first, met.patch), at("2026-12-07T10:30+01:00"), calendar, ladder, NONE),
    ).toBeNull();
    // A late update meets the cycle late.
    const late = meetTimer(second, at("2026-12-07T11:00+01:00"), "m", calendar, ladder, NONE);
    expect(late).toMatchObject({ late: true, effects: [] });
  });
});

describe("ladder levels that repeat", () => {
  it("the post-mortem reminder repeats every post_mortem.repeat until done, skipping the ones missed", () => {
    const ladder = ladderFor(policy, productionDown, "post_mortem");
    let timer = start("post_mortem", productionDown, "2026-12-07T10:00Z");
    expect(timer).toMatchObject({ clock: "calendar", targetMs: 72 * HOUR });
    const fire = (iso: string) => decideDue(timer, at(iso), calendar, ladder, NONE);
    expect(fire("2026-12-10T09:59Z")).toBeNull();
    const first = fire("2026-12-10T10:00Z");
    expect(first?.firing).toMatchObject({ repeat: 0, transition: "breach" });
    expect(first?.firing.effects).toEqual([
      { kind: "comment", mention: ["@acme/support"], mentionAssignees: false },
    ]);
    timer = apply(timer, first?.patch);
    expect(timer.nextDueAt).toBe(at("2026-12-11T10:00Z"));
    expect(fire("2026-12-11T09:59Z")).toBeNull();
    const second = fire("2026-12-11T10:00Z");
    expect(second?.firing).toMatchObject({ repeat: 1, transition: "escalate" });
    timer = apply(timer, second?.patch);
    // Down for two days: one reminder, the latest, not one per missed day.
    const third = fire("2026-12-13T16:00Z");
    expect(third?.firing.repeat).toBe(3);
    timer = apply(timer, third?.patch);
    expect(timer).toMatchObject({ firings: 4, nextDueAt: at("2026-12-14T10:00Z") });
    // Done: nothing more.
    timer = apply(timer, meetTimer(timer, at("2026-12-13T18:00Z"), null, calendar, ladder, NONE).patch);
    expect(timer).toMatchObject({ state: "met", nextDueAt: null });
    expect(fire("2026-12-20T10:00Z")).toBeNull();
  });

  it("a repeating level that first fires long after its instant sends one reminder, and the next a repeat later", () => {
    // A store upgraded months after the follow-up was due, or a process down for days: the
    // first firing stands for the repeats missed too; the next is the first one still ahead.
    const ladder = ladderFor(policy, productionDown, "post_mortem");
    let timer = start("post_mortem", productionDown, "2026-03-01T10:00Z");
    const late = decideDue(timer, at("2026-11-30T15:00Z"), calendar, ladder, NONE);
    expect(late?.firing).toMatchObject({ repeat: 0, transition: "breach" });
    timer = apply(timer, late?.patch);
    expect(timer.nextDueAt).toBe(at("2026-12-01T10:00Z"));
    expect(decideDue(timer, at("2026-11-30T15:00:01Z"), calendar, ladder, NONE)).toBeNull();
    const next = decideDue(timer, at("2026-12-01T10:00Z"), calendar, ladder, NONE);
    expect(next?.firing).toMatchObject({ transition: "escalate", repeat: timer.firings });
  });

  it("a post_mortem.repeat of null reminds once", () => {
    const once = testPolicy();
    once.postMortem.repeatMs = null;
    const ladder = ladderFor(once, productionDown, "post_mortem");
    const timer = start("post_mortem", productionDown, "2026-12-07T10:00Z");
    const first = decideDue(timer, at("2026-12-10T10:00Z"), calendar, ladder, NONE);
    expect(first?.patch.nextDueAt).toBeNull();
    expect(decideDue(apply(timer, first?.patch), at("2026-12-20T10:00Z"), calendar, ladder, NONE)).toBeNull();
  });

  it("a configured breach level repeats on business time until a later level fires", () => {
    const levels: EscalationLevel[] = [
      ...defaultLadder(policy, urgent).map((l) => (l.name === "breach" ? { ...l, repeatMs: 2 * HOUR } : l)),
      {
        name: "level-3",
        at: { kind: "after-breach", ms: 6 * HOUR },
        label: null,
        comment: true,
        mention: ["@acme/cto"],
        mentionAssignees: false,
        slack: false,
        page: true,
        repeatMs: null,
      },
    ];
    const configured: Policy = { ...policy, escalation: { ...policy.escalation, levels } };
    const ladder = ladderFor(configured, urgent, "resolution");
    // Thursday 09:00 + 16 business hours: Friday 17:00; repeats at 18 h and 20 h counted (Monday
    // 11:00 and 13:00), level 3 at 22 h (Monday 15:00, where the third repeat would also fall).
    let timer = startTimer(
      { metric: "resolution", cycle: 1, clock: "business", target: { kind: "duration", ms: 16 * HOUR } },
      at("2026-11-26T09:00+01:00"),
      calendar,
      ladder,
    );
    const steps: [string, string, number][] = [];
    for (let k = 0; k < 6 && timer.nextDueAt !== null; k++) {
      const due = decideDue(timer, timer.nextDueAt, calendar, ladder, NONE);
      if (!due) break;
      steps.push([show(timer.nextDueAt) ?? "", due.firing.level.name, due.firing.repeat]);
      timer = apply(timer, due.patch);
    }
    expect(steps).toEqual([
      ["2026-11-27T13:48+01:00", "at-risk", 0],
      ["2026-11-27T17:00+01:00", "breach", 0],
      ["2026-11-30T11:00+01:00", "breach", 1],
      ["2026-11-30T13:00+01:00", "breach", 2],
      ["2026-11-30T15:00+01:00", "level-3", 0],
    ]);
    expect(timer).toMatchObject({ state: "breached", level: 3, nextDueAt: null });
  });

  it("a later level due together with the breach (the process was down) still puts the breach label on and says it", () => {
    const levels: EscalationLevel[] = [
      ...defaultLadder(policy, urgent),
      {
        name: "lead",
        at: { kind: "after-breach", ms: HOUR },
        label: null,
        comment: false,
        mention: [],
        mentionAssignees: false,
        slack: true,
        page: false,
        repeatMs: null,
      },
    ];
    const configured: Policy = {
      ...policy,
      escalation: { ...policy.escalation, mention: ["@acme/support"], levels },
    };
    const ladder = ladderFor(configured, urgent, "resolution");
    const timer = startTimer(
      { metric: "resolution", cycle: 1, clock: "business", target: { kind: "duration", ms: 16 * HOUR } },
      at("2026-11-26T09:00+01:00"),
      calendar,
      ladder,
    );
    // First looked at on Monday, past the deadline (Friday 17:00) and past "lead" (Monday 10:00).
    const due = decideDue(timer, at("2026-11-30T12:00+01:00"), calendar, ladder, NONE);
    expect(due?.firing).toMatchObject({ index: 2, transition: "breach" });
    expect(due?.firing.effects).toEqual([
      { kind: "add-label", label: "sla: breached" },
      { kind: "slack" },
      { kind: "comment", mention: ["@acme/support"], mentionAssignees: false },
    ]);
    expect(due?.patch).toMatchObject({ state: "breached", level: 3 });
  });

  it("a repeat sends the level's comment, Slack and page again, not its label", () => {
    const levels = defaultLadder(policy, urgent).map((l) => ({ ...l, repeatMs: HOUR }));
    const timer = startTimer(
      { metric: "next_reply", cycle: 1, clock: "business", target: { kind: "duration", ms: 4 * HOUR } },
      at("2026-12-07T09:00+01:00"),
      calendar,
      levels,
    );
    const breached = apply(
      timer,
      decideDue(timer, at("2026-12-07T13:00+01:00"), calendar, levels, NONE)?.patch,
    );
    expect(breached.paged).toBe(true);
    const repeat = decideDue(breached, at("2026-12-07T14:00+01:00"), calendar, levels, NONE);
    expect(repeat?.firing.effects.map((e) => e.kind)).toEqual(["comment", "slack"]);
    expect(
      decideDue(breached, at("2026-12-07T14:00+01:00"), calendar, levels, NONE, {
        paged: false,
      })?.firing.effects.map((e) => e.kind),
    ).toEqual(["comment", "slack", "page"]);
    // Met on the next repeat's heels: the repeats stop.
    const met = apply(
      breached,
      meetTimer(breached, at("2026-12-07T13:30+01:00"), "m", calendar, levels, NONE).patch,
    );
    expect(decideDue(met, at("2026-12-07T14:00+01:00"), calendar, levels, NONE)).toBeNull();
  });
});

describe("re-planning and explanations", () => {
  const ladder = ladderFor(policy, urgent, "first_response");

  it("a priority change re-plans from the start, un-fires levels no longer reached (as today) and leaves what is due to the scheduler", () => {
    const opened = start("first_response", urgent, "2026-12-07T09:00+01:00");
    const atRisk = apply(
      opened,
      decideDue(opened, at("2026-12-07T09:48+01:00"), calendar, ladder, NONE)?.patch,
    );
    // Normal: next business day → Tuesday 17:00; its at-risk instant (80 % of 16 business hours,
    // Tuesday 13:48) is still ahead: back to pending, as today's re-plan did, and due then.
    const normal = priorityOf(policy, "normal");
    const patch = replanTimer(
      atRisk,
      normal.response,
      normal.clock,
      at("2026-12-07T10:00+01:00"),
      calendar,
      ladder,
    );
    expect(patch).toMatchObject({ targetMs: 16 * HOUR, target: { kind: "next-business-day" } });
    expect(show(patch?.deadlineAt)).toBe("2026-12-08T17:00+01:00");
    expect(patch).toMatchObject({ state: "pending", level: 0, firings: 0 });
    expect(show(patch?.nextDueAt)).toBe("2026-12-08T13:48+01:00");
    // Production down (30 min, calendar): the deadline passed at 09:30, so it is due now.
    const pd = replanTimer(
      atRisk,
      productionDown.response,
      "calendar",
      at("2026-12-07T10:00+01:00"),
      calendar,
      ladder,
    );
    expect(show(pd?.nextDueAt)).toBe("2026-12-07T10:00+01:00");
    expect(pd?.state).toBeUndefined(); // still at risk: the breach is due, the scheduler escalates it
    expect(
      replanTimer(apply(atRisk, { state: "met" }), normal.response, "business", 0, calendar, ladder),
    ).toBeNull();
  });

  it("timerStatus shows the count, the pauses and the next level", () => {
    const resolution = ladderFor(policy, urgent, "resolution");
    let timer = start("resolution", urgent, "2026-12-07T09:00+01:00");
    expect(timerStatus(timer, at("2026-12-07T11:00+01:00"), calendar, resolution)).toEqual({
      metric: "resolution",
      cycle: 1,
      state: "pending",
      paused: false,
      countedMs: 2 * HOUR,
      targetMs: 16 * HOUR,
      deadlineAt: at("2026-12-08T17:00+01:00"),
      pauses: [],
      next: { name: "at-risk", at: at("2026-12-08T13:48+01:00"), repeat: 0 },
    });
    timer = apply(timer, pauseTimer(timer, at("2026-12-07T11:00+01:00")));
    expect(timerStatus(timer, at("2026-12-07T15:00+01:00"), calendar, resolution)).toMatchObject({
      paused: true,
      countedMs: 2 * HOUR,
      deadlineAt: null,
      next: null,
      pauses: [{ start: at("2026-12-07T11:00+01:00"), end: null }],
    });
  });
});

describe("metric targets and ladders", () => {
  it.each([
    ["first_response", "urgent", { target: { kind: "duration", ms: HOUR }, clock: "business" }],
    ["next_reply", "urgent", { target: { kind: "duration", ms: 4 * HOUR }, clock: "business" }],
    ["resolution", "urgent", { target: { kind: "duration", ms: 16 * HOUR }, clock: "business" }],
    ["updates", "urgent", null],
    ["next_reply", "normal", null],
    ["updates", "production-down", { target: { kind: "duration", ms: 30 * MINUTE }, clock: "calendar" }],
    ["post_mortem", "production-down", { target: { kind: "duration", ms: 72 * HOUR }, clock: "calendar" }],
    ["post_mortem", "urgent", null],
  ] as const)("%s for %s", (metric, key, expected) => {
    expect(metricTarget(policy, priorityOf(policy, key), metric)).toEqual(expected);
  });

  it("the updates and post-mortem ladders", () => {
    expect(ladderFor(policy, productionDown, "updates").map((l) => [l.name, l.at, l.label, l.page])).toEqual([
      ["reminder", { kind: "fraction", fraction: 0.8 }, null, false],
      ["breach", { kind: "fraction", fraction: 1 }, null, false],
    ]);
    expect(ladderFor(policy, productionDown, "post_mortem")).toEqual([
      {
        name: "reminder",
        at: { kind: "fraction", fraction: 1 },
        label: null,
        comment: true,
        mention: ["@acme/support"],
        mentionAssignees: false,
        slack: false,
        page: false,
        repeatMs: 24 * HOUR,
      },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { createCalendar } from "../../../src/domain/business-hours.js";
import type { Policy, PriorityPolicy } from "../../../src/domain/policy.js";
import { ladderFor } from "../../../src/domain/timers/ladder.js";
import {
  decideLifecycle,
  heldElsewhere,
  type LifecycleDecision,
  type LifecycleEvent,
} from "../../../src/domain/timers/lifecycle.js";
import { decideDue, type Metric, type Timer } from "../../../src/domain/timers/timer.js";
import { testPolicy } from "../../helpers/policy.js";
import { at, HOUR, local } from "../calendar-fixtures.js";

/*
 * What each issue event does to the issue's timers (issue 12, "Metrics"): one table per event.
 * The calendar is the default one (Brussels, Mon–Fri 09:00–17:00); the issue is opened on
 * Monday 30 November 2026 at 09:00, the start of a business day.
 */

const OPENED = at("2026-11-30T09:00+01:00");
const AT_RISK = "sla: at risk";
const BREACHED = "sla: breached";
const WAITING = "status: waiting for customer";

/** The test policy with urgent timing next reply (4 h) and resolution (40 h), plus `tweak`. */
function makePolicy(tweak: (p: Policy) => void = () => {}): Policy {
  const p = testPolicy();
  const urgent = priorityOf(p, "urgent");
  urgent.nextReply = { kind: "duration", ms: 4 * HOUR };
  urgent.resolution = { kind: "duration", ms: 40 * HOUR };
  tweak(p);
  return p;
}

function priorityOf(p: Policy, key: string): PriorityPolicy {
  const found = p.priorities.find((x) => x.key === key);
  if (!found) throw new Error(`no priority ${key}`);
  return found;
}

const calendar = createCalendar(testPolicy().calendar);
const show = (ms: number | null) => (ms === null ? null : local(ms, "Europe/Brussels"));

/** One issue as the timers see it, moved on event by event like the handlers do. */
class Issue {
  timers: Timer[] = [];
  open = true;
  constructor(
    public policy: Policy,
    public priorityKey: string,
  ) {}

  get priority(): PriorityPolicy {
    return priorityOf(this.policy, this.priorityKey);
  }

  decide(event: LifecycleEvent): LifecycleDecision {
    return decideLifecycle(
      { policy: this.policy, priority: this.priority, calendar, timers: this.timers, open: this.open },
      event,
    );
  }

  /** Applies the event (as a handler would write its decision) and returns the decision. */
  on(event: LifecycleEvent): LifecycleDecision {
    const decision = this.decide(event);
    this.timers = decision.timers;
    if (event.kind === "close") this.open = false;
    if (event.kind === "reopen") this.open = true;
    return decision;
  }

  timer(metric: Metric): Timer {
    const found = this.timers.find((t) => t.metric === metric);
    if (!found) throw new Error(`no ${metric} timer`);
    return found;
  }

  has(metric: Metric): boolean {
    return this.timers.some((t) => t.metric === metric);
  }

  /** What the scheduler does at `now` for `metric`'s timer (a ladder level fires). */
  fire(metric: Metric, now: number): void {
    const timer = this.timer(metric);
    const ladderOf = (m: Metric) => ladderFor(this.policy, this.priority, m);
    const due = decideDue(
      timer,
      now,
      calendar,
      ladderOf(metric),
      heldElsewhere(this.timers, metric, ladderOf),
    );
    if (!due) throw new Error(`nothing due for ${metric} at ${show(now)}`);
    this.timers = this.timers.map((t) => (t === timer ? { ...t, ...due.patch } : t));
  }

  /** Opened on Monday 09:00. */
  static opened(policy: Policy, priorityKey: string): Issue {
    const issue = new Issue(policy, priorityKey);
    issue.on({ kind: "intake", at: OPENED });
    return issue;
  }
}

/** The decision changes nothing at all. */
function expectNothing(decision: LifecycleDecision) {
  expect(decision.changes).toEqual([]);
  expect(decision.effects).toEqual([]);
  expect(decision.refreshIntakeComment).toBe(false);
}

const labelEffects = (d: LifecycleDecision) =>
  d.effects.flatMap(({ metric, effect }) =>
    effect.kind === "add-label" || effect.kind === "remove-label" ? [{ metric, ...effect }] : [],
  );

describe("intake", () => {
  it.each([
    [
      "urgent",
      ["first_response", "resolution"],
      { first_response: "2026-11-30T10:00+01:00", resolution: "2026-12-04T17:00+01:00" },
    ],
    [
      "production-down",
      ["first_response", "updates"],
      { first_response: "2026-11-30T09:30+01:00", updates: "2026-11-30T09:30+01:00" },
    ],
    ["normal", ["first_response"], { first_response: "2026-12-01T17:00+01:00" }],
  ] as const)("%s starts %j at the opening, never next reply or post-mortem", (key, metrics, deadlines) => {
    const issue = new Issue(makePolicy(), key);
    const decision = issue.on({ kind: "intake", at: OPENED });
    expect(decision.changes.map((c) => (c.kind === "insert" ? c.timer.metric : c.kind))).toEqual(metrics);
    for (const t of issue.timers) {
      expect(t).toMatchObject({ cycle: 1, state: "pending", startedAt: OPENED, pauses: [], paged: false });
      expect(show(t.deadlineAt)).toBe(deadlines[t.metric as keyof typeof deadlines]);
    }
    expect(decision.refreshIntakeComment).toBe(metrics.includes("updates" as never));
  });

  it("run again over the timers it started (a retried intake) changes nothing", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    expectNothing(issue.decide({ kind: "intake", at: OPENED }));
  });
});

describe("a team comment", () => {
  it("meets the first response and leaves the resolution running", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    const decision = issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    expect(issue.timer("first_response")).toMatchObject({
      state: "met",
      metBy: "eva",
      metAt: at("2026-11-30T09:20+01:00"),
      countedMs: 20 * 60_000,
      late: false,
      nextDueAt: null,
    });
    expect(issue.timer("resolution").state).toBe("pending");
    expect(decision.transitions.map((t) => [t.metric, t.change])).toEqual([["first_response", "met"]]);
  });

  it("on an at-risk, paged first response: the at-risk label comes off and the page is acknowledged", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.fire("first_response", at("2026-11-30T09:48+01:00"));
    issue.timers = issue.timers.map((t) => (t.metric === "first_response" ? { ...t, paged: true } : t));
    const decision = issue.on({ kind: "team-comment", at: at("2026-11-30T09:50+01:00"), by: "eva" });
    expect(decision.effects).toEqual([
      { metric: "first_response", cycle: 1, effect: { kind: "remove-label", label: AT_RISK } },
      { metric: "first_response", cycle: 1, effect: { kind: "page-ack" } },
    ]);
  });

  it("after the deadline, on a first response never escalated: met late, breach label added", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    const decision = issue.on({ kind: "team-comment", at: at("2026-11-30T11:00+01:00"), by: "eva" });
    expect(issue.timer("first_response")).toMatchObject({ state: "met", late: true });
    expect(labelEffects(decision)).toEqual([
      { metric: "first_response", kind: "add-label", label: BREACHED },
    ]);
  });

  it("resets the update interval: the current one met, the next one started at the comment; once", () => {
    const issue = Issue.opened(makePolicy(), "production-down");
    const decision = issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    expect(decision.changes).toEqual([
      expect.objectContaining({ kind: "update", metric: "first_response", cycle: 1 }),
      expect.objectContaining({
        kind: "update",
        metric: "updates",
        cycle: 1,
        patch: expect.objectContaining({ state: "met", late: false }),
      }),
      {
        kind: "insert",
        timer: expect.objectContaining({
          metric: "updates",
          cycle: 2,
          startedAt: at("2026-11-30T09:20+01:00"),
        }),
      },
    ]);
    expect(show(issue.timer("updates").deadlineAt)).toBe("2026-11-30T09:50+01:00");
    expect(decision.refreshIntakeComment).toBe(true);

    // The same comment delivered again: the interval it started is not reset by it.
    expectNothing(issue.decide({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" }));
    // A later one resets it again, late this time.
    issue.on({ kind: "team-comment", at: at("2026-11-30T10:00+01:00"), by: "eva" });
    expect(issue.timer("updates")).toMatchObject({ cycle: 3, startedAt: at("2026-11-30T10:00+01:00") });
  });

  it("a PagerDuty acknowledgement (first response only) leaves the update interval running", () => {
    const issue = Issue.opened(makePolicy(), "production-down");
    issue.on({
      kind: "team-comment",
      at: at("2026-11-30T09:05+01:00"),
      by: "eva",
      metrics: ["first_response"],
    });
    expect(issue.timer("first_response").state).toBe("met");
    expect(issue.timer("updates")).toMatchObject({ cycle: 1, state: "pending" });
  });
});

describe("a customer comment", () => {
  it("before the team's first reply starts no next-reply timer (the first response counts)", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    expectNothing(issue.decide({ kind: "customer-comment", at: at("2026-11-30T09:10+01:00"), by: "carla" }));
  });

  it("starts the next reply at the oldest unanswered customer comment; the team's reply meets it", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    const started = issue.on({ kind: "customer-comment", at: at("2026-11-30T11:00+01:00"), by: "carla" });
    expect(started.changes).toEqual([
      {
        kind: "insert",
        timer: expect.objectContaining({
          metric: "next_reply",
          cycle: 1,
          startedAt: at("2026-11-30T11:00+01:00"),
        }),
      },
    ]);
    expect(show(issue.timer("next_reply").deadlineAt)).toBe("2026-11-30T15:00+01:00");

    // A second customer comment while it runs: the timer keeps counting from the first.
    expectNothing(issue.decide({ kind: "customer-comment", at: at("2026-11-30T12:00+01:00"), by: "carla" }));

    issue.on({ kind: "team-comment", at: at("2026-11-30T13:00+01:00"), by: "eva" });
    expect(issue.timer("next_reply")).toMatchObject({ state: "met", countedMs: 2 * HOUR, late: false });

    // Answered comments delivered late start nothing; a new one starts the next cycle.
    expectNothing(issue.decide({ kind: "customer-comment", at: at("2026-11-30T12:00+01:00"), by: "carla" }));
    issue.on({ kind: "customer-comment", at: at("2026-11-30T16:00+01:00"), by: "carla" });
    expect(issue.timer("next_reply")).toMatchObject({
      cycle: 2,
      state: "pending",
      startedAt: at("2026-11-30T16:00+01:00"),
    });
    // 4 business hours from Monday 16:00: Tuesday 12:00.
    expect(show(issue.timer("next_reply").deadlineAt)).toBe("2026-12-01T12:00+01:00");
  });

  it("on a priority without a next-reply target starts nothing", () => {
    const issue = Issue.opened(makePolicy(), "normal");
    issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    expectNothing(issue.decide({ kind: "customer-comment", at: at("2026-11-30T11:00+01:00"), by: "carla" }));
  });

  it("lifts the waiting pause: the resolution resumes at the comment and the label comes off, once", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "waiting-label", action: "added", at: at("2026-11-30T10:00+01:00") });
    const lifted = issue.on({ kind: "customer-comment", at: at("2026-11-30T14:00+01:00"), by: "carla" });
    expect(lifted.effects).toEqual([
      { metric: "resolution", cycle: 1, effect: { kind: "remove-label", label: WAITING } },
    ]);
    expect(issue.timer("resolution").pauses).toEqual([
      { start: at("2026-11-30T10:00+01:00"), end: at("2026-11-30T14:00+01:00") },
    ]);
    // Four business hours paused: Friday 17:00 becomes Monday 7 December 13:00.
    expect(show(issue.timer("resolution").deadlineAt)).toBe("2026-12-07T13:00+01:00");
    expect(lifted.transitions).toEqual([
      expect.objectContaining({ metric: "resolution", change: "resumed" }),
    ]);

    // The same comment delivered again changes nothing.
    expectNothing(issue.decide({ kind: "customer-comment", at: at("2026-11-30T14:00+01:00"), by: "carla" }));
  });

  it("written before the pause began (delivered late) does not lift it", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "waiting-label", action: "added", at: at("2026-11-30T10:00+01:00") });
    expectNothing(issue.decide({ kind: "customer-comment", at: at("2026-11-30T09:30+01:00"), by: "carla" }));
  });
});

describe("the waiting label", () => {
  it("removal delivered before the addition it undoes: no pause is left open, the timer keeps running", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "waiting-label", action: "removed", at: at("2026-11-30T10:05+01:00") });
    expectNothing(issue.decide({ kind: "waiting-label", action: "added", at: at("2026-11-30T10:00+01:00") }));
    const resolution = issue.timer("resolution");
    expect(resolution.deadlineAt).not.toBeNull();
    expect(resolution.nextDueAt).not.toBeNull();
    expect(resolution.pauses.every((p) => p.end !== null)).toBe(true);
    // A later addition (the team waits again) still pauses.
    issue.on({ kind: "waiting-label", action: "added", at: at("2026-11-30T11:00+01:00") });
    expect(issue.timer("resolution").deadlineAt).toBeNull();
  });

  it("added and removed twice by a team member: two pauses, the deadline moved by both", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    const paused = issue.on({ kind: "waiting-label", action: "added", at: at("2026-11-30T10:00+01:00") });
    expect(paused.transitions).toEqual([expect.objectContaining({ metric: "resolution", change: "paused" })]);
    expect(issue.timer("resolution")).toMatchObject({ deadlineAt: null, nextDueAt: null, state: "pending" });
    // Added again while on (a redelivery): nothing.
    expectNothing(issue.decide({ kind: "waiting-label", action: "added", at: at("2026-11-30T10:00+01:00") }));

    issue.on({ kind: "waiting-label", action: "removed", at: at("2026-11-30T12:00+01:00") });
    expectNothing(
      issue.decide({ kind: "waiting-label", action: "removed", at: at("2026-11-30T12:00+01:00") }),
    );
    issue.on({ kind: "waiting-label", action: "added", at: at("2026-12-01T14:00+01:00") });
    issue.on({ kind: "waiting-label", action: "removed", at: at("2026-12-01T15:00+01:00") });

    expect(issue.timer("resolution").pauses).toEqual([
      { start: at("2026-11-30T10:00+01:00"), end: at("2026-11-30T12:00+01:00") },
      { start: at("2026-12-01T14:00+01:00"), end: at("2026-12-01T15:00+01:00") },
    ]);
    // Three business hours paused in all: Friday 17:00 becomes Monday 7 December 12:00.
    expect(show(issue.timer("resolution").deadlineAt)).toBe("2026-12-07T12:00+01:00");
    // The label never touches the other timers.
    expect(issue.timer("first_response")).toMatchObject({ state: "pending", pauses: [] });
  });

  it("on an issue without a resolution target changes nothing", () => {
    const issue = Issue.opened(makePolicy(), "normal");
    expectNothing(issue.decide({ kind: "waiting-label", action: "added", at: at("2026-11-30T10:00+01:00") }));
  });
});

describe("the resolved label", () => {
  it("meets the resolution as a close would, and nothing else", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "resolved-label", at: at("2026-12-01T10:00+01:00") });
    expect(issue.timer("resolution")).toMatchObject({
      state: "met",
      metBy: null,
      countedMs: 9 * HOUR,
      late: false,
    });
    expect(issue.timer("first_response").state).toBe("pending");
  });
});

describe("a close", () => {
  /** Urgent with every metric on: next reply, resolution and a 2 h update interval. */
  const everything = () =>
    makePolicy((p) => {
      priorityOf(p, "urgent").updates = { kind: "duration", ms: 2 * HOUR };
    });

  it("before any reply: first response cancelled, update interval cancelled, resolution met", () => {
    const issue = Issue.opened(everything(), "urgent");
    const decision = issue.on({ kind: "close", at: at("2026-11-30T09:30+01:00") });
    expect(issue.timer("first_response").state).toBe("cancelled");
    expect(issue.timer("updates").state).toBe("cancelled");
    expect(issue.timer("resolution")).toMatchObject({ state: "met", metAt: at("2026-11-30T09:30+01:00") });
    expect(decision.refreshIntakeComment).toBe(true);
    expectNothing(issue.decide({ kind: "close", at: at("2026-11-30T09:30+01:00") }));
  });

  it("cancels a running next reply", () => {
    const issue = Issue.opened(everything(), "urgent");
    issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    issue.on({ kind: "customer-comment", at: at("2026-11-30T10:00+01:00"), by: "carla" });
    issue.on({ kind: "close", at: at("2026-11-30T10:30+01:00") });
    expect(issue.timer("next_reply").state).toBe("cancelled");
  });

  it("takes a label two timers share off once, when the last one lets go of it", () => {
    const issue = Issue.opened(
      makePolicy((p) => {
        priorityOf(p, "urgent").resolution = { kind: "duration", ms: HOUR };
      }),
      "urgent",
    );
    issue.fire("first_response", at("2026-11-30T09:48+01:00"));
    issue.fire("resolution", at("2026-11-30T09:48+01:00"));
    const decision = issue.on({ kind: "close", at: at("2026-11-30T09:55+01:00") });
    expect(labelEffects(decision)).toEqual([{ metric: "resolution", kind: "remove-label", label: AT_RISK }]);
  });

  it("after a breach: the first response stays breached and escalates no further; an open page is resolved", () => {
    const issue = Issue.opened(
      makePolicy((p) => (priorityOf(p, "urgent").resolution = null)),
      "urgent",
    );
    issue.fire("first_response", at("2026-11-30T10:00+01:00"));
    issue.timers = issue.timers.map((t) => ({ ...t, paged: true, nextDueAt: at("2026-11-30T11:00+01:00") }));
    const decision = issue.on({ kind: "close", at: at("2026-11-30T10:30+01:00") });
    expect(issue.timer("first_response")).toMatchObject({ state: "breached", nextDueAt: null, paged: false });
    expect(decision.effects).toEqual([
      { metric: "first_response", cycle: 1, effect: { kind: "page-resolve" } },
    ]);
    expect(labelEffects(decision)).toEqual([]); // the breach label stays, as before timers
  });
});

describe("a reopening", () => {
  const withUpdates = () =>
    makePolicy((p) => {
      priorityOf(p, "urgent").updates = { kind: "duration", ms: 2 * HOUR };
    });

  it("without a team reply: a new first-response cycle; the same resolution timer resumes; a new update interval", () => {
    const issue = Issue.opened(withUpdates(), "urgent");
    issue.on({ kind: "close", at: at("2026-11-30T09:30+01:00") });
    const decision = issue.on({ kind: "reopen", at: at("2026-11-30T11:30+01:00") });

    expect(issue.timer("first_response")).toMatchObject({
      cycle: 2,
      state: "pending",
      startedAt: at("2026-11-30T11:30+01:00"),
    });
    expect(show(issue.timer("first_response").deadlineAt)).toBe("2026-11-30T12:30+01:00");
    const resolution = issue.timer("resolution");
    expect(resolution).toMatchObject({
      cycle: 1,
      state: "pending",
      metAt: null,
      metBy: null,
      countedMs: null,
    });
    expect(resolution.pauses).toEqual([
      { start: at("2026-11-30T09:30+01:00"), end: at("2026-11-30T11:30+01:00") },
    ]);
    // The two closed hours do not count: Friday 17:00 becomes Monday 7 December 11:00.
    expect(show(resolution.deadlineAt)).toBe("2026-12-07T11:00+01:00");
    expect(issue.timer("updates")).toMatchObject({ cycle: 2, startedAt: at("2026-11-30T11:30+01:00") });
    expect(decision.refreshIntakeComment).toBe(true);

    // Delivered again: nothing. The close delivered after the reopening: nothing either.
    expectNothing(issue.decide({ kind: "reopen", at: at("2026-11-30T11:30+01:00") }));
    expectNothing(issue.decide({ kind: "close", at: at("2026-11-30T09:30+01:00") }));
  });

  it("with the waiting label still on: the resolution stays paused until the customer answers", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "waiting-label", action: "added", at: at("2026-11-30T09:20+01:00") });
    issue.on({ kind: "close", at: at("2026-11-30T09:30+01:00") });
    issue.on({ kind: "reopen", at: at("2026-11-30T11:30+01:00"), waiting: true });
    const resolution = issue.timer("resolution");
    expect(resolution).toMatchObject({ state: "pending", deadlineAt: null, nextDueAt: null });
    expect(resolution.pauses.at(-1)).toEqual({ start: at("2026-11-30T11:30+01:00"), end: null });
    // Redelivered: nothing more. The customer's answer lifts it.
    expectNothing(issue.decide({ kind: "reopen", at: at("2026-11-30T11:30+01:00"), waiting: true }));
    issue.on({ kind: "customer-comment", at: at("2026-11-30T12:00+01:00"), by: "carla" });
    expect(issue.timer("resolution").pauses.at(-1)?.end).toBe(at("2026-11-30T12:00+01:00"));
    expect(issue.timer("resolution").deadlineAt).not.toBeNull();
  });

  it("after a team reply: the first response stays met (no new cycle)", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    issue.on({ kind: "close", at: at("2026-11-30T09:30+01:00") });
    issue.on({ kind: "reopen", at: at("2026-11-30T11:30+01:00") });
    expect(issue.timer("first_response")).toMatchObject({ cycle: 1, state: "met", metBy: "eva" });
  });

  it("of a breached, unanswered first response: its breach label comes off with the old cycle", () => {
    const issue = Issue.opened(
      makePolicy((p) => (priorityOf(p, "urgent").resolution = null)),
      "urgent",
    );
    issue.fire("first_response", at("2026-11-30T10:00+01:00"));
    issue.on({ kind: "close", at: at("2026-11-30T10:30+01:00") });
    const decision = issue.on({ kind: "reopen", at: at("2026-11-30T11:00+01:00") });
    expect(labelEffects(decision)).toEqual([
      { metric: "first_response", kind: "remove-label", label: BREACHED },
    ]);
    expect(issue.timer("first_response")).toMatchObject({ cycle: 2, state: "pending" });
  });
});

describe("a priority or config change", () => {
  it("urgent → normal: the first response re-planned from its start, next reply and resolution cancelled", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "team-comment", at: at("2026-11-30T09:20+01:00"), by: "eva" });
    issue.on({ kind: "customer-comment", at: at("2026-11-30T09:40+01:00"), by: "carla" });
    issue.priorityKey = "normal";
    const decision = issue.on({ kind: "replan", at: at("2026-11-30T09:45+01:00") });
    expect(issue.timer("first_response").state).toBe("met"); // over: never re-planned
    expect(issue.timer("next_reply").state).toBe("cancelled");
    expect(issue.timer("resolution").state).toBe("cancelled");
    expect(decision.transitions.map((t) => [t.metric, t.change])).toEqual([
      ["next_reply", "cancelled"],
      ["resolution", "cancelled"],
    ]);
  });

  it("normal → urgent: the first response re-planned; the resolution starts at the change, not at the opening", () => {
    const issue = Issue.opened(makePolicy(), "normal");
    issue.priorityKey = "urgent";
    const change = at("2026-11-30T09:10+01:00");
    issue.on({ kind: "replan", at: change });
    expect(show(issue.timer("first_response").deadlineAt)).toBe("2026-11-30T10:00+01:00");
    expect(issue.timer("resolution")).toMatchObject({ cycle: 1, state: "pending", startedAt: change });
  });

  it("urgent → normal while at risk: back to pending with its label off, as before timers", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.fire("first_response", at("2026-11-30T09:48+01:00"));
    expect(issue.timer("first_response").state).toBe("at-risk");
    issue.priorityKey = "normal";
    const decision = issue.on({ kind: "replan", at: at("2026-11-30T09:50+01:00") });
    expect(issue.timer("first_response")).toMatchObject({ state: "pending", level: 0 });
    expect(labelEffects(decision)).toEqual([
      { metric: "first_response", kind: "remove-label", label: AT_RISK },
    ]);
  });

  it("a breached first response keeps its plan whatever the new target", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.fire("first_response", at("2026-11-30T10:00+01:00"));
    const before = issue.timer("first_response");
    issue.priorityKey = "normal";
    issue.on({ kind: "replan", at: at("2026-11-30T10:05+01:00") });
    expect(issue.timer("first_response")).toEqual(before);
  });

  it("nothing changed (an edit, the same config pushed again): no write", () => {
    const issue = Issue.opened(makePolicy(), "production-down");
    expectNothing(issue.decide({ kind: "replan", at: at("2026-11-30T09:05+01:00") }));
  });

  it("a config turning updates off cancels the interval and refreshes the intake comment", () => {
    const issue = Issue.opened(makePolicy(), "production-down");
    issue.policy = makePolicy((p) => (priorityOf(p, "production-down").updates = null));
    const decision = issue.on({ kind: "replan", at: at("2026-11-30T09:05+01:00") });
    expect(issue.timer("updates").state).toBe("cancelled");
    expect(decision.refreshIntakeComment).toBe(true);
  });

  it("on a closed issue a metric turned on starts nothing", () => {
    const issue = Issue.opened(makePolicy(), "normal");
    issue.on({ kind: "close", at: at("2026-11-30T09:30+01:00") });
    issue.priorityKey = "urgent";
    issue.on({ kind: "replan", at: at("2026-11-30T09:40+01:00") });
    expect(issue.has("resolution")).toBe(false);
  });
});

describe("the post-mortem labels", () => {
  it("required starts the follow-up on post_mortem.due (calendar clock); done meets it; each once", () => {
    const issue = Issue.opened(makePolicy(), "production-down");
    issue.on({ kind: "close", at: at("2026-11-30T10:00+01:00") });
    const required = at("2026-11-30T11:00+01:00");
    issue.on({ kind: "post-mortem-required", at: required });
    expect(issue.timer("post_mortem")).toMatchObject({
      cycle: 1,
      state: "pending",
      clock: "calendar",
      startedAt: required,
    });
    expect(issue.timer("post_mortem").deadlineAt).toBe(required + 72 * HOUR);
    expectNothing(issue.decide({ kind: "post-mortem-required", at: required + HOUR }));

    issue.on({ kind: "post-mortem-done", at: required + 24 * HOUR, by: "erik" });
    expect(issue.timer("post_mortem")).toMatchObject({ state: "met", metBy: "erik", late: false });
    expectNothing(issue.decide({ kind: "post-mortem-done", at: required + 25 * HOUR, by: "erik" }));
    expectNothing(issue.decide({ kind: "post-mortem-required", at: required + 26 * HOUR }));
  });

  it("required on a priority that is not a post-mortem priority still starts it (the team asked)", () => {
    const issue = Issue.opened(makePolicy(), "urgent");
    issue.on({ kind: "post-mortem-required", at: at("2026-11-30T11:00+01:00") });
    expect(issue.timer("post_mortem").deadlineAt).toBe(at("2026-11-30T11:00+01:00") + 72 * HOUR);
  });

  it("done without required changes nothing; the post-mortem is never touched by a close or reopen", () => {
    const issue = Issue.opened(makePolicy(), "production-down");
    expectNothing(issue.decide({ kind: "post-mortem-done", at: at("2026-11-30T11:00+01:00"), by: "erik" }));
    issue.on({ kind: "close", at: at("2026-11-30T10:00+01:00") });
    issue.on({ kind: "post-mortem-required", at: at("2026-11-30T11:00+01:00") });
    const before = issue.timer("post_mortem");
    issue.on({ kind: "reopen", at: at("2026-11-30T12:00+01:00") });
    issue.on({ kind: "close", at: at("2026-11-30T13:00+01:00") });
    expect(issue.timer("post_mortem")).toEqual(before);
  });
});

describe("heldElsewhere", () => {
  it("names the labels the other running timers hold; final timers and the asking metric hold none", () => {
    const issue = Issue.opened(
      makePolicy((p) => (priorityOf(p, "urgent").resolution = { kind: "duration", ms: HOUR })),
      "urgent",
    );
    issue.fire("first_response", at("2026-11-30T10:00+01:00"));
    issue.fire("resolution", at("2026-11-30T09:50+01:00"));
    const ladderOf = (m: Metric) => ladderFor(issue.policy, issue.priority, m);
    expect([...heldElsewhere(issue.timers, "resolution", ladderOf)]).toEqual([BREACHED]);
    expect([...heldElsewhere(issue.timers, "first_response", ladderOf)]).toEqual([AT_RISK]);
    issue.on({ kind: "team-comment", at: at("2026-11-30T10:10+01:00"), by: "eva" });
    expect([...heldElsewhere(issue.timers, "resolution", ladderOf)]).toEqual([]);
  });
});

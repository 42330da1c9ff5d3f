import { describe, expect, it } from "vitest";
import { createCalendar } from "../../../src/domain/business-hours.js";
import { onClose, onReopen, onReplan, onTeamResponse, type SlaState } from "../../../src/domain/sla/clock.js";
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
  urgentRow,
  WARN_AT,
} from "./fixtures.js";

const DEADLINE = at("2026-11-30T09:30+01:00");

describe("onTeamResponse", () => {
  const reply = (overrides: Parameters<typeof urgentRow>[0], when: string, key = "urgent") =>
    onTeamResponse(urgentRow(overrides), at(when), "Engineer-Eva", calendar, priority(key));

  it("before the at-risk instant: met, with the business time it took", () => {
    // Friday 16:30-17:00 and Monday 09:00-09:10: 40 business minutes.
    expect(reply({}, "2026-11-30T09:10+01:00")).toEqual({
      record: true,
      reason: "first response, on time",
      patch: {
        state: "met",
        firstResponseAt: at("2026-11-30T09:10+01:00"),
        firstResponseBy: "Engineer-Eva",
        businessMs: 40 * MINUTE,
        late: false,
        nextDueAt: null,
      },
      late: false,
      removeAtRiskLabel: false,
      addBreachedLabel: false,
      removeBreachedLabel: false,
      acknowledgePage: false,
    });
  });

  it("on the calendar clock the time taken is elapsed time, weekend included", () => {
    const decision = reply({}, "2026-11-30T09:10+01:00", "production-down");
    expect(decision.record && decision.patch.businessMs).toBe(64 * HOUR + 40 * MINUTE);
  });

  it("while at risk: met, and the at-risk label goes", () => {
    expect(reply({ state: "at-risk" }, "2026-11-30T09:20+01:00")).toMatchObject({
      record: true,
      patch: { state: "met", late: false, businessMs: 50 * MINUTE },
      removeAtRiskLabel: true,
    });
  });

  it("exactly at the deadline: on time", () => {
    expect(reply({ state: "at-risk" }, "2026-11-30T09:30+01:00")).toMatchObject({
      patch: { state: "met", late: false },
    });
  });

  it("after the breach: recorded late, the state stays breached, the page is acknowledged", () => {
    expect(reply({ state: "breached", paged: true }, "2026-11-30T10:15+01:00")).toMatchObject({
      record: true,
      reason: "first response, after the deadline",
      patch: { state: "breached", late: true, businessMs: 105 * MINUTE, firstResponseBy: "Engineer-Eva" },
      late: true,
      removeAtRiskLabel: false,
      addBreachedLabel: false,
      removeBreachedLabel: false,
      acknowledgePage: true,
    });
  });

  it("after the deadline but before the scheduler escalated: breached and late, labelled, not escalated", () => {
    expect(reply({ state: "at-risk" }, "2026-11-30T09:30:02+01:00")).toMatchObject({
      patch: { state: "breached", late: true },
      removeAtRiskLabel: true,
      addBreachedLabel: true,
    });
  });

  it("an on-time reply seen only after the breach was escalated (a race): met, the breached label goes", () => {
    expect(reply({ state: "breached" }, "2026-11-30T09:29+01:00")).toMatchObject({
      patch: { state: "met", late: false },
      removeBreachedLabel: true,
    });
  });

  it("acknowledges a page sent at intake (Production down)", () => {
    expect(reply({ paged: true }, "2026-11-27T16:40+01:00", "production-down")).toMatchObject({
      patch: { state: "met" },
      acknowledgePage: true,
    });
  });

  it.each([
    [
      "already met",
      { state: "met" as const, firstResponseAt: FRIDAY_1630 + MINUTE },
      "already has its first response",
    ],
    [
      "late reply already recorded",
      { state: "breached" as const, firstResponseAt: DEADLINE + MINUTE },
      "already",
    ],
    ["met without a recorded time", { state: "met" as const }, "already met"],
    ["closed before any reply", { state: "cancelled" as const }, "closed before any reply"],
  ])("counts only once per cycle: %s → no change", (_, overrides, reason) => {
    expect(reply(overrides, "2026-11-30T09:40+01:00")).toEqual({
      record: false,
      reason: expect.stringContaining(reason),
    });
  });

  it("ignores a reply older than the current cycle", () => {
    const row = urgentRow({ cycle: 2, cycleStartAt: at("2026-11-30T12:00+01:00") });
    const decision = onTeamResponse(row, at("2026-11-30T11:00+01:00"), "eva", calendar, priority("urgent"));
    expect(decision).toEqual({ record: false, reason: "the reply predates the current cycle" });
  });
});

describe("onClose", () => {
  const close = (state: SlaState, paged = false, when = at("2026-11-30T09:00+01:00")) =>
    onClose(urgentRow({ state, paged }), when);

  it.each([
    ["pending", false, { state: "cancelled", nextDueAt: null, paged: false }, false, false],
    ["at-risk", false, { state: "cancelled", nextDueAt: null, paged: false }, true, false],
    ["pending", true, { state: "cancelled", nextDueAt: null, paged: false }, false, true],
    ["met", true, { paged: false }, false, true],
    ["breached", true, { paged: false }, false, true],
    ["met", false, null, false, false],
    ["breached", false, null, false, false],
    ["cancelled", false, null, false, false],
  ] as const)("%s (paged: %s) → patch %j", (state, paged, patch, removeAtRiskLabel, resolvePage) => {
    expect(close(state, paged)).toEqual({
      reason: expect.any(String),
      patch,
      removeAtRiskLabel,
      resolvePage,
    });
  });

  it("a close from before the current cycle (delivered after the reopening) changes nothing", () => {
    const row = urgentRow({ cycle: 2, cycleStartAt: at("2026-11-30T12:00+01:00"), paged: true });
    expect(onClose(row, at("2026-11-30T11:59+01:00"))).toMatchObject({ patch: null, resolvePage: false });
    expect(onClose(row, at("2026-11-30T12:00+01:00"))).toMatchObject({ patch: { state: "cancelled" } });
  });
});

describe("onReopen", () => {
  const urgent = priority("urgent");
  const REOPENED = at("2026-12-04T16:30+01:00"); // the next Friday, 16:30

  it.each(["cancelled", "breached", "pending", "at-risk"] as const)(
    "without a reply (%s): a new cycle from the reopen time, counted in business hours",
    (state) => {
      const decision = onReopen(urgentRow({ state }), REOPENED, calendar, urgent, WARN_AT);
      if (!decision.newCycle) throw new Error(decision.reason);
      expect(show(decision.patch.deadlineAt)).toBe("2026-12-07T09:30+01:00");
      expect(show(decision.patch.atRiskAt)).toBe("2026-12-07T09:18+01:00");
      expect(decision.patch).toMatchObject({
        state: "pending",
        cycle: 2,
        cycleStartAt: REOPENED,
        nextDueAt: at("2026-12-07T09:18+01:00"),
        firstResponseAt: null,
        late: false,
      });
      expect(decision.removeBreachedLabel).toBe(state === "breached");
      expect(decision.removeAtRiskLabel).toBe(state === "at-risk");
      expect(decision.triggerPage).toBe(false);
    },
  );

  it("skips a holiday in the new cycle's deadline", () => {
    const withHoliday = createCalendar({ ...policy.calendar, holidays: ["2026-12-07"] });
    const decision = onReopen(urgentRow({ state: "cancelled" }), REOPENED, withHoliday, urgent, WARN_AT);
    expect(decision.newCycle && show(decision.patch.deadlineAt)).toBe("2026-12-08T09:30+01:00");
  });

  it("pages again for a priority that pages at intake (Production down)", () => {
    const decision = onReopen(
      urgentRow({ state: "cancelled" }),
      REOPENED,
      calendar,
      priority("production-down"),
      WARN_AT,
    );
    expect(decision).toMatchObject({ newCycle: true, triggerPage: true, patch: { paged: true } });
    expect(decision.newCycle && show(decision.patch.deadlineAt)).toBe("2026-12-04T17:00+01:00");
  });

  it.each([
    ["met", { state: "met" as const, firstResponseAt: DEADLINE - MINUTE }],
    [
      "breached with a late reply",
      { state: "breached" as const, firstResponseAt: DEADLINE + MINUTE, late: true },
    ],
  ])("after a reply (%s): unchanged", (_, overrides) => {
    expect(onReopen(urgentRow(overrides), REOPENED, calendar, urgent, WARN_AT)).toEqual({
      newCycle: false,
      reason: "the team already replied in this cycle",
    });
  });

  it("the same reopening delivered twice starts one cycle", () => {
    const first = onReopen(urgentRow({ state: "cancelled" }), REOPENED, calendar, urgent, WARN_AT);
    if (!first.newCycle) throw new Error(first.reason);
    const again = onReopen({ ...urgentRow(), ...first.patch }, REOPENED, calendar, urgent, WARN_AT);
    expect(again.newCycle).toBe(false);
  });
});

describe("onReplan", () => {
  it("to a shorter target already past: breach now (nextDueAt = now), and Production down pages", () => {
    // Urgent opened Friday 16:30, still pending on Saturday: Production down was due Friday 17:00.
    const now = at("2026-11-28T10:00+01:00");
    const decision = onReplan(urgentRow(), priority("production-down"), calendar, WARN_AT, now);
    expect(decision).toEqual({
      replanned: true,
      reason: "re-planned for production-down from the cycle start",
      patch: {
        priority: "production-down",
        state: "pending",
        deadlineAt: at("2026-11-27T17:00+01:00"),
        atRiskAt: at("2026-11-27T16:54+01:00"),
        nextDueAt: now,
        target: { response: { kind: "duration", ms: 30 * MINUTE }, clock: "calendar" },
      },
      changed: true,
      due: "breach",
      breachNow: true,
      removeAtRiskLabel: false,
      triggerPage: true,
    });
  });

  it("to a longer target: the deadline moves, and an at-risk issue is no longer at risk", () => {
    const now = at("2026-11-30T09:20+01:00");
    const decision = onReplan(urgentRow({ state: "at-risk" }), priority("normal"), calendar, WARN_AT, now);
    expect(decision).toMatchObject({
      replanned: true,
      patch: { priority: "normal", state: "pending", nextDueAt: at("2026-11-30T15:18+01:00") },
      due: null,
      breachNow: false,
      removeAtRiskLabel: true,
      triggerPage: false,
    });
    expect(decision.replanned && show(decision.patch.deadlineAt)).toBe("2026-11-30T17:00+01:00");
  });

  it("to a shorter target whose at-risk instant has passed: at risk now", () => {
    const row = { ...urgentRow(), priority: "normal", deadlineAt: at("2026-11-30T17:00+01:00") };
    const now = at("2026-11-30T09:25+01:00");
    expect(onReplan(row, priority("urgent"), calendar, WARN_AT, now)).toMatchObject({
      patch: { state: "pending", deadlineAt: DEADLINE, nextDueAt: now },
      due: "at-risk",
      breachNow: false,
    });
  });

  it("re-plans from the cycle start of a reopened issue, not from its creation", () => {
    const reopened = at("2026-12-04T16:30+01:00");
    const row = urgentRow({ cycle: 2, cycleStartAt: reopened, priority: "normal" });
    const decision = onReplan(row, priority("urgent"), calendar, WARN_AT, reopened + MINUTE);
    expect(decision.replanned && show(decision.patch.deadlineAt)).toBe("2026-12-07T09:30+01:00");
  });

  it("with the same priority and plan: replanned but unchanged (a config push that changed nothing)", () => {
    const decision = onReplan(urgentRow(), priority("urgent"), calendar, WARN_AT, FRIDAY_1630 + MINUTE);
    expect(decision).toMatchObject({ replanned: true, changed: false, due: null });
  });

  it("to a tiny calendar target (seconds)", () => {
    const decision = onReplan(urgentRow(), seconds(10), calendar, WARN_AT, FRIDAY_1630 + 9 * SECOND);
    expect(decision).toMatchObject({
      patch: { deadlineAt: FRIDAY_1630 + 10 * SECOND, atRiskAt: FRIDAY_1630 + 8 * SECOND },
      due: "at-risk",
    });
  });

  it.each(["breached", "met", "cancelled"] as const)("a %s row is not re-planned", (state) => {
    // Raising a breached issue to Production down keeps it breached: the breach was escalated.
    const decision = onReplan(urgentRow({ state }), priority("production-down"), calendar, WARN_AT, DEADLINE);
    expect(decision).toEqual({ replanned: false, reason: `the clock is ${state}: nothing to re-plan` });
  });
});

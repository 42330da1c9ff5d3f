import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPolicy, parseConfig } from "../../src/config/load.js";
import { createCalendar } from "../../src/domain/business-hours.js";
import type { Policy } from "../../src/domain/policy.js";
import { onReplan, startTracking } from "../../src/domain/sla/clock.js";
import { toColumns, toSlaRecord } from "../../src/handlers/sla-record.js";
import { buildReport } from "../../src/report/aggregate.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { loadReportRows } from "../../src/report/query.js";
import type { ReportRow } from "../../src/report/types.js";
import { openStore, type Store } from "../../src/store/db.js";
import { getTrackedIssue, saveTrackedIssue } from "../../src/store/intake-store.js";
import { NOW, nov, type SeedRow, toTracked } from "./seed.js";

/**
 * The target column shows what each issue was tracked under, as the app recorded it when it
 * planned the deadline (issue 11, part 5): not the default policy when `--config` is missing.
 */

const policy = defaultPolicy();
const SECOND = 1_000;

/** The demo's policy: seconds, business hours all week. */
function demoPolicy(): Policy {
  const allDay = '["00:00-24:00"]';
  const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  const result = parseConfig(
    `business_hours:\n${days.map((d) => `  ${d}: ${allDay}`).join("\n")}\n` +
      "priorities:\n  production-down: { response: 20s }\n  urgent: { response: 8s }\n  normal: { response: 30s }\n",
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.policy;
}

const row = (number: number, priority: string, extra: Partial<SeedRow> = {}): SeedRow => ({
  number,
  priority,
  type: "problem",
  state: "breached",
  start: nov(21, 10), // a Saturday: outside the default policy's business hours
  deadline: nov(21, 10) + 8 * SECOND,
  ...extra,
});
const rowsOf = (seed: SeedRow[]) => seed.map((r) => toTracked(r) as ReportRow);
const build = (seed: SeedRow[], options: { policy?: Policy; policyIsRepos?: boolean } = {}) =>
  buildReport(rowsOf(seed), { repo: "acme/app", now: NOW, policy, policyIsRepos: false, ...options });
const priorityOf = (r: ReturnType<typeof build>, key: string) => r.priorities.find((p) => p.key === key);

describe("recording the target when the clock is planned", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore("sqlite::memory:");
  });
  afterAll(() => store.close());

  it("stores the target of the priority the deadline was planned for, and reads it back", async () => {
    const demo = demoPolicy();
    const calendar = createCalendar(demo.calendar);
    const urgent = demo.priorities.find((p) => p.key === "urgent");
    if (!urgent) throw new Error("no urgent");
    const start = nov(21, 10);
    const { record } = startTracking(calendar, urgent, start, demo.escalation.warnAt);
    expect(toColumns(record, record.cycle)).toMatchObject({
      deadline_at: start + 8 * SECOND,
      target_kind: "duration",
      target_ms: 8 * SECOND,
      target_clock: "business",
    });
    await saveTrackedIssue(store, {
      ...toTracked(row(1, "urgent")),
      ...toColumns(record, record.cycle),
      deadline_at: record.deadlineAt,
    });
    const saved = await getTrackedIssue(store, { repo: "acme/app", number: 1 });
    if (!saved) throw new Error("not saved");
    expect(toSlaRecord(saved).target).toEqual({
      response: { kind: "duration", ms: 8 * SECOND },
      clock: "business",
    });

    // A re-plan for another priority (or a new config) records the new target with the new deadline.
    const normal = demo.priorities.find((p) => p.key === "normal");
    if (!normal) throw new Error("no normal");
    const replan = onReplan(
      { ...toSlaRecord(saved), state: "pending" },
      normal,
      calendar,
      demo.escalation.warnAt,
      start,
    );
    if (!replan.replanned) throw new Error(replan.reason);
    expect(toColumns(replan.patch, 1)).toMatchObject({
      deadline_at: start + 30 * SECOND,
      target_kind: "duration",
      target_ms: 30 * SECOND,
    });
  });

  it("a running row with no recorded target is re-planned to record one, even when its deadline stays", () => {
    const calendar = createCalendar(policy.calendar);
    const urgent = policy.priorities.find((p) => p.key === "urgent");
    if (!urgent) throw new Error("no urgent");
    const { record } = startTracking(calendar, urgent, nov(23, 9), policy.escalation.warnAt);
    const replan = onReplan(
      { ...record, target: null },
      urgent,
      calendar,
      policy.escalation.warnAt,
      nov(23, 9),
    );
    expect(replan).toMatchObject({
      replanned: true,
      changed: true,
      patch: { deadlineAt: record.deadlineAt },
    });
    const same = onReplan(record, urgent, calendar, policy.escalation.warnAt, nov(23, 9));
    expect(same).toMatchObject({ replanned: true, changed: false });
  });

  it("a report from the store shows the recorded 8 s target, not the default policy's 1 hour", async () => {
    const rows = await loadReportRows(store, { repo: "acme/app" });
    const r = buildReport(rows, { repo: "acme/app", now: NOW, policy, policyIsRepos: false });
    expect(priorityOf(r, "urgent")).toMatchObject({
      target: "8 s business time",
      targetMs: 8 * SECOND,
      clock: "business",
      configured: null,
    });
    expect(renderMarkdown(r)).toContain("| Urgent | 8 s business time | 1 | 0 | 1 (1 unanswered) |");
  });
});

describe("the target column", () => {
  it("shows each priority's recorded target whatever the policy at hand", () => {
    const r = build([
      row(1, "production-down", {
        target: { response: { kind: "duration", ms: 20 * SECOND }, clock: "calendar" },
      }),
    ]);
    expect(priorityOf(r, "production-down")?.target).toBe("20 s, 24/7");
    expect(renderMarkdown(r)).toContain("| Production down | 20 s, 24/7 | 1 |");
    expect(renderMarkdown(r)).toContain("### Production down (target: 20 s, 24/7)");
  });

  it("lists every target of a priority tracked under several, with the issues of each, most first", () => {
    const eight = { response: { kind: "duration" as const, ms: 8 * SECOND }, clock: "business" as const };
    const r = build([
      row(1, "urgent", { target: eight }),
      row(2, "urgent", { target: { response: { kind: "duration", ms: 3_600_000 }, clock: "business" } }),
      row(3, "urgent", { target: eight }),
      row(4, "urgent", { target: null }),
    ]);
    const urgent = priorityOf(r, "urgent");
    expect(urgent?.target).toBe(
      "8 s business time (2 issues); 1 h business time (1 issue); not recorded (1 issue)",
    );
    expect(urgent).toMatchObject({ targetMs: null, clock: null });
    expect(urgent?.tracked.map((t) => [t.text, t.issues])).toEqual([
      ["8 s business time", 2],
      ["1 h business time", 1],
      ["not recorded", 1],
    ]);
    expect(renderMarkdown(r)).toContain(
      "| Urgent | 8 s business time \\(2 issues\\); 1 h business time \\(1 issue\\); not recorded \\(1 issue\\) | 4 |",
    );
  });

  it("names at most three targets, then says how many more", () => {
    const r = build(
      [1, 2, 3, 4, 5].map((n) =>
        row(n, "urgent", { target: { response: { kind: "duration", ms: n * SECOND }, clock: "business" } }),
      ),
    );
    expect(priorityOf(r, "urgent")?.target).toMatch(
      /^(\d s business time \(1 issue\); ){3}…and 2 more targets$/,
    );
  });

  it("says `not recorded` for issues tracked before targets were kept, rather than guess", () => {
    const r = build([row(1, "urgent", { target: null })]);
    expect(priorityOf(r, "urgent")).toMatchObject({ target: "not recorded", targetMs: null, clock: null });
  });

  it("a priority without issues: the repo's configured target, or a dash on the built-in default", () => {
    const seed = [row(1, "urgent")];
    expect(priorityOf(build(seed), "normal")?.target).toBe("—");
    expect(priorityOf(build(seed, { policyIsRepos: true }), "normal")).toMatchObject({
      target: "next business day",
      configured: "next business day",
    });
  });

  it("measures the share of the target against the recorded target, on its own clock", () => {
    // Answered after 4 s of the demo's 24/7 business time, on a Saturday: the default calendar
    // would count no business time at all between start and deadline.
    const r = build([
      row(1, "urgent", {
        state: "met",
        reply: { at: nov(21, 10) + 4 * SECOND, businessMs: 4 * SECOND },
        target: { response: { kind: "duration", ms: 8 * SECOND }, clock: "business" },
      }),
    ]);
    expect(r.byPriority.find((p) => p.priority === "urgent")?.stats.ofTarget).toEqual({
      median: 0.5,
      p90: 0.5,
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultPolicy, parseConfig } from "../../src/config/load.js";
import { type BusinessCalendar, createCalendar } from "../../src/domain/business-hours.js";
import type { Policy, PriorityPolicy } from "../../src/domain/policy.js";
import { ladderFor } from "../../src/domain/timers/ladder.js";
import { decideLifecycle, type LifecycleEvent } from "../../src/domain/timers/lifecycle.js";
import { decideDue } from "../../src/domain/timers/timer.js";
import { targetFromColumns } from "../../src/handlers/sla-record.js";
import { timerWrites } from "../../src/handlers/timers.js";
import { buildReport } from "../../src/report/aggregate.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { loadReportRows } from "../../src/report/query.js";
import type { ReportRow } from "../../src/report/types.js";
import { openStore, type Store } from "../../src/store/db.js";
import { getTrackedIssue, saveTrackedIssue } from "../../src/store/intake-store.js";
import { getTimers, saveTimers } from "../../src/store/timer-store.js";
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

describe("recording the target when the first response is planned", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore("sqlite::memory:");
  });
  afterAll(() => store.close());

  /** What the handlers do with an issue event: decide on its timers, write them (projected onto the row). */
  async function apply(
    key: { repo: string; number: number },
    scope: { policy: Policy; priority: PriorityPolicy; calendar: BusinessCalendar },
    event: LifecycleEvent,
  ) {
    const timers = await getTimers(store, key);
    const decision = decideLifecycle({ ...scope, timers, open: true }, event);
    await saveTimers(store, key, timerWrites(decision, { ...scope, installationId: 1 }), { now: event.at });
    return decision;
  }
  const priorityIn = (p: Policy, key: string) => {
    const found = p.priorities.find((x) => x.key === key);
    if (!found) throw new Error(`no ${key}`);
    return found;
  };

  it("stores the target of the priority the deadline was planned for, and reads it back", async () => {
    const demo = demoPolicy();
    const calendar = createCalendar(demo.calendar);
    const urgent = priorityIn(demo, "urgent");
    const start = nov(21, 10);
    const key = { repo: "acme/app", number: 1 };
    // Intake: the row (no target recorded yet), then its first-response timer.
    await saveTrackedIssue(store, { ...toTracked(row(1, "urgent", { target: null })), next_due_at: null });
    await apply(key, { policy: demo, priority: urgent, calendar }, { kind: "intake", at: start });
    const saved = await getTrackedIssue(store, key);
    if (!saved) throw new Error("not saved");
    expect(saved).toMatchObject({
      state: "pending",
      deadline_at: start + 8 * SECOND,
      target_kind: "duration",
      target_ms: 8 * SECOND,
      target_clock: "business",
    });
    expect(targetFromColumns(saved)).toEqual({
      response: { kind: "duration", ms: 8 * SECOND },
      clock: "business",
    });

    // The scheduler escalates the breach at the deadline: the row shows it, with the same target.
    const [timer] = await getTimers(store, key);
    if (!timer) throw new Error("no timer");
    const due = decideDue(
      timer,
      start + 8 * SECOND,
      calendar,
      ladderFor(demo, urgent, "first_response"),
      new Set(),
    );
    if (!due) throw new Error("nothing due at the deadline");
    await saveTimers(store, key, [{ kind: "update", metric: "first_response", cycle: 1, patch: due.patch }]);
    expect(await getTrackedIssue(store, key)).toMatchObject({ state: "breached", target_ms: 8 * SECOND });

    // A re-plan for another priority (or a new config) records the new target with the new deadline.
    const other = { repo: "acme/other", number: 1 };
    const normal = priorityIn(demo, "normal");
    await saveTrackedIssue(store, {
      ...toTracked(row(1, "urgent", { repo: "acme/other" })),
      next_due_at: null,
    });
    await apply(other, { policy: demo, priority: urgent, calendar }, { kind: "intake", at: start });
    await apply(other, { policy: demo, priority: normal, calendar }, { kind: "replan", at: start });
    expect(await getTrackedIssue(store, other)).toMatchObject({
      deadline_at: start + 30 * SECOND,
      target_kind: "duration",
      target_ms: 30 * SECOND,
    });
  });

  it("a running issue with no recorded target is re-planned to record one, even when its deadline stays", async () => {
    const calendar = createCalendar(policy.calendar);
    const urgent = priorityIn(policy, "urgent");
    const scope = { policy, priority: urgent, calendar };
    const key = { repo: "acme/other", number: 2 };
    // Monday 16:30 CET: its business hour ends Tuesday 09:30 CET, 17 h later.
    const start = nov(23, 15, 30);
    await saveTrackedIssue(store, {
      ...toTracked(row(2, "urgent", { repo: "acme/other" })),
      next_due_at: null,
    });
    await apply(key, scope, { kind: "intake", at: start });
    const deadline = (await getTrackedIssue(store, key))?.deadline_at;
    expect(deadline).toBe(nov(24, 8, 30));
    // As migration 0008 left an issue tracked before targets were recorded: a calendar count to
    // the deadline planned then (`derived`), and no target on the row.
    const span = nov(24, 8, 30) - start;
    await store.db
      .updateTable("timers")
      .set({ target_source: "derived", clock: "calendar", target_ms: span, target_counted_ms: span })
      .execute();
    await store.db
      .updateTable("tracked_issues")
      .set({ target_kind: null, target_ms: null, target_clock: null })
      .where("repo", "=", key.repo)
      .where("number", "=", key.number)
      .execute();
    const before = await getTrackedIssue(store, key);
    expect(before && targetFromColumns(before)).toBeNull();

    const replan = await apply(key, scope, { kind: "replan", at: start + 60_000 });
    expect(replan.changes).toHaveLength(1);
    const saved = await getTrackedIssue(store, key);
    expect(saved).toMatchObject({ deadline_at: deadline });
    expect(saved && targetFromColumns(saved)).toEqual({
      response: { kind: "duration", ms: 3_600_000 },
      clock: "business",
    });
    // Planned now: the same config again changes nothing.
    expect((await apply(key, scope, { kind: "replan", at: start + 120_000 })).changes).toEqual([]);
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

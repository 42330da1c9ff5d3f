import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../../../src/config/load.js";
import { createCalendar } from "../../../src/domain/business-hours.js";
import type { EscalationLevel, Policy, PriorityPolicy } from "../../../src/domain/policy.js";
import {
  explainDeadline,
  explainTimers,
  renderExplainReply,
  renderTimers,
} from "../../../src/domain/sla/explain.js";
import { ladderFor } from "../../../src/domain/timers/ladder.js";
import {
  decideDue,
  meetTimer,
  pauseTimer,
  resumeTimer,
  startTimer,
  type Timer,
} from "../../../src/domain/timers/timer.js";
import { GITHUB_COMMENT_MAX } from "../../../src/helpers/limits.js";

/*
 * The one explanation of an issue's timers, shared by `/sla explain` and `deadline --explain`.
 * Europe/Brussels (CET = UTC+1), Monday to Friday 09:00-17:00, Monday 7 December 2026 a
 * configured holiday; every expected instant and count is worked out by hand.
 */

const H = 3_600_000;
const at = (iso: string) => Date.parse(iso);

const base = defaultPolicy();
const policy: Policy = { ...base, calendar: { ...base.calendar, holidays: ["2026-12-07"] } };
const urgentBase = policy.priorities.find((p) => p.key === "urgent") as PriorityPolicy;
const urgent: PriorityPolicy = {
  ...urgentBase,
  nextReply: { kind: "duration", ms: 4 * H },
  resolution: { kind: "duration", ms: 40 * H },
};
const calendar = createCalendar(policy.calendar);
const ladderOf = (metric: Timer["metric"]) => ladderFor(policy, urgent, metric);
const none = new Set<string>();

const apply = (timer: Timer, patch: Partial<Timer> | null): Timer => {
  expect(patch).not.toBeNull();
  return { ...timer, ...patch };
};

/** An urgent issue opened Mon 30 Nov 09:00 CET, seen on Wed 9 Dec at 10:00 CET. */
function issueTimers(): { timers: Timer[]; now: number } {
  const opened = at("2026-11-30T08:00:00Z");
  const now = at("2026-12-09T09:00:00Z");

  // First response: answered after 30 minutes (met, so not running).
  let first = startTimer(
    { metric: "first_response", cycle: 1, clock: "business", target: urgent.response },
    opened,
    calendar,
    ladderOf("first_response"),
  );
  first = apply(
    first,
    meetTimer(first, at("2026-11-30T08:30:00Z"), "alice", calendar, ladderOf("first_response"), none).patch,
  );

  // Resolution: waiting for the customer Thu 3 Dec 15:00 → Tue 8 Dec 11:00 CET, at risk at 32 h
  // (Tue 13:00 CET), waiting again since Tue 15:00 CET.
  const ladder = ladderOf("resolution");
  let resolution = startTimer(
    { metric: "resolution", cycle: 1, clock: "business", target: { kind: "duration", ms: 40 * H } },
    opened,
    calendar,
    ladder,
  );
  resolution = apply(resolution, pauseTimer(resolution, at("2026-12-03T14:00:00Z")));
  resolution = apply(resolution, resumeTimer(resolution, at("2026-12-08T10:00:00Z"), calendar, ladder));
  const due = decideDue(resolution, at("2026-12-08T12:00:00Z"), calendar, ladder, none);
  expect(due?.firing.level.name).toBe("at-risk");
  resolution = apply(resolution, due?.patch ?? null);
  resolution = apply(resolution, pauseTimer(resolution, at("2026-12-08T14:00:00Z")));

  // Next reply, cycle 2: a customer comment Wed 9 Dec 09:30 CET.
  const nextReply = startTimer(
    { metric: "next_reply", cycle: 2, clock: "business", target: { kind: "duration", ms: 4 * H } },
    at("2026-12-09T08:30:00Z"),
    calendar,
    ladderOf("next_reply"),
  );
  return { timers: [first, resolution, nextReply], now };
}

describe("renderTimers: every running timer with its pauses and next level", () => {
  it("leaves met timers out and shows a paused resolution and a pending next reply", () => {
    const { timers, now } = issueTimers();
    const explained = explainTimers(timers, now, calendar, ladderOf);
    expect(explained.map((t) => t.status.metric)).toEqual(["resolution", "next_reply"]);
    expect(renderTimers(explained, policy.calendar.timezone)).toEqual([
      "**Running timers**",
      "",
      // 30 h before the first pause, Tue 11:00-15:00 4 h after it.
      "- Resolution (cycle 1, business clock): at risk, paused; 34 h of 40 h counted; no deadline while paused.",
      "  - Pauses (not counted on the clock):",
      // Thu 15:00-17:00 and Tue 09:00-11:00: nothing on the weekend nor on the holiday.
      "    - Thu 3 Dec 2026, 15:00 CET → Tue 8 Dec 2026, 11:00 CET: 12 h excluded",
      // Tue 15:00-17:00 and Wed 09:00-10:00.
      "    - Tue 8 Dec 2026, 15:00 CET → still paused: 3 h excluded so far",
      "  - Next level: breach, once the clock resumes.",
      // 4 h from Wed 09:30 CET: at risk at 80 % (3 h 12 min), breach at 13:30.
      "- Next reply (cycle 2, business clock): pending; 30 min of 4 h counted; deadline Wed 9 Dec 2026, 13:30 CET (2026-12-09 12:30 UTC).",
      "  - Pauses: none.",
      "  - Next level: at-risk at Wed 9 Dec 2026, 12:42 CET (2026-12-09 11:42 UTC); then breach at Wed 9 Dec 2026, 13:30 CET (2026-12-09 12:30 UTC).",
    ]);
  });

  it("a level that repeats shows its next repeat and its interval; a spent ladder says so", () => {
    const ladder: EscalationLevel[] = [
      { ...ladderOf("updates")[0], name: "reminder" } as EscalationLevel,
      { ...ladderOf("updates")[1], name: "breach", repeatMs: 15 * 60_000 } as EscalationLevel,
    ];
    const start = at("2026-12-25T03:00:00Z");
    let updates = startTimer(
      { metric: "updates", cycle: 3, clock: "calendar", target: { kind: "duration", ms: 30 * 60_000 } },
      start,
      calendar,
      ladder,
    );
    const due = decideDue(updates, at("2026-12-25T03:31:00Z"), calendar, ladder, none);
    expect(due?.firing.level.name).toBe("breach");
    updates = apply(updates, due?.patch ?? null);
    const [repeating] = explainTimers([updates], at("2026-12-25T03:31:00Z"), calendar, () => ladder);
    expect(renderTimers(repeating ? [repeating] : [], "Europe/Brussels")).toEqual([
      "**Running timers**",
      "",
      "- Periodic update (cycle 3, calendar clock): breached; 31 min of 30 min counted; deadline Fri 25 Dec 2026, 04:30 CET (2026-12-25 03:30 UTC).",
      "  - Pauses: none.",
      "  - Next level: breach at Fri 25 Dec 2026, 04:45 CET (2026-12-25 03:45 UTC) (repeat 1), then every 15 min until met.",
    ]);

    const once = ladderOf("updates");
    let spent = startTimer(
      { metric: "updates", cycle: 1, clock: "calendar", target: { kind: "duration", ms: 30 * 60_000 } },
      start,
      calendar,
      once,
    );
    spent = apply(spent, decideDue(spent, at("2026-12-25T03:40:00Z"), calendar, once, none)?.patch ?? null);
    const [last] = explainTimers([spent], at("2026-12-25T03:40:00Z"), calendar, () => once);
    expect(last ? renderTimers([last], "Europe/Brussels").at(-1) : "").toBe(
      "  - Next level: none left (every level of the ladder has fired).",
    );
  });

  it("renders nothing when no timer runs", () => {
    const { timers, now } = issueTimers();
    const [met] = timers;
    expect(renderTimers(explainTimers(met ? [met] : [], now, calendar, ladderOf), "Europe/Brussels")).toEqual(
      [],
    );
  });
});

describe("the /sla explain reply with the issue's timers", () => {
  it("keeps the first-response explanation and adds the running timers instead of 'Pauses: none'", () => {
    const { timers, now } = issueTimers();
    const e = explainDeadline(calendar, policy, urgent, at("2026-11-30T08:00:00Z"));
    const text = renderExplainReply(
      e,
      ["State: met, first response by alice."],
      explainTimers(timers, now, calendar, ladderOf),
    );
    expect(text).toMatch(/^\*\*How the first-response deadline was computed\*\*\n\n- Policy: /);
    expect(text).toContain(
      "- **Result: Mon 30 Nov 2026, 10:00 CET (2026-11-30 09:00 UTC).**\n\n**Running timers**\n\n- Resolution",
    );
    expect(text).toContain("    - Tue 8 Dec 2026, 15:00 CET → still paused: 3 h excluded so far");
    expect(text).toContain("- Next reply (cycle 2, business clock): pending;");
    expect(text).not.toContain("Pauses: none (");
    expect(text.endsWith("<sub>Asked by a team member with `/sla explain`.</sub>")).toBe(true);
  });

  it("a timer paused thousands of times still fits one comment, the rest of its pauses summed up", () => {
    const ladder = ladderOf("resolution");
    const start = at("2026-11-30T08:00:00Z");
    let timer = startTimer(
      { metric: "resolution", cycle: 1, clock: "calendar", target: { kind: "duration", ms: 2000 * H } },
      start,
      calendar,
      ladder,
    );
    // 3,000 pauses of 1 minute, one every 10 minutes.
    const pauses = Array.from({ length: 3_000 }, (_, i) => ({
      start: start + i * 600_000 + 60_000,
      end: start + i * 600_000 + 120_000,
    }));
    timer = { ...timer, pauses };
    const now = start + 3_000 * 600_000;
    const e = explainDeadline(calendar, policy, urgent, start);
    const text = renderExplainReply(
      e,
      [],
      explainTimers([timer], now, calendar, () => ladder),
    );
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(text.match(/: 1 min excluded$/gm)).toHaveLength(20);
    // 2,980 more pauses of 1 minute each.
    expect(text).toContain("    - …and 2,980 more pauses (49 h 40 min in all)");
    expect(text).toContain("  - Next level: at-risk at ");
  });
});

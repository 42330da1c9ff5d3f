import { describe, expect, it } from "vitest";
import type { EscalationLevel } from "../../../src/domain/policy.js";
import { atRiskSlackText, breachMarker, renderBreachComment } from "../../../src/domain/sla/messages.js";
import { PM_REMINDER_MARKER } from "../../../src/domain/sla/post-mortem.js";
import {
  firingMarker,
  parseTimerMarker,
  renderTimerComment,
  type TimerMessageView,
  timerMarker,
  timerSlackText,
} from "../../../src/domain/timers/messages.js";
import { GITHUB_COMMENT_MAX } from "../../../src/helpers/limits.js";
import { testPolicy } from "../../helpers/policy.js";
import { at, HOUR, MINUTE } from "../calendar-fixtures.js";

const policy = testPolicy();
policy.escalation.mention = ["@acme/support"];
const TZ = { timezone: "Europe/Brussels" };

function level(overrides: Partial<EscalationLevel> = {}): EscalationLevel {
  return {
    name: "breach",
    at: { kind: "fraction", fraction: 1 },
    label: null,
    comment: true,
    mention: ["@acme/support"],
    mentionAssignees: false,
    slack: true,
    page: false,
    repeatMs: null,
    ...overrides,
  };
}

function view(overrides: Partial<TimerMessageView> = {}): TimerMessageView {
  return {
    metric: "next_reply",
    cycle: 2,
    level: level(),
    repeat: 0,
    assignees: [],
    startedAt: at("2026-12-07T10:00+01:00"),
    deadlineAt: at("2026-12-07T14:00+01:00"),
    now: at("2026-12-07T14:30+01:00"),
    targetMs: 4 * HOUR,
    remainingMs: 0,
    businessClock: true,
    paged: false,
    typeName: "Problem / troubleshooting",
    priorityName: "Urgent",
    ...overrides,
  };
}

describe("timer markers", () => {
  it("name the metric, cycle, level and repeat of a firing, and read back", () => {
    const marker = timerMarker("updates", 3, "reminder", 2);
    expect(marker).toBe("<!-- support-sla:timer updates c3 reminder r2 -->");
    expect(parseTimerMarker(`text\n${marker}\nmore`)).toEqual({
      metric: "updates",
      cycle: 3,
      level: "reminder",
      repeat: 2,
    });
    expect(parseTimerMarker("no marker")).toBeNull();
  });

  it("keep today's breach marker for the first-response breach only", () => {
    expect(firingMarker("first_response", 2, "breach", 0)).toBe(breachMarker(2));
    expect(firingMarker("first_response", 2, "breach", 1)).toBe(
      "<!-- support-sla:timer first_response c2 breach r1 -->",
    );
    expect(firingMarker("next_reply", 2, "breach", 0)).toBe(
      "<!-- support-sla:timer next_reply c2 breach r0 -->",
    );
  });

  it.each([
    [0, "breach", 0],
    [1, "Breach!", 0],
    [1, "breach", -1],
    [1.5, "breach", 0],
  ])("refuse cycle %s, level %s, repeat %s", (cycle, name, repeat) => {
    expect(() => timerMarker("next_reply", cycle, name, repeat)).toThrow(RangeError);
  });
});

describe("renderTimerComment", () => {
  it("the first-response breach is today's breach comment", () => {
    const v = view({ metric: "first_response", paged: true });
    expect(renderTimerComment(policy, v)).toBe(
      renderBreachComment({
        cycle: 2,
        mention: ["@acme/support"],
        typeName: "Problem / troubleshooting",
        priorityName: "Urgent",
        cycleStartAt: v.startedAt,
        deadlineAt: v.deadlineAt,
        now: v.now,
        timezone: "Europe/Brussels",
        paged: true,
      }),
    );
  });

  it("a next-reply breach says when the reply was due, by how much it is late, and mentions the handles", () => {
    const body = renderTimerComment(policy, view());
    const lines = body.split("\n");
    expect(lines[0]).toBe("<!-- support-sla:timer next_reply c2 breach r0 -->");
    expect(lines[1]).toBe(
      "@acme/support: **the next reply to the customer was due Mon 7 Dec 2026, 14:00 CET (2026-12-07 13:00 UTC) and is overdue by 30 min.**",
    );
    expect(body).toContain("| Due | **Mon 7 Dec 2026, 14:00 CET** (2026-12-07 13:00 UTC) |");
    expect(body).toContain("| Target | 4 h of business time |");
    expect(body).toContain("| Overdue by | 30 min |");
    expect(body).toContain("**Next step:** a team member replies on this issue now");
  });

  it("an updates reminder mentions the assignees and the escalation handles before it is due", () => {
    const body = renderTimerComment(
      policy,
      view({
        metric: "updates",
        cycle: 1,
        level: level({ name: "reminder", at: { kind: "fraction", fraction: 0.8 }, mentionAssignees: true }),
        assignees: ["alice", "@bob", "not a login"],
        startedAt: at("2026-12-07T10:00+01:00"),
        deadlineAt: at("2026-12-07T10:30+01:00"),
        now: at("2026-12-07T10:24+01:00"),
        targetMs: 30 * MINUTE,
        remainingMs: 6 * MINUTE,
        businessClock: false,
        priorityName: "Production down",
      }),
    );
    expect(body.split("\n").slice(0, 2)).toEqual([
      "<!-- support-sla:timer updates c1 reminder r0 -->",
      "@alice @bob @acme/support: **an update to the customer is due by Mon 7 Dec 2026, 10:30 CET (2026-12-07 09:30 UTC).**",
    ]);
    expect(body).toContain("| Left | 6 min |");
    expect(body).not.toContain("not a login");
  });

  it("a resolution repeat without handles starts with a capital and counts the reminder", () => {
    const quiet = { ...policy, escalation: { ...policy.escalation, mention: [] } };
    const body = renderTimerComment(
      quiet,
      view({ metric: "resolution", level: level({ mention: [] }), repeat: 2, paged: true }),
    );
    expect(body.split("\n")[1]).toBe(
      "**The resolution of this issue was due Mon 7 Dec 2026, 14:00 CET (2026-12-07 13:00 UTC) and is overdue by 30 min.** (reminder 3)",
    );
    expect(body.split("\n")[0]).toBe("<!-- support-sla:timer resolution c2 breach r2 -->");
    expect(body).toContain("On-call has been paged.");
  });

  it("the post-mortem reminder is today's text under the marker of each repeat", () => {
    const body = renderTimerComment(
      policy,
      view({ metric: "post_mortem", cycle: 1, level: level({ name: "reminder" }), repeat: 1 }),
    );
    const lines = body.split("\n");
    expect(lines[0]).toBe("<!-- support-sla:timer post_mortem c1 reminder r1 -->");
    expect(lines[1]).toBe(PM_REMINDER_MARKER);
    expect(body).toContain(
      "@acme/support: **the post-mortem of this issue was due Mon 7 Dec 2026, 14:00 CET (2026-12-07 13:00 UTC) and is not marked done.**",
    );
    expect(body).toContain("`post-mortem: done`");
  });

  it("mentions at most ten handles, each once, and fits a GitHub comment", () => {
    const assignees = Array.from({ length: 12 }, (_, k) => `user${k}`);
    const body = renderTimerComment(
      policy,
      view({
        level: level({ mentionAssignees: true }),
        assignees,
        typeName: "x".repeat(100_000),
      }),
    );
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    const mentions = body.split("\n")[1]?.match(/@[\w/-]+/g) ?? [];
    expect(mentions).toHaveLength(10);
    expect(body.split("\n")[1]).toContain("(and 3 more)");
  });
});

describe("timerSlackText", () => {
  it("keeps today's first-response at-risk line", () => {
    const v = view({
      metric: "first_response",
      level: level({ name: "at-risk", at: { kind: "fraction", fraction: 0.8 }, comment: false }),
      now: at("2026-12-07T13:12+01:00"),
      remainingMs: 48 * MINUTE,
    });
    expect(timerSlackText(v, TZ)).toBe(
      atRiskSlackText({ targetMs: 4 * HOUR, warnAt: 0.8, remainingMs: 48 * MINUTE, businessClock: true }),
    );
  });

  it("a next-reply breach: when it was due, how late, who was mentioned (without @)", () => {
    expect(timerSlackText(view({ paged: true }), TZ)).toBe(
      "The next reply to the customer was due Mon 7 Dec 2026, 14:00 CET (2026-12-07 13:00 UTC); overdue by 30 min. Mentioned on the issue: acme/support. On-call paged.",
    );
  });

  it("an updates reminder: the time left of the interval", () => {
    const text = timerSlackText(
      view({
        metric: "updates",
        level: level({ name: "reminder", mention: [], mentionAssignees: true }),
        assignees: ["alice"],
        deadlineAt: at("2026-12-07T10:30+01:00"),
        now: at("2026-12-07T10:24+01:00"),
        targetMs: 30 * MINUTE,
        remainingMs: 6 * MINUTE,
        businessClock: false,
      }),
      TZ,
    );
    expect(text).toBe(
      "An update to the customer is due by Mon 7 Dec 2026, 10:30 CET (2026-12-07 09:30 UTC): 6 min left of the 30 min target. Mentioned on the issue: alice.",
    );
  });
});

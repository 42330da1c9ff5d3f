import { describe, expect, it } from "vitest";
import {
  atRiskSlackText,
  type BreachView,
  breachMarker,
  breachSlackText,
  parseBreachMarker,
  renderBreachComment,
  responseSlackText,
} from "../../../src/domain/sla/messages.js";
import { at, FRIDAY_1630, HOUR, MINUTE, SECOND } from "./fixtures.js";

const DEADLINE = at("2026-11-30T09:30+01:00");

function view(overrides: Partial<BreachView> = {}): BreachView {
  return {
    cycle: 1,
    mention: ["@acme/support", "@oncall-olga"],
    typeName: "Problem / troubleshooting",
    priorityName: "Urgent",
    cycleStartAt: FRIDAY_1630,
    deadlineAt: DEADLINE,
    now: DEADLINE + 2 * HOUR + 5 * MINUTE,
    timezone: "Europe/Brussels",
    paged: true,
    ...overrides,
  };
}

describe("breach marker", () => {
  it.each([1, 2, 17])("cycle %i round-trips", (cycle) => {
    expect(breachMarker(cycle)).toBe(`<!-- support-sla:breach cycle=${cycle} -->`);
    expect(parseBreachMarker(`${breachMarker(cycle)}\nsomething`)).toBe(cycle);
  });

  it("finds none in other comments, and rejects a cycle that is not a whole number ≥ 1", () => {
    expect(parseBreachMarker("<!-- support-sla:intake -->")).toBeNull();
    expect(() => breachMarker(0)).toThrow(RangeError);
    expect(() => breachMarker(1.5)).toThrow(RangeError);
  });
});

describe("renderBreachComment", () => {
  it("starts with the marker of its cycle and mentions the escalation handles verbatim, so they ping", () => {
    const lines = renderBreachComment(view({ cycle: 3 })).split("\n");
    expect(lines[0]).toBe("<!-- support-sla:breach cycle=3 -->");
    expect(lines[1]).toMatch(/^@acme\/support @oncall-olga: \*\*the first-response deadline/);
  });

  it.each([
    ["type by name", "| Request type | Problem / troubleshooting |"],
    ["priority by name", "| Priority | Urgent |"],
    [
      "due date in the repo zone and UTC",
      "| First response was due | **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC) |",
    ],
    ["clock start", "| Clock started | **Fri 27 Nov 2026, 16:30 CET** (2026-11-27 15:30 UTC) |"],
    ["how long overdue", "| Overdue by | 2 h 5 min |"],
    ["what to do next", "**Next step:** a team member replies on this issue now."],
    ["the page", "On-call has been paged."],
  ])("shows the %s", (_, expected) => {
    expect(renderBreachComment(view())).toContain(expected);
  });

  it("shows the due date in the configured zone, not the host's", () => {
    const text = renderBreachComment(view({ timezone: "America/New_York" }));
    expect(text).toContain(
      "| First response was due | **Mon 30 Nov 2026, 03:30 EST** (2026-11-30 08:30 UTC) |",
    );
  });

  it("says a reopened issue's clock started at the reopening", () => {
    expect(renderBreachComment(view({ cycle: 2 }))).toContain("(2026-11-27 15:30 UTC) (reopened) |");
  });

  it("tells a repo admin how to get someone alerted when no handle is configured", () => {
    const text = renderBreachComment(view({ mention: [], paged: false }));
    expect(text.split("\n")[1]).toBe(
      "**The first-response deadline of this issue has passed without a reply from the team.**",
    );
    expect(text).toContain("`escalation.mention` in `.github/support-sla.yml`");
    expect(text).not.toContain("On-call has been paged");
    expect(text).not.toContain("@");
  });

  it("escapes label text so it cannot break the table or ping anyone", () => {
    const text = renderBreachComment(view({ typeName: "a | b @someone" }));
    expect(text).toContain("| Request type | a \\| b @\u200Dsomeone |");
  });

  it.each([
    [0, "just now"],
    [999, "just now"],
    [4 * SECOND, "4 s"],
    [3 * 24 * HOUR, "72 h"],
  ])("says %i ms overdue as %j", (ms, expected) => {
    expect(renderBreachComment(view({ now: DEADLINE + ms }))).toContain(`| Overdue by | ${expected} |`);
  });
});

describe("Slack texts", () => {
  it("at risk: share used, target and time left, on the priority's clock", () => {
    expect(
      atRiskSlackText({ targetMs: HOUR, warnAt: 0.8, remainingMs: 12 * MINUTE, businessClock: true }),
    ).toBe("80% of the 1 h business target used with no team reply: 12 min business left.");
    expect(
      atRiskSlackText({ targetMs: 30 * MINUTE, warnAt: 0.8, remainingMs: 6 * MINUTE, businessClock: false }),
    ).toBe("80% of the 30 min target used with no team reply: 6 min left.");
  });

  it("breach: how late, who is mentioned, whether on-call is paged", () => {
    expect(breachSlackText(view())).toBe(
      "No team reply; overdue by 2 h 5 min. Mentioned on the issue: @acme/support, @oncall-olga. On-call paged.",
    );
    expect(breachSlackText(view({ mention: [], paged: false, now: DEADLINE }))).toBe(
      "No team reply; overdue by just now.",
    );
  });

  it.each([
    [
      DEADLINE - 20 * MINUTE,
      40 * MINUTE,
      "First response by Engineer-Eva after 40 min of business time, on time.",
    ],
    [
      DEADLINE + 15 * MINUTE,
      75 * MINUTE,
      "First response by Engineer-Eva after 1 h 15 min of business time, 15 min after the deadline.",
    ],
  ])("response at %i: %j", (replyAt, businessMs, expected) => {
    expect(
      responseSlackText({
        by: "@Engineer-Eva",
        at: replyAt,
        deadlineAt: DEADLINE,
        businessMs,
        businessClock: true,
      }),
    ).toBe(expected);
  });
});

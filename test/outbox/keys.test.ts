import { describe, expect, it } from "vitest";
import { effectKey, timerEffectKey } from "../../src/outbox/index.js";

const firing = (metric: "first_response" | "next_reply", level: string, repeat = 0) => ({
  repo: "acme/support",
  number: 12,
  metric,
  cycle: 2,
  level,
  repeat,
});

describe("effect keys", () => {
  it("keep today's names for the first response's default ladder, so an upgrade mid-escalation never doubles an effect", () => {
    expect(timerEffectKey(firing("first_response", "at-risk"), "add-label")).toBe(
      "acme/support#12:c2:at-risk-label",
    );
    expect(timerEffectKey(firing("first_response", "at-risk"), "slack")).toBe(
      "acme/support#12:c2:at-risk-slack",
    );
    expect(timerEffectKey(firing("first_response", "breach"), "add-label")).toBe(
      "acme/support#12:c2:breached-label",
    );
    expect(timerEffectKey(firing("first_response", "breach"), "remove-label")).toBe(
      "acme/support#12:c2:at-risk-unlabel",
    );
    expect(timerEffectKey(firing("first_response", "breach"), "comment")).toBe(
      "acme/support#12:c2:breach-comment",
    );
    expect(timerEffectKey(firing("first_response", "breach"), "slack")).toBe(
      "acme/support#12:c2:breach-slack",
    );
    expect(timerEffectKey(firing("first_response", "breach"), "page")).toBe("acme/support#12:c2:page");
    expect(effectKey({ repo: "acme/support", number: 12, cycle: 2 }, "page")).toBe("acme/support#12:c2:page");
  });

  it("name the metric, cycle, level and repeat of every other firing", () => {
    expect(timerEffectKey(firing("next_reply", "breach"), "comment")).toBe(
      "acme/support#12:next_reply:c2:breach:r0:comment",
    );
    expect(timerEffectKey(firing("first_response", "breach", 1), "comment")).toBe(
      "acme/support#12:first_response:c2:breach:r1:comment",
    );
    expect(timerEffectKey(firing("first_response", "level-3"), "page")).toBe(
      "acme/support#12:first_response:c2:level-3:r0:page",
    );
    // A level named like an Object property is a level like any other.
    expect(timerEffectKey(firing("first_response", "constructor"), "slack")).toBe(
      "acme/support#12:first_response:c2:constructor:r0:slack",
    );
  });
});

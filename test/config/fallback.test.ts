import type { Logger } from "probot";
import { describe, expect, test } from "vitest";
import { planWithFallback } from "../../src/config/fallback.js";
import { defaultPolicy } from "../../src/config/load.js";
import { createCalendar } from "../../src/domain/business-hours.js";
import { computeDeadline } from "../../src/domain/deadline.js";
import type { Policy } from "../../src/domain/policy.js";

/* Kind 5 of issue 10: a deadline the engine refuses is handled as a config problem, not a crash loop. */

const OPENED = Date.parse("2026-11-27T15:30:00Z");

function policyBeyondHorizon(): Policy {
  // What a config that got past the checks would make: one minute a week, a 100 h target.
  const policy = defaultPolicy();
  const closed = {
    monday: [{ start: 540, end: 541 }],
    tuesday: [],
    wednesday: [],
    thursday: [],
    friday: [],
    saturday: [],
    sunday: [],
  };
  return {
    ...policy,
    calendar: { ...policy.calendar, week: closed },
    priorities: policy.priorities.map((p) =>
      p.key === "urgent" ? { ...p, response: { kind: "duration", ms: 100 * 3_600_000 } } : p,
    ),
  };
}

describe("planning with a policy the engine refuses", () => {
  test("logs one warn line and plans with the default policy", () => {
    const warnings: Array<[unknown, string]> = [];
    const log = { warn: (fields: unknown, msg: string) => warnings.push([fields, msg]) } as unknown as Logger;
    const repoPolicy = policyBeyondHorizon();
    const deadline = planWithFallback(repoPolicy, log, (policy) => {
      const urgent = policy.priorities.find((p) => p.key === "urgent");
      if (!urgent) throw new Error("no urgent");
      return computeDeadline(createCalendar(policy.calendar), urgent, OPENED);
    });
    // The default policy's Urgent: 1 business hour from Friday 16:30 Brussels is Monday 09:30.
    expect(new Date(deadline).toISOString()).toBe("2026-11-30T08:30:00.000Z");
    expect(warnings).toEqual([
      [
        { problem: expect.stringMatching(/ends more than 366 days later in Europe\/Brussels/) },
        expect.stringMatching(/^config problem: /),
      ],
    ]);
  });

  test("other errors are not swallowed", () => {
    const log = { warn: () => {} } as unknown as Logger;
    expect(() =>
      planWithFallback(defaultPolicy(), log, () => {
        throw new TypeError("a bug");
      }),
    ).toThrow(TypeError);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { defaultPolicy, formatProblem, parseConfig } from "../../src/config/load.js";
import type { Policy } from "../../src/domain/policy.js";

/*
 * Old configs behave as before (issue 12, "Done when"): the policy a config written before the
 * timer metrics builds is the one the code before them built, field for field, plus the new
 * fields at their defaults. The expected policies were written by that code (commit 4f86f11) into
 * test/fixtures/config/policies-before-timers.json; nothing here recomputes them.
 */

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

const before = JSON.parse(read("test/fixtures/config/policies-before-timers.json")) as Record<
  string,
  unknown
>;

const SOURCES: Record<string, string> = {
  ".github/support-sla.yml": ".github/support-sla.yml",
  "basic.yml": "test/fixtures/config/basic.yml",
  "comments-only.yml": "test/fixtures/config/comments-only.yml",
  "empty.yml": "test/fixtures/config/empty.yml",
  "lunch-break.yml": "test/fixtures/config/lunch-break.yml",
  "every-key.yml": "test/fixtures/config/every-key.yml",
};

function policyOf(text: string): Policy {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.policy;
}

/** The policy without the fields issue 12 added, as JSON would have it (undefined fields dropped). */
function withoutNewFields(policy: Policy): unknown {
  const {
    escalation: { levels: _levels, ...escalation },
    labels: { waiting: _waiting, resolved: _resolved, ...labels },
    postMortem: { repeatMs: _repeatMs, ...postMortem },
    priorities,
    ...rest
  } = policy;
  const old = {
    ...rest,
    priorities: priorities.map(
      ({ nextReply: _nextReply, resolution: _resolution, updates: _updates, ...priority }) => priority,
    ),
    escalation,
    labels,
    postMortem,
  };
  return JSON.parse(JSON.stringify(old));
}

describe("a config written before the timer metrics builds the policy it built then", () => {
  test("every recorded config is covered", () => {
    expect(Object.keys(before).filter((key) => key !== "_about")).toEqual([
      ...Object.keys(SOURCES),
      "(no file)",
    ]);
  });

  test.each(Object.entries(SOURCES))("%s: every old field unchanged, in the same order", (name, path) => {
    const policy = policyOf(read(path));
    const old = withoutNewFields(policy);
    expect(old).toEqual(before[name]);
    // Same priorities in the same order: the rank of a priority is its config order.
    expect(JSON.stringify((old as { priorities: unknown }).priorities)).toBe(
      JSON.stringify((before[name] as { priorities: unknown }).priorities),
    );
  });

  test("no file at all: the default policy is the old default policy", () => {
    expect(withoutNewFields(defaultPolicy())).toEqual(before["(no file)"]);
  });

  test.each(Object.entries(SOURCES))("%s: the new fields take their defaults", (_, path) => {
    const policy = policyOf(read(path));
    // The default ladder (today's at risk and breach), the default waiting label, no resolved label.
    expect(policy.escalation.levels).toBeNull();
    expect(policy.labels.waiting).toBe("status: waiting for customer");
    expect(policy.labels.resolved).toBeNull();
    expect(policy.postMortem.repeatMs).toBe(24 * 3_600_000);
    // No priority gets a next-reply or resolution target it did not ask for; only the built-in
    // Production down is updated every 30 minutes.
    for (const priority of policy.priorities) {
      expect([priority.key, priority.nextReply, priority.resolution], priority.key).toEqual([
        priority.key,
        null,
        null,
      ]);
      expect(priority.updates, priority.key).toEqual(
        priority.key === "production-down" ? { kind: "duration", ms: 30 * 60_000 } : null,
      );
    }
  });
});

import { describe, expect, test } from "vitest";
import { defaultPolicy, formatProblem, parseConfig } from "../../src/config/load.js";

/*
 * Issue 11, kind 4: customers read a priority and a type by name ("Urgent", "Problem /
 * troubleshooting"), not by label string. The names default to the support process's and are
 * configurable per key.
 */

describe("names customers read", () => {
  test("default to the support process's priorities and request types", () => {
    const policy = defaultPolicy();
    expect(policy.priorities.map((p) => [p.key, p.name])).toEqual([
      ["production-down", "Production down"],
      ["urgent", "Urgent"],
      ["normal", "Normal"],
    ]);
    expect(policy.types.map((t) => [t.key, t.name])).toEqual([
      ["add-remove-user", "Add/remove user"],
      ["change-request", "Change request"],
      ["guidance", "Guidance & usage support"],
      ["on-call", "On-call"],
      ["problem", "Problem / troubleshooting"],
      ["other", "Other"],
    ]);
  });

  test("are set per key, merged like every other field; a new key is named after its key", () => {
    const result = parseConfig(
      [
        "priorities:",
        '  urgent: { name: "P2 - urgent" }',
        "  high-impact: { response: 2h }",
        "types:",
        '  problem: { name: "Incident" }',
        "  billing: {}",
      ].join("\n"),
    );
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const byKey = <T extends { key: string }>(items: T[], key: string) => items.find((i) => i.key === key);
    expect(byKey(result.policy.priorities, "urgent")).toMatchObject({
      name: "P2 - urgent",
      label: "priority: urgent",
    });
    expect(byKey(result.policy.priorities, "high-impact")?.name).toBe("High impact");
    expect(byKey(result.policy.types, "problem")).toMatchObject({ name: "Incident", label: "type: problem" });
    expect(byKey(result.policy.types, "billing")?.name).toBe("Billing");
  });

  test("a blank or over-long name is a problem that says what to write", () => {
    const result = parseConfig(
      `priorities:\n  urgent: { name: "  " }\ntypes:\n  other: { name: "${"x".repeat(81)}" }\n`,
    );
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.problems.map(formatProblem);
    expect(lines).toEqual([
      expect.stringMatching(
        /^priorities\.urgent\.name: a name cannot be blank; write what customers should read, e\.g\. "Urgent"/,
      ),
      expect.stringMatching(/^types\.other\.name: is 81 characters long; at most 80 are allowed here/),
    ]);
  });
});

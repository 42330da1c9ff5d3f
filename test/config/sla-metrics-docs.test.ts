import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { formatProblem, parseConfig } from "../../src/config/load.js";
import { defaultLadder } from "../../src/domain/timers/ladder.js";

/* The README's "SLA metrics" section: every example config in it is a valid config that says what the text says. */

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const start = readme.indexOf("\n## SLA metrics\n");
const section = readme.slice(start, readme.indexOf("\n## ", start + 1));
const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");

describe('README, "SLA metrics"', () => {
  test("has a section with an example for each metric and for the ladder", () => {
    expect(start).toBeGreaterThan(0);
    for (const heading of [
      "`first_response`",
      "`next_reply`",
      "`resolution`",
      "`updates`",
      "`post_mortem`",
    ]) {
      expect(section, heading).toMatch(new RegExp(`\\n### ${heading}`));
    }
    expect(section).toContain("\n### The escalation ladder\n");
    expect(examples.length).toBeGreaterThanOrEqual(7);
  });

  test.each(examples.map((text, i) => [i, text]))("example %i is a valid config", (_, text) => {
    const result = parseConfig(text);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([]);
  });

  test("the written-out default ladder is the default ladder, for a priority that pages", () => {
    const text = examples.find(
      (example) => example.includes("name: breach") && !example.includes("name: lead"),
    );
    const result = parseConfig(text ?? "");
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const urgent = result.policy.priorities.find((p) => p.key === "urgent");
    if (!urgent?.page) throw new Error("urgent pages by default");
    const defaults = parseConfig("");
    if (!defaults.ok) throw new Error("the empty config is valid");
    expect(defaults.policy.escalation.levels).toBeNull();
    expect(result.policy.escalation.levels).toEqual(defaultLadder(defaults.policy, urgent));
  });
});

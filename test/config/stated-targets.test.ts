import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crossCheck, statedTargetProblems } from "../../src/config/cross-check.js";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { agrees, findStatedTargets, responsePromise } from "../../src/domain/forms/promise.js";
import type { PriorityPolicy } from "../../src/domain/policy.js";
import { testPolicy } from "../helpers/policy.js";

const CORPUS = join(import.meta.dirname, "../fixtures/forms-corpus");
const corpusForms = readdirSync(CORPUS).filter((f) => /\.ya?ml$/.test(f) && !f.endsWith("__config.yml"));

type Target = Pick<PriorityPolicy, "response" | "clock">;
const UNITS = [1_000, 60_000, 3_600_000];

const targets: fc.Arbitrary<Target> = fc.oneof(
  fc.constant<Target>({ response: { kind: "next-business-day" }, clock: "business" }),
  fc.record({
    response: fc
      .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom(...UNITS))
      .map(([n, unit]) => ({ kind: "duration" as const, ms: n * unit })),
    clock: fc.constantFrom("business" as const, "calendar" as const),
  }),
);

const same = (a: Target, b: Target) =>
  a.clock === b.clock &&
  a.response.kind === b.response.kind &&
  (a.response.kind !== "duration" || (b.response.kind === "duration" && a.response.ms === b.response.ms));

describe("the promise grammar", () => {
  it("reads back every promise init writes as agreeing with its target, and with no other", () => {
    fc.assert(
      fc.property(targets, targets, (written, other) => {
        const found = findStatedTargets(`**Urgent**: blocking your work; ${responsePromise(written)}.`);
        expect(found).toHaveLength(1);
        const stated = found[0]?.target;
        if (!stated) return;
        expect(agrees(stated, written)).toBe(true);
        expect(agrees(stated, other)).toBe(same(written, other));
      }),
    );
  });

  it("reads what people write by hand: words for numbers, list markers, __bold__, no clock", () => {
    expect(
      findStatedTargets(
        [
          "- **Urgent:** we aim to respond within one business hour",
          "__Production down__: our response is within 30 minutes 24/7.",
          "1. **Normal**: we respond the next business day",
          "**Low**: we respond within 2 hours",
        ].join("\n"),
      ),
    ).toEqual([
      {
        priority: "Urgent",
        phrase: "respond within one business hour",
        target: { kind: "duration", ms: 3_600_000, clock: "business" },
        line: 0,
      },
      {
        priority: "Production down",
        phrase: "response is within 30 minutes 24/7",
        target: { kind: "duration", ms: 1_800_000, clock: "calendar" },
        line: 1,
      },
      {
        priority: "Normal",
        phrase: "respond the next business day",
        target: { kind: "next-business-day" },
        line: 2,
      },
      {
        priority: "Low",
        phrase: "respond within 2 hours",
        target: { kind: "duration", ms: 7_200_000, clock: null },
        line: 3,
      },
    ]);
  });

  it("a time without an unstated clock agrees with either clock; next business day only with next-business-day", () => {
    const [stated] = findStatedTargets("**Urgent**: we respond within 60 minutes");
    if (!stated) throw new Error("not found");
    expect(agrees(stated.target, { response: { kind: "duration", ms: 3_600_000 }, clock: "business" })).toBe(
      true,
    );
    expect(agrees(stated.target, { response: { kind: "duration", ms: 3_600_000 }, clock: "calendar" })).toBe(
      true,
    );
    expect(agrees(stated.target, { response: { kind: "next-business-day" }, clock: "business" })).toBe(false);
  });

  it.each([
    ["no bold priority name", "Urgent requests: we respond within 3 hours"],
    ["the bold name not at the start of the line", "Pick **Urgent** if blocked; we respond within 3 hours"],
    ["days are not a unit it reads", "**Urgent**: we respond within 2 days"],
    ["a range is not one target", "**Urgent**: we respond within 1-2 hours"],
    ["the promise on the next line", "**Urgent**: blocking your work.\nWe respond within 3 hours."],
    ["no promise verb", "**Urgent**: within 3 hours"],
  ])("%s: not a stated target", (_name, text) => {
    expect(findStatedTargets(text)).toEqual([]);
  });
});

describe("stated targets in forms", () => {
  it("none of the public forms of the corpus states a target, so the check stays silent on all of them", () => {
    const policy = testPolicy();
    for (const file of corpusForms) {
      const text = readFileSync(join(CORPUS, file), "utf8");
      const parsed = parseIssueForm(text);
      if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.join("; ")}`);
      expect(statedTargetProblems(policy, file, text), file).toEqual([]);
      for (const p of policy.priorities) p.response = { kind: "duration", ms: 7 * 3_600_000 };
      expect(statedTargetProblems(policy, file, text), file).toEqual([]);
    }
  });

  it("finds the line of a promise in a folded or quoted value, and of each of two in one value", () => {
    const policy = testPolicy();
    const form = [
      "name: Help",
      "description: Ask us",
      "body:",
      "  - type: dropdown",
      "    id: priority",
      "    attributes:",
      "      label: Priority",
      '      description: "**Urgent**: we respond within 2 business hours.\\n**Normal**: we respond within 8 business hours."',
      "      options: [Urgent, Normal]",
      "  - type: textarea",
      "    attributes:",
      "      label: What",
      "      description: >-",
      "        **Urgent**: we respond",
      "        within 3 business hours.",
      "",
    ].join("\n");
    expect(statedTargetProblems(policy, "help.yml", form)).toEqual([
      expect.stringMatching(
        /^\.github\/ISSUE_TEMPLATE\/help\.yml: body\[0\]\.attributes\.description: says "respond within 2 business hours" for Urgent, .* \(line 8\)$/,
      ),
      expect.stringMatching(
        /^\.github\/ISSUE_TEMPLATE\/help\.yml: body\[0\]\.attributes\.description: says "respond within 8 business hours" for Normal, but priorities\.normal\.response is next-business-day on the business clock; .*change "respond within 8 business hours" to "respond by the end of the next business day" \(line 8\)$/,
      ),
      expect.stringMatching(
        /body\[1\]\.attributes\.description: says "respond within 3 business hours" for Urgent, .* \(line 13\)$/,
      ),
    ]);
  });

  it("crossCheck checks stated targets only for forms given with their text", () => {
    const policy = testPolicy();
    const text = readFileSync(join(import.meta.dirname, "../../.github/ISSUE_TEMPLATE/other.yml"), "utf8");
    const parsed = parseIssueForm(text);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const urgent = policy.priorities.find((p) => p.key === "urgent");
    if (!urgent) throw new Error("no urgent");
    urgent.response = { kind: "duration", ms: 2 * 3_600_000 };
    const onlyOther = { ...policy, types: policy.types.filter((t) => t.key === "other") };
    expect(crossCheck(onlyOther, [{ file: "other.yml", form: parsed.form }])).toEqual([]);
    expect(
      crossCheck(onlyOther, [{ file: "other.yml", form: parsed.form, text }], { configPath: "sla.yml" }),
    ).toEqual([expect.stringContaining("run `support-sla init --config sla.yml --force`")]);
  });
});

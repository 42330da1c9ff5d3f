import { describe, expect, test } from "vitest";
import { defaultPolicy, formatProblem, parseConfig } from "../../src/config/load.js";
import {
  applyLabelPlan,
  ensureRepoLabels,
  labelDefinition,
  MAX_LABEL_DESCRIPTION_CHARS,
  ownedLabels,
  planLabels,
  teamLabels,
} from "../../src/github/labels.js";
import type { GitHub } from "../../src/github/octokit.js";

/* The labels the app creates in a repository: colours, descriptions, and the team's own labels (issue 12). */

const ISSUE = { owner: "acme", repo: "support", issue_number: 7 };

function policyOf(text: string) {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.policy;
}

/** A GitHub client that records every call; `createStatus` answers createLabel with that error status. */
function recordingGitHub(createStatus?: number) {
  const calls: Array<[string, Record<string, unknown>]> = [];
  const call = (name: string) => async (args: Record<string, unknown>) => {
    calls.push([name, args]);
    if (name === "createLabel" && createStatus !== undefined) {
      throw Object.assign(new Error(`HTTP ${createStatus}`), { status: createStatus });
    }
    return { data: {} };
  };
  const gh = {
    rest: {
      issues: {
        createLabel: call("createLabel"),
        addLabels: call("addLabels"),
        removeLabel: call("removeLabel"),
      },
    },
  } as unknown as GitHub;
  return { gh, calls };
}

describe("the labels the app owns", () => {
  test("the waiting label by default; the resolved label only when configured", () => {
    expect(teamLabels(defaultPolicy())).toEqual([
      {
        name: "status: waiting for customer",
        color: "fef2c0",
        description: "Waiting for the customer's answer: the resolution clock is paused",
      },
    ]);
    expect(teamLabels(policyOf('labels: { waiting: "on hold", resolved: "status: resolved" }\n'))).toEqual([
      expect.objectContaining({ name: "on hold" }),
      {
        name: "status: resolved",
        color: "0e8a16",
        description: "Resolved: meets the resolution target, as closing the issue does",
      },
    ]);
  });

  test("a ladder's own labels, once each; the at-risk and breached labels are not repeated", () => {
    const policy = policyOf(
      [
        "escalation:",
        "  levels:",
        '    - { name: at-risk, at: 80%, label: "sla: at risk" }',
        '    - { name: lead, at: "+1h", label: "sla: escalated" }',
        '    - { name: director, at: "+4h", label: "sla: escalated", comment: true }',
      ].join("\n"),
    );
    const names = ownedLabels(policy).map((label) => label.name);
    expect(names.filter((name) => name === "sla: at risk")).toHaveLength(1);
    expect(names.filter((name) => name === "sla: escalated")).toHaveLength(1);
    expect(labelDefinition(policy, "SLA: Escalated")).toEqual({
      name: "sla: escalated",
      color: "e99695",
      description: "SLA escalation level lead",
    });
  });

  test("every owned label fits GitHub's rules: 6 hex digits, a description of at most 100 characters", () => {
    const policy = policyOf(
      [
        'labels: { resolved: "status: resolved" }',
        "escalation:",
        "  levels:",
        `    - { name: ${"a".repeat(40)}, at: 80%, label: "sla: level of a long name" }`,
      ].join("\n"),
    );
    for (const label of ownedLabels(policy)) {
      expect(label.color, label.name).toMatch(/^[0-9a-f]{6}$/);
      expect(label.description.length, label.name).toBeGreaterThan(0);
      expect(label.description.length, label.name).toBeLessThanOrEqual(MAX_LABEL_DESCRIPTION_CHARS);
    }
  });
});

describe("creating labels in the repository", () => {
  test("an intake plan creates the missing intake labels and the team's labels, adds only the intake ones", async () => {
    const policy = policyOf('labels: { resolved: "status: resolved" }\n');
    const { gh, calls } = recordingGitHub();
    const repoLabels = new Set(["type: problem"]);
    const plan = planLabels(["type: problem"], ["type: problem", "priority: urgent"], policy);
    await applyLabelPlan(gh, ISSUE, plan, repoLabels);
    expect(calls).toEqual([
      [
        "createLabel",
        {
          owner: "acme",
          repo: "support",
          name: "priority: urgent",
          color: "d93f0b",
          description: "Blocking work or affecting end users",
        },
      ],
      ["createLabel", { owner: "acme", repo: "support", ...teamLabels(policy)[0] }],
      ["createLabel", { owner: "acme", repo: "support", ...teamLabels(policy)[1] }],
      ["addLabels", { ...ISSUE, labels: ["priority: urgent"] }],
    ]);
    expect([...repoLabels].sort()).toEqual([
      "priority: urgent",
      "status: resolved",
      "status: waiting for customer",
      "type: problem",
    ]);
  });

  test("labels the repository has (in any case) are not created again; the next intake makes no call", async () => {
    const policy = defaultPolicy();
    const { gh, calls } = recordingGitHub();
    const repoLabels = new Set(["type: problem", "priority: urgent", "status: waiting for customer"]);
    await applyLabelPlan(
      gh,
      ISSUE,
      planLabels(["type: problem"], ["type: problem", "Priority: Urgent"], policy),
      repoLabels,
    );
    // Added as the policy spells it.
    expect(calls).toEqual([["addLabels", { ...ISSUE, labels: ["priority: urgent"] }]]);
    calls.length = 0;
    await applyLabelPlan(
      gh,
      ISSUE,
      planLabels(["type: problem", "priority: urgent"], ["type: problem", "priority: urgent"], policy),
      repoLabels,
    );
    expect(calls).toEqual([]);
  });

  test("422 (the label exists: made meanwhile) is what was wanted; other errors are thrown", async () => {
    const waiting = teamLabels(defaultPolicy());
    const exists = recordingGitHub(422);
    const repoLabels = new Set<string>();
    await ensureRepoLabels(exists.gh, ISSUE, waiting, repoLabels);
    expect(repoLabels.has("status: waiting for customer")).toBe(true);
    const forbidden = recordingGitHub(403);
    const other = new Set<string>();
    await expect(ensureRepoLabels(forbidden.gh, ISSUE, waiting, other)).rejects.toMatchObject({
      status: 403,
    });
    expect(other.size).toBe(0);
  });
});

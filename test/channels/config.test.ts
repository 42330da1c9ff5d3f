import { describe, expect, it } from "vitest";
import { formatProblem, parseConfig } from "../../src/config/load.js";

/** The `channels` section of `.github/support-sla.yml` (issue 13), as check-config reports it. */

function problems(yaml: string): string[] {
  const result = parseConfig(yaml, { source: "support-sla.yml" });
  return result.ok ? [] : result.problems.map(formatProblem);
}

describe("channels config", () => {
  it("reads the mapping of the issue's example, defaults applied", () => {
    const result = parseConfig(
      [
        "channels:",
        "  pagerduty:",
        '    services: ["PSERVICE1"]',
        "    type: on-call",
        "    urgency: { high: production-down, low: urgent }",
        "    users: { PUSER01: alice }",
        "    close_on_resolve: false",
        "  slack:",
        '    channels: ["C0123ABCD"]',
      ].join("\n"),
    );
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    expect(result.policy.channels).toEqual({
      pagerduty: {
        services: ["PSERVICE1"],
        type: "on-call",
        urgency: { high: "production-down", low: "urgent" },
        users: { PUSER01: "alice" },
        closeOnResolve: false,
        notes: false,
      },
      slack: { channels: ["C0123ABCD"], type: null, priority: "urgent" },
    });
  });

  it("claims nothing without a channels section", () => {
    const result = parseConfig("timezone: Europe/Brussels\n");
    expect(result.ok && result.policy.channels).toEqual({ pagerduty: null, slack: null });
  });

  it("lists every wrong value with its path and line", () => {
    const found = problems(
      [
        "channels:",
        "  pagerduty:",
        '    services: ["#support-phone"]',
        "    type: oncall",
        "    urgency: { high: sev1 }",
        '    users: { PUSER01: "not a login" }',
        "  slack:",
        '    channels: ["#help"]',
        "    priority: p1",
      ].join("\n"),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/channels\.pagerduty\.services\[0\].*not a PagerDuty service id.*\(line 3\)/),
        expect.stringMatching(/channels\.pagerduty\.users\.PUSER01.*not a GitHub login/),
        expect.stringMatching(/channels\.slack\.channels\[0\].*not a Slack channel id.*not its name/),
      ]),
    );
  });

  it("cross-checks the types and priorities it names once the rest is valid", () => {
    const found = problems(
      [
        "channels:",
        "  pagerduty:",
        '    services: ["PSERVICE1"]',
        "    type: oncall",
        "    urgency: { high: sev1 }",
        "  slack:",
        '    channels: ["C0123ABCD"]',
        "    priority: p1",
      ].join("\n"),
    );
    expect(found.join("\n")).toMatch(/channels\.pagerduty\.type: oncall is not a configured type/);
    expect(found.join("\n")).toMatch(/channels\.pagerduty\.urgency\.high: sev1 is not a configured priority/);
    expect(found.join("\n")).toMatch(/channels\.slack\.priority: p1 is not a configured priority/);
  });
});

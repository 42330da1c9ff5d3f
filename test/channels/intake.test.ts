import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { channelSetsField, findOpenedIssue, pinnedForms } from "../../src/channels/intake.js";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { AppIdentity } from "../../src/github/app-identity.js";
import type { GitHub } from "../../src/github/octokit.js";

/** What a channel-opened issue asks for, and which issue a retry takes as the channel's own. */

function form(text: string) {
  const parsed = parseIssueForm(text);
  if (!parsed.ok) throw new Error(parsed.problems.join("\n"));
  return parsed.form;
}

const problem = {
  file: "problem.yml",
  form: form(readFileSync(".github/ISSUE_TEMPLATE/problem.yml", "utf8")),
};

/** A form with a request-type dropdown, as a provider's own form might have. */
const typed = {
  file: "request.yml",
  form: form(
    [
      "name: Request",
      "description: Any request",
      "body:",
      "  - type: dropdown",
      "    attributes:",
      "      label: Request type",
      "      options: [Problem, Guidance]",
      "    validations: { required: true }",
      "  - type: dropdown",
      "    id: priority",
      "    attributes:",
      "      label: How urgent is it?",
      "      options: [Low, Urgent]",
      "    validations: { required: true }",
      "  - type: textarea",
      "    id: details",
      "    attributes: { label: Details }",
      "    validations: { required: true }",
      "",
    ].join("\n"),
  ),
};

const link = (typeGiven?: boolean) => ({
  kind: "slack" as const,
  type: "problem",
  priority: "urgent",
  detail: JSON.stringify(typeGiven === undefined ? {} : { typeGiven }),
});

const labels = (f: { form: { fields: Array<{ label: string }> } } | undefined) =>
  f?.form.fields.map((x) => x.label);

describe("the fields a channel sets itself", () => {
  it("drops the priority field (by id or by its 'Priority' label) and keeps every other field", () => {
    expect(labels(problem)).toContain("Priority");
    const [pinned] = pinnedForms([problem], link());
    expect(labels(pinned)).toEqual(labels(problem)?.filter((l) => l !== "Priority"));
    expect(labels(pinnedForms([typed], link())[0])).toEqual(["Request type", "Details"]);
  });

  it("drops a type field only when the request named its type", () => {
    expect(labels(pinnedForms([typed], link(true))[0])).toEqual(["Details"]);
    expect(channelSetsField({ id: null, label: "Request type" }, link(false))).toBe(false);
    expect(channelSetsField({ id: "type", label: "Kind" }, link(true))).toBe(true);
    expect(channelSetsField({ id: null, label: "Type" }, { ...link(), detail: "not json" })).toBe(false);
  });
});

describe("the issue an interrupted attempt opened", () => {
  const self = new AppIdentity(async () => ({ id: 42, slug: "support-sla" }));
  const marker = "<!-- support-sla:pagerduty-incident:Q1ABCDEF -->";
  const issue = (number: number, login: string, type: string, body: string) => ({
    number,
    title: `#${number}`,
    body,
    html_url: `https://github.com/acme/portal/issues/${number}`,
    created_at: "2025-03-03T10:00:00Z",
    updated_at: "2025-03-03T10:00:00Z",
    user: { login, type },
  });
  function github(list: unknown[]) {
    const calls: Array<Record<string, unknown>> = [];
    const gh = {
      paginate: async (route: string, params: Record<string, unknown>) => {
        calls.push({ route, ...params });
        return list;
      },
    } as unknown as GitHub;
    return { gh, calls };
  }
  const link = { repo: "acme/portal", created_at: Date.parse("2025-03-03T10:00:00Z") };

  it("takes the app's own issue with the marker, never a customer's issue quoting it", async () => {
    const { gh, calls } = github([
      issue(3, "mallory", "User", `copied: ${marker}`),
      issue(2, "support-sla[bot]", "Bot", `${marker}\nthe incident`),
    ]);
    expect((await findOpenedIssue(gh, self, link, marker))?.number).toBe(2);
    expect(calls).toEqual([
      expect.objectContaining({
        route: "GET /repos/{owner}/{repo}/issues",
        owner: "acme",
        repo: "portal",
        state: "all",
        since: "2025-03-03T09:59:00.000Z",
      }),
    ]);
  });

  it("finds nothing when only a customer's issue (or another bot's) carries the marker", async () => {
    const { gh } = github([issue(3, "mallory", "User", marker), issue(4, "other-app[bot]", "Bot", marker)]);
    expect(await findOpenedIssue(gh, self, link, marker)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { parseIssueForm, parseTemplateConfig } from "../../../src/domain/forms/form.js";

function problems(yaml: string): string[] {
  const result = parseIssueForm(yaml);
  return result.ok ? [] : result.problems;
}

const HEAD = "name: Bug\ndescription: Report a bug\n";

describe("parseIssueForm", () => {
  it("reads every element type; markdown is not a field", () => {
    const result = parseIssueForm(`${HEAD}title: "[Bug]: "
labels: bug, needs triage
assignees: [octocat]
projects: "acme/1"
type: Bug
body:
  - type: markdown
    attributes: { value: "Thanks!" }
  - type: input
    id: version
    attributes: { label: Version, placeholder: "1.0", value: "" }
    validations: { required: true }
  - type: textarea
    attributes: { label: Logs, render: shell }
  - type: dropdown
    id: os
    attributes:
      label: OS
      multiple: true
      options: [Linux, 1.10, "Yes"]
      default: 1
  - type: checkboxes
    id: terms
    attributes:
      label: Terms
      options:
        - label: I agree
          required: true
        - label: Subscribe me
`);
    expect(result).toEqual({
      ok: true,
      form: {
        name: "Bug",
        description: "Report a bug",
        title: "[Bug]: ",
        labels: ["bug", "needs triage"],
        assignees: ["octocat"],
        projects: ["acme/1"],
        issueType: "Bug",
        fields: [
          {
            index: 1,
            type: "input",
            id: "version",
            label: "Version",
            description: null,
            required: true,
            placeholder: "1.0",
            value: "",
          },
          {
            index: 2,
            type: "textarea",
            id: null,
            label: "Logs",
            description: null,
            required: false,
            placeholder: null,
            value: null,
            render: "shell",
          },
          {
            index: 3,
            type: "dropdown",
            id: "os",
            label: "OS",
            description: null,
            required: false,
            options: ["Linux", "1.10", "Yes"],
            multiple: true,
            default: 1,
          },
          {
            index: 4,
            type: "checkboxes",
            id: "terms",
            label: "Terms",
            description: null,
            required: true,
            options: [
              { label: "I agree", required: true },
              { label: "Subscribe me", required: false },
            ],
          },
        ],
      },
    });
  });

  it("lists every problem of a bad form as path: message", () => {
    expect(
      problems(`name: ""
labels: [ok, 3, ""]
color: red
body:
  - type: dropdown
    attributes: { label: Priority }
  - type: checkboxes
    id: "bad id"
    attributes: { label: Agree, options: [] }
  - type: select
    attributes: { label: X }
  - type: input
    id: v
    attributes: { label: Version }
  - type: textarea
    id: v
    attributes: { label: " Version ", rows: 3 }
    validations: { required: maybe }
  - type: markdown
    id: note
    attributes: {}
  - type: dropdown
    attributes: { label: Size, options: [S, M, S], default: 7 }
  - type: input
    attributes: {}
  - "just text"
`),
    ).toEqual([
      "color: unknown key (allowed: name, description, title, labels, assignees, projects, type, body)",
      "name: must not be empty",
      "description: required",
      "labels[2]: must not be empty",
      "body[0].attributes.options: required for a dropdown",
      'body[1].id: "bad id" may only contain letters, digits, "-" and "_"',
      "body[1].attributes.options: must be a non-empty list of { label, required }",
      'body[2].type: unknown element type "select" (allowed: markdown, input, textarea, dropdown, checkboxes)',
      "body[4].attributes.rows: unknown key (allowed: label, description, placeholder, value, render)",
      "body[4].validations.required: must be true or false",
      'body[4].id: "v" is already used by body[3]',
      'body[4].attributes.label: "Version" is already used by body[3]; labels must be unique',
      "body[5].id: not allowed on a markdown element",
      "body[5].attributes.value: required",
      'body[6].attributes.options[2]: "S" is listed twice; choices must be distinct',
      "body[6].attributes.default: 7 is out of range: there are 3 options",
      "body[7].attributes.label: required",
      "body[8]: must be a mapping of keys to values",
    ]);
  });

  it("compares labels for uniqueness as headings are matched: case kept, spacing and invisibles not", () => {
    const body = (a: string, b: string) =>
      `${HEAD}body:\n  - type: input\n    attributes: { label: "${a}" }\n  - type: input\n    attributes: { label: "${b}" }\n`;
    expect(problems(body("Version", "version"))).toEqual([]);
    expect(problems(body("Your  version", "\u200BYour version"))).toHaveLength(1);
  });

  it("requires a non-empty body and a mapping at the top", () => {
    expect(problems(HEAD)).toEqual(["body: required: a list of form elements"]);
    expect(problems(`${HEAD}body: []`)).toEqual(["body: must be a non-empty list of form elements"]);
    expect(problems("- just\n- a list\n")).toEqual([
      "(root): an issue form must be a mapping with name, description and body",
    ]);
    expect(problems("")).toEqual(["(root): an issue form must be a mapping with name, description and body"]);
  });

  it("reports YAML syntax errors with their position, and never throws", () => {
    const [first] = problems(`${HEAD}body:\n  - type: input\n    attributes: { label: [unclosed\n`);
    expect(first).toMatch(/^yaml: .*line \d+, column \d+/);
    expect(problems(`${HEAD}name: twice\nbody: []`)[0]).toMatch(/^yaml: Map keys must be unique/);
    expect(() => parseIssueForm("a: &a [*a, *a]\nb: *a")).not.toThrow();
    expect(() => parseIssueForm("\u0000\uFFFF: [")).not.toThrow();
    expect(problems("!!binary aGVsbG8=")).toEqual([
      "(root): an issue form must be a mapping with name, description and body",
    ]);
    expect(problems("---\nname: a\n---\nname: b\n")[0]).toMatch(/^yaml: Source contains multiple documents/);
  });

  it("refuses an alias bomb instead of expanding it", () => {
    let yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 0, prev = "a"; i < 9; prev = `n${i}`, i++)
      yaml += `n${i}: &n${i} [${`*${prev}, `.repeat(8)}*${prev}]\n`;
    expect(problems(yaml)).toEqual(["yaml: Excessive alias count indicates a resource exhaustion attack"]);
    expect(parseTemplateConfig(yaml)).toEqual({
      ok: false,
      problems: ["yaml: Excessive alias count indicates a resource exhaustion attack"],
    });
  });

  it("accepts YAML 1.1 booleans, as GitHub's parser reads them", () => {
    const result = parseIssueForm(
      `${HEAD}body:\n  - type: input\n    attributes: { label: A }\n    validations: { required: yes }\n`,
    );
    expect(result.ok && result.form.fields[0]?.required).toBe(true);
  });
});

describe("parseTemplateConfig", () => {
  it("reads the chooser config, with GitHub's defaults for what is left out", () => {
    expect(parseTemplateConfig("")).toEqual({
      ok: true,
      config: { blankIssuesEnabled: true, contactLinks: [] },
    });
    expect(
      parseTemplateConfig(
        "blank_issues_enabled: false\ncontact_links:\n  - { name: Call us, url: 'tel:+3230000000', about: 24/7 }\n",
      ),
    ).toEqual({
      ok: true,
      config: {
        blankIssuesEnabled: false,
        contactLinks: [{ name: "Call us", url: "tel:+3230000000", about: "24/7" }],
      },
    });
  });

  it("lists every problem as path: message", () => {
    const result = parseTemplateConfig(`blank_issues_enabled: sometimes
contact_links:
  - name: Chat
    url: not a url
    about: Talk to us
  - url: https://example.com
  - name: Docs
    url: ftp://example.com
    about: Read
    icon: book
extra: 1
`);
    expect(result).toEqual({
      ok: false,
      problems: [
        "extra: unknown key (allowed: blank_issues_enabled, contact_links)",
        "blank_issues_enabled: must be true or false",
        'contact_links[0].url: "not a url" is not an absolute http(s), mailto: or tel: URL',
        "contact_links[1].name: required",
        "contact_links[1].about: required",
        "contact_links[2].icon: unknown key (allowed: name, url, about)",
        'contact_links[2].url: "ftp://example.com" is not an absolute http(s), mailto: or tel: URL',
      ],
    });
    expect(parseTemplateConfig("contact_links: nope")).toEqual({
      ok: false,
      problems: ["contact_links: must be a list of { name, url, about }"],
    });
  });
});

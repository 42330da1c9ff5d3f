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
    attributes: { label: Version, placeholder: "1.0", value: "v" }
    validations: { required: true }
  - type: textarea
    attributes: { label: Logs, render: shell }
  - type: dropdown
    id: os
    attributes:
      label: OS
      multiple: true
      options: [Linux, "1.10", "Yes", "010"]
      default: 1
  - type: checkboxes
    id: terms
    attributes:
      label: Terms
      options:
        - label: I agree
          required: true
        - label: Subscribe me
  - type: upload
    id: shots
    attributes: { label: Screenshots }
    validations: { required: true, accept: ".png, .log" }
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
            value: "v",
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
            // GitHub shows unquoted numbers as Ruby prints them: 1.10 is 1.1, octal 010 is 8.
            options: ["Linux", "1.10", "Yes", "010"],
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
          {
            index: 5,
            type: "upload",
            id: "shots",
            label: "Screenshots",
            description: null,
            required: true,
            accept: ".png, .log",
          },
        ],
      },
    });
  });

  it("lists every problem of a bad form as path: message and line, each saying how to fix it", () => {
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
      "color: is not a permitted key here; remove it (allowed: name, description, title, labels, assignees, projects, type, body) (line 3)",
      "name: must not be empty or blank; write the text (line 1)",
      "description: required: add description: with its text (line 1)",
      'labels[1]: must be text: GitHub\'s YAML reads the unquoted 3 as a number; quote it: "3" (line 2)',
      "labels[2]: must not be empty or blank; write the text (line 2)",
      "body[0].attributes.options: required for a dropdown: add options: with a list of choices (line 6)",
      'body[1].id: "bad id" can only contain letters, digits, - and _; remove the other characters (line 8)',
      "body[1].attributes.options: must be a non-empty list of checkboxes; write at least one (- label: …) (line 9)",
      'body[2].type: "select" is not a valid input type; use one of markdown, input, textarea, dropdown, checkboxes, upload (line 10)',
      "body[4].attributes.rows: is not a permitted key here; remove it (allowed: label, description, placeholder, value, render) (line 17)",
      'body[4].validations.required: must be true or false, unquoted ("maybe" is text) (line 18)',
      'body[4].id: "v" is already the id of body[3]; ids must be unique: change one of them (line 16)',
      "body[5].id: markdown elements take no id; remove it (line 20)",
      "body[5].attributes.value: required: add value: with its text (line 21)",
      'body[6].attributes.options[2]: "S" is already options[0]; options must be unique: remove or rename one (line 23)',
      "body[6].attributes.default: 7 is larger than the last index (2): there are 3 options and 0 is the first; use an index from 0 to 2 (line 23)",
      "body[7].attributes.label: required: add label: with its text (line 25)",
      "body[8]: must be a mapping of keys to values (type, id, attributes, validations), not text (line 26)",
    ]);
  });

  it("reads scalars as GitHub's Psych does: YAML 1.1 booleans must be quoted where text is wanted", () => {
    const options = (list: string) =>
      problems(
        `${HEAD}body:\n  - type: dropdown\n    attributes:\n      label: Pick\n      options: ${list}\n`,
      );
    // Psych's booleans: yes/no/true/false/on/off in any case; `y` and `n` stay text.
    for (const word of ["Yes", "No", "yes", "NO", "true", "False", "on", "OFF", "yEs"]) {
      const value = /^(yes|true|on)$/i.test(word);
      expect(options(`[${word}, Maybe]`), word).toEqual([
        `body[0].attributes.options[0]: options must not include booleans: GitHub's YAML reads the unquoted ${word} as the boolean ${value}; quote it: "${word}" (line 7)`,
      ]);
    }
    expect(options("[y, n, \"Yes\", 'No', Maybe]")).toEqual([]);
    expect(options("[2024-01-31, :sym, ~]")).toEqual([
      'body[0].attributes.options[0]: must be text: GitHub\'s YAML reads the unquoted 2024-01-31 as a date; quote it: "2024-01-31" (line 7)',
      'body[0].attributes.options[1]: must be text: GitHub\'s YAML reads the unquoted :sym as a Ruby symbol; quote it: ":sym" (line 7)',
      "body[0].attributes.options[2]: is empty: write the choice, or remove the line (line 7)",
    ]);
    // Labels, names, ids: text only; a boolean or a number there is refused.
    expect(
      problems(
        `name: Bug\ndescription: yes\nbody:\n  - type: input\n    id: 12\n    attributes: { label: 1.3 }\n`,
      ),
    ).toEqual([
      'description: must be text: GitHub\'s YAML reads the unquoted yes as the boolean true; quote it: "yes" (line 2)',
      'body[0].id: must be text: GitHub\'s YAML reads the unquoted 12 as a number; quote it: "12" (line 5)',
      'body[0].attributes.label: must be text: GitHub\'s YAML reads the unquoted 1.3 as a number; quote it: "1.3" (line 6)',
    ]);
  });

  it("refuses unquoted numbers in options, naming what customers would see instead", () => {
    // The form schema types options as strings; unquoted, GitHub shows a number as Ruby prints it.
    expect(
      problems(
        `${HEAD}body:\n  - type: dropdown\n    attributes:\n      label: Version\n      options: [1.9, 1.10, 2, 0x1F, 08:30, "1,000", 1.2.0]\n`,
      ),
    ).toEqual([
      'body[0].attributes.options[0]: options must be text, not numbers: GitHub\'s YAML reads the unquoted 1.9 as a number; quote it: "1.9" (line 7)',
      'body[0].attributes.options[1]: options must be text, not numbers (customers would see "1.1"): GitHub\'s YAML reads the unquoted 1.10 as a number; quote it: "1.10" (line 7)',
      'body[0].attributes.options[2]: options must be text, not numbers: GitHub\'s YAML reads the unquoted 2 as a number; quote it: "2" (line 7)',
      'body[0].attributes.options[3]: options must be text, not numbers (customers would see "31"): GitHub\'s YAML reads the unquoted 0x1F as a number; quote it: "0x1F" (line 7)',
      'body[0].attributes.options[4]: options must be text, not numbers (customers would see "30600"): GitHub\'s YAML reads the unquoted 08:30 as a number; quote it: "08:30" (line 7)',
    ]);
    const quoted = parseIssueForm(
      `${HEAD}body:\n  - type: dropdown\n    attributes:\n      label: Version\n      options: ["1.9", "1.10", "08:30"]\n`,
    );
    expect(quoted.ok && quoted.form.fields[0]?.type === "dropdown" && quoted.form.fields[0].options).toEqual([
      "1.9",
      "1.10",
      "08:30",
    ]);
  });

  it("refuses the reserved option None in any dropdown and in any case, and n/a beside a default", () => {
    const dropdown = (label: string, options: string, extra = "") =>
      `  - type: dropdown\n    attributes:\n      label: ${label}\n      options: ${options}\n${extra}`;
    expect(
      problems(
        `${HEAD}body:\n${dropdown("Colour", "[Red, none]")}${dropdown("Size", '["NONE", S]')}${dropdown("Team", "[A, N/A]", "      default: 0\n")}${dropdown("Kind", "[A, N/A]")}`,
      ),
    ).toEqual([
      'body[0].attributes.options[1]: "none" is a reserved word: GitHub itself offers "None" in a dropdown that is not required; remove this option (line 7)',
      'body[1].attributes.options[0]: "NONE" is a reserved word: GitHub itself offers "None" in a dropdown that is not required; remove this option (line 11)',
      'body[2].attributes.options[1]: "N/A" cannot be an option of a dropdown with a default (GitHub reserves "None" and "n/a" there); remove the option or the default (line 16)',
    ]);
  });

  it("refuses empty and blank text wherever GitHub wants a string, and takes `key:` alone as absent", () => {
    expect(
      problems(
        `name: Bug\ndescription: "  "\ntitle: ""\nassignees: "      "\nbody:\n  - type: input\n    attributes:\n      label: Name\n      description: ""\n      placeholder:\n      value:\n`,
      ),
    ).toEqual([
      "description: must not be empty or blank; write the text (line 2)",
      "title: must not be empty or blank; write the text, or remove the key (line 3)",
      "assignees: must not be empty or blank; write the text, or remove the key (line 4)",
      "body[0].attributes.description: must not be empty or blank; write the text, or remove the key (line 9)",
    ]);
  });

  it("judges labels as GitHub does: ids or references made of labels must differ", () => {
    const two = (a: string, b: string) =>
      problems(`${HEAD}body:\n  - type: textarea\n${a}  - type: textarea\n${b}`);
    const field = (label: string, id?: string) =>
      `${id ? `    id: ${id}\n` : ""}    attributes: { label: "${label}" }\n`;
    // Same label with ids (one is enough): accepted; without: refused.
    expect(two(field("Name", "name_1"), field("Name", "name_2"))).toEqual([]);
    expect(two(field("Name", "name_1"), field("Name"))).toEqual([]);
    expect(two(field("Name"), field("Name"))).toEqual([
      'body[1].attributes.label: "Name" is already the label of body[0]; labels must be unique unless the fields have ids: give one of the fields an id, or change one label (line 7)',
    ]);
    // Labels that differ only in what Rails' parameterize drops are the same reference.
    expect(two(field("Name?"), field("name ???"))).toEqual([
      'body[1].attributes.label: "name ???" is too similar to "Name?" (body[0]): GitHub reads both as "name"; give one of the fields an id, or change one label by a letter or digit (line 7)',
    ]);
    expect(two(field("Version"), field("version"))).toHaveLength(1);
    expect(two(field("Größe"), field("Grosse"))).toHaveLength(1);
    // An id that is another field's label reference clashes too.
    expect(two(field("Name?"), field("Name???????", "name"))).toEqual([
      'body[1].id: "name" is also the reference GitHub makes of the label "Name?" (body[0]); change this id, or give body[0] an id of its own (line 7)',
    ]);
    // Labels of other scripts are compared as written.
    expect(two(field("名前"), field("住所"))).toEqual([]);
    expect(two(field("名前"), field("名前"))).toHaveLength(1);
  });

  it("holds checkbox options unique among their peers and against the fields, not across checkboxes", () => {
    const boxes = (label: string, options: string[]) =>
      `  - type: checkboxes\n    attributes:\n      label: ${label}\n      options:\n${options.map((o) => `        - label: "${o}"\n`).join("")}`;
    expect(
      problems(`${HEAD}body:\n${boxes("First", ["Yes", "No"])}${boxes("Second", ["Yes", "No"])}`),
    ).toEqual([]);
    expect(problems(`${HEAD}body:\n${boxes("First", ["Yes", "yes!"])}`)).toEqual([
      'body[0].attributes.options[1].label: "yes!" is listed twice (GitHub reads both as "yes"); options must be unique: remove or rename one (line 9)',
    ]);
    const textarea = (id: string) => `  - type: textarea\n${id}    attributes: { label: Name }\n`;
    expect(problems(`${HEAD}body:\n${textarea("")}${boxes("Who", ["Name"])}`)).toEqual([
      'body[1].attributes.options[0].label: "Name" is already the label of body[0]; labels must be unique unless the fields have ids: change one of them, or give the field an id (checkbox options cannot have one) (line 10)',
    ]);
    expect(problems(`${HEAD}body:\n${textarea("    id: name_1\n")}${boxes("Who", ["Name"])}`)).toEqual([]);
  });

  it("asks for at least one field, a name of 3 characters or more and a description of 200 or fewer", () => {
    expect(
      problems(
        `name: QA\ndescription: ${"x".repeat(201)}\nbody:\n  - type: markdown\n    attributes: { value: Hi }\n`,
      ),
    ).toEqual([
      'name: "QA" is too short: GitHub does not show a template whose name has fewer than 3 characters; write a longer name (line 1)',
      "description: is 201 characters long: GitHub leaves a template whose description is longer than 200 characters out of the template chooser; shorten it (line 2)",
      "body: must contain at least one element that is not markdown (input, textarea, dropdown, checkboxes or upload): a form must ask something (line 3)",
    ]);
    expect(
      problems(
        `name: Bug\ndescription: ${"x".repeat(200)}\nbody:\n  - type: input\n    attributes: { label: A }\n`,
      ),
    ).toEqual([]);
  });

  it("refuses the keys GitHub forbids, the word password in a text label, and malformed projects", () => {
    expect(
      problems(
        `${HEAD}on: push\nprojects: [octo-org/1, "octo-org"]\nbody:\n  - type: input\n    attributes: { label: Your password }\n  - type: dropdown\n    attributes: { label: Password manager, options: [A] }\n`,
      ),
    ).toEqual([
      'on: "on" is a forbidden key: GitHub\'s YAML reads it as a boolean; remove it (allowed: name, description, title, labels, assignees, projects, type, body) (line 3)',
      'projects: "octo-org" is not a project: write it as PROJECT-OWNER/PROJECT-NUMBER, e.g. octo-org/1 (line 4)',
      'body[0].attributes.label: "Your password" contains a word GitHub forbids in the label of an input (such as "password", so that no one posts credentials in public); reword the label (line 7)',
    ]);
  });

  it("allows validations only where GitHub does: required everywhere but markdown, accept on uploads", () => {
    expect(
      problems(
        `${HEAD}body:\n  - type: markdown\n    attributes: { value: Hi }\n    validations: { required: true }\n  - type: input\n    attributes: { label: A }\n    validations: { accept: ".png" }\n  - type: checkboxes\n    attributes: { label: B, options: [{ label: C }] }\n    validations: { required: true }\n`,
      ),
    ).toEqual([
      "body[0].validations: markdown elements take no validations; remove them (line 6)",
      "body[1].validations.accept: is not a permitted key here; remove it (allowed: required) (line 9)",
    ]);
  });

  it("compares labels for uniqueness as GitHub does: case and punctuation do not tell labels apart", () => {
    const body = (a: string, b: string) =>
      `${HEAD}body:\n  - type: input\n    attributes: { label: "${a}" }\n  - type: input\n    attributes: { label: "${b}" }\n`;
    expect(problems(body("Version", "version"))).toHaveLength(1);
    expect(problems(body("Your  version", "\u200BYour version"))).toHaveLength(1);
    expect(problems(body("Order #", "Order number"))).toEqual([]);
  });

  it("requires a non-empty body and a mapping at the top", () => {
    expect(problems(HEAD)).toEqual(["body: required: a list of form elements (line 1)"]);
    expect(problems(`${HEAD}body: []`)).toEqual([
      "body: must be a non-empty list of form elements (- type: input …) (line 3)",
    ]);
    expect(problems("- just\n- a list\n")).toEqual([
      "(root): an issue form must be a mapping with name, description and body; write those keys at the top level (line 1)",
    ]);
    expect(problems("")).toEqual([
      "(root): an issue form must be a mapping with name, description and body; write those keys at the top level (line 1)",
    ]);
  });

  it("reads only the first YAML document, as GitHub does, and says so when body is beyond a ---", () => {
    expect(problems(`${HEAD}---\nbody:\n  - type: input\n    attributes: { label: A }\n`)).toEqual([
      "body: required: a list of form elements: the file has a --- line before it, and GitHub reads only what comes before that line; remove the --- (line 1)",
    ]);
    expect(
      problems(`---\n${HEAD}body:\n  - type: input\n    attributes: { label: A }\n---\nanything: [\n`),
    ).toEqual([]);
  });

  it("reads a repeated key as GitHub does: the last one counts", () => {
    const read = parseIssueForm(
      `name: QA\nname: Bug report\n${HEAD.replace("name: Bug\n", "")}body:\n  - type: input\n    attributes: { label: A }\n`,
    );
    expect(read.ok && read.form.name).toBe("Bug report");
  });

  it("reports YAML syntax errors with their line, and never throws", () => {
    expect(problems(`${HEAD}body:\n  - type: input\n    attributes: { label: [unclosed\n`)).toEqual([
      expect.stringMatching(/^yaml: .+ \(column \d+\); fix the YAML syntax \(line \d+\)$/),
    ]);
    expect(() => parseIssueForm("a: &a [*a, *a]\nb: *a")).not.toThrow();
    expect(() => parseIssueForm("\u0000\uFFFF: [")).not.toThrow();
    expect(problems("!!binary aGVsbG8=")).toEqual([
      "(root): an issue form must be a mapping with name, description and body; write those keys at the top level (line 1)",
    ]);
  });

  it("refuses an alias bomb instead of expanding it", () => {
    let yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 0, prev = "a"; i < 9; prev = `n${i}`, i++)
      yaml += `n${i}: &n${i} [${`*${prev}, `.repeat(8)}*${prev}]\n`;
    const bomb = [
      "yaml: not usable: it expands to too many values, the way an alias bomb does; write the values out instead of using aliases (*name)",
    ];
    expect(problems(yaml)).toEqual(bomb);
    expect(parseTemplateConfig(yaml)).toEqual({ ok: false, problems: bomb });
  });

  it("reads Psych's booleans where GitHub wants one, and refuses quoted ones", () => {
    const required = (value: string) =>
      parseIssueForm(
        `${HEAD}body:\n  - type: input\n    attributes: { label: A }\n    validations: { required: ${value} }\n`,
      );
    for (const yes of ["true", "yes", "On", "TRUE"]) {
      const result = required(yes);
      expect(result.ok && result.form.fields[0]?.required, yes).toBe(true);
    }
    expect(required('"true"')).toEqual({
      ok: false,
      problems: ['body[0].validations.required: must be true or false, unquoted ("true" is text) (line 6)'],
    });
    expect(required("y").ok).toBe(false);
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
        "blank_issues_enabled: false\ncontact_links:\n  - { name: Call us, url: 'https://example.com/support#phone', about: 24/7 }\n",
      ),
    ).toEqual({
      ok: true,
      config: {
        blankIssuesEnabled: false,
        contactLinks: [{ name: "Call us", url: "https://example.com/support#phone", about: "24/7" }],
      },
    });
  });

  it("flags a contact link GitHub would not show: only https:// URLs appear in the chooser", () => {
    const link = (url: string) =>
      parseTemplateConfig(`contact_links:\n  - name: Escalation\n    url: "${url}"\n    about: Call us\n`);
    const hidden = (url: string, fix: string) => ({
      ok: false,
      problems: [
        `contact_links[0].url: "${url}" is not an https:// URL: GitHub shows a contact link only when its url starts with https://, so this link would not appear in the template chooser; ${fix} (line 3)`,
      ],
    });
    const page =
      "link to an https:// page that gives the number or address instead (e.g. a section of your README)";
    expect(link("tel:+3220000000")).toEqual(hidden("tel:+3220000000", page));
    expect(link("mailto:support@example.com")).toEqual(hidden("mailto:support@example.com", page));
    expect(link("http://example.com")).toEqual(
      hidden("http://example.com", "use the https:// address of the page"),
    );
    expect(link("https://example.com").ok).toBe(true);
    for (const url of [" https://example.com", "https://example.com\\t"]) {
      expect(link(url).ok, url).toBe(false);
    }
    expect(link("https:\\\\example.com").ok).toBe(false); // YAML reads https:\example.com
    for (const url of ["https:/example.com", "https:example.com"]) {
      expect(link(url)).toEqual({
        ok: false,
        problems: [
          `contact_links[0].url: "${url}" is not an absolute https:// address: write it as https://host/path (line 3)`,
        ],
      });
    }
    expect(link("HTTPS://EXAMPLE.COM/x").ok).toBe(true);
    expect(link("https://example.com/a b")).toEqual({
      ok: false,
      problems: [
        'contact_links[0].url: "https://example.com/a b" holds a space or line break: remove it, or write a space inside the address as %20 (line 3)',
      ],
    });
  });

  it("lists every problem as path: message and line", () => {
    const result = parseTemplateConfig(`blank_issues_enabled: sometimes
contact_links:
  - name: Chat
    url: not a url
    about: Talk to us
  - url: https://example.com
  - name: Docs
    url: https://example.com/docs
    about: Yes
    icon: book
extra: 1
`);
    expect(result).toEqual({
      ok: false,
      problems: [
        "extra: is not a permitted key here; remove it (allowed: blank_issues_enabled, contact_links) (line 11)",
        'blank_issues_enabled: must be true or false, unquoted ("sometimes" is text) (line 1)',
        'contact_links[0].url: "not a url" is not a URL: write an absolute https:// address (line 4)',
        "contact_links[1].name: required: add name: with its text (line 6)",
        "contact_links[1].about: required: add about: with its text (line 6)",
        "contact_links[2].icon: is not a permitted key here; remove it (allowed: name, url, about) (line 10)",
        'contact_links[2].about: must be text: GitHub\'s YAML reads the unquoted Yes as the boolean true; quote it: "Yes" (line 9)',
      ],
    });
    expect(parseTemplateConfig("contact_links: nope")).toEqual({
      ok: false,
      problems: ["contact_links: must be a list of { name, url, about } (line 1)"],
    });
  });
});

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseIssueBody } from "../../../src/domain/forms/body.js";
import { validateForCli } from "../../../src/domain/forms/classify.js";
import {
  type Field,
  type FormDefinition,
  parseIssueForm,
  parseTemplateConfig,
} from "../../../src/domain/forms/form.js";
import { testPolicy } from "../../helpers/policy.js";
import { type Answers, renderBody } from "../../helpers/render-body.js";

// Real forms copied verbatim from public repositories: test/fixtures/forms-corpus/SOURCES.md lists them.
const CORPUS = fileURLToPath(new URL("../../fixtures/forms-corpus", import.meta.url));
const files = readdirSync(CORPUS).filter((f) => /\.ya?ml$/.test(f));
const configs = files.filter((f) => f.endsWith("__config.yml"));
const forms = files.filter((f) => !f.endsWith("__config.yml"));
const policy = testPolicy();

function read(file: string): string {
  return readFileSync(path.join(CORPUS, file), "utf8");
}

function load(file: string): FormDefinition {
  const parsed = parseIssueForm(read(file));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.join("; ")}`);
  return parsed.form;
}

const key = (field: Field) => field.id ?? field.label;

/** A plausible answer that passes validation, with the traps real answers contain. */
function validAnswer(field: Field): string | string[] {
  switch (field.type) {
    case "input":
      return `Answer to ${field.label}, cc @someone`;
    case "upload":
      return "[logs.zip](https://github.com/user-attachments/files/1/logs.zip)";
    case "textarea":
      if (field.render !== null) return "line one\n### not a heading inside the fence\n<!-- kept -->";
      return `${field.value ?? ""}\nDetails:\n\n- first, with a comma\n- second | with a pipe`.trim();
    case "dropdown":
      return field.multiple
        ? field.options.slice(0, 2)
        : (field.options[field.default ?? field.options.length - 1] ?? "");
    case "checkboxes":
      return field.options.filter((o, i) => o.required || i === 0).map((o) => o.label);
  }
}

function validAnswers(form: FormDefinition): Answers {
  return Object.fromEntries(form.fields.map((f) => [key(f), validAnswer(f)]));
}

function check(file: string, answers: Answers) {
  const form = load(file);
  const result = validateForCli({
    formText: read(file),
    formFile: file,
    bodyText: renderBody(form, answers),
    policy,
  });
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.verdict;
}

function quoted(options: string[]): string {
  return options.map((o) => `"${o}"`).join(", ");
}

/** Each way of leaving a required field unanswered, with the exact error it must produce. */
function blanks(
  form: FormDefinition,
): Array<{ name: string; answers: Answers; field: string; message: string }> {
  const base = validAnswers(form);
  return form.fields.flatMap((f) => {
    if (f.type === "checkboxes") {
      return f.options
        .filter((o) => o.required)
        .map((o) => ({
          name: `${f.label} / ${o.label}`,
          answers: { ...base, [key(f)]: (base[key(f)] as string[]).filter((l) => l !== o.label) },
          field: key(f),
          message: `missing — tick "${o.label}"`,
        }));
    }
    if (!f.required) return [];
    const what =
      f.type === "dropdown"
        ? `${f.multiple ? "choose one or more of" : "choose one of"} ${quoted(f.options)}`
        : "add it";
    return [
      {
        name: f.label,
        answers: { ...base, [key(f)]: undefined },
        field: key(f),
        message: `missing — ${what}`,
      },
    ];
  });
}

describe("issue forms from public repositories", () => {
  it("holds the 27 files SOURCES.md lists", () => {
    expect(forms.length).toBeGreaterThanOrEqual(16);
    expect(configs.length).toBeGreaterThanOrEqual(11);
  });

  it.each(forms)("%s parses without problems", (file) => {
    const parsed = parseIssueForm(read(file));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(parsed.ok && parsed.form.fields.length).toBeGreaterThan(0);
  });

  it.each(forms)("%s: a complete answer as GitHub renders it is valid and reads back", (file) => {
    const form = load(file);
    const answers = validAnswers(form);
    expect(check(file, answers)).toEqual({ valid: true, type: null, priority: null, errors: [] });
    const parsed = parseIssueBody(renderBody(form, answers), form);
    for (const { field, answer } of parsed.answers) {
      const given = answers[key(field)];
      if (answer.type === "dropdown") expect(answer.values).toEqual(Array.isArray(given) ? given : [given]);
      else if (answer.type === "checkboxes") expect(answer.checked).toEqual(given);
      else expect(answer.text).toBe(given);
    }
  });

  it.each(forms)("%s: each required field left empty gives exactly its error", (file) => {
    const form = load(file);
    for (const blank of blanks(form)) {
      expect(check(file, blank.answers).errors, blank.name).toEqual([
        { field: blank.field, message: blank.message },
      ]);
    }
  });

  it.each(configs)("%s parses as a template chooser config", (file) => {
    const parsed = parseTemplateConfig(read(file));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
  });

  it("reads the chooser settings as written", () => {
    const vite = parseTemplateConfig(read("vitejs__vite__config.yml"));
    expect(vite.ok && vite.config.blankIssuesEnabled).toBe(false);
    expect(vite.ok && vite.config.contactLinks.map((l) => l.name)).toHaveLength(4);
    const k8s = parseTemplateConfig(read("kubernetes__kubernetes__config.yml"));
    expect(k8s.ok && k8s.config).toEqual({
      blankIssuesEnabled: true,
      contactLinks: [
        {
          name: "Support Request",
          url: "https://discuss.kubernetes.io",
          about: "Support request or question relating to Kubernetes",
        },
      ],
    });
    const drafter = parseTemplateConfig(read("release-drafter__release-drafter__config.yml"));
    expect(drafter.ok && drafter.config).toEqual({ blankIssuesEnabled: false, contactLinks: [] });
  });

  it("keeps the corpus quirks: string labels, top-level type, ids missing, multi-select, defaults", () => {
    expect(load("electron__electron__bug_report.yml")).toMatchObject({
      labels: ["bug :beetle:"],
      issueType: "bug",
    });
    expect(load("kubernetes__kubernetes__bug-report.yaml").labels).toEqual(["kind/bug"]);
    expect(load("vitejs__vite__bug_report.yml")).toMatchObject({
      name: "\u{1F41E} Bug report",
      labels: ["pending triage"],
    });
    const duck = load("duckdb__duckdb__bug_report.yml");
    expect(duck.fields.every((f) => f.id === null)).toBe(true);
    expect(duck.fields.at(-1)).toMatchObject({ type: "dropdown", default: 0, required: true });
    const ollama = load("ollama__ollama__10_bug_report.yml").fields.find((f) => f.id === "os");
    expect(ollama).toMatchObject({ type: "dropdown", multiple: true });
    const question = load("microsoft__playwright__question.yml").fields[0];
    expect(question).toMatchObject({ label: "Please do not submit this issue.", required: true });
  });
});

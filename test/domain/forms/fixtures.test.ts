import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classifyIssue, type FormFile, validateForCli } from "../../../src/domain/forms/classify.js";
import { parseIssueForm } from "../../../src/domain/forms/form.js";
import { testPolicy } from "../../helpers/policy.js";
import { shippedForms, shippedFormText } from "../../helpers/shipped-forms.js";

/*
 * One folder per scenario (issue-ops/validator style):
 *   issue.md       the issue body, byte for byte
 *   template.yml   the form, when it is not a shipped one
 *   input.json     optional: { form: shipped file name, formAs: file name for template.yml, labels }
 *   expected.json  { validate?: what `support-sla validate` prints, classify: the intake verdict }
 * `classify` sees the six shipped forms, with template.yml added (or in place of `formAs`).
 */
const ROOT = path.resolve("test", "fixtures", "intake");
const scenarios = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

interface Input {
  form?: string;
  formAs?: string;
  labels?: string[];
}

function readJson<T>(dir: string, file: string, fallback?: T): T {
  const full = path.join(ROOT, dir, file);
  if (!existsSync(full) && fallback !== undefined) return fallback;
  return JSON.parse(readFileSync(full, "utf8")) as T;
}

function setup(dir: string) {
  const input = readJson<Input>(dir, "input.json", {});
  const templatePath = path.join(ROOT, dir, "template.yml");
  const template = existsSync(templatePath) ? readFileSync(templatePath, "utf8") : null;
  const formFile = template !== null ? (input.formAs ?? "template.yml") : (input.form ?? null);
  const formText = template ?? (formFile !== null ? shippedFormText(formFile) : null);
  let forms: FormFile[] = shippedForms();
  if (template !== null && formFile !== null) {
    const parsed = parseIssueForm(template);
    if (!parsed.ok) throw new Error(`${dir}/template.yml: ${parsed.problems.join("; ")}`);
    forms = [...forms.filter((f) => f.file !== formFile), { file: formFile, form: parsed.form }];
  }
  const body = readFileSync(path.join(ROOT, dir, "issue.md"), "utf8");
  return { input, formFile, formText, forms, body };
}

describe("intake fixtures", () => {
  it("covers every scenario the brief names", () => {
    for (const name of [
      "valid-problem-urgent",
      "missing-required-input",
      "dropdown-invalid-option",
      "multi-select-valid",
      "multi-select-invalid",
      "required-checkbox-unchecked",
      "checkbox-checked",
      "render-block",
      "production-down-on-change-request",
      "production-down-on-problem",
      "no-response-optional",
      "blank-body",
      "api-created-body",
      "hostile-65536",
      "only-headings",
      "duplicated-headings",
      "html-comment-hides-heading",
      "crlf",
      "zero-width",
      "mention-and-table-in-answer",
      "order-number-label",
      "same-label-distinct-ids",
      "heading-markup-in-label",
      ...["add-remove-user", "change-request", "guidance", "on-call", "problem", "other"].map(
        (t) => `shipped-${t}`,
      ),
    ]) {
      expect(scenarios).toContain(name);
    }
  });

  it.each(scenarios)("%s", (dir) => {
    const { input, formFile, formText, forms, body } = setup(dir);
    const expected = readJson<{ validate?: unknown; classify: unknown }>(dir, "expected.json");
    if (dir === "hostile-65536") expect(body.length).toBeGreaterThanOrEqual(65_536);
    if (dir === "crlf") expect(body).toContain("\r\n");
    const policy = testPolicy();
    if (expected.validate !== undefined) {
      if (formFile === null || formText === null) throw new Error(`${dir}: validate needs a form`);
      expect(validateForCli({ formText, formFile, bodyText: body, policy })).toEqual({
        ok: true,
        verdict: expected.validate,
      });
    }
    expect(classifyIssue({ body, labels: input.labels ?? [], forms, policy })).toEqual(expected.classify);
  });
});

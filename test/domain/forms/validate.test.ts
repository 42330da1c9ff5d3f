import { describe, expect, it } from "vitest";
import type { Answer } from "../../../src/domain/forms/body.js";
import { parseIssueBody } from "../../../src/domain/forms/body.js";
import { type Field, parseIssueForm } from "../../../src/domain/forms/form.js";
import { validateAnswers, validateField } from "../../../src/domain/forms/validate.js";

const parsed = parseIssueForm(`name: Test form
description: T
body:
  - type: input
    id: name
    attributes: { label: Your name }
    validations: { required: true }
  - type: textarea
    attributes: { label: Details }
    validations: { required: true }
  - type: dropdown
    id: size
    attributes: { label: Size, options: [S, M, L] }
    validations: { required: true }
  - type: dropdown
    id: envs
    attributes: { label: Environments, multiple: true, options: [Prod, Test] }
  - type: checkboxes
    id: terms
    attributes:
      label: Terms
      options:
        - { label: I agree, required: true }
        - { label: Newsletter }
  - type: checkboxes
    id: pick
    attributes: { label: Pick any, options: [{ label: A }, { label: B }] }
    validations: { required: true }
`);
if (!parsed.ok) throw new Error(parsed.problems.join("; "));
const form = parsed.form;
const field = (id: string): Field => {
  const found = form.fields.find((f) => (f.id ?? f.label) === id);
  if (!found) throw new Error(id);
  return found;
};

describe("one validator per field type", () => {
  it("input and textarea: required means non-empty after trimming", () => {
    expect(validateField(field("name"), { type: "input", present: true, text: "" })).toBe("missing — add it");
    expect(validateField(field("name"), { type: "input", present: true, text: "Ada" })).toBeNull();
    expect(validateField(field("Details"), { type: "textarea", present: false, text: "" })).toBe(
      "missing — add it",
    );
  });

  it("dropdown: required, and every value among the options, in one message per field", () => {
    const choice = (values: string[]): Answer => ({
      type: "dropdown",
      present: true,
      text: values.join(", "),
      values,
    });
    expect(validateField(field("size"), choice([]))).toBe('missing — choose one of "S", "M", "L"');
    expect(validateField(field("size"), choice(["M"]))).toBeNull();
    expect(validateField(field("size"), choice(["XL"]))).toBe('"XL" is not one of "S", "M", "L"');
    expect(validateField(field("envs"), choice([]))).toBeNull();
    expect(validateField(field("envs"), choice(["Prod", "QA"]))).toBe('"QA" is not one of "Prod", "Test"');
    expect(validateField(field("envs"), choice(["Prod", "Dev", "QA"]))).toBe(
      '"Dev" and "QA" are not among "Prod", "Test"',
    );
    const many = Array.from({ length: 5_000 }, (_, i) => `env${i}`);
    expect(validateField(field("envs"), choice(many))).toBe(
      '"env0", "env1", "env2" and 4,997 more are not among "Prod", "Test"',
    );
  });

  it("dropdown: echoes at most one line of 60 characters of what was written", () => {
    const long = `${"x".repeat(100)}\nsecond line`;
    const message = validateField(field("size"), {
      type: "dropdown",
      present: true,
      text: long,
      values: [long],
    });
    expect(message).toBe(`"${"x".repeat(59)}…" is not one of "S", "M", "L"`);
  });

  it("checkboxes: required options must be ticked; validations.required wants any one", () => {
    const ticked = (checked: string[]): Answer => ({ type: "checkboxes", present: true, checked });
    expect(validateField(field("terms"), ticked(["Newsletter"]))).toBe('missing — tick "I agree"');
    expect(validateField(field("terms"), ticked(["I agree"]))).toBeNull();
    expect(validateField(field("pick"), ticked([]))).toBe('missing — tick at least one of "A", "B"');
    expect(validateField(field("pick"), ticked(["B"]))).toBeNull();
  });

  it("names the required checkboxes left unticked in one message", () => {
    const parsedTerms = parseIssueForm(`name: Test form
description: T
body:
  - type: checkboxes
    id: rules
    attributes:
      label: Rules
      options:
        - { label: One, required: true }
        - { label: Two, required: true }
        - { label: Three, required: true }
        - { label: Four, required: true }
`);
    if (!parsedTerms.ok) throw new Error(parsedTerms.problems.join("; "));
    const rules = parsedTerms.form.fields[0] as Field;
    const ticked = (checked: string[]): Answer => ({ type: "checkboxes", present: true, checked });
    expect(validateField(rules, ticked(["One", "Three"]))).toBe('missing — tick "Two" and "Four"');
    expect(validateField(rules, ticked([]))).toBe('missing — tick "One", "Two", "Three" and 1 more');
  });

  it("never repeats the field's label: the comment and the CLI name the field beside the message", () => {
    const body = "### Size\n\nSize\n\n### Environments\n\nEnvironments";
    const errors = validateAnswers(parseIssueBody(body, form));
    expect(errors.map((e) => e.label)).toEqual([
      "Your name",
      "Details",
      "Size",
      "Environments",
      "Terms",
      "Pick any",
    ]);
    for (const e of errors) {
      // The echo of what the customer wrote may hold anything; the rest of the message may not.
      expect(e.message.replace(/"[^"]*"/g, ""), e.label).not.toContain(e.label);
    }
  });
});

describe("validateAnswers", () => {
  it("lists every error in form order, at most one per field, keyed by id or by label when there is none", () => {
    const body =
      "### Your name\n\n_No response_\n\n### Size\n\nXL\n\n### Environments\n\nDev, QA\n\n### Terms\n\n- [ ] I agree\n\n### Pick any\n\n- [x] A";
    expect(validateAnswers(parseIssueBody(body, form))).toEqual([
      { field: "name", label: "Your name", message: "missing — add it" },
      { field: "Details", label: "Details", message: "missing — add it" },
      { field: "size", label: "Size", message: '"XL" is not one of "S", "M", "L"' },
      { field: "envs", label: "Environments", message: '"Dev" and "QA" are not among "Prod", "Test"' },
      { field: "terms", label: "Terms", message: 'missing — tick "I agree"' },
    ]);
  });
});

import { describe, expect, it } from "vitest";
import type { Answer } from "../../../src/domain/forms/body.js";
import { parseIssueBody } from "../../../src/domain/forms/body.js";
import { type Field, parseIssueForm } from "../../../src/domain/forms/form.js";
import { validateAnswers, validateField } from "../../../src/domain/forms/validate.js";

const parsed = parseIssueForm(`name: T
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
    expect(validateField(field("name"), { type: "input", present: true, text: "" })).toEqual([
      "Missing required input: Your name",
    ]);
    expect(validateField(field("name"), { type: "input", present: true, text: "Ada" })).toEqual([]);
    expect(validateField(field("Details"), { type: "textarea", present: false, text: "" })).toEqual([
      "Missing required input: Details",
    ]);
  });

  it("dropdown: required, and every value among the options", () => {
    const size = (values: string[]): Answer => ({
      type: "dropdown",
      present: true,
      text: values.join(", "),
      values,
    });
    expect(validateField(field("size"), size([]))).toEqual([
      'Missing required input: Size. Choose one of: "S", "M", "L".',
    ]);
    expect(validateField(field("size"), size(["M"]))).toEqual([]);
    expect(validateField(field("size"), size(["XL"]))).toEqual([
      'Invalid choice for Size: "XL". Choose one of: "S", "M", "L".',
    ]);
    const envs = (values: string[]): Answer => ({
      type: "dropdown",
      present: true,
      text: values.join(", "),
      values,
    });
    expect(validateField(field("envs"), envs([]))).toEqual([]);
    expect(validateField(field("envs"), envs(["Prod", "Dev", "QA"]))).toEqual([
      'Invalid choice for Environments: "Dev". Choose one or more of: "Prod", "Test".',
      'Invalid choice for Environments: "QA". Choose one or more of: "Prod", "Test".',
    ]);
  });

  it("dropdown: echoes at most one line of 60 characters of what was written", () => {
    const long = `${"x".repeat(100)}\nsecond line`;
    const [message] = validateField(field("size"), {
      type: "dropdown",
      present: true,
      text: long,
      values: [long],
    });
    expect(message).toBe(`Invalid choice for Size: "${"x".repeat(59)}…". Choose one of: "S", "M", "L".`);
  });

  it("checkboxes: required options must be ticked; validations.required wants any one", () => {
    const ticked = (checked: string[]): Answer => ({ type: "checkboxes", present: true, checked });
    expect(validateField(field("terms"), ticked(["Newsletter"]))).toEqual([
      'Missing required checkbox in Terms: tick "I agree".',
    ]);
    expect(validateField(field("terms"), ticked(["I agree"]))).toEqual([]);
    expect(validateField(field("pick"), ticked([]))).toEqual([
      'Missing required input: Pick any. Tick at least one of: "A", "B".',
    ]);
    expect(validateField(field("pick"), ticked(["B"]))).toEqual([]);
  });
});

describe("validateAnswers", () => {
  it("lists every error in form order, keyed by id or by label when there is none", () => {
    const body =
      "### Your name\n\n_No response_\n\n### Size\n\nXL\n\n### Terms\n\n- [ ] I agree\n\n### Pick any\n\n- [x] A";
    expect(validateAnswers(parseIssueBody(body, form))).toEqual([
      { field: "name", label: "Your name", message: "Missing required input: Your name" },
      { field: "Details", label: "Details", message: "Missing required input: Details" },
      {
        field: "size",
        label: "Size",
        message: 'Invalid choice for Size: "XL". Choose one of: "S", "M", "L".',
      },
      { field: "terms", label: "Terms", message: 'Missing required checkbox in Terms: tick "I agree".' },
    ]);
  });
});

import type { Answer, CheckboxAnswer, ChoiceAnswer, ParsedIssue, TextAnswer } from "./body.js";
import type { CheckboxesField, DropdownField, Field, InputField, TextareaField } from "./form.js";
import { excerpt } from "./text.js";

export interface FieldError {
  /** The field's `id`, or its label when it has none. */
  field: string;
  label: string;
  /** User-facing: says what is missing or wrong and what to do. */
  message: string;
}

export function fieldKey(field: Field): string {
  return field.id ?? field.label;
}

function choices(options: string[]): string {
  return options.map((o) => `"${o}"`).join(", ");
}

export function validateInput(field: InputField, answer: TextAnswer): string[] {
  return field.required && answer.text === "" ? [`Missing required input: ${field.label}`] : [];
}

export function validateTextarea(field: TextareaField, answer: TextAnswer): string[] {
  return field.required && answer.text === "" ? [`Missing required input: ${field.label}`] : [];
}

export function validateDropdown(field: DropdownField, answer: ChoiceAnswer): string[] {
  if (answer.values.length === 0) {
    if (!field.required) return [];
    const pick = field.multiple ? "Choose one or more of" : "Choose one of";
    return [`Missing required input: ${field.label}. ${pick}: ${choices(field.options)}.`];
  }
  const invalid = answer.values.filter((v) => !field.options.includes(v));
  if (invalid.length === 0) return [];
  if (!field.multiple) {
    return [
      `Invalid choice for ${field.label}: "${excerpt(answer.text)}". Choose one of: ${choices(field.options)}.`,
    ];
  }
  return invalid.map(
    (v) =>
      `Invalid choice for ${field.label}: "${excerpt(v)}". Choose one or more of: ${choices(field.options)}.`,
  );
}

export function validateCheckboxes(field: CheckboxesField, answer: CheckboxAnswer): string[] {
  const missing = field.options.filter((o) => o.required && !answer.checked.includes(o.label));
  if (missing.length > 0) {
    return missing.map((o) => `Missing required checkbox in ${field.label}: tick "${o.label}".`);
  }
  // `validations.required` on checkboxes without a required option: any one ticked will do.
  if (field.required && answer.checked.length === 0) {
    return [
      `Missing required input: ${field.label}. Tick at least one of: ${choices(field.options.map((o) => o.label))}.`,
    ];
  }
  return [];
}

/** The messages for one field's answer: the validator of the field's type. */
export function validateField(field: Field, answer: Answer): string[] {
  if (field.type === "input" && answer.type === "input") return validateInput(field, answer);
  if (field.type === "textarea" && answer.type === "textarea") return validateTextarea(field, answer);
  if (field.type === "dropdown" && answer.type === "dropdown") return validateDropdown(field, answer);
  if (field.type === "checkboxes" && answer.type === "checkboxes") return validateCheckboxes(field, answer);
  return [];
}

/** Every error of a parsed issue, in form order. */
export function validateAnswers(parsed: ParsedIssue): FieldError[] {
  return parsed.answers.flatMap(({ field, answer }) =>
    validateField(field, answer).map((message) => ({ field: fieldKey(field), label: field.label, message })),
  );
}

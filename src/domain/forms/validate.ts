import { formatCount } from "../../helpers/limits.js";
import type { Answer, CheckboxAnswer, ChoiceAnswer, ParsedIssue, TextAnswer } from "./body.js";
import type { CheckboxesField, DropdownField, Field, InputField, TextareaField } from "./form.js";
import { excerpt } from "./text.js";

/*
 * One validator per field type (issue-ops/validator style), with one difference: a message never
 * names its field. The intake comment writes each problem as `**<label>**: <message>`, and
 * `support-sla validate` prints it beside the field's id, so a label inside the message would
 * be read twice ("**Wished date**: Missing required input: Wished date"). Each field gets at
 * most one message, whatever is wrong with it, so that each field is named once.
 */

export interface FieldError {
  /** The field's `id`, or its label when it has none. */
  field: string;
  label: string;
  /**
   * User-facing, without the field's label: what is missing or wrong and what to do, e.g.
   * `missing — add it` or `"Hgh" is not one of "Low", "Normal", "Urgent"`.
   */
  message: string;
}

/** The key a field's error is filed under: its `id`, or its label when it has none. */
export function fieldKey(field: Field): string {
  return field.id ?? field.label;
}

/** Values echoed back in one message before "and N more": the customer needs a few, not all. */
const MAX_ECHOED = 3;

function quote(text: string): string {
  return `"${text}"`;
}

/** `"A", "B", "C"`: the options a customer may pick from. */
function choices(options: readonly string[]): string {
  return options.map(quote).join(", ");
}

/** `"A"`, `"A" and "B"`, `"A", "B", "C" and 2 more`. */
function listed(values: readonly string[]): string {
  const shown = values.slice(0, MAX_ECHOED).map(quote);
  const rest = values.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${formatCount(rest)} more`;
  if (shown.length === 1) return shown[0] ?? "";
  return `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

const MISSING_TEXT = "missing — add it";

/** An input: when required, not blank (after trimming; `_No response_` is blank). Null when fine. */
export function validateInput(field: InputField, answer: TextAnswer): string | null {
  return field.required && answer.text === "" ? MISSING_TEXT : null;
}

/** A textarea: the same rule as an input. Null when fine. */
export function validateTextarea(field: TextareaField, answer: TextAnswer): string | null {
  return field.required && answer.text === "" ? MISSING_TEXT : null;
}

/**
 * A dropdown: when required, something chosen; every chosen value one of the options (a body
 * edited by hand can hold anything). Customer text is echoed as a one-line excerpt. Null when fine.
 */
export function validateDropdown(field: DropdownField, answer: ChoiceAnswer): string | null {
  const pick = field.multiple ? "choose one or more of" : "choose one of";
  if (answer.values.length === 0) {
    return field.required ? `missing — ${pick} ${choices(field.options)}` : null;
  }
  const invalid = answer.values.filter((v) => !field.options.includes(v));
  if (invalid.length === 0) return null;
  // A single-select answer is one value, commas and all: echo it whole.
  const wrong = field.multiple ? invalid.map((v) => excerpt(v)) : [excerpt(answer.text)];
  const verb = wrong.length === 1 ? "is not one of" : "are not among";
  return `${listed(wrong)} ${verb} ${choices(field.options)}`;
}

/**
 * Checkboxes: every option marked `required` ticked; with `validations.required` and no required
 * option, at least one ticked. Null when fine.
 */
export function validateCheckboxes(field: CheckboxesField, answer: CheckboxAnswer): string | null {
  const missing = field.options.filter((o) => o.required && !answer.checked.includes(o.label));
  if (missing.length > 0) return `missing — tick ${listed(missing.map((o) => o.label))}`;
  if (field.required && answer.checked.length === 0) {
    return `missing — tick at least one of ${choices(field.options.map((o) => o.label))}`;
  }
  return null;
}

/** The message for one field's answer, from the validator of the field's type; null when fine. */
export function validateField(field: Field, answer: Answer): string | null {
  if (field.type === "input" && answer.type === "input") return validateInput(field, answer);
  if (field.type === "textarea" && answer.type === "textarea") return validateTextarea(field, answer);
  if (field.type === "dropdown" && answer.type === "dropdown") return validateDropdown(field, answer);
  if (field.type === "checkboxes" && answer.type === "checkboxes") return validateCheckboxes(field, answer);
  return null;
}

/** Every error of a parsed issue, at most one per field, in form order. */
export function validateAnswers(parsed: ParsedIssue): FieldError[] {
  return parsed.answers.flatMap(({ field, answer }) => {
    const message = validateField(field, answer);
    return message === null ? [] : [{ field: fieldKey(field), label: field.label, message }];
  });
}

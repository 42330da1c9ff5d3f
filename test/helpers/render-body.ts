import type { Field, FormDefinition } from "../../src/domain/forms/form.js";

/**
 * An answer per field, keyed by the field's id (or label when it has none): text for inputs,
 * textareas and single dropdowns; a list for multi-select dropdowns and for the ticked checkboxes.
 * A missing or empty answer renders as GitHub renders an empty field.
 */
export type Answers = Record<string, string | string[] | undefined>;

function key(field: Field): string {
  return field.id ?? field.label;
}

function renderField(field: Field, answer: string | string[] | undefined): string {
  const empty = answer === undefined || answer.length === 0;
  switch (field.type) {
    case "checkboxes": {
      const ticked = Array.isArray(answer) ? answer : answer ? [answer] : [];
      return field.options.map((o) => `- [${ticked.includes(o.label) ? "X" : " "}] ${o.label}`).join("\n");
    }
    case "dropdown":
      return empty ? "_No response_" : Array.isArray(answer) ? answer.join(", ") : answer;
    case "textarea": {
      if (empty) return "_No response_";
      const text = Array.isArray(answer) ? answer.join("\n") : answer;
      return field.render === null ? text : `\`\`\`${field.render}\n${text}\n\`\`\``;
    }
    case "input":
    case "upload":
      return empty ? "_No response_" : Array.isArray(answer) ? answer.join(" ") : answer;
  }
}

/** The issue body GitHub writes when a form is submitted: `### Label`, blank line, answer. */
export function renderBody(form: FormDefinition, answers: Answers): string {
  return form.fields.map((f) => `### ${f.label}\n\n${renderField(f, answers[key(f)])}\n\n`).join("");
}

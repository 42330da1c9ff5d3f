import { matchPriority } from "../domain/forms/classify.js";
import type { DropdownField, FormDefinition } from "../domain/forms/form.js";
import { normaliseLabel } from "../domain/forms/text.js";
import type { Policy } from "./policy.js";

const FORMS_DIR = ".github/ISSUE_TEMPLATE";

/** The field an issue form asks the priority with: id `priority`, else the label "Priority". */
function priorityDropdown(form: FormDefinition): DropdownField | undefined {
  const field =
    form.fields.find((f) => f.id === "priority") ??
    form.fields.find((f) => normaliseLabel(f.label).toLowerCase() === "priority");
  return field?.type === "dropdown" ? field : undefined;
}

/**
 * Problems between a valid config and the repo's issue forms, as `path: message`: each configured
 * type's form exists and applies the type's label; each priority option maps to a priority that
 * the form's type may use.
 */
export function crossCheck(policy: Policy, forms: Array<{ file: string; form: FormDefinition }>): string[] {
  const problems: string[] = [];
  const byFile = new Map(forms.map((f) => [f.file.toLowerCase(), f]));
  for (const type of policy.types) {
    if (type.form === null) continue;
    const found = byFile.get(type.form.toLowerCase());
    if (!found) {
      problems.push(
        `types.${type.key}.form: ${FORMS_DIR}/${type.form} does not exist (forms found: ${forms.map((f) => f.file).join(", ") || "none"}); add it (support-sla init writes one) or point form at an existing file`,
      );
      continue;
    }
    if (!found.form.labels.some((l) => l.toLowerCase() === type.label.toLowerCase())) {
      problems.push(
        `${FORMS_DIR}/${found.file}: labels must include "${type.label}" so that issues opened from it are typed ${type.key}`,
      );
    }
  }
  const names = policy.priorities.map((p) => p.key).join(", ");
  for (const { file, form } of forms) {
    const field = priorityDropdown(form);
    if (!field) continue;
    const type = policy.types.find((t) => t.form?.toLowerCase() === file.toLowerCase());
    field.options.forEach((option, i) => {
      const path = `${FORMS_DIR}/${file}: body[${field.index}].attributes.options[${i}]`;
      const key = matchPriority(option, policy);
      if (key === null) {
        problems.push(`${path}: "${option}" matches no configured priority (configured: ${names})`);
        return;
      }
      const priority = policy.priorities.find((p) => p.key === key);
      if (type && priority?.types && !priority.types.includes(type.key)) {
        problems.push(
          `${path}: "${option}" is only for ${priority.types.join(", ")} (priorities.${key}.types), but this is the ${type.key} form`,
        );
      }
    });
  }
  return problems;
}

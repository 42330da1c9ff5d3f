import { readFileSync } from "node:fs";
import path from "node:path";
import type { FormFile } from "../../src/domain/forms/classify.js";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { ISSUE_TEMPLATE_DIR, SHIPPED_FORMS } from "../../src/domain/forms/shipped.js";

export function shippedFormText(file: string): string {
  return readFileSync(path.join(ISSUE_TEMPLATE_DIR, file), "utf8");
}

/** The six shipped issue forms, parsed; throws on a broken one. */
export function shippedForms(): FormFile[] {
  return SHIPPED_FORMS.map(({ file }) => {
    const parsed = parseIssueForm(shippedFormText(file));
    if (!parsed.ok) throw new Error(`${file}: ${parsed.problems.join("; ")}`);
    return { file, form: parsed.form };
  });
}

import { describe, expect, it } from "vitest";
import { classifyIssue } from "../../../src/domain/forms/classify.js";
import type { Field } from "../../../src/domain/forms/form.js";
import { parseIssueForm, parseTemplateConfig } from "../../../src/domain/forms/form.js";
import { SHIPPED_FORMS, SHIPPED_TEMPLATE_CONFIG } from "../../../src/domain/forms/shipped.js";
import { testPolicy } from "../../helpers/policy.js";
import { renderBody } from "../../helpers/render-body.js";
import { shippedForms, shippedFormText } from "../../helpers/shipped-forms.js";

const policy = testPolicy();
const forms = shippedForms();

/** What an engineer needs for each type, by field id: all required unless listed as optional. */
const ASKS: Record<string, { required: string[]; optional: string[] }> = {
  "add-remove-user.yml": {
    required: ["priority", "action", "person-name", "person-account", "access", "by-when"],
    optional: ["notes"],
  },
  "change-request.yml": {
    required: ["priority", "environment", "change", "wished-date", "impact"],
    optional: [],
  },
  "guidance.yml": { required: ["priority", "topic", "question"], optional: ["context"] },
  "on-call.yml": { required: ["priority", "received", "message"], optional: ["action-taken"] },
  "problem.yml": {
    required: ["priority", "service", "what-happens", "since", "impact"],
    optional: ["steps-tried", "logs"],
  },
  "other.yml": { required: ["priority", "description"], optional: [] },
};

function sample(field: Field): string | string[] {
  if (field.type === "dropdown") return field.id === "priority" ? "Urgent" : [field.options[0] ?? ""];
  if (field.type === "checkboxes") return field.options.map((o) => o.label);
  return `Answer to ${field.label}`;
}

describe("shipped issue forms", () => {
  it("has one form per type of the default policy, applying that type's label", () => {
    expect(SHIPPED_FORMS.map((f) => f.type)).toEqual(policy.types.map((t) => t.key));
    for (const { file, type, label } of SHIPPED_FORMS) {
      const configured = policy.types.find((t) => t.key === type);
      expect(configured).toMatchObject({ form: file, label });
      expect(forms.find((f) => f.file === file)?.form.labels).toEqual([label]);
    }
    expect(new Set(forms.map((f) => f.form.name)).size).toBe(forms.length);
  });

  it.each(SHIPPED_FORMS.map((f) => f.file))("%s parses and asks what an engineer needs", (file) => {
    const parsed = parseIssueForm(shippedFormText(file));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    if (!parsed.ok) return;
    const fields = parsed.form.fields;
    expect(fields.filter((f) => f.required).map((f) => f.id)).toEqual(ASKS[file]?.required);
    expect(fields.filter((f) => !f.required).map((f) => f.id)).toEqual(ASKS[file]?.optional);
    expect(fields.every((f) => f.id !== null)).toBe(true);
  });

  it.each(SHIPPED_FORMS.map((f) => f.file))("%s has a required priority dropdown", (file) => {
    const priority = forms.find((f) => f.file === file)?.form.fields.find((f) => f.id === "priority");
    const options = file === "problem.yml" ? ["Production down", "Urgent", "Normal"] : ["Urgent", "Normal"];
    expect(priority).toMatchObject({
      type: "dropdown",
      label: "Priority",
      required: true,
      multiple: false,
      default: null,
      options,
    });
  });

  it("points Production down to the escalation number", () => {
    const priority = forms
      .find((f) => f.file === "problem.yml")
      ?.form.fields.find((f) => f.id === "priority");
    expect(priority?.description).toMatch(/\*\*Production down\*\*:[^\n]*escalation number/);
  });

  it.each(SHIPPED_FORMS.map((f) => f.file))(
    "%s: a complete answer is valid, by label and by headings",
    (file) => {
      const { form } = forms.find((f) => f.file === file) ?? { form: null };
      if (form === null) throw new Error(file);
      const body = renderBody(form, Object.fromEntries(form.fields.map((f) => [f.id ?? f.label, sample(f)])));
      const type = SHIPPED_FORMS.find((f) => f.file === file)?.type;
      const expected = { type, form: file, priority: "urgent", intake: "valid", errors: [], notes: [] };
      expect(classifyIssue({ body, labels: form.labels, forms, policy })).toEqual({
        ...expected,
        matchedBy: "label",
      });
      expect(classifyIssue({ body, labels: [], forms, policy })).toEqual({
        ...expected,
        matchedBy: "headings",
      });
    },
  );

  it("ships a chooser config without blank issues, linking the escalation number over https", () => {
    const parsed = parseTemplateConfig(shippedFormText(SHIPPED_TEMPLATE_CONFIG));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.blankIssuesEnabled).toBe(false);
    // GitHub shows only https:// contact links; the default config has no chat link to show.
    expect(parsed.config.contactLinks.map((l) => new URL(l.url).protocol)).toEqual(["https:"]);
    expect(parsed.config.contactLinks[0]?.name).toMatch(/escalation number/);
    expect(parsed.config.contactLinks[0]?.url).toMatch(/\/\.github\/SUPPORT\.md#escalation-number$/);
  });
});

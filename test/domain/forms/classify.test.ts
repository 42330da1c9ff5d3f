import { describe, expect, it } from "vitest";
import {
  classifyIssue,
  type FormFile,
  matchPriority,
  priorityFromLabels,
  validateForCli,
} from "../../../src/domain/forms/classify.js";
import { parseIssueForm } from "../../../src/domain/forms/form.js";
import { testPolicy } from "../../helpers/policy.js";
import { renderBody } from "../../helpers/render-body.js";
import { shippedForms, shippedFormText } from "../../helpers/shipped-forms.js";

const forms = shippedForms();
const policy = testPolicy();
const formOf = (file: string) => {
  const found = forms.find((f) => f.file === file);
  if (!found) throw new Error(file);
  return found.form;
};

const changeRequest = (priority: string) =>
  renderBody(formOf("change-request.yml"), {
    priority,
    environment: ["Production"],
    change: "Raise the pod limit to 20.",
    "wished-date": "2026-12-01",
    impact: "None expected; revert the Helm value.",
  });

const PROBLEM = {
  service: "checkout API",
  "what-happens": "HTTP 502 on every request",
  since: "2026-11-27 14:10 CET",
  impact: "No customer can pay",
};

describe("classifyIssue: finding the form", () => {
  it("uses the form of the type whose label the issue carries", () => {
    const verdict = classifyIssue({
      body: changeRequest("Normal"),
      labels: ["Type: Change Request"],
      forms,
      policy,
    });
    expect(verdict).toEqual({
      type: "change-request",
      form: "change-request.yml",
      priority: "normal",
      intake: "valid",
      errors: [],
      notes: [],
      matchedBy: "label",
    });
  });

  it("without a type label, uses the form whose labels most headings match", () => {
    const verdict = classifyIssue({ body: changeRequest("Urgent"), labels: [], forms, policy });
    expect(verdict).toMatchObject({
      type: "change-request",
      form: "change-request.yml",
      priority: "urgent",
      matchedBy: "headings",
    });
  });

  it("wants more than half of a form's fields among the headings", () => {
    const few = "### Priority\n\nUrgent\n\n### Description\n\nplease help";
    expect(classifyIssue({ body: few, labels: [], forms, policy })).toMatchObject({
      form: "other.yml",
      matchedBy: "headings",
    });
    const one = "### Priority\n\nUrgent\n\n### Something else\n\nx";
    expect(classifyIssue({ body: one, labels: [], forms, policy })).toMatchObject({
      form: null,
      matchedBy: "none",
    });
  });

  it("gives a form that no type names the default type", () => {
    const extra = parseIssueForm(
      "name: Xyz\ndescription: X\nbody:\n  - type: input\n    attributes: { label: Colour }\n",
    );
    if (!extra.ok) throw new Error("bad test form");
    const withExtra: FormFile[] = [...forms, { file: "extra.yml", form: extra.form }];
    const verdict = classifyIssue({ body: "### Colour\n\nblue", labels: [], forms: withExtra, policy });
    expect(verdict).toMatchObject({ type: "other", form: "extra.yml", priority: "normal", intake: "valid" });
  });

  it("without any form: default type and priority, incomplete, and tells how to fix it", () => {
    expect(classifyIssue({ body: "Help! The site is down.", labels: ["bug"], forms, policy })).toEqual({
      type: "other",
      form: null,
      priority: "normal",
      intake: "incomplete",
      errors: [
        {
          field: "form",
          label: "Issue form",
          message:
            "This issue was not opened from one of our issue forms (Add/remove user, Change request, Guidance & usage support, On-call, Problem / troubleshooting, Other). Please open it again from the form that fits, so we get the details we need.",
        },
      ],
      notes: [],
      matchedBy: "none",
    });
  });

  it("with several type labels, takes the first in policy order and says so", () => {
    const verdict = classifyIssue({
      body: changeRequest("Normal"),
      labels: ["type: other", "type: change request"],
      forms,
      policy,
    });
    expect(verdict.type).toBe("change-request");
    expect(verdict.notes).toEqual([
      'This issue has several type labels ("type: change request", "type: other"); it is handled as Change request.',
    ]);
  });

  it("with a type label but no form for it, keeps the type and checks nothing", () => {
    const verdict = classifyIssue({ body: "anything", labels: ["type: guidance"], forms: [], policy });
    expect(verdict).toEqual({
      type: "guidance",
      form: null,
      priority: "normal",
      intake: "valid",
      errors: [],
      notes: [
        "The form guidance.yml of type Guidance & usage support was not found, so the answers could not be checked.",
      ],
      matchedBy: "label",
    });
  });

  it("notes a duplicated section", () => {
    const body = `${changeRequest("Normal")}### Priority\n\nUrgent\n`;
    const verdict = classifyIssue({ body, labels: [], forms, policy });
    expect(verdict).toMatchObject({ priority: "normal", intake: "valid" });
    expect(verdict.notes).toEqual([
      'The section "Priority" appears more than once; the first one was used and the others ignored.',
    ]);
  });
});

describe("priority", () => {
  it("matches option text to a key or label without regard to case, spaces, hyphens or prefix", () => {
    expect(matchPriority("Production down", policy)).toBe("production-down");
    expect(matchPriority("production-down", policy)).toBe("production-down");
    expect(matchPriority("PRIORITY: Production  Down", policy)).toBe("production-down");
    expect(matchPriority(" urgent ", policy)).toBe("urgent");
    expect(matchPriority("Low", policy)).toBeNull();
    expect(matchPriority("", policy)).toBeNull();
  });

  it("downgrades Production down to Urgent on any type but problem, and says why", () => {
    const verdict = classifyIssue({
      body: changeRequest("Production down"),
      labels: ["type: change request"],
      forms,
      policy,
    });
    // "Production down" is not an option of the change-request form (the body was edited): that is
    // an error too, but the priority it names still goes through the rule.
    expect(verdict).toMatchObject({ priority: "urgent", intake: "incomplete" });
    expect(verdict.errors.map((e) => e.field)).toEqual(["priority"]);
    expect(verdict.notes).toEqual([
      "Production down is only for Problem / troubleshooting requests, so this request is handled as Urgent. For a production outage, open a Problem / troubleshooting request or call the escalation number.",
    ]);
    const custom = testPolicy();
    custom.escalation.phone = "+32 3 000 00 00";
    const cli = validateForCli({
      formText: shippedFormText("problem.yml"),
      formFile: ".github/ISSUE_TEMPLATE/guidance.yml",
      bodyText: renderBody(formOf("problem.yml"), { ...PROBLEM, priority: "Production down" }),
      policy: custom,
    });
    expect(cli).toEqual({
      ok: true,
      verdict: { valid: true, type: "guidance", priority: "urgent", errors: [] },
    });
    const notes = classifyIssue({
      body: renderBody(formOf("problem.yml"), { ...PROBLEM, priority: "Production down" }),
      labels: ["type: on-call"],
      forms: [{ file: "on-call.yml", form: formOf("problem.yml") }],
      policy: custom,
    }).notes;
    expect(notes).toEqual([
      "Production down is only for Problem / troubleshooting requests, so this request is handled as Urgent. For a production outage, open a Problem / troubleshooting request or call the escalation number (+32 3 000 00 00).",
    ]);
  });

  it("keeps Production down on a problem", () => {
    const body = renderBody(formOf("problem.yml"), { ...PROBLEM, priority: "Production down" });
    expect(classifyIssue({ body, labels: ["type: problem"], forms, policy })).toMatchObject({
      priority: "production-down",
      notes: [],
    });
  });

  it("falls back to the default priority when the policy has no urgent", () => {
    const custom = testPolicy();
    custom.priorities = custom.priorities.filter((p) => p.key !== "urgent");
    const body = renderBody(formOf("problem.yml"), { ...PROBLEM, priority: "Production down" });
    const verdict = classifyIssue({
      body,
      labels: [],
      forms: [{ file: "x.yml", form: formOf("problem.yml") }],
      policy: custom,
    });
    expect(verdict).toMatchObject({ type: "other", priority: "normal" });
    expect(verdict.notes[0]).toMatch(
      /^Production down is only for Problem \/ troubleshooting requests, so this request is handled as Normal\./,
    );
  });

  it("an option that names no priority: an error when the field is required, else a note", () => {
    const form = (required: boolean) => {
      const yaml = `name: Xyz\ndescription: X\nbody:\n  - type: dropdown\n    attributes: { label: PRIORITY, options: [Low, Urgent] }\n    validations: { required: ${required} }\n`;
      const parsed = parseIssueForm(yaml);
      if (!parsed.ok) throw new Error("bad test form");
      return [{ file: "x.yml", form: parsed.form }];
    };
    const body = "### PRIORITY\n\nLow";
    // The error sits beside the field's label, so it does not repeat it; a note stands alone.
    expect(classifyIssue({ body, labels: [], forms: form(true), policy })).toMatchObject({
      priority: "normal",
      intake: "incomplete",
      errors: [
        {
          field: "PRIORITY",
          label: "PRIORITY",
          message:
            '"Low" is not one of "Production down", "Urgent", "Normal"; until it is, this issue is handled as Normal',
        },
      ],
      notes: [],
    });
    expect(classifyIssue({ body, labels: [], forms: form(false), policy })).toMatchObject({
      priority: "normal",
      intake: "valid",
      notes: [
        'We could not read a priority from PRIORITY: "Low" is not one of "Production down", "Urgent", "Normal". This issue is handled as Normal.',
      ],
    });
  });

  it("an answer the priority dropdown does not offer is one error, with no second message about it", () => {
    const verdict = classifyIssue({
      body: changeRequest("Hgh"),
      labels: ["type: change request"],
      forms,
      policy,
    });
    expect(verdict).toMatchObject({ priority: "normal", intake: "incomplete", notes: [] });
    expect(verdict.errors).toEqual([
      { field: "priority", label: "Priority", message: '"Hgh" is not one of "Urgent", "Normal"' },
    ]);
  });

  it("matches a priority by its configured name too", () => {
    const custom = testPolicy();
    const urgent = custom.priorities.find((p) => p.key === "urgent");
    if (urgent) urgent.name = "P2 (blocking)";
    expect(matchPriority("P2 (blocking)", custom)).toBe("urgent");
    expect(matchPriority("p2  (BLOCKING)", custom)).toBe("urgent");
  });

  it("reads the priority from the labels a team member set: the most urgent wins", () => {
    expect(priorityFromLabels(["bug", "Priority: Urgent"], policy)).toBe("urgent");
    expect(priorityFromLabels(["priority: normal", "priority: production down"], policy)).toBe(
      "production-down",
    );
    expect(priorityFromLabels(["type: problem"], policy)).toBeNull();
  });
});

describe("validateForCli", () => {
  it("prints the contract of support-sla validate", () => {
    const result = validateForCli({
      formText: shippedFormText("change-request.yml"),
      formFile: "change-request.yml",
      bodyText: changeRequest(""),
      policy,
    });
    expect(result).toEqual({
      ok: true,
      verdict: {
        valid: false,
        type: "change-request",
        priority: "normal",
        errors: [
          {
            field: "priority",
            message: 'missing — choose one of "Urgent", "Normal"',
          },
        ],
      },
    });
  });

  it("type and priority are null for a form no type names and without a priority field", () => {
    const formText = "name: Xyz\ndescription: X\nbody:\n  - type: input\n    attributes: { label: Name }\n";
    const result = validateForCli({ formText, formFile: "x/y/z.yml", bodyText: "### Name\n\nAda", policy });
    expect(result).toEqual({ ok: true, verdict: { valid: true, type: null, priority: null, errors: [] } });
  });

  it("returns the problems of a broken form instead of a verdict", () => {
    const result = validateForCli({
      formText: "name: Xyz\nbody: 3\n",
      formFile: "x.yml",
      bodyText: "",
      policy,
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        "description: required: add description: with its text (line 1)",
        "body: must be a non-empty list of form elements (- type: input …) (line 2)",
      ],
    });
  });
});

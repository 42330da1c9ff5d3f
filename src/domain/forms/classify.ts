import type { Policy, PriorityPolicy, TypePolicy } from "../policy.js";
import { type FieldAnswer, type ParsedIssue, parseIssueBody, type ScannedBody, scanBody } from "./body.js";
import { type FormDefinition, parseIssueForm } from "./form.js";
import { excerpt, headingKey, normaliseLabel } from "./text.js";
import { type FieldError, fieldKey, validateAnswers } from "./validate.js";

/** An issue form as found in a repo: its file name under `.github/ISSUE_TEMPLATE/` and its content. */
export interface FormFile {
  file: string;
  form: FormDefinition;
}

export interface ClassifyInput {
  /** `issue.body`: null for an issue created without one. */
  body: string | null | undefined;
  /** Names of the labels on the issue. */
  labels: string[];
  forms: FormFile[];
  policy: Policy;
}

export interface IntakeVerdict {
  /** A type key of the policy. */
  type: string;
  /** The `file` of the form the issue was read against, or null when none fits. */
  form: string | null;
  /** A priority key of the policy, after the production-down rule. */
  priority: string;
  intake: "valid" | "incomplete";
  errors: FieldError[];
  /** For the customer and the engineer: why a priority changed, what was ignored. */
  notes: string[];
  /** How the form was found: by the type label it applied, by the body's headings, or not at all. */
  matchedBy: "label" | "headings" | "none";
}

export interface CliInput {
  formText: string;
  /** Path or file name of the form; only its base name is used. */
  formFile: string;
  bodyText: string;
  policy: Policy;
}

/** The JSON `support-sla validate` prints. */
export interface CliVerdict {
  valid: boolean;
  type: string | null;
  priority: string | null;
  errors: Array<{ field: string; message: string }>;
}

export type CliResult = { ok: true; verdict: CliVerdict } | { ok: false; problems: string[] };

function baseName(file: string): string {
  return file.slice(Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\")) + 1);
}

function sameLabel(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

function withArticle(name: string): string {
  return `${/^[aeiou]/i.test(name) ? "an" : "a"} ${name}`;
}

/** The name customers read for a type key (`types.<key>.name`). */
function typeName(policy: Policy, key: string): string {
  return policy.types.find((t) => t.key === key)?.name ?? key;
}

/** Comparison key of a priority: no case, spaces, hyphens, underscores or `priority:` prefix. */
function priorityKey(text: string): string {
  return normaliseLabel(text)
    .toLowerCase()
    .replace(/^priority\s*:/, "")
    .replace(/[\s_-]+/g, "");
}

/** The priority key that option text such as "Production down" names, or null. */
export function matchPriority(text: string, policy: Policy): string | null {
  const key = priorityKey(text);
  if (key === "") return null;
  return (
    policy.priorities.find(
      (p) => priorityKey(p.key) === key || priorityKey(p.label) === key || priorityKey(p.name) === key,
    )?.key ?? null
  );
}

/**
 * The priority that the issue's labels say (e.g. after a team member relabelled it), or null.
 * With several priority labels, the one listed first in the policy (the most urgent) wins.
 */
export function priorityFromLabels(labels: string[], policy: Policy): string | null {
  return policy.priorities.find((p) => labels.some((l) => sameLabel(l, p.label)))?.key ?? null;
}

/**
 * The form whose field labels best match the body's `### ` headings. A form qualifies when more
 * than half of its fields have a heading; among those, the highest overlap (Jaccard) wins, and on a
 * tie the form listed first.
 */
export function matchFormByHeadings(headings: string[], forms: FormFile[]): FormFile | null {
  const present = new Set(headings);
  let best: { form: FormFile; score: number } | null = null;
  for (const candidate of forms) {
    const labels = new Set(candidate.form.fields.map((f) => headingKey(f.label)));
    if (labels.size === 0) continue;
    let matched = 0;
    for (const label of labels) if (present.has(label)) matched++;
    if (matched * 2 <= labels.size) continue;
    const score = matched / (labels.size + present.size - matched);
    if (best === null || score > best.score) best = { form: candidate, score };
  }
  return best?.form ?? null;
}

function priorityField(parsed: ParsedIssue): FieldAnswer | undefined {
  return (
    parsed.answers.find((a) => a.field.id === "priority") ??
    parsed.answers.find((a) => headingKey(a.field.label).toLowerCase() === "priority")
  );
}

/** The name customers read for a priority key (`priorities.<key>.name`). */
function priorityName(policy: Policy, key: string): string {
  return policy.priorities.find((x) => x.key === key)?.name ?? key;
}

/** The priority the form's priority field asks for; null when the form has no such field. */
function formPriority(
  parsed: ParsedIssue,
  errors: FieldError[],
  notes: string[],
  policy: Policy,
): string | null {
  const entry = priorityField(parsed);
  if (entry === undefined) return null;
  const { field, answer } = entry;
  let values: string[] = [];
  if (answer.type === "dropdown" && field.type === "dropdown") {
    // An answer the form does not offer has its own error; it still counts when it names a
    // priority (a body edited to "Production down"), so that the type rule can explain itself.
    const offered = answer.values.filter((v) => field.options.includes(v));
    values = offered.length > 0 ? offered : answer.values.filter((v) => matchPriority(v, policy) !== null);
  } else if (answer.type === "input" || answer.type === "textarea") {
    values = answer.text === "" ? [] : [answer.text];
  }
  if (values.length === 0) return policy.defaultPriority;
  const keys = values.map((v) => matchPriority(v, policy));
  const chosen = policy.priorities.find((p) => keys.includes(p.key));
  if (chosen !== undefined) return chosen.key;
  // An answer the form does not offer already has its error, and the comment shows the priority
  // used instead: a second message about the same field would name it twice.
  if (errors.some((e) => e.field === fieldKey(field))) return policy.defaultPriority;
  const names = policy.priorities.map((p) => `"${p.name}"`).join(", ");
  const given = `"${excerpt(values.join(", "))}"`;
  const fallback = priorityName(policy, policy.defaultPriority);
  if (field.required) {
    const message = `${given} is not one of ${names}; until it is, this issue is handled as ${fallback}`;
    errors.push({ field: fieldKey(field), label: field.label, message });
  } else {
    notes.push(
      `We could not read a priority from ${field.label}: ${given} is not one of ${names}. This issue is handled as ${fallback}.`,
    );
  }
  return policy.defaultPriority;
}

/**
 * A priority limited to some types (Production down: problems only) chosen for another type is
 * handled as Urgent (or, without an `urgent` priority, the default), and the note says why.
 */
function applyTypeRule(
  priorityKey: string,
  type: TypePolicy | null,
  policy: Policy,
  notes: string[],
): string {
  const priority = policy.priorities.find((p) => p.key === priorityKey);
  if (
    priority === undefined ||
    priority.types === null ||
    (type !== null && priority.types.includes(type.key))
  ) {
    return priorityKey;
  }
  const allows = (p: PriorityPolicy | undefined) =>
    p !== undefined && (p.types === null || (type !== null && p.types.includes(type.key)));
  const urgent = policy.priorities.find((p) => p.key === "urgent");
  const target = allows(urgent) && urgent !== undefined ? urgent.key : policy.defaultPriority;
  const allowed = priority.types.map((key) => typeName(policy, key));
  const name = priority.name;
  const handled = `so this request is handled as ${priorityName(policy, target)}.`;
  if (allowed.length === 0) {
    notes.push(`${name} is not open to any request type, ${handled}`);
    return target;
  }
  let note = `${name} is only for ${allowed.join(" and ")} requests, ${handled}`;
  const open = allowed.map((a) => withArticle(`${a} request`)).join(" or ");
  if (priority.page) {
    const phone = policy.escalation.phone ? ` (${policy.escalation.phone})` : "";
    note += ` For a production outage, open ${open} or call the escalation number${phone}.`;
  } else note += ` To use ${name}, open ${open}.`;
  notes.push(note);
  return target;
}

interface Assessment {
  priority: string | null;
  errors: FieldError[];
  notes: string[];
}

/** Validates a body against one form and reads its priority, production-down rule applied. */
function assess(
  form: FormDefinition,
  type: TypePolicy | null,
  scanned: ScannedBody,
  policy: Policy,
): Assessment {
  const parsed = parseIssueBody(scanned, form);
  const errors = validateAnswers(parsed);
  const notes = parsed.duplicates.map(
    (label) =>
      `The section "${excerpt(label)}" appears more than once; the first one was used and the others ignored.`,
  );
  const asked = formPriority(parsed, errors, notes, policy);
  const priority = asked === null ? null : applyTypeRule(asked, type, policy, notes);
  return { priority, errors, notes };
}

function formOfType(type: TypePolicy, forms: FormFile[]): FormFile | undefined {
  return type.form === null ? undefined : forms.find((f) => baseName(f.file) === type.form);
}

/**
 * Decides an issue's type, form, priority and intake status from its body and labels.
 * The form is the one of the type whose label the issue carries (issue forms apply it), else the
 * form the body's headings match, else none: then the issue is of the default type, incomplete,
 * at the default priority.
 */
export function classifyIssue(input: ClassifyInput): IntakeVerdict {
  const { labels, forms, policy } = input;
  const scanned = scanBody(input.body);
  const labelled = policy.types.filter((t) => labels.some((l) => sameLabel(l, t.label)));
  const byLabel = labelled[0];
  if (byLabel !== undefined) {
    const notes: string[] = [];
    if (labelled.length > 1) {
      notes.push(
        `This issue has several type labels (${labelled.map((t) => `"${t.label}"`).join(", ")}); it is handled as ${byLabel.name}.`,
      );
    }
    const found = formOfType(byLabel, forms);
    if (found !== undefined) return verdict(found, byLabel, "label", scanned, policy, notes);
    if (byLabel.form !== null) {
      notes.push(
        `The form ${byLabel.form} of type ${byLabel.name} was not found, so the answers could not be checked.`,
      );
    }
    const priority = applyTypeRule(policy.defaultPriority, byLabel, policy, notes);
    return {
      type: byLabel.key,
      form: null,
      priority,
      intake: "valid",
      errors: [],
      notes,
      matchedBy: "label",
    };
  }

  const byHeadings = matchFormByHeadings(
    scanned.sections.map((s) => s.heading),
    forms,
  );
  if (byHeadings !== null) {
    const type = policy.types.find((t) => t.form === baseName(byHeadings.file));
    const fallback = policy.types.find((t) => t.key === policy.defaultType) ?? null;
    return verdict(byHeadings, type ?? fallback, "headings", scanned, policy, []);
  }

  const notes: string[] = [];
  const fallback = policy.types.find((t) => t.key === policy.defaultType) ?? null;
  const priority = applyTypeRule(policy.defaultPriority, fallback, policy, notes);
  const offered = policy.types.filter((t) => formOfType(t, forms) !== undefined).map((t) => t.name);
  const list = offered.length > 0 ? ` (${offered.join(", ")})` : "";
  return {
    type: policy.defaultType,
    form: null,
    priority,
    intake: "incomplete",
    errors: [
      {
        field: "form",
        label: "Issue form",
        message: `This issue was not opened from one of our issue forms${list}. Please open it again from the form that fits, so we get the details we need.`,
      },
    ],
    notes,
    matchedBy: "none",
  };
}

function verdict(
  found: FormFile,
  type: TypePolicy | null,
  matchedBy: "label" | "headings",
  scanned: ScannedBody,
  policy: Policy,
  notes: string[],
): IntakeVerdict {
  const typeKey = type?.key ?? policy.defaultType;
  const result = assess(found.form, type, scanned, policy);
  const priority = result.priority ?? applyTypeRule(policy.defaultPriority, type, policy, result.notes);
  return {
    type: typeKey,
    form: found.file,
    priority,
    intake: result.errors.length === 0 ? "valid" : "incomplete",
    errors: result.errors,
    notes: [...notes, ...result.notes],
    matchedBy,
  };
}

/**
 * `support-sla validate`: a body checked against one form. `type` is the policy type whose form is
 * this file's name; `priority` is read from the form's priority field (null without one), after
 * the production-down rule. A form GitHub would reject comes back as its problems.
 */
export function validateForCli(input: CliInput): CliResult {
  const parsedForm = parseIssueForm(input.formText);
  if (!parsedForm.ok) return { ok: false, problems: parsedForm.problems };
  const file = baseName(input.formFile);
  const type = input.policy.types.find((t) => t.form === file) ?? null;
  const result = assess(parsedForm.form, type, scanBody(input.bodyText), input.policy);
  return {
    ok: true,
    verdict: {
      valid: result.errors.length === 0,
      type: type?.key ?? null,
      priority: result.priority,
      errors: result.errors.map(({ field, message }) => ({ field, message })),
    },
  };
}

import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { matchPriority } from "../domain/forms/classify.js";
import type { DropdownField, FormDefinition } from "../domain/forms/form.js";
import {
  agrees,
  configResponseText,
  findStatedTargets,
  responsePhrase,
  type StatedTargetMatch,
} from "../domain/forms/promise.js";
import { headingKey } from "../domain/forms/text.js";
import type { Policy, PriorityPolicy } from "../domain/policy.js";

const DEFAULT_FORMS_DIR = ".github/ISSUE_TEMPLATE";
const CONFIG_PATH = ".github/support-sla.yml";

/** One issue form to cross-check: its file name, its parsed definition and, when known, its text. */
export interface CrossCheckForm {
  file: string;
  form: FormDefinition;
  /** The YAML as written. Without it the stated response times are not checked (they need lines). */
  text?: string;
}

export interface CrossCheckOptions {
  /** The config file as the admin named it, for the fix a problem suggests; default `.github/support-sla.yml`. */
  configPath?: string;
  /** The forms folder as the admin named it, to name each form file; default `.github/ISSUE_TEMPLATE`. */
  formsDir?: string;
}

/** The forms folder as problems name it, without a trailing slash. */
function formsDirOf(options: CrossCheckOptions): string {
  return (options.formsDir ?? DEFAULT_FORMS_DIR).replace(/\/+$/, "") || DEFAULT_FORMS_DIR;
}

/** The field an issue form asks the priority with: id `priority`, else the label "Priority". */
function priorityDropdown(form: FormDefinition): DropdownField | undefined {
  const field =
    form.fields.find((f) => f.id === "priority") ??
    form.fields.find((f) => headingKey(f.label).toLowerCase() === "priority");
  return field?.type === "dropdown" ? field : undefined;
}

/**
 * Problems between a valid config and the repo's issue forms, as `path: message`: each configured
 * type's form exists and applies the type's label; each priority option maps to a priority that
 * the form's type may use; and, for forms given with their text, each response time a form
 * promises for a priority is that priority's configured target (see {@link statedTargetProblems}).
 */
export function crossCheck(
  policy: Policy,
  forms: CrossCheckForm[],
  options: CrossCheckOptions = {},
): string[] {
  const problems: string[] = [];
  const formsDir = formsDirOf(options);
  const byFile = new Map(forms.map((f) => [f.file.toLowerCase(), f]));
  for (const type of policy.types) {
    if (type.form === null) continue;
    const found = byFile.get(type.form.toLowerCase());
    if (!found) {
      problems.push(
        `types.${type.key}.form: ${formsDir}/${type.form} does not exist (forms found: ${forms.map((f) => f.file).join(", ") || "none"}); add it (support-sla init writes one) or point form at an existing file`,
      );
      continue;
    }
    if (!found.form.labels.some((l) => l.toLowerCase() === type.label.toLowerCase())) {
      problems.push(
        `${formsDir}/${found.file}: labels must include "${type.label}" so that issues opened from it are typed ${type.key}`,
      );
    }
  }
  const names = policy.priorities.map((p) => p.key).join(", ");
  for (const { file, form, text } of forms) {
    const field = priorityDropdown(form);
    if (field) {
      const type = policy.types.find((t) => t.form?.toLowerCase() === file.toLowerCase());
      field.options.forEach((option, i) => {
        const path = `${formsDir}/${file}: body[${field.index}].attributes.options[${i}]`;
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
    if (text !== undefined) problems.push(...statedTargetProblems(policy, file, text, options));
  }
  return problems;
}

/** A text of the form where a stated target was found: its YAML path and 1-based line. */
interface Found extends StatedTargetMatch {
  path: string;
  sourceLine: number;
}

/** Every string value of the form's YAML with the stated targets in it, each with its source line. */
function statedTargetsInForm(text: string): Found[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length > 0) return []; // the form checker reports broken YAML
  const found: Found[] = [];
  const walk = (node: unknown, path: string): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "?";
        walk(pair.value, path === "" ? key : `${path}.${key}`);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walk(item, `${path}[${i}]`);
      });
    } else if (isScalar(node) && typeof node.value === "string" && node.range) {
      const [start, end] = node.range;
      const source = text.slice(start, end);
      let cursor = 0;
      for (const match of findStatedTargets(node.value)) {
        // The phrase as written, searched in order; folded or escaped text falls back to the
        // value's first line.
        const at = source.indexOf(match.phrase, cursor);
        if (at >= 0) cursor = at + match.phrase.length;
        const sourceLine = lines.linePos(at >= 0 ? start + at : start).line;
        found.push({ ...match, path, sourceLine });
      }
    }
  };
  walk(doc.contents, "");
  return found;
}

function clockText(priority: PriorityPolicy): string {
  return priority.clock === "calendar" ? "the calendar clock (24/7)" : "the business clock";
}

/**
 * Response times a form states that disagree with the config, one problem per line, as
 * `FORMS_DIR/FILE: YAML.PATH: says "…" for NAME, but … (line N)`, with both ways
 * to fix it: write the forms from the config again with `support-sla init`, or change the text.
 * What counts as a stated target is the grammar of src/domain/forms/promise.ts: a line that
 * starts with a configured priority's name in bold and says "respond within …" or "respond by the
 * end of the next business day". A bold name that is no configured priority is left alone.
 */
export function statedTargetProblems(
  policy: Policy,
  file: string,
  text: string,
  options: CrossCheckOptions = {},
): string[] {
  const configPath = options.configPath ?? CONFIG_PATH;
  const formsDir = formsDirOf(options);
  const problems: string[] = [];
  for (const found of statedTargetsInForm(text)) {
    const key = matchPriority(found.priority, policy);
    const priority = policy.priorities.find((p) => p.key === key);
    if (!priority || agrees(found.target, priority)) continue;
    problems.push(
      `${formsDir}/${file}: ${found.path}: says "${found.phrase}" for ${found.priority}, but priorities.${priority.key}.response is ${configResponseText(priority.response)} on ${clockText(priority)}; run \`support-sla init --config ${configPath} --force\` to write the forms from the config, or change "${found.phrase}" to "${responsePhrase(priority)}" (line ${found.sourceLine})`,
    );
  }
  return problems;
}

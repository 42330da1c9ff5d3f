import { parse, parseDocument } from "yaml";
import { normaliseLabel } from "./text.js";

/** The answerable element types of GitHub's form schema; `markdown` elements are not fields. */
export type FieldType = "input" | "textarea" | "dropdown" | "checkboxes";

interface FieldBase {
  /** Position of the element in the form's `body` (markdown elements included), for messages. */
  index: number;
  id: string | null;
  /** As written, trimmed. Headings in the issue body are matched to it after `normaliseLabel`. */
  label: string;
  description: string | null;
  /** For checkboxes: at least one option is required, or `validations.required` is set. */
  required: boolean;
}

export interface InputField extends FieldBase {
  type: "input";
  placeholder: string | null;
  value: string | null;
}

export interface TextareaField extends FieldBase {
  type: "textarea";
  placeholder: string | null;
  value: string | null;
  /** Language of the fenced code block GitHub wraps the answer in, or null for plain markdown. */
  render: string | null;
}

export interface DropdownField extends FieldBase {
  type: "dropdown";
  options: string[];
  multiple: boolean;
  /** Index of the preselected option. */
  default: number | null;
}

export interface CheckboxOption {
  label: string;
  required: boolean;
}

export interface CheckboxesField extends FieldBase {
  type: "checkboxes";
  options: CheckboxOption[];
}

export type Field = InputField | TextareaField | DropdownField | CheckboxesField;

export interface FormDefinition {
  name: string;
  description: string;
  title: string | null;
  /** Labels GitHub applies to an issue opened from this form. */
  labels: string[];
  assignees: string[];
  projects: string[];
  /** GitHub issue type (top-level `type:`), not our request type. */
  issueType: string | null;
  /** Answerable elements in form order; markdown elements are left out. */
  fields: Field[];
}

export type FormResult = { ok: true; form: FormDefinition } | { ok: false; problems: string[] };

export interface ContactLink {
  name: string;
  url: string;
  about: string;
}

export interface TemplateConfig {
  blankIssuesEnabled: boolean;
  contactLinks: ContactLink[];
}

export type TemplateConfigResult = { ok: true; config: TemplateConfig } | { ok: false; problems: string[] };

/**
 * A YAML node read twice: `value` with the core schema (booleans, integers, null) and `text` with
 * the failsafe schema, so that an unquoted option such as `1.10` keeps the text its author wrote
 * instead of becoming the number 1.1.
 */
interface Node {
  value: unknown;
  text: unknown;
}

const TOP_KEYS = ["name", "description", "title", "labels", "assignees", "projects", "type", "body"];
const ELEMENT_KEYS = ["type", "id", "attributes", "validations"];
const ATTRIBUTE_KEYS: Record<FieldType | "markdown", string[]> = {
  markdown: ["value"],
  input: ["label", "description", "placeholder", "value"],
  textarea: ["label", "description", "placeholder", "value", "render"],
  dropdown: ["label", "description", "multiple", "options", "default"],
  checkboxes: ["label", "description", "options"],
};
const ELEMENT_TYPES = Object.keys(ATTRIBUTE_KEYS);
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
// GitHub reads forms with a YAML 1.1 parser, where these unquoted words are booleans too.
const TRUE_WORDS = new Set(["true", "yes", "on", "y"]);
const FALSE_WORDS = new Set(["false", "no", "off", "n"]);

class Reader {
  readonly problems: string[] = [];

  problem(path: string, message: string): void {
    this.problems.push(`${path}: ${message}`);
  }

  isMap(node: Node): boolean {
    if (typeof node.value !== "object" || node.value === null) return false;
    // Plain mappings only: not lists, nor what tags such as !!binary turn into.
    const proto = Object.getPrototypeOf(node.value);
    return proto === Object.prototype || proto === null;
  }

  child(node: Node, key: string): Node | undefined {
    if (!this.isMap(node) || !Object.hasOwn(node.value as object, key)) return undefined;
    const text = typeof node.text === "object" && node.text !== null ? node.text : {};
    return {
      value: (node.value as Record<string, unknown>)[key],
      text: (text as Record<string, unknown>)[key],
    };
  }

  items(node: Node): Node[] {
    const values = node.value as unknown[];
    const texts = Array.isArray(node.text) ? node.text : [];
    return values.map((value, i) => ({ value, text: texts[i] }));
  }

  mapping(node: Node | undefined, path: string, allowed: string[]): boolean {
    if (node === undefined) return false;
    if (!this.isMap(node)) {
      this.problem(path, "must be a mapping of keys to values");
      return false;
    }
    for (const key of Object.keys(node.value as object)) {
      if (!allowed.includes(key)) {
        this.problem(
          `${path === "" ? "" : `${path}.`}${key}`,
          `unknown key (allowed: ${allowed.join(", ")})`,
        );
      }
    }
    return true;
  }

  /** A scalar as text; numbers and booleans keep their written form. */
  scalarText(node: Node): string | undefined {
    if (typeof node.value === "string") return node.value;
    if (typeof node.value === "number" || typeof node.value === "boolean") {
      return typeof node.text === "string" ? node.text : String(node.value);
    }
    return undefined;
  }

  text(
    node: Node | undefined,
    path: string,
    opts: { required?: boolean; nonEmpty?: boolean } = {},
  ): string | null {
    if (node === undefined || node.value === null || node.value === undefined) {
      if (opts.required) this.problem(path, "required");
      return null;
    }
    const text = this.scalarText(node);
    if (text === undefined) {
      this.problem(path, "must be text");
      return null;
    }
    if (opts.nonEmpty && normaliseLabel(text) === "") {
      this.problem(path, "must not be empty");
      return null;
    }
    return text;
  }

  bool(node: Node | undefined, path: string): boolean {
    if (node === undefined || node.value === null) return false;
    if (typeof node.value === "boolean") return node.value;
    if (typeof node.value === "string") {
      const word = node.value.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return true;
      if (FALSE_WORDS.has(word)) return false;
    }
    this.problem(path, "must be true or false");
    return false;
  }

  /** `labels`, `assignees`, `projects`: a list, or one comma-separated string. */
  list(node: Node | undefined, path: string): string[] {
    if (node === undefined || node.value === null) return [];
    const single = this.scalarText(node);
    if (single !== undefined) {
      return single
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    }
    if (!Array.isArray(node.value)) {
      this.problem(path, "must be a list or a comma-separated string");
      return [];
    }
    const out: string[] = [];
    this.items(node).forEach((item, i) => {
      const text = this.text(item, `${path}[${i}]`, { required: true, nonEmpty: true });
      if (text !== null) out.push(text.trim());
    });
    return out;
  }
}

function yamlProblem(message: string): string {
  return `yaml: ${(message.split("\n", 1)[0] ?? message).replace(/:$/, "")}`;
}

/** Parses YAML into the paired node, or returns the syntax problems. Never throws. */
function load(text: string): { node: Node } | { problems: string[] } {
  let value: unknown;
  try {
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) return { problems: doc.errors.map((e) => yamlProblem(e.message)) };
    // toJS throws on alias bombs ("billion laughs") among others.
    value = doc.toJS({ maxAliasCount: 100 }) as unknown;
  } catch (error) {
    return { problems: [yamlProblem(error instanceof Error ? error.message : String(error))] };
  }
  let failsafe: unknown = value;
  try {
    failsafe = parse(text, { schema: "failsafe", maxAliasCount: 100 });
  } catch {
    // The core reading already succeeded; written forms of numbers are a nicety, not a need.
  }
  return { node: { value, text: failsafe } };
}

/**
 * Parses an issue form (`.github/ISSUE_TEMPLATE/*.yml`) against GitHub's issue-form schema.
 * Never throws: a form GitHub would reject comes back as a list of `path: message` problems.
 */
export function parseIssueForm(source: string): FormResult {
  const loaded = load(source);
  if ("problems" in loaded) return { ok: false, problems: loaded.problems };
  const r = new Reader();
  const root = loaded.node;
  if (!r.isMap(root))
    return {
      ok: false,
      problems: ["(root): an issue form must be a mapping with name, description and body"],
    };
  r.mapping(root, "", TOP_KEYS);

  const name = r.text(r.child(root, "name"), "name", { required: true, nonEmpty: true });
  const description = r.text(r.child(root, "description"), "description", { required: true, nonEmpty: true });
  const title = r.text(r.child(root, "title"), "title");
  const issueType = r.text(r.child(root, "type"), "type", { nonEmpty: true });
  const labels = r.list(r.child(root, "labels"), "labels");
  const assignees = r.list(r.child(root, "assignees"), "assignees");
  const projects = r.list(r.child(root, "projects"), "projects");
  const fields = readBody(r, r.child(root, "body"));

  if (r.problems.length > 0) return { ok: false, problems: r.problems };
  return {
    ok: true,
    form: {
      name: (name ?? "").trim(),
      description: description ?? "",
      title,
      labels,
      assignees,
      projects,
      issueType: issueType?.trim() ?? null,
      fields,
    },
  };
}

function readBody(r: Reader, body: Node | undefined): Field[] {
  if (body === undefined || body.value === null) {
    r.problem("body", "required: a list of form elements");
    return [];
  }
  if (!Array.isArray(body.value) || body.value.length === 0) {
    r.problem("body", "must be a non-empty list of form elements");
    return [];
  }
  const fields: Field[] = [];
  const ids = new Map<string, number>();
  const labels = new Map<string, number>();
  r.items(body).forEach((element, index) => {
    const path = `body[${index}]`;
    const field = readElement(r, element, path, index);
    if (field === null) return;
    if (field.id !== null) {
      const seen = ids.get(field.id);
      if (seen !== undefined) r.problem(`${path}.id`, `"${field.id}" is already used by body[${seen}]`);
      else ids.set(field.id, index);
    }
    const key = normaliseLabel(field.label);
    const seen = labels.get(key);
    if (seen !== undefined) {
      r.problem(
        `${path}.attributes.label`,
        `"${field.label}" is already used by body[${seen}]; labels must be unique`,
      );
    } else labels.set(key, index);
    fields.push(field);
  });
  return fields;
}

function readElement(r: Reader, element: Node, path: string, index: number): Field | null {
  if (!r.mapping(element, path, ELEMENT_KEYS)) return null;
  const typeNode = r.child(element, "type");
  const type = r.text(typeNode, `${path}.type`, { required: true });
  if (type === null) return null;
  if (!ELEMENT_TYPES.includes(type)) {
    r.problem(`${path}.type`, `unknown element type "${type}" (allowed: ${ELEMENT_TYPES.join(", ")})`);
    return null;
  }
  const attrs = r.child(element, "attributes");
  const attrPath = `${path}.attributes`;
  if (attrs === undefined || attrs.value === null) {
    r.problem(attrPath, `required for a ${type}`);
    return null;
  }
  if (!r.mapping(attrs, attrPath, ATTRIBUTE_KEYS[type as FieldType | "markdown"])) return null;

  if (type === "markdown") {
    if (r.child(element, "id") !== undefined) r.problem(`${path}.id`, "not allowed on a markdown element");
    if (r.child(element, "validations") !== undefined) {
      r.problem(`${path}.validations`, "not allowed on a markdown element");
    }
    r.text(r.child(attrs, "value"), `${attrPath}.value`, { required: true, nonEmpty: true });
    return null;
  }

  const idNode = r.child(element, "id");
  let id: string | null = null;
  if (idNode !== undefined) {
    id = r.text(idNode, `${path}.id`, { required: true, nonEmpty: true });
    if (id !== null && !ID_PATTERN.test(id)) {
      r.problem(`${path}.id`, `"${id}" may only contain letters, digits, "-" and "_"`);
    }
  }
  let required = false;
  const validations = r.child(element, "validations");
  if (
    validations !== undefined &&
    validations.value !== null &&
    r.mapping(validations, `${path}.validations`, ["required"])
  ) {
    required = r.bool(r.child(validations, "required"), `${path}.validations.required`);
  }
  const base = {
    index,
    id,
    label: (
      r.text(r.child(attrs, "label"), `${attrPath}.label`, { required: true, nonEmpty: true }) ?? ""
    ).trim(),
    description: r.text(r.child(attrs, "description"), `${attrPath}.description`),
    required,
  };

  switch (type as FieldType) {
    case "input":
      return {
        ...base,
        type: "input",
        placeholder: r.text(r.child(attrs, "placeholder"), `${attrPath}.placeholder`),
        value: r.text(r.child(attrs, "value"), `${attrPath}.value`),
      };
    case "textarea": {
      const render = r.text(r.child(attrs, "render"), `${attrPath}.render`);
      return {
        ...base,
        type: "textarea",
        placeholder: r.text(r.child(attrs, "placeholder"), `${attrPath}.placeholder`),
        value: r.text(r.child(attrs, "value"), `${attrPath}.value`),
        render: render === null || render.trim() === "" ? null : render.trim(),
      };
    }
    case "dropdown":
      return readDropdown(r, attrs, attrPath, base);
    case "checkboxes":
      return readCheckboxes(r, attrs, attrPath, base);
  }
}

function readDropdown(r: Reader, attrs: Node, attrPath: string, base: FieldBase): DropdownField {
  const options: string[] = [];
  const node = r.child(attrs, "options");
  if (node === undefined || node.value === null) r.problem(`${attrPath}.options`, "required for a dropdown");
  else if (!Array.isArray(node.value) || node.value.length === 0) {
    r.problem(`${attrPath}.options`, "must be a non-empty list of choices");
  } else {
    r.items(node).forEach((item, i) => {
      const text = r.text(item, `${attrPath}.options[${i}]`, { required: true, nonEmpty: true });
      if (text === null) return;
      if (options.some((o) => normaliseLabel(o) === normaliseLabel(text))) {
        r.problem(`${attrPath}.options[${i}]`, `"${text}" is listed twice; choices must be distinct`);
      }
      options.push(text.trim());
    });
  }
  const multiple = r.bool(r.child(attrs, "multiple"), `${attrPath}.multiple`);
  let defaultIndex: number | null = null;
  const def = r.child(attrs, "default");
  if (def !== undefined && def.value !== null) {
    if (typeof def.value !== "number" || !Number.isInteger(def.value) || def.value < 0) {
      r.problem(`${attrPath}.default`, "must be the index (0, 1, ...) of one of the options");
    } else if (options.length > 0 && def.value >= options.length) {
      r.problem(`${attrPath}.default`, `${def.value} is out of range: there are ${options.length} options`);
    } else defaultIndex = def.value;
  }
  return { ...base, type: "dropdown", options, multiple, default: defaultIndex };
}

function readCheckboxes(r: Reader, attrs: Node, attrPath: string, base: FieldBase): CheckboxesField {
  const options: CheckboxOption[] = [];
  const node = r.child(attrs, "options");
  if (node === undefined || node.value === null) r.problem(`${attrPath}.options`, "required for checkboxes");
  else if (!Array.isArray(node.value) || node.value.length === 0) {
    r.problem(`${attrPath}.options`, "must be a non-empty list of { label, required }");
  } else {
    r.items(node).forEach((item, i) => {
      const path = `${attrPath}.options[${i}]`;
      if (!r.mapping(item, path, ["label", "required"])) return;
      const label = r.text(r.child(item, "label"), `${path}.label`, { required: true, nonEmpty: true });
      const required = r.bool(r.child(item, "required"), `${path}.required`);
      if (label === null) return;
      if (options.some((o) => normaliseLabel(o.label) === normaliseLabel(label))) {
        r.problem(`${path}.label`, `"${label}" is listed twice; options must be distinct`);
      }
      options.push({ label: label.trim(), required });
    });
  }
  return { ...base, type: "checkboxes", options, required: base.required || options.some((o) => o.required) };
}

/**
 * Parses `.github/ISSUE_TEMPLATE/config.yml` (the template chooser's configuration).
 * An empty file is valid: GitHub then uses its defaults.
 */
export function parseTemplateConfig(source: string): TemplateConfigResult {
  const loaded = load(source);
  if ("problems" in loaded) return { ok: false, problems: loaded.problems };
  const r = new Reader();
  const root = loaded.node;
  const config: TemplateConfig = { blankIssuesEnabled: true, contactLinks: [] };
  if (root.value === null || root.value === undefined) return { ok: true, config };
  if (!r.mapping(root, "", ["blank_issues_enabled", "contact_links"])) {
    return {
      ok: false,
      problems: ["(root): config.yml must be a mapping with blank_issues_enabled and contact_links"],
    };
  }
  const blank = r.child(root, "blank_issues_enabled");
  if (blank !== undefined && blank.value !== null) {
    config.blankIssuesEnabled = r.bool(blank, "blank_issues_enabled");
  }
  const links = r.child(root, "contact_links");
  if (links !== undefined && links.value !== null) {
    if (!Array.isArray(links.value)) r.problem("contact_links", "must be a list of { name, url, about }");
    else {
      r.items(links).forEach((item, i) => {
        const path = `contact_links[${i}]`;
        if (!r.mapping(item, path, ["name", "url", "about"])) return;
        const name = r.text(r.child(item, "name"), `${path}.name`, { required: true, nonEmpty: true });
        const url = r.text(r.child(item, "url"), `${path}.url`, { required: true, nonEmpty: true });
        const about = r.text(r.child(item, "about"), `${path}.about`, { required: true, nonEmpty: true });
        if (url !== null && !isLinkUrl(url.trim())) {
          r.problem(`${path}.url`, `"${url.trim()}" is not an absolute http(s), mailto: or tel: URL`);
        }
        if (name !== null && url !== null && about !== null) {
          config.contactLinks.push({ name: name.trim(), url: url.trim(), about: about.trim() });
        }
      });
    }
  }
  return r.problems.length > 0 ? { ok: false, problems: r.problems } : { ok: true, config };
}

function isLinkUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  return ["http:", "https:", "mailto:", "tel:"].includes(new URL(url).protocol);
}

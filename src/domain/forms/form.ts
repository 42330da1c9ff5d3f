import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from "yaml";

/*
 * GitHub's rules for issue forms and the template chooser, as published in:
 * - "Syntax for issue forms" (top-level keys):
 *   https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms
 * - "Syntax for GitHub's form schema" (elements, attributes, validations):
 *   https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-githubs-form-schema
 * - "Common validation errors when creating issue forms" (what GitHub rejects):
 *   https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/common-validation-errors-when-creating-issue-forms
 * - "Configuring issue templates for your repository" (config.yml, template names):
 *   https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/configuring-issue-templates-for-your-repository
 * GitHub reads the YAML with Ruby's Psych, the YAML 1.1 way: see `psychScalar` below.
 */

/** The answerable element types of GitHub's form schema; `markdown` elements are not fields. */
export type FieldType = "input" | "textarea" | "dropdown" | "checkboxes" | "upload";

interface FieldBase {
  /** Position of the element in the form's `body` (markdown elements included), for messages. */
  index: number;
  id: string | null;
  /** As written, trimmed. Headings in the issue body are matched to it after `headingKey`. */
  label: string;
  description: string | null;
  /** For checkboxes: at least one option is required, or `validations.required` is set. */
  required: boolean;
}

/** A single-line text field (`type: input`). */
export interface InputField extends FieldBase {
  type: "input";
  placeholder: string | null;
  value: string | null;
}

/** A multi-line text field (`type: textarea`). */
export interface TextareaField extends FieldBase {
  type: "textarea";
  placeholder: string | null;
  value: string | null;
  /** Language of the fenced code block GitHub wraps the answer in, or null for plain markdown. */
  render: string | null;
}

/** A dropdown menu (`type: dropdown`), single or multiple choice. */
export interface DropdownField extends FieldBase {
  type: "dropdown";
  /** As GitHub shows them: an unquoted number is shown as Ruby prints it (`1.10` as "1.1"). */
  options: string[];
  multiple: boolean;
  /** Index of the preselected option. */
  default: number | null;
}

/** One checkbox of a `checkboxes` element; `required` ones must be ticked. */
export interface CheckboxOption {
  label: string;
  required: boolean;
}

/** A set of checkboxes (`type: checkboxes`). */
export interface CheckboxesField extends FieldBase {
  type: "checkboxes";
  options: CheckboxOption[];
}

/** A file upload (`type: upload`): the answer is the links GitHub writes for the files. */
export interface UploadField extends FieldBase {
  type: "upload";
  /** `validations.accept`: the file extensions offered, as written (".png, .log"), or null. */
  accept: string | null;
}

/** An answerable element of a form: what a `### ` section of the issue body answers. */
export type Field = InputField | TextareaField | DropdownField | CheckboxesField | UploadField;

/** An issue form as GitHub reads it: its top-level keys and its answerable elements. */
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

/**
 * `problems` are `path: message (line N)`: the YAML path of the key (`body[2].attributes.label`),
 * what GitHub makes of it and how to fix it, and the 1-based line in the file.
 */
export type FormResult = { ok: true; form: FormDefinition } | { ok: false; problems: string[] };

/** One `contact_links` entry of config.yml: shown in the template chooser as a link. */
export interface ContactLink {
  name: string;
  url: string;
  about: string;
}

/** The template chooser's config.yml, with GitHub's defaults for what it leaves out. */
export interface TemplateConfig {
  blankIssuesEnabled: boolean;
  contactLinks: ContactLink[];
}

/** `problems` as for {@link FormResult}. */
export type TemplateConfigResult = { ok: true; config: TemplateConfig } | { ok: false; problems: string[] };

// ---- YAML as GitHub reads it ------------------------------------------------------------------

/**
 * What Ruby's Psych makes of a scalar: a plain (unquoted) scalar can be a boolean, a number, null,
 * a date or time, or a symbol; a quoted or block scalar is always a string.
 */
type ScalarType = "string" | "null" | "bool" | "int" | "float" | "date" | "time" | "symbol" | "tagged";

interface YScalar {
  kind: "scalar";
  line: number;
  type: ScalarType;
  /** The text as written (quotes and escapes resolved). */
  text: string;
  /** For `bool`, `int` and `float`: the value, with integers as exact decimal text. */
  value: boolean | number | string | null;
  tag: string | null;
}

interface YEntry {
  key: string;
  keyType: ScalarType;
  line: number;
  value: YNode;
}

interface YMap {
  kind: "map";
  line: number;
  entries: YEntry[];
}

interface YSeq {
  kind: "seq";
  line: number;
  items: YNode[];
}

type YNode = YScalar | YMap | YSeq;

/** Nodes one file may expand to, aliases included: an alias bomb stops here, not in memory. */
const MAX_NODES = 20_000;

// Psych's ScalarScanner (ruby/psych, lib/psych/scalar_scanner.rb), which GitHub's Ruby reads with:
// https://github.com/ruby/psych/blob/master/lib/psych/scalar_scanner.rb
const PSYCH_WORDLIKE = /^[^\d.:-]?[\p{Alphabetic}_ \t\r\n\f\v!@#$%^&*(){}<>|/\\~;=]+/u;
const PSYCH_TIME =
  /^-?\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|\s+)\d{1,2}:\d\d:\d\d(?:\.\d*)?(?:\s*(?:Z|[-+]\d{1,2}:?(?:\d\d)?))?$/;
const PSYCH_DATE = /^\d{4}-(?:1[012]|0\d|\d)-(?:[12]\d|3[01]|0\d|\d)$/;
const PSYCH_SEXAGESIMAL_INT = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}$/;
const PSYCH_SEXAGESIMAL_FLOAT = /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9]){1,2}\.[0-9_]*$/;
const PSYCH_FLOAT = /^[-+]?([0-9][0-9_,]*)?\.[0-9]*([eE][-+][0-9]+)?$/;
const PSYCH_INTEGER =
  /^(?:[-+]?0b[0-1_,]+|[-+]?0[0-7_,]+|[-+]?(?:0|[1-9](?:[0-9]|,[0-9]|_[0-9])*)|[-+]?0x[0-9a-fA-F_,]+)$/;

/** Ruby's `Float#to_s`: shortest digits, fixed notation for 1e-4 <= |x| < 1e16, always a `.0`. */
function rubyFloatText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "0", exp = "0"] = x.toExponential().split("e");
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace(/^-/, "").replace(".", "");
  const decpt = Number(exp) + 1;
  let out: string;
  if (decpt > 0 && decpt <= 16) {
    out =
      digits.length <= decpt
        ? `${digits}${"0".repeat(decpt - digits.length)}.0`
        : `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  } else if (decpt <= 0 && decpt > -4) {
    out = `0.${"0".repeat(-decpt)}${digits}`;
  } else {
    const e = decpt - 1;
    out = `${digits.charAt(0)}.${digits.slice(1) || "0"}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  return negative ? `-${out}` : out;
}

/** Ruby's `Integer(text)` for Psych's integer forms: 0b binary, 0x hex, leading 0 octal. */
function rubyInteger(text: string): string {
  const clean = text.replace(/[,_]/g, "");
  const negative = clean.startsWith("-");
  const body = clean.replace(/^[-+]/, "");
  let value: bigint;
  if (/^0b/i.test(body)) value = BigInt(body);
  else if (/^0x/i.test(body)) value = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) value = BigInt(`0o${body.slice(1)}`);
  else value = BigInt(body);
  return (negative ? -value : value).toString();
}

/**
 * The type Psych gives a plain scalar, and the value: booleans are `yes`/`no`/`true`/`false`/
 * `on`/`off` in any letter case (not `y` and `n`), `~` and `null` are null, and numbers, dates,
 * times and `:symbols` follow Psych's patterns (commas allowed in numbers, `1:30` base 60).
 */
function psychScalar(text: string): { type: ScalarType; value: boolean | number | string | null } {
  if (text === "") return { type: "null", value: null };
  if (PSYCH_WORDLIKE.test(text) || text.includes("\n")) {
    if (text.length > 5 || /^[^ytonf~]/i.test(text)) return { type: "string", value: text };
    if (text === "~" || /^null$/i.test(text)) return { type: "null", value: null };
    if (/^(yes|true|on)$/i.test(text)) return { type: "bool", value: true };
    if (/^(no|false|off)$/i.test(text)) return { type: "bool", value: false };
    return { type: "string", value: text };
  }
  if (PSYCH_TIME.test(text)) return { type: "time", value: text };
  if (PSYCH_DATE.test(text)) return { type: "date", value: text };
  if (/^\+?\.inf$/i.test(text)) return { type: "float", value: Number.POSITIVE_INFINITY };
  if (/^-\.inf$/i.test(text)) return { type: "float", value: Number.NEGATIVE_INFINITY };
  if (/^\.nan$/i.test(text)) return { type: "float", value: Number.NaN };
  if (/^:./.test(text)) return { type: "symbol", value: text };
  if (PSYCH_SEXAGESIMAL_INT.test(text) || PSYCH_SEXAGESIMAL_FLOAT.test(text)) {
    const float = PSYCH_SEXAGESIMAL_FLOAT.test(text);
    const parts = text.split(":");
    let sum = 0;
    parts.forEach((part, i) => {
      const n = float
        ? Number.parseFloat(part.replace(/_/g, ""))
        : Number.parseInt(part.replace(/_/g, ""), 10);
      sum += (Number.isNaN(n) ? 0 : n) * 60 ** Math.abs(i - 2);
    });
    return float ? { type: "float", value: sum } : { type: "int", value: String(sum) };
  }
  if (PSYCH_FLOAT.test(text)) {
    if (/^[-+]?\.$/.test(text)) return { type: "string", value: text };
    return { type: "float", value: Number(text.replace(/[,_]/g, "").replace(/\.([Ee]|$)/, "$1")) };
  }
  if (PSYCH_INTEGER.test(text)) return { type: "int", value: rubyInteger(text) };
  return { type: "string", value: text };
}

/** Tags a form may carry without changing what GitHub reads: `!!str` keeps the text a string. */
const STRING_TAGS = new Set(["tag:yaml.org,2002:str", "!"]);

type Loaded = { root: YNode | null; documents: number } | { problems: Problem[] };

/**
 * Reads the first YAML document of a file the way GitHub does (Ruby's Psych, YAML 1.1 types; a
 * repeated key keeps its last value), with each node's line. Never throws: syntax errors and
 * alias bombs come back as problems.
 */
function load(source: string): Loaded {
  const lines = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(source, { schema: "failsafe", uniqueKeys: false, lineCounter: lines });
  } catch (error) {
    return { problems: [{ path: "yaml", line: undefined, message: String(error) }] };
  }
  if (!Array.isArray(docs)) docs = [];
  const doc = docs[0];
  if (doc === undefined) return { root: null, documents: 0 };
  // The first syntax error only: the ones after it are mostly its echoes.
  const errors = doc.errors.slice(0, 1);
  if (errors.length > 0) {
    return {
      problems: errors.map((e) => {
        const pos = e.linePos?.[0];
        const message = (e.message.split("\n", 1)[0] ?? e.message)
          .replace(/ at line \d+, column \d+:?$/, "")
          .replace(/:$/, "");
        return {
          path: "yaml",
          line: pos?.line,
          message: `${message}${pos ? ` (column ${pos.col})` : ""}; fix the YAML syntax`,
        };
      }),
    };
  }
  let nodes = 0;
  const lineOf = (range: readonly number[] | null | undefined, fallback: number): number =>
    range?.[0] === undefined ? fallback : lines.linePos(range[0]).line;
  const build = (node: unknown, fallback: number, depth: number): YNode => {
    if (++nodes > MAX_NODES || depth > 200) throw new RangeError("too many nodes");
    if (isAlias(node)) return build(node.resolve(doc), lineOf(node.range, fallback), depth + 1);
    if (isMap(node)) {
      const map: YMap = { kind: "map", line: lineOf(node.range, fallback), entries: [] };
      for (const pair of node.items) {
        const keyNode = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
        const keyLine = lineOf(isScalar(keyNode) ? keyNode.range : null, map.line);
        let key = "[complex key]";
        let keyType: ScalarType = "tagged";
        if (isScalar(keyNode)) {
          key = String(keyNode.value ?? "");
          keyType = keyNode.type === "PLAIN" && !keyNode.tag ? psychScalar(key).type : "string";
        }
        const value: YNode =
          pair.value === null || pair.value === undefined
            ? { kind: "scalar", line: keyLine, type: "null", text: "", value: null, tag: null }
            : build(pair.value, keyLine, depth + 1);
        const entry: YEntry = { key, keyType, line: keyLine, value };
        // Psych keeps the last of repeated keys, at the place of the first.
        const at = map.entries.findIndex((e) => e.key === key && e.keyType === keyType);
        if (at >= 0) map.entries[at] = entry;
        else map.entries.push(entry);
      }
      return map;
    }
    if (isSeq(node)) {
      const seq: YSeq = { kind: "seq", line: lineOf(node.range, fallback), items: [] };
      for (const item of node.items) seq.items.push(build(item, seq.line, depth + 1));
      return seq;
    }
    if (isScalar(node)) {
      const text = String(node.value ?? "");
      const line = lineOf(node.range, fallback);
      const tag = node.tag ?? null;
      if (tag !== null && !STRING_TAGS.has(tag))
        return { kind: "scalar", line, type: "tagged", text, value: text, tag };
      if (node.type !== "PLAIN" || tag !== null)
        return { kind: "scalar", line, type: "string", text, value: text, tag };
      const read = psychScalar(text);
      return { kind: "scalar", line, type: read.type, text, value: read.value, tag: null };
    }
    return { kind: "scalar", line: fallback, type: "null", text: "", value: null, tag: null };
  };
  try {
    const root = doc.contents === null ? null : build(doc.contents, 1, 0);
    return { root, documents: docs.length };
  } catch (error) {
    const reason =
      error instanceof RangeError
        ? "it expands to too many values, the way an alias bomb does; write the values out instead of using aliases (*name)"
        : `it could not be read (${error instanceof Error ? error.message : String(error)})`;
    return { problems: [{ path: "yaml", line: undefined, message: `not usable: ${reason}` }] };
  }
}

// ---- Problems ---------------------------------------------------------------------------------

interface Problem {
  path: string;
  line: number | undefined;
  message: string;
}

function format(problem: Problem): string {
  return `${problem.path}: ${problem.message}${problem.line === undefined ? "" : ` (line ${problem.line})`}`;
}

/** The keys GitHub forbids because YAML reads them as booleans ("Forbidden keys" in Common validation errors). */
const FORBIDDEN_KEYS = new Set(
  "y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF".split(" "),
);

function quoteHint(node: YScalar): string {
  const quoted = JSON.stringify(node.text);
  switch (node.type) {
    case "bool":
      return `GitHub's YAML reads the unquoted ${node.text} as the boolean ${String(node.value)}; quote it: ${quoted}`;
    case "int":
    case "float":
      return `GitHub's YAML reads the unquoted ${node.text} as a number; quote it: ${quoted}`;
    case "date":
    case "time":
      return `GitHub's YAML reads the unquoted ${node.text} as a date; quote it: ${quoted}`;
    case "symbol":
      return `GitHub's YAML reads the unquoted ${node.text} as a Ruby symbol; quote it: ${quoted}`;
    case "tagged":
      return `the tag ${node.tag ?? ""} makes it something other than text; remove the tag and quote the text`;
    default:
      return "write it as text";
  }
}

const kindOf = (node: YNode): string =>
  node.kind === "map" ? "a mapping" : node.kind === "seq" ? "a list" : "text";

class Checker {
  readonly problems: Problem[] = [];

  add(path: string, line: number | undefined, message: string): void {
    this.problems.push({ path, line, message });
  }

  get(map: YMap, key: string): YEntry | undefined {
    return map.entries.find((e) => e.key === key && e.keyType === "string");
  }

  /** Flags keys that are not allowed at `path`; returns false when `node` is not a mapping. */
  keys(node: YNode, path: string, allowed: readonly string[], what: string): node is YMap {
    if (node.kind !== "map") {
      this.add(path, node.line, `must be a mapping of keys to values (${what}), not ${kindOf(node)}`);
      return false;
    }
    for (const entry of node.entries) {
      const at = `${path === "" ? "" : `${path}.`}${entry.key}`;
      if (entry.keyType === "bool" || FORBIDDEN_KEYS.has(entry.key)) {
        this.add(
          at,
          entry.line,
          `"${entry.key}" is a forbidden key: GitHub's YAML reads it as a boolean; remove it (allowed: ${allowed.join(", ")})`,
        );
      } else if (entry.keyType !== "string" || !allowed.includes(entry.key)) {
        this.add(at, entry.line, `is not a permitted key here; remove it (allowed: ${allowed.join(", ")})`);
      }
    }
    return true;
  }

  /**
   * A string value: null counts as absent (GitHub ignores `key:` with nothing after it), empty or
   * blank text is refused, and what Psych reads as a boolean, number or date must be quoted.
   */
  string(map: YMap, key: string, path: string, opts: { required?: boolean } = {}): string | null {
    const entry = this.get(map, key);
    const at = `${path === "" ? "" : `${path}.`}${key}`;
    if (entry === undefined || (entry.value.kind === "scalar" && entry.value.type === "null")) {
      if (opts.required) this.add(at, entry?.line ?? map.line, `required: add ${key}: with its text`);
      return null;
    }
    return this.text(entry.value, at, opts.required ?? false);
  }

  text(node: YNode, at: string, required: boolean): string | null {
    if (node.kind !== "scalar") {
      this.add(at, node.line, `must be text, not ${kindOf(node)}`);
      return null;
    }
    if (node.type !== "string") {
      this.add(at, node.line, `must be text: ${quoteHint(node)}`);
      return null;
    }
    if (node.text.trim() === "") {
      this.add(
        at,
        node.line,
        required
          ? "must not be empty or blank; write the text"
          : "must not be empty or blank; write the text, or remove the key",
      );
      return null;
    }
    return node.text;
  }

  /** A boolean: Psych's `true`/`false`/`yes`/`no`/`on`/`off`, unquoted; null counts as absent. */
  bool(map: YMap, key: string, path: string): boolean {
    const entry = this.get(map, key);
    if (entry === undefined) return false;
    const node = entry.value;
    if (node.kind === "scalar" && node.type === "null") return false;
    if (node.kind === "scalar" && node.type === "bool") return node.value === true;
    const written =
      node.kind === "scalar"
        ? ` (${JSON.stringify(node.text)} is ${node.type === "string" ? "text" : `a ${node.type}`})`
        : "";
    this.add(
      `${path === "" ? "" : `${path}.`}${key}`,
      entry.line,
      `must be true or false, unquoted${written}`,
    );
    return false;
  }

  /** `labels`, `assignees`, `projects`: a list of strings, or one comma-separated string. */
  list(map: YMap, key: string): string[] {
    const entry = this.get(map, key);
    if (entry === undefined) return [];
    const node = entry.value;
    if (node.kind === "scalar") {
      if (node.type === "null") return [];
      const text = this.text(node, key, false);
      if (text === null) return [];
      return text
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    }
    if (node.kind !== "seq") {
      this.add(key, entry.line, "must be a list or a comma-separated string, not a mapping");
      return [];
    }
    const out: string[] = [];
    node.items.forEach((item, i) => {
      if (item.kind === "scalar" && item.type === "null") {
        this.add(`${key}[${i}]`, item.line, "is empty; write the text, or remove the item");
        return;
      }
      const text = this.text(item, `${key}[${i}]`, true);
      if (text !== null) out.push(text.trim());
    });
    return out;
  }
}

// ---- Issue forms ------------------------------------------------------------------------------

const TOP_KEYS = ["name", "description", "title", "labels", "assignees", "projects", "type", "body"];
const ELEMENT_KEYS = ["type", "id", "attributes", "validations"];
const ATTRIBUTE_KEYS: Record<FieldType | "markdown", readonly string[]> = {
  markdown: ["value"],
  input: ["label", "description", "placeholder", "value"],
  textarea: ["label", "description", "placeholder", "value", "render"],
  dropdown: ["label", "description", "multiple", "options", "default"],
  checkboxes: ["label", "description", "options"],
  upload: ["label", "description"],
};
const VALIDATION_KEYS: Record<FieldType, readonly string[]> = {
  input: ["required"],
  textarea: ["required"],
  dropdown: ["required"],
  checkboxes: ["required"],
  upload: ["required", "accept"],
};
const ELEMENT_TYPES = Object.keys(ATTRIBUTE_KEYS);
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;
/** "Project owner/number", as `projects:` entries are written (e.g. `octo-org/1`). */
const PROJECT_PATTERN = /^[^/\s]+\/\d+$/;
/**
 * Template names shorter than this are not shown in the chooser. The docs say "more than 3
 * characters"; public forms named "Bug" are shown, and reports of 2-character names ("QA") that
 * were not (boostcampwm2025/web06-locus#120, n-air-app/n-air-app#4) put the limit at 3.
 */
const MIN_NAME_LENGTH = 3;
/**
 * Longest top-level description GitHub keeps a form in the chooser with: undocumented, found by
 * bisection in flashinfer-ai/flashinfer#4100 (180 characters shown, 218 dropped), the 200 of the
 * markdown templates' `about`.
 */
const MAX_DESCRIPTION_LENGTH = 200;
/** Words GitHub refuses in the label of an input or a textarea; "password" is the one it names. */
const FORBIDDEN_LABEL_WORDS = /password/i;

const TRANSLITERATIONS: Record<string, string> = {
  ß: "ss",
  Æ: "AE",
  æ: "ae",
  Ø: "O",
  ø: "o",
  Đ: "D",
  đ: "d",
  Ð: "D",
  ð: "d",
  Ł: "L",
  ł: "l",
  Œ: "OE",
  œ: "oe",
  Þ: "TH",
  þ: "th",
  ı: "i",
};

/**
 * The reference GitHub makes of a label for a field without an `id`: Rails' `parameterize`
 * (transliterated to ASCII, every run of other characters one `-`, no `-` at the ends, lower
 * case). "Name?" and "Name???????" both give "name", which GitHub refuses as "labels are too
 * similar". Transliteration follows I18n's approximations for Latin letters; other scripts give
 * "" here, and such labels are compared as written instead.
 * https://api.rubyonrails.org/classes/ActiveSupport/Inflector.html#method-i-parameterize
 */
export function labelReference(label: string): string {
  const ascii = label
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\p{ASCII}]/gu, (c) => TRANSLITERATIONS[c] ?? "?");
  return ascii
    .replace(/[^a-z0-9\-_]+/gi, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();
}

interface Reference {
  path: string;
  line: number;
  index: number;
  kind: "id" | "label" | "option";
  text: string;
}

/**
 * Parses an issue form (`.github/ISSUE_TEMPLATE/*.yml`) against GitHub's published rules (see the
 * pages cited at the top of this file) and reads it as GitHub does (YAML 1.1 through Psych, the
 * first document only). Never throws: a form GitHub would reject, or would not show, comes back
 * as `path: message (line N)` problems, each saying how to fix it.
 */
export function parseIssueForm(source: string): FormResult {
  const loaded = load(source);
  if ("problems" in loaded) return { ok: false, problems: loaded.problems.map(format) };
  const c = new Checker();
  const root = loaded.root;
  if (root === null || root.kind !== "map") {
    const problem: Problem = {
      path: "(root)",
      line: root?.line ?? 1,
      message:
        "an issue form must be a mapping with name, description and body; write those keys at the top level",
    };
    return { ok: false, problems: [format(problem)] };
  }
  c.keys(root, "", TOP_KEYS, "name, description, body…");

  const name = c.string(root, "name", "", { required: true });
  if (name !== null && [...name.trim()].length < MIN_NAME_LENGTH) {
    c.add(
      "name",
      c.get(root, "name")?.line,
      `"${name.trim()}" is too short: GitHub does not show a template whose name has fewer than ${MIN_NAME_LENGTH} characters; write a longer name`,
    );
  }
  const description = c.string(root, "description", "", { required: true });
  if (description !== null && [...description.trim()].length > MAX_DESCRIPTION_LENGTH) {
    c.add(
      "description",
      c.get(root, "description")?.line,
      `is ${[...description.trim()].length} characters long: GitHub leaves a template whose description is longer than ${MAX_DESCRIPTION_LENGTH} characters out of the template chooser; shorten it`,
    );
  }
  const title = c.string(root, "title", "");
  const issueType = c.string(root, "type", "");
  const labels = c.list(root, "labels");
  const assignees = c.list(root, "assignees");
  const projects = c.list(root, "projects");
  projects.forEach((project) => {
    if (!PROJECT_PATTERN.test(project)) {
      c.add(
        "projects",
        c.get(root, "projects")?.line,
        `"${project}" is not a project: write it as PROJECT-OWNER/PROJECT-NUMBER, e.g. octo-org/1`,
      );
    }
  });
  const fields = readBody(c, root, loaded.documents);

  if (c.problems.length > 0) return { ok: false, problems: c.problems.map(format) };
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

function readBody(c: Checker, root: YMap, documents: number): Field[] {
  const entry = c.get(root, "body");
  if (entry === undefined || (entry.value.kind === "scalar" && entry.value.type === "null")) {
    const separated =
      documents > 1
        ? ": the file has a --- line before it, and GitHub reads only what comes before that line; remove the ---"
        : "";
    c.add("body", entry?.line ?? root.line, `required: a list of form elements${separated}`);
    return [];
  }
  const body = entry.value;
  if (body.kind !== "seq" || body.items.length === 0) {
    c.add("body", entry.line, "must be a non-empty list of form elements (- type: input …)");
    return [];
  }
  const fields: Field[] = [];
  const references: References = { elements: new Map(), options: new Map() };
  let inputs = 0;
  body.items.forEach((element, index) => {
    const path = `body[${index}]`;
    const read = readElement(c, element, path, index);
    if (read === "markdown") return;
    inputs++;
    if (read === null) return;
    const { field, idLine, labelLine } = read;
    claim(
      c,
      references,
      field.id !== null
        ? { path: `${path}.id`, line: idLine, index, kind: "id", text: field.id }
        : { path: `${path}.attributes.label`, line: labelLine, index, kind: "label", text: field.label },
    );
    if (field.type === "checkboxes" && element.kind === "map") {
      const attrs = c.get(element, "attributes")?.value;
      const list = attrs?.kind === "map" ? c.get(attrs, "options")?.value : undefined;
      const peers = new Map<string, Reference>();
      field.options.forEach((option, i) => {
        const line = list?.kind === "seq" ? (list.items[i]?.line ?? labelLine) : labelLine;
        const ref: Reference = {
          path: `${path}.attributes.options[${i}].label`,
          line,
          index,
          kind: "option",
          text: option.label,
        };
        claimOption(c, references, peers, ref);
      });
    }
    fields.push(field);
  });
  if (inputs === 0) {
    c.add(
      "body",
      entry.line,
      "must contain at least one element that is not markdown (input, textarea, dropdown, checkboxes or upload): a form must ask something",
    );
  }
  return fields;
}

/** References in use: fields' (ids, or labels without an id) and checkbox options'. */
interface References {
  elements: Map<string, Reference>;
  /** The first checkbox option of each reference, over all checkboxes elements. */
  options: Map<string, Reference>;
}

const referenceOf = (ref: Reference): string => {
  const made = ref.kind === "id" ? ref.text : labelReference(ref.text);
  // A label of another script gives no reference here: compare such labels as written.
  return made === "" ? `\u0000${ref.text.trim()}` : made;
};

/**
 * GitHub's cross-field rules ("Body must have unique ids", "Body must have unique labels",
 * "Labels are too similar", "Checkboxes must have unique labels"): every field is known by its
 * `id`, or without one by the reference made of its label ({@link labelReference}); these must all
 * differ, so two fields may share a label when one of them has an id. A checkbox option is known
 * by the reference of its label, which must differ from its peers' and from the fields' (options
 * of two different checkboxes elements may share a label: public forms do).
 */
function claim(c: Checker, references: References, ref: Reference): void {
  const key = referenceOf(ref);
  const seen = references.elements.get(key);
  if (seen !== undefined) {
    c.add(ref.path, ref.line, clash(ref, seen, key));
    return;
  }
  references.elements.set(key, ref);
  const option = references.options.get(key);
  if (option !== undefined && option.index !== ref.index) c.add(ref.path, ref.line, clash(ref, option, key));
}

function claimOption(
  c: Checker,
  references: References,
  peers: Map<string, Reference>,
  ref: Reference,
): void {
  const key = referenceOf(ref);
  const peer = peers.get(key);
  if (peer !== undefined) {
    c.add(ref.path, ref.line, clash(ref, peer, key));
    return;
  }
  peers.set(key, ref);
  const seen = references.elements.get(key);
  if (seen !== undefined && seen.index !== ref.index) c.add(ref.path, ref.line, clash(ref, seen, key));
  if (!references.options.has(key)) references.options.set(key, ref);
}

/** What to say when `ref` gives the same reference as `seen`, and how to tell them apart. */
function clash(ref: Reference, seen: Reference, key: string): string {
  const made = key.startsWith("\u0000") ? ref.text.trim() : key;
  const owner = `body[${seen.index}]`;
  const which = seen.kind === "option" ? `an option of ${owner}` : owner;
  if (ref.kind === "id" && seen.kind === "id") {
    return `"${ref.text}" is already the id of ${owner}; ids must be unique: change one of them`;
  }
  if (ref.kind === "option" && seen.kind === "option" && seen.index === ref.index) {
    return `"${ref.text}" is listed twice (GitHub reads both as "${made}"); options must be unique: remove or rename one`;
  }
  if (ref.kind === "id") {
    return `"${ref.text}" is also the reference GitHub makes of the label "${seen.text}" (${which}); change this id, or give ${owner} an id of its own`;
  }
  if (seen.kind === "id") {
    const fix =
      ref.kind === "option"
        ? "change this option or that id"
        : "give this field an id, or change the label or that id";
    return `"${ref.text}" gives the reference "${made}", which is already the id of ${owner}; ${fix}`;
  }
  const fix =
    ref.kind === "option" || seen.kind === "option"
      ? "change one of them, or give the field an id (checkbox options cannot have one)"
      : "give one of the fields an id, or change one label";
  if (ref.text.trim() === seen.text.trim()) {
    return `"${ref.text.trim()}" is already the label of ${which}; labels must be unique unless the fields have ids: ${fix}`;
  }
  return `"${ref.text.trim()}" is too similar to "${seen.text.trim()}" (${which}): GitHub reads both as "${made}"; ${fix} by a letter or digit`;
}

type ReadElement = "markdown" | null | { field: Field; idLine: number; labelLine: number };

function readElement(c: Checker, element: YNode, path: string, index: number): ReadElement {
  if (!c.keys(element, path, ELEMENT_KEYS, "type, id, attributes, validations")) return null;
  const typeEntry = c.get(element, "type");
  const type = c.string(element, "type", path, { required: true });
  if (type === null) return null;
  if (!ELEMENT_TYPES.includes(type)) {
    c.add(
      `${path}.type`,
      typeEntry?.line,
      `"${type}" is not a valid input type; use one of ${ELEMENT_TYPES.join(", ")}`,
    );
    return null;
  }
  const attrEntry = c.get(element, "attributes");
  const attrPath = `${path}.attributes`;
  if (attrEntry === undefined || (attrEntry.value.kind === "scalar" && attrEntry.value.type === "null")) {
    const needs = type === "markdown" ? "value" : "label";
    c.add(
      attrPath,
      attrEntry?.line ?? element.line,
      `required for ${type}: add attributes: with its ${needs}`,
    );
    return type === "markdown" ? "markdown" : null;
  }
  const attrs = attrEntry.value;
  if (!c.keys(attrs, attrPath, ATTRIBUTE_KEYS[type as FieldType | "markdown"], `the attributes of ${type}`)) {
    return type === "markdown" ? "markdown" : null;
  }

  if (type === "markdown") {
    const id = c.get(element, "id");
    if (id !== undefined) c.add(`${path}.id`, id.line, "markdown elements take no id; remove it");
    const validations = c.get(element, "validations");
    if (validations !== undefined) {
      c.add(`${path}.validations`, validations.line, "markdown elements take no validations; remove them");
    }
    c.string(attrs, "value", attrPath, { required: true });
    return "markdown";
  }

  const fieldType = type as FieldType;
  const idEntry = c.get(element, "id");
  let id: string | null = null;
  if (idEntry !== undefined && !(idEntry.value.kind === "scalar" && idEntry.value.type === "null")) {
    id = c.text(idEntry.value, `${path}.id`, true);
    if (id !== null && !ID_PATTERN.test(id)) {
      c.add(
        `${path}.id`,
        idEntry.line,
        `"${id}" can only contain letters, digits, - and _; remove the other characters`,
      );
      id = null;
    }
  }
  let required = false;
  let accept: string | null = null;
  const validations = c.get(element, "validations");
  if (
    validations !== undefined &&
    !(validations.value.kind === "scalar" && validations.value.type === "null")
  ) {
    const v = validations.value;
    if (c.keys(v, `${path}.validations`, VALIDATION_KEYS[fieldType], `the validations of ${type}`)) {
      required = c.bool(v, "required", `${path}.validations`);
      if (fieldType === "upload") accept = c.string(v, "accept", `${path}.validations`);
    }
  }
  const labelEntry = c.get(attrs, "label");
  const label = c.string(attrs, "label", attrPath, { required: true });
  if (
    label !== null &&
    (fieldType === "input" || fieldType === "textarea") &&
    FORBIDDEN_LABEL_WORDS.test(label)
  ) {
    c.add(
      `${attrPath}.label`,
      labelEntry?.line,
      `"${label.trim()}" contains a word GitHub forbids in the label of an ${type} (such as "password", so that no one posts credentials in public); reword the label`,
    );
  }
  const base = {
    index,
    id,
    label: (label ?? "").trim(),
    description: c.string(attrs, "description", attrPath),
    required,
  };
  const lines = { idLine: idEntry?.line ?? element.line, labelLine: labelEntry?.line ?? attrs.line };

  let field: Field;
  switch (fieldType) {
    case "input":
      field = {
        ...base,
        type: "input",
        placeholder: c.string(attrs, "placeholder", attrPath),
        value: c.string(attrs, "value", attrPath),
      };
      break;
    case "textarea": {
      const render = c.string(attrs, "render", attrPath);
      field = {
        ...base,
        type: "textarea",
        placeholder: c.string(attrs, "placeholder", attrPath),
        value: c.string(attrs, "value", attrPath),
        render: render === null ? null : render.trim(),
      };
      break;
    }
    case "dropdown":
      field = readDropdown(c, attrs, attrPath, base);
      break;
    case "checkboxes":
      field = readCheckboxes(c, attrs, attrPath, base);
      break;
    case "upload":
      field = { ...base, type: "upload", accept: accept?.trim() ?? null };
      break;
  }
  return label === null ? null : { field, ...lines };
}

/** An option as GitHub shows it: text as written, a number as Ruby prints it, anything else refused. */
function optionText(c: Checker, item: YNode, at: string): string | null {
  if (item.kind !== "scalar") {
    c.add(
      at,
      item.line,
      `must be text, not ${kindOf(item)}: write the choice itself (- Linux), not a mapping`,
    );
    return null;
  }
  if (item.type === "null") {
    c.add(at, item.line, "is empty: write the choice, or remove the line");
    return null;
  }
  if (item.type === "bool") {
    c.add(at, item.line, `options must not include booleans: ${quoteHint(item)}`);
    return null;
  }
  // GitHub's form schema types options as strings ("Syntax for GitHub's form schema"), and its
  // "Common validation errors" page says to quote what YAML may read as an integer or decimal.
  // Unquoted, GitHub shows the number as Ruby prints it (`1.10` as "1.1", `08:30` as "30600").
  if (item.type === "int" || item.type === "float") {
    const shown = item.type === "int" ? String(item.value) : rubyFloatText(item.value as number);
    const seen = shown === item.text ? "" : ` (customers would see "${shown}")`;
    c.add(at, item.line, `options must be text, not numbers${seen}: ${quoteHint(item)}`);
    return null;
  }
  return c.text(item, at, true);
}

function readDropdown(c: Checker, attrs: YMap, attrPath: string, base: FieldBase): DropdownField {
  const options: string[] = [];
  // Options as written, refused ones included: `default` indexes these.
  let written = 0;
  const entry = c.get(attrs, "options");
  const at = `${attrPath}.options`;
  const node = entry?.value;
  if (entry === undefined || node === undefined || (node.kind === "scalar" && node.type === "null")) {
    c.add(at, entry?.line ?? attrs.line, "required for a dropdown: add options: with a list of choices");
  } else if (node.kind !== "seq" || node.items.length === 0) {
    c.add(at, entry.line, "must be a non-empty list of choices; write at least one (- Choice)");
  } else {
    written = node.items.length;
    node.items.forEach((item, i) => {
      const path = `${at}[${i}]`;
      const text = optionText(c, item, path);
      if (text === null) return;
      const trimmed = text.trim();
      if (/^none$/i.test(trimmed)) {
        c.add(
          path,
          item.line,
          `"${trimmed}" is a reserved word: GitHub itself offers "None" in a dropdown that is not required; remove this option`,
        );
      }
      const seen = options.indexOf(trimmed);
      if (seen >= 0) {
        c.add(
          path,
          item.line,
          `"${trimmed}" is already options[${seen}]; options must be unique: remove or rename one`,
        );
      }
      options.push(trimmed);
    });
  }
  const multiple = c.bool(attrs, "multiple", attrPath);
  let defaultIndex: number | null = null;
  const def = c.get(attrs, "default");
  if (def !== undefined && !(def.value.kind === "scalar" && def.value.type === "null")) {
    const v = def.value;
    const n = v.kind === "scalar" && v.type === "int" ? Number(v.value) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0) {
      const written =
        v.kind === "scalar"
          ? ` ${JSON.stringify(v.text)} is ${v.type === "string" ? "text" : `a ${v.type}`}`
          : "";
      c.add(
        `${attrPath}.default`,
        def.line,
        `must be the index of an option, unquoted (0 is the first option);${written}`,
      );
    } else if (written > 0 && n >= written) {
      c.add(
        `${attrPath}.default`,
        def.line,
        `${n} is larger than the last index (${written - 1}): there are ${written} options and 0 is the first; use an index from 0 to ${written - 1}`,
      );
    } else defaultIndex = n;
    if (defaultIndex !== null) {
      options.forEach((option, i) => {
        if (/^n\/a$/i.test(option)) {
          c.add(
            `${at}[${i}]`,
            def.line,
            `"${option}" cannot be an option of a dropdown with a default (GitHub reserves "None" and "n/a" there); remove the option or the default`,
          );
        }
      });
    }
  }
  return { ...base, type: "dropdown", options, multiple, default: defaultIndex };
}

function readCheckboxes(c: Checker, attrs: YMap, attrPath: string, base: FieldBase): CheckboxesField {
  const options: CheckboxOption[] = [];
  const entry = c.get(attrs, "options");
  const at = `${attrPath}.options`;
  const node = entry?.value;
  if (entry === undefined || node === undefined || (node.kind === "scalar" && node.type === "null")) {
    c.add(at, entry?.line ?? attrs.line, "required for checkboxes: add options: with a list of - label: …");
  } else if (node.kind !== "seq" || node.items.length === 0) {
    c.add(at, entry.line, "must be a non-empty list of checkboxes; write at least one (- label: …)");
  } else {
    node.items.forEach((item, i) => {
      const path = `${at}[${i}]`;
      if (!c.keys(item, path, ["label", "required"], "label, required")) return;
      const label = c.string(item, "label", path, { required: true });
      const required = c.bool(item, "required", path);
      if (label !== null) options.push({ label: label.trim(), required });
    });
  }
  return { ...base, type: "checkboxes", options, required: base.required || options.some((o) => o.required) };
}

// ---- Several templates ------------------------------------------------------------------------

/** A template's `name` and the line it is on, for the rule that names are unique. */
export interface TemplateName {
  /** The file, as it should be named in a problem. */
  file: string;
  name: string;
  line: number | undefined;
}

function nameOf(source: string, lineOffset: number): { name: string; line: number } | null {
  const loaded = load(source);
  if ("problems" in loaded || loaded.root?.kind !== "map") return null;
  const entry = loaded.root.entries.find((e) => e.key === "name" && e.keyType === "string");
  if (entry?.value.kind !== "scalar" || entry.value.type !== "string") return null;
  return { name: entry.value.text.trim(), line: entry.line + lineOffset };
}

/** The `name` of an issue form's YAML and its line, or null without a usable one. */
export function formTemplateName(source: string): { name: string; line: number } | null {
  return nameOf(source, 0);
}

/**
 * The `name` of a markdown issue template (`.md` with YAML front matter) and its line, or null
 * without one. Markdown templates count for the rule that template names are unique.
 */
export function markdownTemplateName(source: string): { name: string; line: number } | null {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(source.replace(/^\uFEFF/, ""));
  return match === null ? null : nameOf(match[1] ?? "", 1);
}

/**
 * Problems across the templates of one folder: "A name for the issue form template. Must be
 * unique from all other templates, including Markdown templates." (Syntax for issue forms).
 * `templates` are in the folder's order; a repeated name is reported on each later file, as
 * `file: name: message (line N)`.
 */
export function templateSetProblems(templates: TemplateName[]): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const { file, name, line } of templates) {
    const key = name.trim();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, file);
    else
      problems.push(
        `${file}: ${format({ path: "name", line, message: `"${key}" is also the name of ${first}; template names must be unique: rename one of them` })}`,
      );
  }
  return problems;
}

// ---- config.yml -------------------------------------------------------------------------------

/**
 * Parses `.github/ISSUE_TEMPLATE/config.yml` (the template chooser). An empty file is valid:
 * GitHub then uses its defaults. A contact link needs a `name`, a `url` and an `about`, all text,
 * and GitHub shows it only when its url is an absolute https:// URL: `mailto:` and `tel:` links
 * silently do not appear (hashicorp/terraform#28866, "mailto is not supported in GitHub template
 * URLs"). Problems are `path: message (line N)`.
 */
export function parseTemplateConfig(source: string): TemplateConfigResult {
  const loaded = load(source);
  if ("problems" in loaded) return { ok: false, problems: loaded.problems.map(format) };
  const c = new Checker();
  const root = loaded.root;
  const config: TemplateConfig = { blankIssuesEnabled: true, contactLinks: [] };
  if (root === null || (root.kind === "scalar" && root.type === "null")) return { ok: true, config };
  if (root.kind !== "map") {
    const problem: Problem = {
      path: "(root)",
      line: root.line,
      message: "config.yml must be a mapping with blank_issues_enabled and contact_links",
    };
    return { ok: false, problems: [format(problem)] };
  }
  c.keys(root, "", ["blank_issues_enabled", "contact_links"], "blank_issues_enabled, contact_links");
  const blank = c.get(root, "blank_issues_enabled");
  if (blank !== undefined && !(blank.value.kind === "scalar" && blank.value.type === "null")) {
    config.blankIssuesEnabled = c.bool(root, "blank_issues_enabled", "");
  }
  const links = c.get(root, "contact_links");
  if (links !== undefined && !(links.value.kind === "scalar" && links.value.type === "null")) {
    const list = links.value;
    if (list.kind !== "seq") {
      c.add("contact_links", links.line, "must be a list of { name, url, about }");
    } else {
      list.items.forEach((item, i) => {
        const path = `contact_links[${i}]`;
        if (!c.keys(item, path, ["name", "url", "about"], "name, url, about")) return;
        const name = c.string(item, "name", path, { required: true });
        const url = c.string(item, "url", path, { required: true });
        const about = c.string(item, "about", path, { required: true });
        const urlLine = c.get(item, "url")?.line ?? item.line;
        if (url !== null) {
          const problem = contactUrlProblem(url);
          if (problem !== null) c.add(`${path}.url`, urlLine, problem);
        }
        if (name !== null && url !== null && about !== null) {
          config.contactLinks.push({ name: name.trim(), url: url.trim(), about: about.trim() });
        }
      });
    }
  }
  return c.problems.length > 0 ? { ok: false, problems: c.problems.map(format) } : { ok: true, config };
}

function contactUrlProblem(url: string): string | null {
  if (!URL.canParse(url)) {
    return `"${url}" is not a URL: write an absolute https:// address`;
  }
  // A URL holds no spaces (RFC 3986 section 2); the WHATWG parser's leniency would hide the typo.
  if (/\s/.test(url)) {
    return `${JSON.stringify(url)} holds a space or line break: remove it, or write a space inside the address as %20`;
  }
  const protocol = new URL(url).protocol;
  // The WHATWG parser mends `https:/host` and `https:\\host`; the rule is a url that starts with https://.
  if (protocol === "https:") {
    return /^https:\/\/[^/\\]/i.test(url)
      ? null
      : `"${url}" is not an absolute https:// address: write it as https://host/path`;
  }
  const instead =
    protocol === "tel:" || protocol === "mailto:"
      ? "link to an https:// page that gives the number or address instead (e.g. a section of your README)"
      : "use the https:// address of the page";
  return `"${url}" is not an https:// URL: GitHub shows a contact link only when its url starts with https://, so this link would not appear in the template chooser; ${instead}`;
}

import type { CheckboxesField, DropdownField, Field, FormDefinition, TextareaField } from "./form.js";
import {
  headingKey,
  normaliseLabel,
  stripInlineComments,
  stripLeadingInvisible,
  trimAnswer,
} from "./text.js";

/** What GitHub writes for a field left empty. */
export const NO_RESPONSE = "_No response_";

/** One `### heading` of an issue body and the visible lines up to the next heading. */
export interface BodySection {
  /** `headingKey` of the heading text: what it is matched to field labels by. */
  heading: string;
  /** The heading line as written, kept for when the heading turns out to be part of an answer. */
  headingLine: string;
  lines: string[];
}

export interface ScannedBody {
  /** Visible lines before the first heading. */
  preamble: string[];
  sections: BodySection[];
}

export type Answer = TextAnswer | ChoiceAnswer | CheckboxAnswer;

interface AnswerBase {
  /** Whether the body has a `### <label>` section for the field at all. */
  present: boolean;
}

export interface TextAnswer extends AnswerBase {
  /** For an upload, the text is the links GitHub writes for the files. */
  type: "input" | "textarea" | "upload";
  /** Trimmed; a `render:` fence stripped; "" for `_No response_`. */
  text: string;
}

export interface ChoiceAnswer extends AnswerBase {
  type: "dropdown";
  text: string;
  /** Selected options, spelled as in the form when they match one, else as written. */
  values: string[];
}

export interface CheckboxAnswer extends AnswerBase {
  type: "checkboxes";
  /** Labels of the form's options that are ticked, in form order. */
  checked: string[];
}

export interface FieldAnswer {
  field: Field;
  answer: Answer;
}

export interface ParsedIssue {
  form: FormDefinition;
  /** One per field, in form order. */
  answers: FieldAnswer[];
  /**
   * Labels with more sections than fields: sections fill the fields of their label in form order
   * (fields may share a label when their ids differ), the ones left over are ignored.
   */
  duplicates: string[];
}

interface Fence {
  char: "`" | "~";
  length: number;
}

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const CHECKBOX_ITEM = /^[ \t]*[-*+][ \t]+\[([ xX])\][ \t]+(.*)$/;

/** Lines, whatever the line endings; `split("\n")` when possible, as it is much faster. */
function splitLines(body: string): string[] {
  return (body.includes("\r") ? body.replace(/\r\n?/g, "\n") : body).split("\n");
}

/**
 * The first character after up to three spaces of indentation: what decides whether a line can be
 * a heading, a fence or an HTML block. "" for a blank or a more deeply indented line.
 */
function lead(line: string): string {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  const c = line.charAt(i);
  return c === " " ? "" : c;
}

function openFence(line: string): Fence | null {
  const m = FENCE_OPEN.exec(line);
  if (m === null) return null;
  const marker = m[1] ?? "";
  // A backtick fence's info string may not contain backticks (CommonMark), or it is inline code.
  if (marker.startsWith("`") && (m[2] ?? "").includes("`")) return null;
  return { char: marker.startsWith("`") ? "`" : "~", length: marker.length };
}

/** The marker of a line that can close a fence (``` or ~~~ alone), or undefined. */
function closingMarker(line: string): string | undefined {
  const c = lead(line);
  return c === "`" || c === "~" ? FENCE_CLOSE.exec(line)?.[1] : undefined;
}

function closesFence(line: string, fence: Fence): boolean {
  const marker = closingMarker(line);
  return marker !== undefined && marker.charAt(0) === fence.char && marker.length >= fence.length;
}

/**
 * The content of an ATX level-3 heading line (`### text`), or null when the line is not one. The
 * closing `#`s and the markup are left in: {@link headingKey} reads them, for headings and labels alike.
 */
function headingText(line: string): string | null {
  let i = 0;
  while (i < 3 && line.charAt(i) === " ") i++;
  if (!line.startsWith("###", i)) return null;
  i += 3;
  const next = line.charAt(i);
  if (next !== "" && next !== " " && next !== "\t") return null;
  return line.slice(i).trim();
}

/**
 * For each line, the longest closing fence of each kind on a later line (backticks, tildes). An
 * opening fence that nothing closes is read as text: in CommonMark it would run to the end of the
 * body, and one stray ``` in an answer would hide every later section of the form.
 */
function closableFences(lines: string[]): { backtick: Int32Array; tilde: Int32Array } {
  const backtick = new Int32Array(lines.length);
  const tilde = new Int32Array(lines.length);
  let b = 0;
  let t = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    backtick[i] = b;
    tilde[i] = t;
    const line = lines[i] ?? "";
    if (line === "") continue;
    const marker = closingMarker(stripLeadingInvisible(line));
    if (marker === undefined) continue;
    if (marker.charAt(0) === "`") b = Math.max(b, marker.length);
    else t = Math.max(t, marker.length);
  }
  return { backtick, tilde };
}

/**
 * Splits an issue body into `### ` sections the way GitHub's renderer sees it: headings inside
 * fenced code blocks and HTML comments are not headings, comments are invisible, line endings and
 * invisible characters in front of a heading do not matter. Linear in the body's length.
 */
export function scanBody(body: string | null | undefined): ScannedBody {
  const scanned: ScannedBody = { preamble: [], sections: [] };
  if (!body) return scanned;
  const lines = splitLines(body);
  const closable = closableFences(lines);
  let target = scanned.preamble;
  let fence: Fence | null = null;
  let inComment = false;
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n] ?? "";
    if (fence !== null) {
      target.push(raw);
      if (closesFence(stripLeadingInvisible(raw), fence)) fence = null;
      continue;
    }
    if (inComment) {
      const end = raw.indexOf("-->");
      if (end < 0) continue;
      inComment = false;
      const rest = stripInlineComments(raw.slice(end + 3));
      if (rest.trim() !== "") target.push(rest);
      continue;
    }
    const line = stripLeadingInvisible(raw);
    const first = lead(line);
    if (first === "<" && line.startsWith("<!--", line.indexOf("<"))) {
      // An HTML block: the comment may span lines, and nothing in it is visible.
      if (line.indexOf("-->", line.indexOf("<!--") + 2) < 0) {
        inComment = true;
        continue;
      }
      const visible = stripInlineComments(line);
      if (visible.trim() !== "") target.push(visible);
      continue;
    }
    if (first === "`" || first === "~") {
      const opened = openFence(line);
      const limit = opened?.char === "`" ? closable.backtick[n] : closable.tilde[n];
      if (opened !== null && opened.length <= (limit ?? 0)) {
        fence = opened;
        target.push(raw);
        continue;
      }
    }
    const heading = first === "#" ? headingText(line) : null;
    if (heading !== null) {
      const section: BodySection = {
        heading: headingKey(heading),
        headingLine: raw,
        lines: [],
      };
      scanned.sections.push(section);
      target = section.lines;
      continue;
    }
    target.push(stripInlineComments(raw));
  }
  return scanned;
}

/** The {@link headingKey} of every `### ` heading of a body, in order. */
export function bodyHeadings(body: string | null | undefined): string[] {
  return scanBody(body).sections.map((s) => s.heading);
}

/**
 * Reads a body against a form. Each `### ` section is matched to the fields whose label has the
 * same {@link headingKey}; fields that share a label (GitHub allows it when their ids differ) take
 * their sections in form order, as GitHub writes them. A heading that is no field's label is part
 * of the answer it sits in (customers write their own `###` headings in text areas); a section
 * for a label whose fields are all answered already is ignored and reported in `duplicates`.
 */
export function parseIssueBody(
  body: string | null | undefined | ScannedBody,
  form: FormDefinition,
): ParsedIssue {
  const scanned = typeof body === "object" && body !== null ? body : scanBody(body);
  const byLabel = new Map<string, number[]>();
  form.fields.forEach((field, i) => {
    const key = headingKey(field.label);
    const same = byLabel.get(key);
    if (same === undefined) byLabel.set(key, [i]);
    else same.push(i);
  });
  const contents: Array<string[] | null> = form.fields.map(() => null);
  const duplicates = new Set<string>();
  let current: string[] | null = null;
  for (const section of scanned.sections) {
    const indexes = byLabel.get(section.heading);
    if (indexes === undefined) {
      if (current !== null) {
        current.push(section.headingLine);
        for (const line of section.lines) current.push(line);
      }
      continue;
    }
    const index = indexes.find((i) => contents[i] === null);
    if (index === undefined) {
      duplicates.add(form.fields[indexes[0] ?? 0]?.label ?? section.heading);
      current = null;
      continue;
    }
    current = [...section.lines];
    contents[index] = current;
  }
  const answers = form.fields.map((field, i) => ({ field, answer: readAnswer(field, contents[i] ?? null) }));
  return { form, answers, duplicates: [...duplicates] };
}

function readAnswer(field: Field, lines: string[] | null): Answer {
  const present = lines !== null;
  switch (field.type) {
    case "input":
      return { type: "input", present, text: answerText(lines) };
    case "textarea":
      return { type: "textarea", present, text: textareaText(field, lines) };
    case "dropdown":
      return dropdownAnswer(field, present, answerText(lines));
    case "checkboxes":
      return { type: "checkboxes", present, checked: checkedOptions(field, lines ?? []) };
    case "upload":
      return { type: "upload", present, text: answerText(lines) };
  }
}

function answerText(lines: string[] | null): string {
  if (lines === null) return "";
  const text = trimAnswer(lines.join("\n"));
  return text === NO_RESPONSE ? "" : text;
}

/** `render:` answers arrive as ```lang ... ```; the fence is GitHub's, not the customer's. */
function textareaText(field: TextareaField, lines: string[] | null): string {
  const text = answerText(lines);
  if (field.render === null || text === "") return text;
  const all = text.split("\n");
  const first = all[0] ?? "";
  const fence = openFence(first);
  if (fence === null || all.length < 2 || !closesFence(all[all.length - 1] ?? "", fence)) return text;
  return trimAnswer(all.slice(1, -1).join("\n"));
}

function dropdownAnswer(field: DropdownField, present: boolean, text: string): ChoiceAnswer {
  // GitHub offers "None" on optional dropdowns; picking it means no answer.
  if (text === "" || (text === "None" && !field.options.includes("None"))) {
    return { type: "dropdown", present, text: "", values: [] };
  }
  const index = optionIndex(field.options);
  const values = field.multiple ? splitWith(text, index) : [index.find(text) ?? text];
  return { type: "dropdown", present, text, values };
}

interface OptionIndex {
  /** The option this text names (same text after `normaliseLabel`, else same ignoring case). */
  find(text: string): string | null;
  /** The most commas any option contains. */
  commas: number;
}

function optionIndex(options: string[]): OptionIndex {
  const exact = new Map<string, string>();
  const folded = new Map<string, string>();
  for (const option of options) {
    const key = normaliseLabel(option);
    if (!exact.has(key)) exact.set(key, option);
    if (!folded.has(key.toLowerCase())) folded.set(key.toLowerCase(), option);
  }
  return {
    find(text) {
      const key = normaliseLabel(text);
      return exact.get(key) ?? folded.get(key.toLowerCase()) ?? null;
    },
    commas: Math.max(0, ...options.map((o) => o.split(",").length - 1)),
  };
}

/**
 * Splits a multi-select answer ("a, b") into options. Options may contain commas themselves, so
 * adjacent pieces are rejoined while they form an option, longest first.
 */
export function splitChoices(text: string, options: string[]): string[] {
  return splitWith(text, optionIndex(options));
}

function splitWith(text: string, index: OptionIndex): string[] {
  const whole = index.find(text);
  if (whole !== null) return [whole];
  const pieces = text.split(",");
  const values: string[] = [];
  let i = 0;
  while (i < pieces.length) {
    let taken = 0;
    // No option spans more pieces than its commas plus one: this bounds the rejoining.
    for (let n = Math.min(index.commas + 1, pieces.length - i); n > 1 && taken === 0; n--) {
      const option = index.find(pieces.slice(i, i + n).join(","));
      if (option !== null) {
        values.push(option);
        taken = n;
      }
    }
    if (taken === 0) {
      const piece = trimAnswer(pieces[i] ?? "");
      if (piece !== "") values.push(index.find(piece) ?? piece);
      taken = 1;
    }
    i += taken;
  }
  return values;
}

function checkedOptions(field: CheckboxesField, lines: string[]): string[] {
  const ticked = new Set<string>();
  for (const line of lines) {
    const m = CHECKBOX_ITEM.exec(stripLeadingInvisible(line));
    if (m === null || m[1] === " ") continue;
    ticked.add(normaliseLabel(m[2] ?? ""));
  }
  return field.options.filter((o) => ticked.has(normaliseLabel(o.label))).map((o) => o.label);
}

/** The answer to the field with this id (or, failing that, this label), if the form has one. */
export function answerFor(parsed: ParsedIssue, idOrLabel: string): FieldAnswer | undefined {
  return (
    parsed.answers.find((a) => a.field.id === idOrLabel) ??
    parsed.answers.find((a) => headingKey(a.field.label) === headingKey(idOrLabel))
  );
}

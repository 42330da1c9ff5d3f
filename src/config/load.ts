import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import type { Policy } from "../domain/policy.js";
import { describeValue } from "./messages.js";
import { configSchema, type SupportSlaConfig } from "./schema.js";
import { closestKey } from "./suggest.js";
import { toPolicy } from "./to-policy.js";
import { lineOf, rootLine } from "./yaml-lines.js";

export { toPolicy };

/** One thing wrong with a config: where (dotted path, e.g. `business_hours.monday[1]`), what, and how to fix it. */
export interface Problem {
  /** Dotted path of the offending key; "" for the file as a whole. */
  path: string;
  message: string;
  /** 1-based line in the YAML text, when the problem sits at (or under) something written in it. */
  line?: number;
}

export type ParseResult =
  | { ok: true; config: SupportSlaConfig; policy: Policy }
  | { ok: false; problems: Problem[] };

export interface ParseOptions {
  /** How messages about the file as a whole name it, e.g. `.github/support-sla.yml`. */
  source?: string;
}

/**
 * Most characters of one config file, and of the merge of an `_extends` chain (as JSON text).
 * A policy is a few dozen lines; one with every list at its limit (src/config/limits.ts) still
 * fits. Parsing, validating and planning with the worst file this lets through costs well under
 * the 200 ms a webhook may take of the event loop all repos share (bench/config-worst.mjs).
 */
export const MAX_CONFIG_CHARS = 128 * 1024;

/** Aliases a config may resolve; far above any honest use, far below an alias bomb. */
const MAX_ALIAS_COUNT = 100;

type Path = ReadonlyArray<PropertyKey>;

/** Characters of one key a path shows; a longer key (only ever a mistake) is cut with `…`. */
const MAX_PATH_SEGMENT_CHARS = 80;

/** `priorities.urgent.response`, `business_hours.monday[1]`; "" for the root. Long keys are cut. */
export function formatPath(path: Path): string {
  return path
    .map((segment, index) => {
      if (typeof segment === "number") return `[${segment}]`;
      const key = String(segment);
      const shown = key.length > MAX_PATH_SEGMENT_CHARS ? `${key.slice(0, MAX_PATH_SEGMENT_CHARS)}…` : key;
      return `${index === 0 ? "" : "."}${shown}`;
    })
    .join("");
}

/** `path: message (line N)`, the way check-config and comments print a problem. */
export function formatProblem(problem: Problem): string {
  const where = problem.line === undefined ? "" : ` (line ${problem.line})`;
  return `${problem.path === "" ? "" : `${problem.path}: `}${problem.message}${where}`;
}

interface RawProblem {
  path: Path;
  message: string;
}

type Validation =
  | { ok: true; config: SupportSlaConfig; policy: Policy }
  | { ok: false; problems: RawProblem[] };

/** Keys an object schema accepts at `path`, for "did you mean" hints on unknown keys. */
function allowedKeysAt(path: Path): string[] {
  // zod's definitions are plain data: walk through wrappers to the object at `path`.
  type Def = {
    type: string;
    innerType?: { _zod: { def: Def } };
    in?: { _zod: { def: Def } };
    shape?: Record<string, { _zod: { def: Def } }>;
    valueType?: { _zod: { def: Def } };
    element?: { _zod: { def: Def } };
  };
  const unwrap = (def: Def): Def => {
    let current = def;
    for (;;) {
      const next = current.innerType ?? current.in;
      if (next === undefined) return current;
      current = next._zod.def;
    }
  };
  let def: Def | undefined = unwrap(configSchema._zod.def as unknown as Def);
  for (const segment of path) {
    if (def === undefined) return [];
    const child: { _zod: { def: Def } } | undefined =
      def.type === "object"
        ? def.shape?.[String(segment)]
        : def.type === "record"
          ? def.valueType
          : def.type === "array"
            ? def.element
            : undefined;
    def = child && unwrap(child._zod.def);
  }
  return def?.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function problemsOf(issues: readonly z.core.$ZodIssue[]): RawProblem[] {
  return issues.flatMap((issue): RawProblem[] => {
    if (issue.code === "unrecognized_keys") {
      const allowed = allowedKeysAt(issue.path);
      return issue.keys.map((key) => {
        const match = closestKey(key, allowed);
        const hint = match === undefined || match === key ? "" : ` (did you mean ${match}?)`;
        return {
          path: [...issue.path, key],
          message: hint
            ? `unknown key${hint}`
            : `unknown key; the keys here are ${allowed.filter((name) => !name.startsWith("_")).join(", ")}`,
        };
      });
    }
    if (issue.code === "invalid_key") {
      return [{ path: issue.path, message: issue.issues[0]?.message ?? issue.message }];
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/**
 * `__proto__` keys: zod's records drop them without a word, which would make an entry vanish
 * silently. Reported like any unknown key (once, when zod already did).
 */
function withProtoKeys(problems: RawProblem[], value: unknown, path: PropertyKey[] = []): RawProblem[] {
  if (typeof value !== "object" || value === null) return problems;
  if (
    Object.hasOwn(value, "__proto__") &&
    !problems.some((p) => formatPath(p.path) === formatPath([...path, "__proto__"]))
  ) {
    problems.push({ path: [...path, "__proto__"], message: "unknown key; __proto__ cannot name a setting" });
  }
  for (const [key, item] of Object.entries(value)) {
    if (key !== "__proto__")
      withProtoKeys(problems, item, [...path, Array.isArray(value) ? Number(key) : key]);
  }
  return problems;
}

function validate(value: unknown, source: string | undefined): Validation {
  const name = source ?? "the config";
  if (value === null || value === undefined) value = {};
  if (typeof value !== "object" || Array.isArray(value) || value instanceof Date) {
    const what = Array.isArray(value) ? "a list" : describeValue(value);
    return {
      ok: false,
      problems: [
        {
          path: [],
          message: `${name} must be a mapping of settings such as "timezone: Europe/Brussels", not ${what}`,
        },
      ],
    };
  }
  const result = configSchema.safeParse(value);
  if (!result.success) return { ok: false, problems: withProtoKeys(problemsOf(result.error.issues), value) };
  const proto = withProtoKeys([], value);
  if (proto.length > 0) return { ok: false, problems: proto };
  return { ok: true, config: result.data, policy: toPolicy(result.data) };
}

/** Problems without a line come last; the rest in the order of the file. */
function byLine(a: Problem, b: Problem): number {
  if (a.line === undefined || b.line === undefined)
    return a.line === b.line ? 0 : a.line === undefined ? 1 : -1;
  return a.line - b.line;
}

const FRIENDLIER_YAML: Record<string, string> = {
  DUPLICATE_KEY: "this key appears twice in the same mapping; keep one",
  TAB_AS_INDENT: "tabs are not allowed as indentation; indent with spaces",
  MULTIPLE_DOCS: 'the file holds more than one YAML document ("---"); keep one',
};

function yamlProblem(error: YAMLError, name: string): Problem {
  const text = FRIENDLIER_YAML[error.code] ?? error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
  const line = error.linePos?.[0].line;
  return { path: "", message: `${name} is not valid YAML: ${text}`, ...(line !== undefined && { line }) };
}

/**
 * The size of a parsed config as JSON text would have it (characters), counting a value as often
 * as aliases or merges repeat it; stops counting once past `limit` (so the cost is bounded by
 * `limit`, not by the value). Infinity for a value that contains itself.
 */
export function configSize(value: unknown, limit: number = MAX_CONFIG_CHARS): number {
  let size = 0;
  const ancestors = new Set<object>();
  const walk = (item: unknown): void => {
    if (size > limit) return;
    if (typeof item === "string") size += item.length + 2;
    else if (typeof item !== "object" || item === null) size += String(item).length;
    else if (item instanceof Date) size += 26;
    else if (ancestors.has(item)) size = Number.POSITIVE_INFINITY;
    else {
      ancestors.add(item);
      size += 2;
      for (const [key, child] of Object.entries(item)) {
        size += Array.isArray(item) ? 1 : key.length + 4;
        walk(child);
        if (size > limit) break;
      }
      ancestors.delete(item);
    }
  };
  walk(value);
  return size;
}

function tooBig(name: string, size: number, what: string): Problem {
  return {
    path: "",
    message: Number.isFinite(size)
      ? `${name} is ${size} characters long${what}, more than the ${MAX_CONFIG_CHARS} a config may have; check that this is the right file`
      : `${name} is not a usable config: a value in it contains itself`,
  };
}

/** The YAML of one config file, or why it cannot be used: too long, not YAML, an alias bomb. */
export type ConfigTextResult =
  | { ok: true; value: unknown; doc: ReturnType<typeof parseDocument>; lines: LineCounter }
  | { ok: false; problems: Problem[] };

/**
 * Reads the YAML of one config file without validating it. Refuses a text over
 * {@link MAX_CONFIG_CHARS} before parsing it, and a parsed value that aliases or merge keys
 * make larger than that (measured with {@link configSize}). Used for the repo's own file and for
 * each file `_extends` brings in (src/github/repo-setup.ts).
 */
export function readConfigText(yamlText: string, opts: ParseOptions = {}): ConfigTextResult {
  const name = opts.source ?? "the config";
  if (yamlText.length > MAX_CONFIG_CHARS) return { ok: false, problems: [tooBig(name, yamlText.length, "")] };
  const lines = new LineCounter();
  let value: unknown;
  let doc: ReturnType<typeof parseDocument>;
  try {
    // `merge: true`: `<<: *anchor` merge keys work as they do in Probot's own config loader.
    doc = parseDocument(yamlText, { lineCounter: lines, merge: true, prettyErrors: true });
    if (doc.errors.length > 0) {
      // The parser can report one mistake several times at one spot: list each once.
      const seen = new Set<string>();
      const problems = doc.errors
        .map((error) => yamlProblem(error, name))
        .filter((p) => !seen.has(formatProblem(p)) && seen.add(formatProblem(p)) !== undefined);
      return { ok: false, problems };
    }
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const reason = /alias/i.test(String(error))
      ? "it resolves too many aliases (*name), the way an alias bomb does; write the values out instead"
      : `it could not be read (${error instanceof Error ? error.message : String(error)})`;
    return { ok: false, problems: [{ path: "", message: `${name} is not a usable config: ${reason}` }] };
  }
  const size = configSize(value);
  if (size > MAX_CONFIG_CHARS)
    return { ok: false, problems: [tooBig(name, size, " once its aliases are written out")] };
  return { ok: true, value, doc, lines };
}

/** Validates the text of a `.github/support-sla.yml`; every problem at once, with lines. */
export function parseConfig(yamlText: string, opts: ParseOptions = {}): ParseResult {
  const read = readConfigText(yamlText, opts);
  return read.ok ? validateConfigText(read, opts) : read;
}

/** Validates a file {@link readConfigText} read; problems carry their YAML line. */
export function validateConfigText(
  read: Extract<ConfigTextResult, { ok: true }>,
  opts: ParseOptions = {},
): ParseResult {
  const { value, doc, lines } = read;
  const result = validate(value, opts.source);
  if (result.ok) return result;
  const problems = result.problems.map((problem): Problem => {
    const line =
      problem.path.length === 0
        ? rootLine(doc, lines)
        : lineOf(doc, lines, problem.path as Array<string | number>);
    return { path: formatPath(problem.path), message: problem.message, ...(line !== undefined && { line }) };
  });
  return { ok: false, problems: problems.sort(byLine) };
}

/** js-yaml (Probot's loader) turns unquoted dates into Date objects; the schema wants the text back. */
function undate(value: unknown): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(undate);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, undate(item)]));
  }
  return value;
}

/**
 * Validates a config that arrives already parsed, e.g. the merge of the files an `_extends`
 * chain brought in (a leftover `_extends` is dropped). Same result shape, no line numbers. A
 * value larger than {@link MAX_CONFIG_CHARS} as JSON text is refused before validation.
 */
export function parseConfigObject(obj: unknown, opts: ParseOptions = {}): ParseResult {
  // The merge of several files can be larger than each: the limit holds for the result too.
  const size = configSize(obj);
  if (size > MAX_CONFIG_CHARS)
    return { ok: false, problems: [tooBig(opts.source ?? "the config", size, " once merged")] };
  let value = undate(obj);
  if (typeof value === "object" && value !== null && !Array.isArray(value) && "_extends" in value) {
    const { _extends: _resolved, ...rest } = value as Record<string, unknown>;
    value = rest;
  }
  const result = validate(value, opts.source);
  if (result.ok) return result;
  return {
    ok: false,
    problems: result.problems.map((problem) => ({
      path: formatPath(problem.path),
      message: problem.message,
    })),
  };
}

let defaults: SupportSlaConfig | undefined;

/** The config of a repo without a config file. */
export function defaultConfig(): SupportSlaConfig {
  defaults ??= configSchema.parse({});
  return structuredClone(defaults);
}

/** The policy of a repo without a config file: the support process's defaults. */
export function defaultPolicy(): Policy {
  return toPolicy(defaultConfig());
}

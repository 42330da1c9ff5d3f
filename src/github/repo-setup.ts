import { crossCheck } from "../config/cross-check.js";
import {
  defaultPolicy,
  formatProblem,
  parseConfigObject,
  readConfigText,
  validateConfigText,
} from "../config/load.js";
import {
  type FormDefinition,
  formTemplateName,
  markdownTemplateName,
  parseIssueForm,
  parseTemplateConfig,
  type TemplateName,
  templateSetProblems,
} from "../domain/forms/form.js";
import type { Policy } from "../domain/policy.js";
import type { GitHub } from "./octokit.js";

export const CONFIG_PATH = ".github/support-sla.yml";
export const FORMS_DIR = ".github/ISSUE_TEMPLATE";

export interface RepoForm {
  file: string;
  form: FormDefinition;
  /** The form's YAML as read, when it was read from the repo: the cross-check reads its stated response times. */
  text?: string;
}

/** What the app knows of one repo's support setup, as read from GitHub at one moment. */
export interface RepoSetup {
  /** The policy in force: the repo's config when valid, else its last good one, else the default. */
  policy: Policy;
  forms: RepoForm[];
  /** Every problem of the config and forms as read, `path: message`; empty when all is well. */
  problems: string[];
  /** Label names that exist in the repo, lower-cased. */
  labels: Set<string>;
}

/** Config and forms at one ref, with every problem found; no cache, no fallback. */
export interface SetupSnapshot {
  policy: Policy | null;
  forms: RepoForm[];
  problems: string[];
  configFound: boolean;
}

interface Repo {
  owner: string;
  repo: string;
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { status?: number }).status === 404;
}

/** Deep merge for `_extends`: objects merge key by key, everything else (arrays included) is replaced. */
export function mergeConfigs(base: unknown, over: unknown): unknown {
  if (
    typeof base === "object" &&
    base !== null &&
    !Array.isArray(base) &&
    typeof over === "object" &&
    over !== null &&
    !Array.isArray(over)
  ) {
    const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) {
      // A key named __proto__ in a repo's YAML is data: define it, never reach the prototype.
      Object.defineProperty(out, k, {
        value: mergeConfigs(Object.hasOwn(out, k) ? out[k] : undefined, v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return over === undefined ? base : over;
}

/** A file's text at `ref` (default branch when omitted), or null when it does not exist. */
async function readRaw(gh: GitHub, r: Repo, path: string, ref?: string): Promise<string | null> {
  try {
    const res = await gh.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...r,
      path,
      ...(ref ? { ref } : {}),
      mediaType: { format: "raw" },
    });
    return typeof res.data === "string" ? res.data : null;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** `_extends` values Probot's config plugin accepts: `repo`, `owner/repo`, `owner/repo:path.yml`. */
const EXTENDS_PATTERN =
  /^(?:([a-z\d](?:[a-z\d]|-(?=[a-z\d])){0,38})\/)?([-_.\w\d]+)(?::([-_./\w\d]+\.ya?ml))?$/i;

/** Files an `_extends` chain may bring in after the first: each one is a GitHub read. */
export const MAX_EXTENDS_FILES = 5;

interface ConfigFile {
  owner: string;
  repo: string;
  path: string;
  /** Omitted: the repository's default branch (files brought in by `_extends` are read there). */
  ref?: string;
}

const fileName = (f: ConfigFile): string => `${f.owner}/${f.repo}:${f.path}`;

type ConfigRead = { found: boolean; problems: string[]; policy: Policy | null };

const broken = (...problems: string[]): ConfigRead => ({ found: true, problems, policy: null });

/**
 * Reads `.github/support-sla.yml` the way Probot's `context.config` does (the repo's file at
 * `ref`, else the org's `.github` repository's; then the `_extends` chain, later files as the
 * base, objects merged key by key), with limits the plugin does not have: each fetched file is
 * refused over MAX_CONFIG_CHARS before it is parsed, the merge is refused over the same size, and
 * the chain holds at most {@link MAX_EXTENDS_FILES} more files. A lone repo file is validated from
 * its text, so problems carry their YAML line. Rules: https://github.com/probot/octokit-plugin-config
 */
async function readConfig(gh: GitHub, r: Repo, ref?: string): Promise<ConfigRead> {
  let file: ConfigFile = { ...r, path: CONFIG_PATH, ...(ref ? { ref } : {}) };
  let text = await readRaw(gh, r, file.path, file.ref);
  if (text === null && r.repo !== ".github") {
    file = { owner: r.owner, repo: ".github", path: CONFIG_PATH };
    text = await readRaw(gh, { owner: file.owner, repo: file.repo }, file.path);
  }
  if (text === null) return { found: false, problems: [], policy: defaultPolicy() };
  const ownFile = file.repo === r.repo && file.owner === r.owner;
  const values: unknown[] = [];
  const seen = new Set<string>();
  for (;;) {
    const name = ownFile && values.length === 0 ? CONFIG_PATH : fileName(file);
    seen.add(fileName(file).toLowerCase());
    const read = readConfigText(text, { source: name });
    if (!read.ok) return broken(...read.problems.map(formatProblem));
    const value = read.value;
    const extendsValue =
      typeof value === "object" && value !== null && !Array.isArray(value)
        ? (value as Record<string, unknown>)._extends
        : undefined;
    if (extendsValue === undefined) {
      if (ownFile && values.length === 0) {
        const parsed = validateConfigText(read, { source: CONFIG_PATH });
        return parsed.ok
          ? { found: true, problems: [], policy: parsed.policy }
          : broken(...parsed.problems.map(formatProblem));
      }
      values.push(value);
      break;
    }
    const { _extends: _next, ...rest } = value as Record<string, unknown>;
    values.push(rest);
    const match = typeof extendsValue === "string" ? EXTENDS_PATTERN.exec(extendsValue) : null;
    if (!match) {
      return broken(
        `${name}: _extends: ${JSON.stringify(String(extendsValue).slice(0, 80))} is not a repository; write ".github", "owner/repo" or "owner/repo:path/to/file.yml"`,
      );
    }
    const next: ConfigFile = {
      owner: match[1] || r.owner,
      repo: match[2] ?? "",
      path: match[3] || CONFIG_PATH,
    };
    if (seen.has(fileName(next).toLowerCase())) {
      return broken(`${name}: _extends: ${fileName(next)} is already part of this config; remove the loop`);
    }
    if (values.length > MAX_EXTENDS_FILES) {
      return broken(
        `${name}: _extends: the chain brings in more than ${MAX_EXTENDS_FILES} files; extend a file that extends nothing`,
      );
    }
    const nextText = await readRaw(gh, { owner: next.owner, repo: next.repo }, next.path);
    if (nextText === null) {
      // As Probot's plugin does: a missing base contributes nothing.
      break;
    }
    file = next;
    text = nextText;
  }
  // Later files are the base; the repo's (or org's) own file has the last word.
  const merged = values.reduceRight<unknown>((acc, value) => mergeConfigs(acc, value), {});
  const parsed = parseConfigObject(merged, { source: `${CONFIG_PATH} with its _extends` });
  return parsed.ok
    ? { found: true, problems: [], policy: parsed.policy }
    : broken(...parsed.problems.map(formatProblem));
}

async function readForms(
  gh: GitHub,
  r: Repo,
  ref?: string,
): Promise<{ forms: RepoForm[]; problems: string[]; found: boolean }> {
  let entries: Array<{ name: string; type: string }>;
  try {
    const res = await gh.request("GET /repos/{owner}/{repo}/contents/{path}", {
      ...r,
      path: FORMS_DIR,
      ...(ref ? { ref } : {}),
    });
    entries = Array.isArray(res.data) ? (res.data as Array<{ name: string; type: string }>) : [];
  } catch (error) {
    if (isNotFound(error)) return { forms: [], problems: [], found: false };
    throw error;
  }
  // Forms, the chooser's config.yml and markdown templates (their names count), as check-config reads them.
  const files = entries
    .filter((e) => e.type === "file" && /\.(ya?ml|md)$/i.test(e.name))
    .map((e) => e.name)
    .sort();
  const forms: RepoForm[] = [];
  const problems: string[] = [];
  const names: TemplateName[] = [];
  const texts = await Promise.all(files.map((f) => readRaw(gh, r, `${FORMS_DIR}/${f}`, ref)));
  files.forEach((file, i) => {
    const text = texts[i];
    if (text == null) return;
    const path = `${FORMS_DIR}/${file}`;
    if (/\.md$/i.test(file)) {
      const name = markdownTemplateName(text);
      if (name !== null) names.push({ file: path, ...name });
      return;
    }
    if (/^config\.ya?ml$/i.test(file)) {
      const parsed = parseTemplateConfig(text);
      if (!parsed.ok) problems.push(...parsed.problems.map((p) => `${path}: ${p}`));
      return;
    }
    const parsed = parseIssueForm(text);
    if (parsed.ok) {
      forms.push({ file, form: parsed.form, text });
      names.push({ file: path, name: parsed.form.name, line: formTemplateName(text)?.line });
    } else problems.push(...parsed.problems.map((p) => `${path}: ${p}`));
  });
  problems.push(...templateSetProblems(names));
  return { forms, problems, found: true };
}

/** Reads config and forms at `ref` (default branch when omitted) and cross-checks them. */
export async function readSetupSnapshot(gh: GitHub, r: Repo, ref?: string): Promise<SetupSnapshot> {
  const [config, forms] = await Promise.all([readConfig(gh, r, ref), readForms(gh, r, ref)]);
  const problems = [...config.problems, ...forms.problems];
  if (config.policy && forms.found) {
    problems.push(...crossCheck(config.policy, forms.forms).map((p) => `${p}`));
  }
  return { policy: config.policy, forms: forms.forms, problems, configFound: config.found };
}

async function readLabels(gh: GitHub, r: Repo): Promise<Set<string>> {
  const labels = await gh.paginate("GET /repos/{owner}/{repo}/labels", { ...r, per_page: 100 });
  return new Set(labels.map((l) => (l as { name: string }).name.toLowerCase()));
}

export interface RepoSetupCacheOptions {
  /** How long a repo's setup is trusted before it is read again (pushes also refresh it). */
  ttlMs: number;
  /** Forms used when a repo has no `.github/ISSUE_TEMPLATE/` of its own. */
  fallbackForms: RepoForm[];
  now: () => number;
}

/**
 * Config, forms and labels per repo, read once and reused until a push changes them (or the TTL
 * runs out, for replicas that did not see the push). A broken config never replaces a good one.
 */
export class RepoSetupCache {
  private readonly entries = new Map<string, { setup: RepoSetup; loadedAt: number }>();
  private readonly inflight = new Map<string, Promise<RepoSetup>>();
  private readonly lastGood = new Map<string, Policy>();

  constructor(private readonly options: RepoSetupCacheOptions) {}

  private key(r: Repo) {
    return `${r.owner}/${r.repo}`.toLowerCase();
  }

  async get(gh: GitHub, r: Repo): Promise<RepoSetup> {
    const key = this.key(r);
    const cached = this.entries.get(key);
    if (cached && this.options.now() - cached.loadedAt < this.options.ttlMs) return cached.setup;
    const running = this.inflight.get(key);
    if (running) return running;
    const load = this.load(gh, r, key).finally(() => this.inflight.delete(key));
    this.inflight.set(key, load);
    return load;
  }

  private async load(gh: GitHub, r: Repo, key: string): Promise<RepoSetup> {
    const [snapshot, labels] = await Promise.all([readSetupSnapshot(gh, r), readLabels(gh, r)]);
    return this.remember(key, snapshot, labels);
  }

  /** Stores a freshly read snapshot (also used by the push handler, which already read one). */
  remember(key: string, snapshot: SetupSnapshot, labels?: Set<string>): RepoSetup {
    if (snapshot.policy) this.lastGood.set(key, snapshot.policy);
    const setup: RepoSetup = {
      policy: snapshot.policy ?? this.lastGood.get(key) ?? defaultPolicy(),
      forms: snapshot.forms.length > 0 ? snapshot.forms : this.options.fallbackForms,
      problems: snapshot.problems,
      labels: labels ?? this.entries.get(key)?.setup.labels ?? new Set(),
    };
    this.entries.set(key, { setup, loadedAt: this.options.now() });
    return setup;
  }

  repoKey(r: Repo): string {
    return this.key(r);
  }

  invalidate(r: Repo): void {
    this.entries.delete(this.key(r));
  }

  /** An org-wide config (the org's `.github` repo) changed: every repo of the owner reads again. */
  invalidateOwner(owner: string): void {
    const prefix = `${owner.toLowerCase()}/`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
  }
}

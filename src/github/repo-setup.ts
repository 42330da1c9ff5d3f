import { crossCheck } from "../config/cross-check.js";
import { defaultPolicy, formatProblem, parseConfig, parseConfigObject } from "../config/load.js";
import type { Policy } from "../config/policy.js";
import { type FormDefinition, parseIssueForm } from "../domain/forms/form.js";
import type { GitHub } from "./octokit.js";

export const CONFIG_PATH = ".github/support-sla.yml";
export const FORMS_DIR = ".github/ISSUE_TEMPLATE";

export interface RepoForm {
  file: string;
  form: FormDefinition;
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
    for (const [k, v] of Object.entries(over as Record<string, unknown>)) out[k] = mergeConfigs(out[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

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

/** Reads `.github/support-sla.yml` the way Probot's context.config does (repo, org `.github`, `_extends`). */
async function readConfig(
  gh: GitHub,
  r: Repo,
  ref?: string,
): Promise<{ found: boolean; problems: string[]; policy: Policy | null }> {
  let merged: unknown;
  let files: Array<{ config: unknown; url: string }>;
  try {
    const result = await gh.config.get({
      ...r,
      path: CONFIG_PATH,
      ...(ref ? { branch: ref } : {}),
      defaults: (configs: Record<string, unknown>[]) =>
        configs.reduce<Record<string, unknown>>(
          (acc, c) => mergeConfigs(acc, c) as Record<string, unknown>,
          {},
        ),
    });
    merged = result.config;
    files = result.files;
  } catch (error) {
    // The plugin reports YAML errors without a line: read the repo's own file for the precise problems.
    const text = await readRaw(gh, r, CONFIG_PATH, ref);
    if (text !== null) {
      const parsed = parseConfig(text, { source: CONFIG_PATH });
      if (!parsed.ok) return { found: true, problems: parsed.problems.map(formatProblem), policy: null };
    }
    const message =
      error instanceof Error
        ? error.message.replace(/^\[@probot\/octokit-plugin-config\] /, "")
        : String(error);
    return { found: true, problems: [`${CONFIG_PATH}: ${message}`], policy: null };
  }
  const found = files.some((f) => f.config !== null);
  if (!found) return { found: false, problems: [], policy: defaultPolicy() };
  // A lone repo file is parsed from its text so that problems carry their YAML line.
  const own = files.length === 1 ? await readRaw(gh, r, CONFIG_PATH, ref) : null;
  const parsed = own !== null ? parseConfig(own, { source: CONFIG_PATH }) : parseConfigObject(merged);
  return parsed.ok
    ? { found: true, problems: [], policy: parsed.policy }
    : { found: true, problems: parsed.problems.map(formatProblem), policy: null };
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
  const files = entries
    .filter((e) => e.type === "file" && /\.ya?ml$/i.test(e.name) && !/^config\.ya?ml$/i.test(e.name))
    .map((e) => e.name)
    .sort();
  const forms: RepoForm[] = [];
  const problems: string[] = [];
  const texts = await Promise.all(files.map((f) => readRaw(gh, r, `${FORMS_DIR}/${f}`, ref)));
  files.forEach((file, i) => {
    const text = texts[i];
    if (text == null) return;
    const parsed = parseIssueForm(text);
    if (parsed.ok) forms.push({ file, form: parsed.form });
    else problems.push(...parsed.problems.map((p) => `${FORMS_DIR}/${file}: ${p}`));
  });
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

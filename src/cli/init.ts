import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatProblem, parseConfig } from "../config/load.js";
import {
  escalationPageUrl,
  PLACEHOLDER_REPO_URL,
  type RenderedFile,
  renderShippedFiles,
  SUPPORT_PAGE,
} from "../domain/forms/shipped.js";
import { parseFlags, readTextFile, UsageError } from "./args.js";
import type { Io } from "./main.js";

export const INIT_HELP = `Usage: support-sla init [DIR] [--config FILE] [--repo OWNER/NAME] [--force]

Writes into the repository checked out at DIR (default: the current folder):
  .github/ISSUE_TEMPLATE/*.yml   one issue form per request type, and the chooser's config.yml
  .github/SUPPORT.md             the support page: the escalation number and the chat link
  .github/support-sla.yml        the config (the starter config, or a copy of --config FILE)
Every promise the forms make comes from the config: each priority's response time, the
escalation number (escalation.phone) and the chat link (escalation.chat). After changing them,
run init again with --config .github/support-sla.yml --force.
Existing files are left alone unless --force is given; nothing is written when any would be.

Options:
  --config FILE       render the forms from this config (default: the starter config)
  --repo OWNER/NAME   the repository on GitHub, for the chooser's link to the support page;
                      also https://HOST/OWNER/NAME (default: DIR's origin remote)
  --force             overwrite existing files
  -h, --help          show this help`;

/** The forms and starter config shipped with the app, beside dist/ in the installed package. */
const shippedGithubDir = fileURLToPath(new URL("../../.github/", import.meta.url));
const STARTER_CONFIG = "support-sla.yml";

/** The shipped files under `.github/` (forms, chooser config, starter config), relative to it. */
export function shippedFiles(): string[] {
  const forms = readdirSync(join(shippedGithubDir, "ISSUE_TEMPLATE"))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join("ISSUE_TEMPLATE", f));
  return [...forms, STARTER_CONFIG];
}

/** The text of the starter config `init` writes when no --config is given. */
export function starterConfigText(): string {
  return readFileSync(join(shippedGithubDir, STARTER_CONFIG), "utf8");
}

const NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * The web address of a repository from a git remote URL or `OWNER/NAME`: `https://HOST/OWNER/NAME`,
 * or null when the text names no single repository. Accepts `OWNER/NAME` (github.com), scp-like
 * `git@HOST:OWNER/NAME.git`, and `ssh://`, `git://`, `http(s)://` URLs; user names, passwords and
 * ports of ssh URLs never reach the result.
 */
export function repositoryWebUrl(remote: string): string | null {
  const text = remote.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([A-Za-z0-9.-]+):(?!\/)(.+)$/.exec(text);
  if (/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(text)) {
    host = "github.com";
    path = text;
  } else if (/^[a-z+]+:\/\//i.test(text)) {
    if (!URL.canParse(text)) return null;
    const url = new URL(text);
    if (!["https:", "http:", "ssh:", "git:", "git+ssh:", "ssh+git:"].includes(url.protocol)) return null;
    host = url.protocol === "https:" || url.protocol === "http:" ? url.host : url.hostname;
    path = decodeURIComponent(url.pathname);
  } else if (scp) {
    host = scp[1] ?? "";
    path = scp[2] ?? "";
  } else return null;
  const parts = path
    .replace(/^\/+|\/+$/g, "")
    .replace(/\.git$/, "")
    .split("/");
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p) && p !== "." && p !== "..")) return null;
  return `https://${host.toLowerCase()}/${parts.join("/")}`;
}

/** The `origin` remote's URL in a clone's git config, or null (no clone, no origin). */
function originRemote(root: string): string | null {
  let gitDir = join(root, ".git");
  try {
    if (statSync(gitDir).isFile()) {
      // A worktree or submodule: `.git` names the real git folder; its config may be shared.
      const pointer = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, "utf8"))?.[1]?.trim();
      if (!pointer) return null;
      gitDir = resolve(root, pointer);
      const common = join(gitDir, "commondir");
      if (existsSync(common)) gitDir = resolve(gitDir, readFileSync(common, "utf8").trim());
    }
    const config = readFileSync(join(gitDir, "config"), "utf8");
    let inOrigin = false;
    for (const line of config.split(/\r?\n/)) {
      const section = /^\s*\[([^\]]+)\]/.exec(line);
      if (section) inOrigin = /^remote\s+"origin"$/.test((section[1] ?? "").trim());
      else if (inOrigin) {
        const url = /^\s*url\s*=\s*(.+?)\s*$/.exec(line);
        if (url) return url[1] ?? null;
      }
    }
  } catch {
    // No readable git config: not a clone.
  }
  return null;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

/**
 * `support-sla init [DIR] [--config FILE] [--repo OWNER/NAME] [--force]`: writes the files of
 * {@link renderShippedFiles} and the config into DIR/.github. Exit 0 written, 1 refused (files
 * exist without --force, or the config has problems: nothing is written then), 2 bad usage
 * (thrown as UsageError: a missing DIR, an unreadable --config, a --repo that names no repository).
 */
export function initCommand(args: string[], io: Io): number {
  const { values, positionals } = parseFlags(
    args,
    {
      force: { type: "boolean" },
      config: { type: "string" },
      repo: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    true,
  );
  if (values.help) {
    io.out(INIT_HELP);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected at most one DIR, got ${positionals.length}`);
  const root = resolve(io.cwd, positionals[0] ?? ".");
  if (!existsSync(root)) throw new UsageError(`DIR ${root} does not exist`);
  const target = join(root, ".github");

  const configPath = values.config === undefined ? undefined : resolve(io.cwd, values.config);
  const configText = configPath === undefined ? starterConfigText() : readTextFile(configPath, "--config");
  const source = values.config ?? "the starter config";
  const parsed = parseConfig(configText, { source });
  if (!parsed.ok) {
    for (const p of parsed.problems) io.out(`${source}: ${formatProblem(p)}`);
    io.err(
      `support-sla init: ${source} has ${parsed.problems.length} problem(s); nothing written. Fix them (support-sla check-config ${source}) and run init again`,
    );
    return 1;
  }

  let repoUrl: string | null;
  let repoFrom: string;
  if (values.repo !== undefined) {
    repoUrl = repositoryWebUrl(values.repo);
    if (repoUrl === null) {
      throw new UsageError(
        `--repo ${JSON.stringify(values.repo)} is not a repository; write OWNER/NAME or https://HOST/OWNER/NAME`,
      );
    }
    repoFrom = "--repo";
  } else {
    const origin = originRemote(root);
    repoUrl = origin === null ? null : repositoryWebUrl(origin);
    repoFrom = "the origin remote";
  }

  const files: RenderedFile[] = renderShippedFiles(parsed.policy, { repoUrl });
  for (const f of files) {
    // The schema allows bare file names only; never write outside .github/ whatever a form is called.
    const inside = relative(target, resolve(target, f.path));
    if (inside.startsWith("..") || isAbsolute(inside)) {
      throw new UsageError(`form file name ${JSON.stringify(f.path)} is not a plain file name`);
    }
  }
  const configTarget = join(target, STARTER_CONFIG);
  // `init DIR --config DIR/.github/support-sla.yml` re-renders the forms from the config in place.
  if (!(configPath !== undefined && sameFile(configPath, configTarget))) {
    files.push({ path: STARTER_CONFIG, text: configText });
  }

  const existing = files.filter((f) => existsSync(join(target, f.path)));
  if (existing.length > 0 && !values.force) {
    io.err(
      `support-sla init: refusing to overwrite ${existing.map((f) => join(".github", f.path)).join(", ")}; re-run with --force to replace them`,
    );
    return 1;
  }
  for (const f of files) {
    const path = join(target, f.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.text);
    io.out(`wrote ${relative(io.cwd, path) || path}`);
  }

  const { escalation } = parsed.policy;
  const chooser = join(".github", "ISSUE_TEMPLATE", "config.yml");
  if (repoUrl === null) {
    io.out(
      `Note: the escalation link in ${chooser} points at ${PLACEHOLDER_REPO_URL}: run init again with --repo OWNER/NAME (or from a clone whose origin remote is the repository) so that it opens this repository's .github/${SUPPORT_PAGE}.`,
    );
  } else {
    io.out(
      `The chooser's escalation link opens ${escalationPageUrl(repoUrl)} (repository from ${repoFrom}).`,
    );
  }
  if (escalation.chat && !/^https:\/\//i.test(escalation.chat.trim())) {
    io.out(
      `Note: escalation.chat is not an https:// link, and GitHub shows only https:// contact links: it is in the forms' text and .github/${SUPPORT_PAGE}, not in the chooser.`,
    );
  }
  const dir = relative(io.cwd, root) || ".";
  const rerun = `support-sla init ${dir} --config ${join(dir, ".github", STARTER_CONFIG)} --force`;
  if (!escalation.phone) {
    io.out(
      `Next: set escalation.phone (and escalation.chat, timezone, business_hours, escalation.mention) in .github/${STARTER_CONFIG}, then run \`${rerun}\` to write the number into the forms and the support page.`,
    );
  } else {
    io.out(`After changing .github/${STARTER_CONFIG}, run \`${rerun}\` so that the forms say the same.`);
  }
  io.out(
    `Check it with \`support-sla check-config ${join(dir, ".github", STARTER_CONFIG)} --forms ${join(dir, ".github", "ISSUE_TEMPLATE")}\`.`,
  );
  return 0;
}

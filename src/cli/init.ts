import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseFlags, UsageError } from "./args.js";
import type { Io } from "./main.js";

export const INIT_HELP = `Usage: support-sla init [DIR] [--force]

Writes the six issue forms (.github/ISSUE_TEMPLATE/*.yml and its config.yml) and a starter
.github/support-sla.yml into the repository checked out at DIR (default: the current folder).
Existing files are left alone unless --force is given; nothing is written when any would be.

Options:
  --force      overwrite existing files
  -h, --help   show this help`;

/** The forms and starter config shipped with the app, beside dist/ in the installed package. */
const shippedGithubDir = fileURLToPath(new URL("../../.github/", import.meta.url));

export function shippedFiles(): string[] {
  const forms = readdirSync(join(shippedGithubDir, "ISSUE_TEMPLATE"))
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join("ISSUE_TEMPLATE", f));
  return [...forms, "support-sla.yml"];
}

export function initCommand(args: string[], io: Io): number {
  const { values, positionals } = parseFlags(
    args,
    { force: { type: "boolean" }, help: { type: "boolean", short: "h" } },
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
  const files = shippedFiles();
  const existing = files.filter((f) => existsSync(join(target, f)));
  if (existing.length > 0 && !values.force) {
    io.err(
      `support-sla init: refusing to overwrite ${existing.map((f) => join(".github", f)).join(", ")}; re-run with --force to replace them`,
    );
    return 1;
  }
  mkdirSync(join(target, "ISSUE_TEMPLATE"), { recursive: true });
  for (const f of files) {
    copyFileSync(join(shippedGithubDir, f), join(target, f));
    io.out(`wrote ${relative(io.cwd, join(target, f)) || join(target, f)}`);
  }
  io.out(
    "Next: set timezone, business_hours, escalation.phone and escalation.mention in .github/support-sla.yml,",
  );
  io.out(
    "then check it with `support-sla check-config .github/support-sla.yml --forms .github/ISSUE_TEMPLATE`.",
  );
  return 0;
}

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { crossCheck } from "../config/cross-check.js";
import { formatProblem, parseConfig } from "../config/load.js";
import { type FormDefinition, parseIssueForm, parseTemplateConfig } from "../domain/forms/form.js";
import { parseFlags, readTextFile, UsageError } from "./args.js";
import type { Io } from "./main.js";

export const CHECK_CONFIG_HELP = `Usage: support-sla check-config FILE [--forms DIR]

Checks a .github/support-sla.yml and prints every problem as \`path: message\`.
With --forms, also checks the issue forms in DIR (.github/ISSUE_TEMPLATE) and that config and
forms agree: each configured type's form exists and applies the type's label, and each option
of a form's priority dropdown maps to a configured priority.
Exit 0 when valid, 1 when problems were found, 2 on bad usage or an unreadable file.

Options:
  --forms DIR   the issue forms folder to check with the config
  -h, --help    show this help`;

function readForms(dir: string): {
  forms: Array<{ file: string; form: FormDefinition }>;
  problems: string[];
} {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/i.test(f))
      .sort();
  } catch {
    throw new UsageError(`cannot read --forms ${dir}: not a readable folder`);
  }
  const forms: Array<{ file: string; form: FormDefinition }> = [];
  const problems: string[] = [];
  for (const file of files) {
    const text = readTextFile(join(dir, file), "form");
    if (/^config\.ya?ml$/i.test(file)) {
      const parsed = parseTemplateConfig(text);
      if (!parsed.ok) problems.push(...parsed.problems.map((p) => `${file}: ${p}`));
      continue;
    }
    const parsed = parseIssueForm(text);
    if (parsed.ok) forms.push({ file, form: parsed.form });
    else problems.push(...parsed.problems.map((p) => `${file}: ${p}`));
  }
  return { forms, problems };
}

export function checkConfigCommand(args: string[], io: Io): number {
  const { values, positionals } = parseFlags(
    args,
    { forms: { type: "string" }, help: { type: "boolean", short: "h" } },
    true,
  );
  if (values.help) {
    io.out(CHECK_CONFIG_HELP);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError("missing FILE (the .github/support-sla.yml to check)");
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  const result = parseConfig(readTextFile(file, "config"), { source: file });
  const problems = result.ok ? [] : result.problems.map(formatProblem);
  if (values.forms !== undefined) {
    const forms = readForms(values.forms);
    problems.push(...forms.problems);
    if (result.ok) problems.push(...crossCheck(result.policy, forms.forms));
  }
  for (const p of problems) io.out(p);
  if (problems.length === 0)
    io.out(`${file}: valid${values.forms !== undefined ? `, with the forms in ${values.forms}` : ""}`);
  return problems.length === 0 ? 0 : 1;
}

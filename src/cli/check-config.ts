import { readdirSync } from "node:fs";
import { join } from "node:path";
import { crossCheck } from "../config/cross-check.js";
import { formatProblem, parseConfig } from "../config/load.js";
import {
  type FormDefinition,
  formTemplateName,
  markdownTemplateName,
  parseIssueForm,
  parseTemplateConfig,
  type TemplateName,
  templateSetProblems,
} from "../domain/forms/form.js";
import { parseFlags, readTextFile, UsageError } from "./args.js";
import type { Io } from "./main.js";

export const CHECK_CONFIG_HELP = `Usage: support-sla check-config FILE [--forms DIR]

Checks a .github/support-sla.yml and prints every problem as \`path: message (line N)\`.
With --forms, also checks the issue forms and config.yml in DIR (.github/ISSUE_TEMPLATE) by
GitHub's rules (each problem as \`DIR/file: path: message (line N)\`), and that config and
forms agree: each configured type's form exists and applies the type's label, each option
of a form's priority dropdown maps to a configured priority, and each response time a form
promises for a priority ("**Urgent**: … we respond within 1 business hour") is the configured one.
Exit 0 when valid, 1 when problems were found, 2 on bad usage or an unreadable file.

Options:
  --forms DIR   the issue forms folder to check with the config
  -h, --help    show this help`;

/**
 * Reads every template of an issue-template folder as GitHub would: each `*.yml`/`*.yaml` form
 * and `config.yml` against GitHub's published rules (see `parseIssueForm`), and the names of all
 * templates, markdown ones included, which must differ. Problems are `path/to/file: key: message
 * (line N)`, the file named as under DIR.
 */
function readForms(dir: string): {
  forms: Array<{ file: string; form: FormDefinition; text: string }>;
  problems: string[];
} {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => /\.(ya?ml|md)$/i.test(f))
      .sort();
  } catch {
    throw new UsageError(`cannot read --forms ${dir}: not a readable folder`);
  }
  const forms: Array<{ file: string; form: FormDefinition; text: string }> = [];
  const problems: string[] = [];
  const names: TemplateName[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const text = readTextFile(path, "form");
    if (/\.md$/i.test(file)) {
      const name = markdownTemplateName(text);
      if (name !== null) names.push({ file: path, ...name });
      continue;
    }
    if (/^config\.ya?ml$/i.test(file)) {
      const parsed = parseTemplateConfig(text);
      if (!parsed.ok) problems.push(...parsed.problems.map((p) => `${path}: ${p}`));
      continue;
    }
    const parsed = parseIssueForm(text);
    if (parsed.ok) {
      forms.push({ file, form: parsed.form, text });
      names.push({ file: path, name: parsed.form.name, line: formTemplateName(text)?.line });
    } else problems.push(...parsed.problems.map((p) => `${path}: ${p}`));
  }
  problems.push(...templateSetProblems(names));
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
    if (result.ok)
      problems.push(
        ...crossCheck(result.policy, forms.forms, { configPath: file, formsDir: join(values.forms) }),
      );
  }
  for (const p of problems) io.out(p);
  if (problems.length === 0)
    io.out(`${file}: valid${values.forms !== undefined ? `, with the forms in ${values.forms}` : ""}`);
  return problems.length === 0 ? 0 : 1;
}

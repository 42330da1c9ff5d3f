import { basename } from "node:path";
import { validateForCli } from "../domain/forms/classify.js";
import { parseFlags, readTextFile, UsageError } from "./args.js";
import type { Io } from "./main.js";
import { policyFromFile } from "./policy-file.js";

export const VALIDATE_HELP = `Usage: support-sla validate --form FORM.yml --body BODY.md [--config FILE]

Validates an issue body (as GitHub renders a submitted issue form) against the form and prints
  {"valid":bool,"type":KEY|null,"priority":KEY|null,"errors":[{"field":ID,"message":TEXT}]}
Exit 0 when valid, 1 when invalid, 2 on bad usage or an unreadable or broken file.

Options:
  --form FILE     the issue form (.github/ISSUE_TEMPLATE/NAME.yml)
  --body FILE     the issue body, as markdown
  --config FILE   a .github/support-sla.yml (default: the built-in default policy)
  -h, --help      show this help`;

export function validateCommand(args: string[], io: Io): number {
  const { values } = parseFlags(args, {
    form: { type: "string" },
    body: { type: "string" },
    config: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return 0;
  }
  if (!values.form) throw new UsageError("missing --form FORM.yml");
  if (!values.body) throw new UsageError("missing --body BODY.md");
  const policy = policyFromFile(values.config);
  const formText = readTextFile(values.form, "form");
  const bodyText = readTextFile(values.body, "body");
  const result = validateForCli({ formText, formFile: basename(values.form), bodyText, policy });
  if (!result.ok) {
    throw new UsageError(`form ${values.form} is not a valid issue form: ${result.problems.join("; ")}`);
  }
  io.out(JSON.stringify(result.verdict));
  return result.verdict.valid ? 0 : 1;
}

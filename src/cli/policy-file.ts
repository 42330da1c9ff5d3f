import { defaultPolicy, formatProblem, parseConfig } from "../config/load.js";
import type { Policy } from "../domain/policy.js";
import { readTextFile, UsageError } from "./args.js";

/** The policy of a config file (defaults when no file is given); an invalid file is bad usage (exit 2). */
export function policyFromFile(path: string | undefined): Policy {
  if (path === undefined) return defaultPolicy();
  const result = parseConfig(readTextFile(path, "config"), { source: path });
  if (result.ok) return result.policy;
  const [first] = result.problems;
  const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem(s))` : "";
  throw new UsageError(
    `config ${path} is invalid: ${first ? formatProblem(first) : "unknown problem"}${more}; run \`support-sla check-config ${path}\` for the full list`,
  );
}

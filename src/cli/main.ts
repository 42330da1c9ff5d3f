import { UsageError } from "./args.js";
import { checkConfigCommand } from "./check-config.js";
import { deadlineCommand } from "./deadline.js";
import { initCommand } from "./init.js";
import { reportCommand } from "./report.js";
import { validateCommand } from "./validate.js";

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  cwd: string;
  /** The process environment (DATABASE_URL for `report`); absent in tests that do not need it. */
  env?: Record<string, string | undefined>;
}

export type Command = (args: string[], io: Io) => number | Promise<number>;

const commands: Record<string, { run: Command; summary: string }> = {
  deadline: {
    run: deadlineCommand,
    summary: "print the deadline of an SLA metric (first response by default) for given start instants",
  },
  "check-config": {
    run: checkConfigCommand,
    summary: "check a .github/support-sla.yml (and issue forms) for problems",
  },
  validate: { run: validateCommand, summary: "validate an issue body against its issue form" },
  init: { run: initCommand, summary: "write the issue forms and a starter config into a repository" },
  report: { run: reportCommand, summary: "print the SLA report of a repository from the store" },
};

export const MAIN_HELP = `Usage: support-sla <command> [options]

Commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`)
  .join("\n")}

Run \`support-sla <command> --help\` for a command's options.
Exit codes: 0 success or valid, 1 invalid input found (problems listed), 2 bad usage or unreadable file.`;

/** Runs one CLI invocation and returns its exit code; never calls process.exit itself. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.err(
      `support-sla: unknown command ${JSON.stringify(name)} (expected one of: ${Object.keys(commands).join(", ")})`,
    );
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`support-sla ${name}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

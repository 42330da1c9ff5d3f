// Intake benchmark: parse and validate a 65,536-character issue body (GitHub's maximum) against
// the shipped problem form, N times. Imports the BUILT code: run `npx tsc -p tsconfig.build.json`
// first. Usage: node bench/intake.mjs [N]   Target: median <= 5 ms per body.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseIssueBody } from "../dist/domain/forms/body.js";
import { parseIssueForm } from "../dist/domain/forms/form.js";
import { validateAnswers } from "../dist/domain/forms/validate.js";

const N = Number(process.argv[2] ?? 500);
const BODY_LENGTH = 65_536;
const formPath = fileURLToPath(new URL("../.github/ISSUE_TEMPLATE/problem.yml", import.meta.url));
const parsed = parseIssueForm(readFileSync(formPath, "utf8"));
if (!parsed.ok) throw new Error(`problem.yml: ${parsed.problems.join("; ")}`);
const form = parsed.form;

/** A submitted problem form whose answers are padded with what real bodies contain. */
function makeBody() {
  const filler = [
    "The checkout service answers 502 for about one request in ten since the deploy.",
    "| endpoint | status | share |",
    "|---|---|---|",
    "| /orders | 502 | 10% |",
    "```text",
    "### Since when? (inside a code block: not a heading)",
    "upstream prematurely closed connection while reading response header from upstream",
    "```",
    "<!-- a hidden note -->",
    "- [x] a list item that looks like a checkbox",
    "@acme/platform please have a look \u200B",
    "",
  ].join("\n");
  const head = "### Priority\n\nUrgent\n\n### Affected service\n\ncheckout API\n\n### What happens?\n\n";
  const tail =
    "\n\n### Since when?\n\n2026-11-27 14:10 CET\n\n### Impact on end users\n\nSome customers cannot pay." +
    "\n\n### What have you tried already?\n\n_No response_\n\n### Relevant logs\n\n```text\n";
  const end = "\n```";
  let middle = "";
  while (head.length + middle.length + filler.length + tail.length + end.length <= BODY_LENGTH)
    middle += filler;
  const logs = "x".repeat(Math.max(0, BODY_LENGTH - head.length - middle.length - tail.length - end.length));
  return head + middle + tail + logs + end;
}

const body = makeBody();
if (body.length !== BODY_LENGTH) throw new Error(`body is only ${body.length} characters`);
const run = () => validateAnswers(parseIssueBody(body, form));
const errors = run();
if (errors.length > 0) throw new Error(`the benchmark body should be valid: ${JSON.stringify(errors)}`);

for (let i = 0; i < 50; i++) run(); // warm-up: let the JIT settle
const times = [];
for (let i = 0; i < N; i++) {
  const start = process.hrtime.bigint();
  run();
  times.push(Number(process.hrtime.bigint() - start) / 1e6);
}
times.sort((a, b) => a - b);
const at = (q) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)];
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const fmt = (ms) => `${ms.toFixed(3)} ms`;
console.log(`intake: ${body.length}-character body, problem form, ${N} runs`);
console.log(`median ${fmt(at(0.5))}  p95 ${fmt(at(0.95))}  mean ${fmt(mean)}  (target: median <= 5 ms)`);
process.exitCode = at(0.5) <= 5 ? 0 : 1;

import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";

/*
 * One folder per case of GitHub's rules for issue forms and config.yml:
 *   test/fixtures/forms/<case>/   the issue-template folder: template.yml, config.yml, … as a repo has them
 *   test/fixtures/forms/<case>/expected.json   { exit, problems }: the lines `check-config --forms`
 *     prints, each file named relative to the case folder (the command names it as under --forms)
 * Every case is checked with test/fixtures/forms/support-sla.yml, whose types name no form.
 */
const ROOT = join("test", "fixtures", "forms");
const CONFIG = join(ROOT, "support-sla.yml");
const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

async function checkConfig(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["check-config", ...argv], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    cwd: process.cwd(),
  });
  return { code, out, err };
}

describe("check-config --forms: GitHub's rules for issue forms and config.yml", () => {
  it("has a case for each kind of problem GitHub's pages name", () => {
    expect(cases).toEqual(
      expect.arrayContaining([
        "yaml11-boolean-options",
        "yaml11-boolean-labels",
        "not-a-string",
        "blank-strings",
        "none-option-any-dropdown",
        "same-label-distinct-ids",
        "same-label-without-ids",
        "labels-too-similar",
        "checkbox-option-clashes",
        "order-number-label",
        "ids",
        "keys",
        "markdown-only",
        "document-separator",
        "dropdown-default-and-options",
        "name-and-description",
        "forbidden-label-word",
        "duplicate-template-names",
        "contact-link-tel",
        "contact-link-fields",
      ]),
    );
  });

  it.each(cases)("%s", async (name) => {
    const dir = join(ROOT, name);
    const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as {
      exit: number;
      problems: string[];
    };
    const r = await checkConfig(CONFIG, "--forms", dir);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(expected.exit);
    if (expected.exit === 0) {
      expect(r.out).toEqual([`${CONFIG}: valid, with the forms in ${dir}`]);
      return;
    }
    // Each line names the file as under --forms, the key's path and its line.
    for (const line of r.out)
      expect(line).toMatch(new RegExp(`^${dir.replace(/[\\/.]/g, "\\$&")}[\\\\/]\\S+: .+ \\(line \\d+\\)$`));
    expect(r.out.map((l) => l.split(`${dir}/`).join(""))).toEqual(expected.problems);
  });

  it("accepts the example of the issue: an input labelled `Order #`, answered under `### Order #`", async () => {
    const dir = join(ROOT, "order-number-label");
    expect((await checkConfig(CONFIG, "--forms", dir)).code).toBe(0);
    const out: string[] = [];
    const code = await runCli(
      [
        "validate",
        "--form",
        join(dir, "template.yml"),
        "--body",
        join("test", "fixtures", "intake", "order-number-label", "issue.md"),
      ],
      { out: (l) => out.push(l), err: (l) => out.push(l), cwd: process.cwd() },
    );
    expect(code).toBe(0);
    expect(JSON.parse(out.join("\n"))).toMatchObject({ valid: true, errors: [] });
  });
});

describe("check-config --forms on public forms that GitHub accepts", () => {
  // test/fixtures/forms-corpus holds `<owner>__<repo>__<file>`: rebuild each repository's folder.
  const CORPUS = join("test", "fixtures", "forms-corpus");
  const byRepo = new Map<string, string[]>();
  for (const file of readdirSync(CORPUS).filter((f) => /\.ya?ml$/.test(f))) {
    const repo = file.split("__").slice(0, 2).join("__");
    byRepo.set(repo, [...(byRepo.get(repo) ?? []), file]);
  }
  const base = mkdtempSync(join(tmpdir(), "support-sla-corpus-"));

  it.each([...byRepo.keys()].sort())("%s passes", async (repo) => {
    const dir = join(base, repo);
    if (!existsSync(dir)) mkdirSync(dir);
    for (const file of byRepo.get(repo) ?? [])
      cpSync(join(CORPUS, file), join(dir, file.split("__").slice(2).join("__")));
    const r = await checkConfig(CONFIG, "--forms", dir);
    expect(r.out).toEqual([`${CONFIG}: valid, with the forms in ${dir}`]);
    expect(r.code).toBe(0);
  });
});

describe("check-config with a mistyped flag", () => {
  it("exits 2 and names the flag that was meant", async () => {
    const r = await checkConfig(".github/support-sla.yml", "--froms", ".github/ISSUE_TEMPLATE");
    expect(r.code).toBe(2);
    expect(r.err.join("\n")).toContain(
      "Unknown option '--froms' (did you mean --forms?); see --help for the options",
    );
    const far = await checkConfig(".github/support-sla.yml", "--zzzzzz");
    expect(far.code).toBe(2);
    expect(far.err.join("\n")).toContain("Unknown option '--zzzzzz'; see --help for the options");
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { classifyIssue, type FormFile } from "../../src/domain/forms/classify.js";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import type { Policy } from "../../src/domain/policy.js";
import { INTAKE_MARKER, renderIntakeComment } from "../../src/github/intake-comment.js";
import { inlineText } from "../../src/github/markdown.js";
import { intakeView } from "../../src/handlers/intake.js";
import { GITHUB_COMMENT_MAX } from "../../src/helpers/limits.js";
import { testPolicy } from "../helpers/policy.js";
import { shippedForms } from "../helpers/shipped-forms.js";

/*
 * Issue 11, kind 4: the intake comment as every customer reads it, for every intake fixture
 * (test/fixtures/intake/*, the same folders test/domain/forms/fixtures.test.ts checks the verdict
 * of): type and priority by name, each missing or wrong field named once, the escalation number
 * for Production down, the form links when no form matched, and nothing else to wade through.
 */

const ROOT = path.resolve("test", "fixtures", "intake");
const scenarios = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const PHONE = "+32 2 555 01 01";
const CHAT = "https://acme.slack.com/archives/C0123ABCD";
const DEADLINE = Date.parse("2026-11-30T08:30:00Z");

function policy(): Policy {
  const p = testPolicy();
  p.escalation.phone = PHONE;
  p.escalation.chat = CHAT;
  return p;
}

/** The forms and body of one fixture folder, as fixtures.test.ts reads them. */
function scenario(dir: string): { forms: FormFile[]; labels: string[]; body: string } {
  const inputPath = path.join(ROOT, dir, "input.json");
  const input = existsSync(inputPath)
    ? (JSON.parse(readFileSync(inputPath, "utf8")) as { form?: string; formAs?: string; labels?: string[] })
    : {};
  let forms = shippedForms();
  const templatePath = path.join(ROOT, dir, "template.yml");
  if (existsSync(templatePath)) {
    const file = input.formAs ?? "template.yml";
    const parsed = parseIssueForm(readFileSync(templatePath, "utf8"));
    if (!parsed.ok) throw new Error(`${dir}/template.yml: ${parsed.problems.join("; ")}`);
    forms = [...forms.filter((f) => f.file !== file), { file, form: parsed.form }];
  }
  const body = readFileSync(path.join(ROOT, dir, "issue.md"), "utf8");
  return { forms, labels: input.labels ?? [], body };
}

function render(dir: string, pagesNow = false) {
  const p = policy();
  const { forms, labels, body } = scenario(dir);
  const verdict = classifyIssue({ body, labels, forms, policy: p });
  const priority = p.priorities.find((x) => x.key === verdict.priority);
  if (!priority) throw new Error(`${dir}: no priority ${verdict.priority}`);
  const links = forms.map((f) => ({
    name: f.form.name,
    url: `https://github.com/acme/support/issues/new?template=${encodeURIComponent(f.file)}`,
  }));
  const view = intakeView(p, verdict, priority, DEADLINE, pagesNow, forms, links);
  return { text: renderIntakeComment(view), verdict, policy: p, links };
}

/** Drops what a message echoes in quotes: the customer's words and the form's options. */
const unquoted = (text: string) => text.replace(/"[^"]*"/g, '""');

describe.each(scenarios)("the intake comment of %s", (dir) => {
  const { text, verdict, policy: p, links } = render(dir);
  const lines = text.split("\n");
  const typeName = p.types.find((t) => t.key === verdict.type)?.name ?? "";
  const priorityName = p.priorities.find((x) => x.key === verdict.priority)?.name ?? "";

  it("fits GitHub's limit, keeps its hidden marker and gives the deadline in local time and UTC", () => {
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(lines[0]).toBe(INTAKE_MARKER);
    expect(lines[2]).toBe(
      "Our first response is due by **Mon 30 Nov 2026, 09:30 CET** (2026-11-30 08:30 UTC).",
    );
    expect(lines.at(-1)).toBe(`<sub>Questions about this process? Reach us on [chat](${CHAT}).</sub>`);
  });

  it("names the type and the priority as the support process does, never by label", () => {
    expect(lines[1]).toContain(`**${inlineText(typeName)}**, priority **${inlineText(priorityName)}**.`);
    const labels = [...p.types, ...p.priorities].map((x) => x.label);
    const quotedLabels = verdict.notes.join(" ");
    for (const label of labels) {
      if (!quotedLabels.includes(label)) expect(text, label).not.toContain(label);
    }
  });

  it("names each missing or wrong field once, with what to do", () => {
    const items = lines.filter((l) => l.startsWith("- **"));
    if (verdict.matchedBy === "none") {
      expect(text).toContain("Please open it again with the form that fits");
      for (const link of links) expect(text).toContain(`(${link.url})`);
      expect(text).not.toContain("Please edit the issue");
      return;
    }
    expect(text.includes("**Please edit the issue:**")).toBe(verdict.intake === "incomplete");
    expect(items).toHaveLength(verdict.errors.length);
    for (const [i, e] of verdict.errors.entries()) {
      const label = `**${inlineText(e.label, 100)}**`;
      expect(items[i]?.startsWith(`- ${label}`), items[i]).toBe(true);
      // The label is the line's lead-in and nowhere else on it.
      expect(unquoted(items[i]?.slice(2 + label.length) ?? "")).not.toContain(inlineText(e.label, 100));
      expect(e.message).toMatch(/^(missing — (add it|choose|tick)|".*" (is not one of|are not among) )/);
    }
  });

  it("gives the escalation number exactly when the priority is Production down", () => {
    const productionDown = verdict.priority === "production-down";
    expect(text.includes("[!CAUTION]")).toBe(productionDown);
    if (productionDown) expect(text).toContain(`the escalation number **${inlineText(PHONE, 60)}**`);
  });
});

describe("a Production-down problem", () => {
  it("while on-call is paged: says so, and gives the number to call", () => {
    const { text } = render("production-down-on-problem", true);
    expect(text).toContain("priority **Production down**");
    expect(text).toContain(
      `> Our on-call engineer is being paged now. If you have not already, call the escalation number **${inlineText(PHONE, 60)}** and describe the problem.`,
    );
  });

  it("without a page: tells the customer to call now", () => {
    const { text } = render("production-down-on-problem", false);
    expect(text).toContain(
      `> Call the escalation number **${inlineText(PHONE, 60)}** now and describe the problem`,
    );
    expect(text).not.toContain("being paged");
  });
});

import { describe, expect, it } from "vitest";
import { bodyHeadings, parseIssueBody, scanBody, splitChoices } from "../../../src/domain/forms/body.js";
import { type FormDefinition, parseIssueForm } from "../../../src/domain/forms/form.js";

function form(body: string): FormDefinition {
  const result = parseIssueForm(`name: Test form\ndescription: T\nbody:\n${body}`);
  if (!result.ok) throw new Error(result.problems.join("; "));
  return result.form;
}

const FORM = form(`  - type: input
    id: service
    attributes: { label: Affected service }
  - type: textarea
    id: what
    attributes: { label: What happens? }
  - type: textarea
    id: logs
    attributes: { label: Logs, render: shell }
  - type: dropdown
    id: envs
    attributes: { label: Environments, multiple: true, options: [Production, "Staging, EU", Staging, Dev] }
  - type: dropdown
    id: priority
    attributes: { label: Priority, options: [Urgent, Normal] }
  - type: checkboxes
    id: terms
    attributes:
      label: Terms
      options:
        - label: I agree
        - label: I have read the [docs](https://example.com)
`);

function answers(body: string | null): Record<string, unknown> {
  const parsed = parseIssueBody(body, FORM);
  return Object.fromEntries(
    parsed.answers.map(({ field, answer }) => {
      const value =
        answer.type === "dropdown"
          ? answer.values
          : answer.type === "checkboxes"
            ? answer.checked
            : answer.text;
      return [field.id, answer.present ? value : "(absent)"];
    }),
  );
}

describe("scanBody", () => {
  it("finds level-3 headings only, with closing #s and up to three spaces of indent", () => {
    expect(
      bodyHeadings(
        "# One\n## Two\n### Three\n#### Four\n   ### Five ###\n    ### Code\n###Six\n### \n###\n### A # B\n### C#",
      ),
    ).toEqual(["Three", "Five", "", "", "A # B", "C#"]);
  });

  it("does not see headings inside fenced code, with ``` or ~~~, or a longer fence", () => {
    const body =
      "### A\n```md\n### Not 1\n```\n~~~\n### Not 2\n```\n### Not 3\n~~~\n````\n```\n### Not 4\n````\n### B";
    expect(bodyHeadings(body)).toEqual(["A", "B"]);
  });

  it("reads a fence that is never closed as text, so it cannot swallow the rest of the form", () => {
    expect(bodyHeadings("### A\n```\nstray fence\n### B\nmore")).toEqual(["A", "B"]);
    expect(bodyHeadings("### A\n````\n```\n### B\n```")).toEqual(["A"]);
  });

  it("does not see headings inside HTML comments, and hides the comments", () => {
    const body =
      "### A\n<!--\n### Hidden\n-->\nvisible <!-- inline --> text\n   <!-- one line --> \n### B <!-- note -->\nx";
    const scanned = scanBody(body);
    expect(scanned.sections.map((s) => s.heading)).toEqual(["A", "B"]);
    expect(scanned.sections[0]?.lines).toEqual(["visible  text"]);
    expect(bodyHeadings("### A\n<!-- never closed\n### B\n### C")).toEqual(["A"]);
    expect(bodyHeadings("### A\ntext <!-- opened mid-line\n### B")).toEqual(["A", "B"]);
  });

  it("ignores line endings and invisible characters around headings", () => {
    expect(bodyHeadings("\uFEFF### A\r\nx\r### \u200BB\u200D \r\n\u2060  ### C\u00A0 ")).toEqual([
      "A",
      "B",
      "C",
    ]);
  });

  it("handles null, empty and whitespace-only bodies", () => {
    expect(scanBody(null)).toEqual({ preamble: [], sections: [] });
    expect(scanBody("")).toEqual({ preamble: [], sections: [] });
    expect(scanBody(" \n\t")).toEqual({ preamble: [" ", "\t"], sections: [] });
  });
});

describe("parseIssueBody", () => {
  it("reads each field type as GitHub renders it", () => {
    const body = [
      "### Affected service\n\n  checkout API  \n",
      "### What happens?\n\nIt fails.\n\n#### Details\n- a\n",
      "### Logs\n\n```shell\n$ curl x\n### not a heading\n```\n",
      "### Environments\n\nProduction, Staging, EU, Dev\n",
      "### Priority\n\nUrgent\n",
      "### Terms\n\n- [X] I agree\n- [ ] I have read the [docs](https://example.com)\n",
    ].join("\n");
    expect(answers(body)).toEqual({
      service: "checkout API",
      what: "It fails.\n\n#### Details\n- a",
      logs: "$ curl x\n### not a heading",
      envs: ["Production", "Staging, EU", "Dev"],
      priority: ["Urgent"],
      terms: ["I agree"],
    });
  });

  it("reads _No response_ and missing sections as empty", () => {
    const body =
      "### Affected service\n\n_No response_\n\n### Logs\n\n_No response_\n\n### Environments\n\n_No response_";
    expect(answers(body)).toEqual({
      service: "",
      what: "(absent)",
      logs: "",
      envs: [],
      priority: "(absent)",
      terms: "(absent)",
    });
    expect(Object.values(answers(null)).every((v) => v === "(absent)")).toBe(true);
  });

  it("accepts lower-case x, * bullets and odd spacing in checkboxes; unknown options are ignored", () => {
    const body =
      "### Terms\n\n* [x]   I agree\n-  [X] I have read the [docs](https://example.com)\n- [X] Something else";
    expect(answers(body).terms).toEqual(["I agree", "I have read the [docs](https://example.com)"]);
  });

  it("keeps an unknown ### heading inside the answer it belongs to", () => {
    const body = "### What happens?\n\nSteps:\n### Step 1\nclick\n### Affected service\nshop";
    expect(answers(body)).toMatchObject({ what: "Steps:\n### Step 1\nclick", service: "shop" });
  });

  it("uses the first section of a duplicated heading, ignores the others and reports them", () => {
    const parsed = parseIssueBody(
      "### Priority\nUrgent\n### Affected service\nshop\n### Priority\nNormal\n### Priority\nx",
      FORM,
    );
    expect(parsed.answers.find((a) => a.field.id === "priority")?.answer).toMatchObject({
      values: ["Urgent"],
    });
    expect(parsed.answers.find((a) => a.field.id === "service")?.answer).toMatchObject({ text: "shop" });
    expect(parsed.duplicates).toEqual(["Priority"]);
  });

  it("reads the sections of fields that share a label in form order, as GitHub writes them", () => {
    const shared = form(`  - type: input
    id: from
    attributes: { label: Date }
  - type: input
    id: until
    attributes: { label: Date }
  - type: textarea
    id: note
    attributes: { label: Note }
`);
    const parsed = parseIssueBody(
      "### Date\n\n2026-12-01\n\n### Date\n\n2026-12-24\n\n### Note\n\nxmas",
      shared,
    );
    expect(parsed.answers.map((a) => [a.field.id, a.answer.type !== "checkboxes" && a.answer.text])).toEqual([
      ["from", "2026-12-01"],
      ["until", "2026-12-24"],
      ["note", "xmas"],
    ]);
    expect(parsed.duplicates).toEqual([]);
    const extra = parseIssueBody("### Date\n\na\n\n### Date\n\nb\n\n### Date\n\nc", shared);
    expect(extra.duplicates).toEqual(["Date"]);
    expect(extra.answers[1]?.answer).toMatchObject({ text: "b" });
  });

  it("finds a label's section under the heading GitHub renders from it: `Order #` reads as Order", () => {
    const order = form(`  - type: input
    id: order
    attributes: { label: "Order #" }
    validations: { required: true }
  - type: input
    id: product
    attributes: { label: "**Product** \`name\`" }
`);
    const parsed = parseIssueBody("### Order #\n\n10442\n\n### **Product** `name`\n\nWidget", order);
    expect(parsed.answers.map((a) => a.answer.type !== "checkboxes" && a.answer.text)).toEqual([
      "10442",
      "Widget",
    ]);
    // A heading written without the markup, or with the closing # dropped, is the same section.
    const plain = parseIssueBody("### Order\n\n10442\n\n### Product name\n\nWidget", order);
    expect(plain.answers.map((a) => a.answer.present)).toEqual([true, true]);
  });

  it("strips the render fence only when it wraps the whole answer", () => {
    expect(answers("### Logs\n\n```shell\n\n```").logs).toBe("");
    expect(answers("### Logs\n\nplain text, no fence").logs).toBe("plain text, no fence");
    expect(answers("### Logs\n\n~~~~\na\n~~~~").logs).toBe("a");
  });

  it('treats "None" in a dropdown as no answer, and matches options ignoring case and spacing', () => {
    expect(answers("### Priority\n\nNone").priority).toEqual([]);
    expect(answers("### Priority\n\n  urgent ").priority).toEqual(["Urgent"]);
    expect(answers("### Priority\n\nUrgent, Normal").priority).toEqual(["Urgent, Normal"]);
  });
});

describe("splitChoices", () => {
  const options = ["A", "B, with comma", "B", "C"];
  it("rejoins options that contain commas, longest first", () => {
    expect(splitChoices("A, B, with comma, C", options)).toEqual(["A", "B, with comma", "C"]);
    expect(splitChoices("B, C", options)).toEqual(["B", "C"]);
    expect(splitChoices("A, ,, Z", options)).toEqual(["A", "Z"]);
  });
});

describe("hostile bodies", () => {
  const big = 70_000;
  const cases: Array<[string, string]> = [
    ["one huge line", "x".repeat(big)],
    ["a heading line of spaces", `### ${" ".repeat(big)}x`],
    ["a heading line of markup", `### ${"_a [`*".repeat(big / 6)}`],
    ["many label-long headings of markup", `### ${"_a [".repeat(124)}\n`.repeat(Math.ceil(big / 501))],
    ["a long run of spaces inside an answer", `### Affected service\n\na${" ".repeat(big)}b`],
    ["only headings", "### Priority\n".repeat(big / 13)],
    ["only unknown headings", "### H\n".repeat(big / 6)],
    ["many fences", "```\n".repeat(big / 4)],
    ["many unclosed fences with info", "```x\n".repeat(big / 5)],
    ["many comment openers", "<!--\n".repeat(big / 5)],
    ["comment openers mid-line", "a <!-- ".repeat(big / 7)],
    ["many commas in a multi-select", `### Environments\n\n${"Staging, ".repeat(big / 9)}`],
    ["many checkbox lines", `### Terms\n\n${"- [x] I agree\n".repeat(big / 14)}`],
    ["invisible characters", "\u200B".repeat(big)],
    ["carriage returns", "\r".repeat(big)],
  ];
  it.each(cases)("parses %s without crashing", (_name, body) => {
    expect(body.length).toBeGreaterThanOrEqual(big - 14);
    const parsed = parseIssueBody(body, FORM);
    expect(parsed.answers).toHaveLength(FORM.fields.length);
  });
});

import { formatLocal, formatUtc, inlineText } from "./markdown.js";

export const INTAKE_MARKER = "<!-- support-sla:intake -->";

export interface IntakeView {
  typeLabel: string;
  priorityLabel: string;
  /** The priority is the phone line's territory (Production down by default: pages at intake). */
  productionDown: boolean;
  /** On-call is being paged through PagerDuty right now. */
  pagesNow: boolean;
  deadlineMs: number;
  timezone: string;
  intake: "valid" | "incomplete";
  /** Missing or wrong fields, by the label the customer saw. */
  errors: Array<{ label: string; message: string }>;
  notes: string[];
  /** Set when the issue matched no form: where to open it properly. */
  formLinks: Array<{ name: string; url: string }> | null;
  phone: string | null;
  chat: string | null;
}

/** The one intake comment of an issue, found again by its hidden marker and edited in place. */
export function renderIntakeComment(v: IntakeView): string {
  const lines = [INTAKE_MARKER, "**Thanks, your request is registered.**", ""];
  lines.push("| | |", "|---|---|");
  lines.push(`| Request type | ${inlineText(v.typeLabel)} |`);
  lines.push(`| Priority | ${inlineText(v.priorityLabel)} |`);
  lines.push(
    `| First response due | **${formatLocal(v.deadlineMs, v.timezone)}** (${formatUtc(v.deadlineMs)}) |`,
  );
  lines.push("");
  if (v.productionDown) {
    const phone = v.phone ? ` the escalation number **${inlineText(v.phone)}**` : " the escalation number";
    lines.push(
      v.pagesNow
        ? `> [!CAUTION]\n> **Production down:** our on-call engineer is being paged now. If you have not already, call${phone} and describe the problem.`
        : `> [!CAUTION]\n> **Production down:** call${phone} now and describe the problem: that alerts our on-call engineer at once, day and night.`,
      "",
    );
  }
  for (const note of v.notes) lines.push(`> [!NOTE]\n> ${inlineText(note, 500)}`, "");
  if (v.formLinks) {
    lines.push(
      "This issue was not opened from one of our request forms, so we could not tell its type or priority. Please open it again with the form that fits:",
      "",
      ...v.formLinks.map((f) => `- [${inlineText(f.name, 80)}](${f.url})`),
      "",
    );
  } else if (v.intake === "incomplete") {
    lines.push("**Some information is missing or needs fixing.** Please edit the issue:", "");
    for (const e of v.errors) lines.push(`- **${inlineText(e.label, 100)}**: ${inlineText(e.message, 300)}`);
    lines.push("");
  }
  lines.push(
    `<sub>The response time is counted from when the issue was opened, whatever is missing.${
      v.chat ? ` For questions about this process, reach us on [chat](${encodeURI(v.chat)}).` : ""
    }</sub>`,
  );
  return lines.join("\n");
}

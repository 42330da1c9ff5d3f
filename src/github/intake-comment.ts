import { fitBody, fitLines, formatCount, GITHUB_COMMENT_MAX, lazyList } from "../helpers/limits.js";
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

/**
 * The one intake comment of an issue, found again by its hidden marker and edited in place.
 * Always at most {@link GITHUB_COMMENT_MAX} characters, whatever the issue holds: the table with
 * the deadline comes first and always fits; the lists (notes, forms, missing or wrong fields) get
 * what room is left and end with "…and N more" when cut. Throws RangeError for an unknown zone.
 */
export function renderIntakeComment(v: IntakeView): string {
  const head = [INTAKE_MARKER, "**Thanks, your request is registered.**", ""];
  head.push("| | |", "|---|---|");
  head.push(`| Request type | ${inlineText(v.typeLabel)} |`);
  head.push(`| Priority | ${inlineText(v.priorityLabel)} |`);
  head.push(
    `| First response due | **${formatLocal(v.deadlineMs, v.timezone)}** (${formatUtc(v.deadlineMs)}) |`,
  );
  head.push("");
  if (v.productionDown) {
    const phone = v.phone
      ? ` the escalation number **${inlineText(v.phone, 60)}**`
      : " the escalation number";
    head.push(
      v.pagesNow
        ? `> [!CAUTION]\n> **Production down:** our on-call engineer is being paged now. If you have not already, call${phone} and describe the problem.`
        : `> [!CAUTION]\n> **Production down:** call${phone} now and describe the problem: that alerts our on-call engineer at once, day and night.`,
      "",
    );
  }
  const chat = chatLink(v.chat);
  const tail = [
    `<sub>The response time is counted from when the issue was opened, whatever is missing.${
      chat ? ` For questions about this process, reach us on [chat](${chat}).` : ""
    }</sub>`,
  ];
  // The lists share what is left; each stops with a summary line when its share runs out.
  let room = GITHUB_COMMENT_MAX - (head.join("\n").length + 1) - tail.join("\n").length - 1;
  const body: string[] = [];
  const add = (lines: string[]) => {
    body.push(...lines);
    room -= lines.reduce((n, l) => n + l.length + 1, 0);
  };
  const notes = lazyList(v.notes.length, (i) => `> [!NOTE]\n> ${inlineText(v.notes[i] ?? "", 500)}\n`);
  add(
    fitLines(notes, Math.min(room, NOTES_SHARE), (n) => `_…and ${formatCount(n)} more notes._\n`, {
      maxItems: MAX_NOTES,
    }),
  );
  if (v.formLinks) {
    const intro =
      "This issue was not opened from one of our request forms, so we could not tell its type or priority. Please open it again with the form that fits:";
    add([intro, ""]);
    const forms = v.formLinks.filter((f) => f.url.length <= MAX_URL);
    const links = lazyList(forms.length, (i) => {
      const f = forms[i] as { name: string; url: string };
      return `- [${inlineText(f.name, 80)}](${f.url})`;
    });
    add(
      fitLines(links, room - 1, (n) => `- …and ${formatCount(n)} more forms.`, { maxItems: MAX_LIST_ITEMS }),
    );
    add([""]);
  } else if (v.intake === "incomplete") {
    const n = v.errors.length;
    add([
      n > 1
        ? `**Some information is missing or needs fixing (${formatCount(n)} problems).** Please edit the issue:`
        : "**Some information is missing or needs fixing.** Please edit the issue:",
      "",
    ]);
    const items = lazyList(n, (i) => {
      const e = v.errors[i] as { label: string; message: string };
      return `- **${inlineText(e.label, 100)}**: ${inlineText(e.message, 300)}`;
    });
    add(
      fitLines(items, room - 1, (left) => `- …and ${formatCount(left)} more.`, { maxItems: MAX_LIST_ITEMS }),
    );
    add([""]);
  }
  return fitBody([...head, ...body, ...tail].join("\n"), GITHUB_COMMENT_MAX);
}

/** Room for the notes, whatever comes after them: they are hints, the field list matters more. */
const NOTES_SHARE = 8_000;
const MAX_NOTES = 10;
/** Fields, problems or forms listed one per line before "…and N more": a customer reads 50, not 5,000. */
const MAX_LIST_ITEMS = 50;
/** Longer links are not links a browser follows (and no real form or chat link is this long). */
const MAX_URL = 2_000;

/** The configured chat link as a markdown link target, or null when it cannot be one. */
function chatLink(chat: string | null): string | null {
  if (!chat) return null;
  try {
    const url = encodeURI(chat).replace(/\(/g, "%28").replace(/\)/g, "%29");
    return url.length <= MAX_URL ? url : null;
  } catch {
    return null; // a lone surrogate: encodeURI throws URIError
  }
}

import { fitBody, fitLines, formatCount, GITHUB_COMMENT_MAX, lazyList } from "../helpers/limits.js";
import { formatLocal, formatUtc, inlineText } from "./markdown.js";

export const INTAKE_MARKER = "<!-- support-sla:intake -->";

/** One missing or wrong field, as the customer saw it on the form. */
export interface IntakeFieldError {
  /** The field's label: the `### ` heading of its section in the issue body. */
  label: string;
  /** What is missing or wrong and what to do, without the label (see `validate.ts`). */
  message: string;
  /**
   * Set when several fields of the form share this label (GitHub allows it when their ids
   * differ): which of the same-named sections this is, in form order, 1-based.
   */
  position?: { index: number; of: number };
}

export interface IntakeView {
  /** The request type's name, as customers read it: "Problem / troubleshooting" (`types.<key>.name`). */
  typeName: string;
  /** The priority's name, as customers read it: "Urgent" (`priorities.<key>.name`). */
  priorityName: string;
  /** The priority is the phone line's territory (Production down by default: pages at intake). */
  productionDown: boolean;
  /** On-call is being paged through PagerDuty right now. */
  pagesNow: boolean;
  /**
   * The issue was opened from an on-call page (a PagerDuty incident, e.g. a call to the escalation
   * number): on-call is alerted already, so the customer is not told to call again.
   */
  fromOnCallPage?: boolean;
  /**
   * The first response is still awaited (default true). Once the team has answered, or the issue
   * was closed, the comment (re-rendered for the next update, say) no longer tells the customer to
   * call now: it says to call for anything new.
   */
  awaitingReply?: boolean;
  /** The first-response deadline, epoch milliseconds. */
  deadlineMs: number;
  /**
   * While the update interval runs (`priorities.<key>.updates`): when the next update from
   * the team is due, epoch milliseconds; each team comment moves it. Absent or null: no line.
   */
  nextUpdateMs?: number | null;
  /** IANA zone the deadline is shown in, beside UTC. */
  timezone: string;
  intake: "valid" | "incomplete";
  /** Missing or wrong fields, each once, in form order. */
  errors: IntakeFieldError[];
  /** Why the priority changed, what was ignored: one sentence or two each. */
  notes: string[];
  /** Set when the issue matched no form: where to open it properly. */
  formLinks: Array<{ name: string; url: string }> | null;
  phone: string | null;
  chat: string | null;
}

/**
 * The one intake comment of an issue, found again by its hidden marker and edited in place. It is
 * the one text every customer reads, so it says only what they need: the type and priority by
 * name, when the first response is due (in the repo's zone and in UTC), while an update interval
 * runs when the next update is due ("Next update by …", same format), for Production down the
 * escalation number, each missing or wrong field once with what to do, and the chat link.
 *
 * Always at most {@link GITHUB_COMMENT_MAX} characters (GitHub's limit on a comment body, see
 * `helpers/limits.ts`), whatever the issue holds: the opening lines with the deadline come first
 * and always fit; the lists (notes, forms, fields) get what room is left and end with
 * "…and N more" when cut. Throws RangeError for an unknown zone.
 */
export function renderIntakeComment(v: IntakeView): string {
  const type = `**${inlineText(v.typeName, NAME_MAX)}**`;
  const priority = `**${inlineText(v.priorityName, NAME_MAX)}**`;
  const head = [
    INTAKE_MARKER,
    v.formLinks
      ? `Thanks, your request is registered. It was not opened from one of our forms, so for now it counts as ${type}, priority ${priority}.`
      : `Thanks, your request is registered as ${type}, priority ${priority}.`,
    // Re-rendered once the first response was given (or the issue closed): no promise left to state.
    ...(v.awaitingReply === false
      ? []
      : [
          `Our first response is due by **${formatLocal(v.deadlineMs, v.timezone)}** (${formatUtc(v.deadlineMs)}).`,
        ]),
  ];
  if (v.nextUpdateMs != null) {
    head.push(
      `Next update by **${formatLocal(v.nextUpdateMs, v.timezone)}** (${formatUtc(v.nextUpdateMs)}).`,
    );
  }
  head.push("");
  if (v.productionDown) {
    const number = v.phone ? `the escalation number **${inlineText(v.phone, 60)}**` : "our escalation number";
    head.push(
      "> [!CAUTION]",
      v.fromOnCallPage
        ? `> This request came in through our on-call line, and our on-call engineer has been alerted. For anything new, call ${number}.`
        : v.awaitingReply === false
          ? `> For anything new and urgent about this, call ${number}: that alerts our on-call engineer, day and night.`
          : v.pagesNow
            ? `> Our on-call engineer is being paged now. If you have not already, call ${number} and describe the problem.`
            : `> Call ${number} now and describe the problem: that alerts our on-call engineer, day and night.`,
      "",
    );
  }
  const chat = chatLink(v.chat);
  const tail = chat ? [`<sub>Questions about this process? Reach us on [chat](${chat}).</sub>`] : [];
  // The lists share what is left; each stops with a summary line when its share runs out.
  let room = GITHUB_COMMENT_MAX - (head.join("\n").length + 1) - (tail.join("\n").length + 1);
  const body: string[] = [];
  const add = (lines: string[]) => {
    body.push(...lines);
    room -= lines.reduce((n, l) => n + l.length + 1, 0);
  };
  const notes = lazyList(v.notes.length, (i) => `${inlineText(v.notes[i] ?? "", 500)}\n`);
  add(
    fitLines(notes, Math.min(room, NOTES_SHARE), (n) => `_…and ${formatCount(n)} more notes._\n`, {
      maxItems: MAX_NOTES,
    }),
  );
  if (v.formLinks) {
    add(["Please open it again with the form that fits, so we get the details we need:"]);
    const forms = v.formLinks.filter((f) => f.url.length <= MAX_URL);
    const links = lazyList(forms.length, (i) => {
      const f = forms[i] as { name: string; url: string };
      return `- [${inlineText(f.name, 80)}](${f.url})`;
    });
    add(
      fitLines(links, room - 1, (n) => `- …and ${formatCount(n)} more forms.`, { maxItems: MAX_LIST_ITEMS }),
    );
    add([""]);
  } else if (v.intake === "incomplete" && v.errors.length > 0) {
    add(["**Please edit the issue:**"]);
    const items = lazyList(v.errors.length, (i) => fieldLine(v.errors[i] as IntakeFieldError));
    add(
      fitLines(items, room - 1, (left) => `- …and ${formatCount(left)} more.`, { maxItems: MAX_LIST_ITEMS }),
    );
    add([""]);
  }
  return fitBody([...head, ...body, ...tail].join("\n").trimEnd(), GITHUB_COMMENT_MAX);
}

/** `- **Wished date**: missing — add it`; `- **Details** (2nd of 2): …` when labels repeat. */
function fieldLine(e: IntakeFieldError): string {
  const which = e.position && e.position.of > 1 ? ` (${ordinal(e.position.index)} of ${e.position.of})` : "";
  return `- **${inlineText(e.label, 100)}**${which}: ${inlineText(e.message, 300)}`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 21st. */
function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/** Type and priority names are short by nature; a longer one is cut rather than shown whole. */
const NAME_MAX = 100;
/** Room for the notes, whatever comes after them: they are hints, the field list matters more. */
const NOTES_SHARE = 8_000;
const MAX_NOTES = 10;
/** Fields or forms listed one per line before "…and N more": a customer reads 50, not 5,000. */
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

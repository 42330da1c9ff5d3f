import type { Policy, PriorityPolicy, TypePolicy } from "../policy.js";
import { pagesAtStart } from "../timers/ladder.js";
import { responsePromise } from "./promise.js";

/** Where GitHub looks for issue forms and the template chooser's config. */
export const ISSUE_TEMPLATE_DIR = ".github/ISSUE_TEMPLATE";

/**
 * The issue forms this project ships, one per request type of the default policy, each applying
 * that type's label. The files live in `.github/ISSUE_TEMPLATE/`; reading them is the caller's job.
 */
export const SHIPPED_FORMS = [
  { file: "add-remove-user.yml", type: "add-remove-user", label: "type: add/remove user" },
  { file: "change-request.yml", type: "change-request", label: "type: change request" },
  { file: "guidance.yml", type: "guidance", label: "type: guidance" },
  { file: "on-call.yml", type: "on-call", label: "type: on-call" },
  { file: "problem.yml", type: "problem", label: "type: problem" },
  { file: "other.yml", type: "other", label: "type: other" },
] as const;

/** The template chooser's config shipped beside the forms. */
export const SHIPPED_TEMPLATE_CONFIG = "config.yml";

/**
 * The support page `init` writes beside the forms, under `.github/`. GitHub links a SUPPORT file
 * found in `.github/`, the root or `docs/` from the page where an issue is created ("Adding
 * support resources to your project",
 * https://docs.github.com/en/communities/setting-up-your-project-for-healthy-contributions/adding-support-resources-to-your-project).
 */
export const SUPPORT_PAGE = "SUPPORT.md";

/** The support page's section with the escalation number; GitHub's anchor for `## Escalation number`. */
export const ESCALATION_ANCHOR = "escalation-number";

/** Stands for the repository in the escalation link when `init` cannot tell which one it is. */
export const PLACEHOLDER_REPO_URL = "https://github.com/OWNER/REPO";

/** One file `init` writes, `path` relative to the repository's `.github/` folder. */
export interface RenderedFile {
  path: string;
  text: string;
}

export interface RenderOptions {
  /**
   * Web address of the repository the files go into, e.g. `https://github.com/acme/shop` (no
   * trailing slash); null when unknown: the escalation link then points at
   * {@link PLACEHOLDER_REPO_URL}.
   */
  repoUrl: string | null;
}

/**
 * The escalation link of the template chooser: the support page's "Escalation number" section
 * on the repository's default branch (`blob/HEAD` follows whatever the default branch is called).
 */
export function escalationPageUrl(repoUrl: string | null): string {
  return `${repoUrl ?? PLACEHOLDER_REPO_URL}/blob/HEAD/.github/${SUPPORT_PAGE}#${ESCALATION_ANCHOR}`;
}

// ------------------------------------------------------------------------------ text helpers

/**
 * One line of config text fit for markdown: whitespace collapsed, markup characters escaped
 * (backslash escapes, CommonMark 0.31 section 2.4, for `~` strikethrough and `&` character
 * references too), so that customers read the text as configured.
 */
function inlineMarkdown(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[\\`*_[\]<>|~&]/g, (c) => `\\${c}`);
}

// YAML 1.1 reads these unquoted words as booleans or null; GitHub reads forms the YAML 1.1 way.
const YAML_WORDS = /^(?:y|n|yes|no|on|off|true|false|null|~)$/i;

/** A one-line YAML scalar: plain when that reads back as the same text everywhere, else double-quoted. */
function yamlString(text: string): string {
  const plain = /^[A-Za-z][A-Za-z0-9 ,.&/()'+-]*$/.test(text) && !YAML_WORDS.test(text) && !/[ ]$/.test(text);
  return plain ? text : JSON.stringify(text);
}

/** The chat link as markdown: a link for an http(s) URL, the text otherwise. */
function chatMarkdown(chat: string): string {
  if (isWebUrl(chat, ["http:", "https:"])) {
    const url = encodeURI(chat.trim()).replace(/\(/g, "%28").replace(/\)/g, "%29");
    return `[support chat](${url})`;
  }
  return `support chat (${inlineMarkdown(chat)})`;
}

function isWebUrl(text: string, protocols: string[]): boolean {
  try {
    return URL.canParse(text.trim()) && protocols.includes(new URL(text.trim()).protocol);
  } catch {
    return false;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ------------------------------------------------------------------------------ the forms

/** What a form's texts are rendered from: the policy, and the facts about it the texts mention. */
interface FormContext {
  policy: Policy;
  type: TypePolicy;
  /** The first priority that is the phone line's territory (pages at once, 24/7), if any. */
  phoneLine: PriorityPolicy | undefined;
  /** The escalation number as markdown, e.g. ` **+32 2 123 45 67**` (with its leading space), or "". */
  phone: string;
  /** The priorities this type may be filed with, in config order. */
  priorities: PriorityPolicy[];
  /** The name of a form that does take the phone-line priority, for forms that do not. */
  phoneLineForm: string | null;
}

interface FormTemplate {
  name: string;
  description: string;
  title: string | null;
  /** The markdown paragraphs above the fields, as lines; empty: no markdown element. */
  intro: (c: FormContext) => string[];
  /** What each built-in priority means on this form, by priority key. */
  scopes: Record<string, string>;
  /** The body elements after the priority dropdown, as YAML list items indented by two spaces. */
  fields: string;
}

/** What each built-in priority means when a form has no wording of its own for it. */
const DEFAULT_SCOPES: Record<string, string> = {
  "production-down": "production is down or hampered for a lot of end users",
  urgent: "blocking your work or affecting end users",
  normal: "everything else",
};

const TEMPLATES: Record<string, FormTemplate> = {
  "add-remove-user": {
    name: "Add or remove a user",
    description: "Someone needs access, or someone's access must be revoked.",
    title: "[Access]: ",
    intro: () => [
      "One person per issue, please. For someone leaving, tell us by when their access must be gone.",
    ],
    scopes: { urgent: "blocking your work, or access that must be revoked right away" },
    fields: `  - type: dropdown
    id: action
    attributes:
      label: Add or remove?
      options:
        - Add access
        - Remove access
        - Change access
    validations:
      required: true
  - type: input
    id: person-name
    attributes:
      label: Full name
      description: The person who gets or loses access.
      placeholder: "e.g. Jane Doe"
    validations:
      required: true
  - type: input
    id: person-account
    attributes:
      label: GitHub handle or email
      description: The account to add or remove (a GitHub handle, or the email address for other systems).
      placeholder: "e.g. janedoe or jane.doe@example.com"
    validations:
      required: true
  - type: textarea
    id: access
    attributes:
      label: Which access or systems?
      description: The systems, environments and level of access (e.g. AWS production read-only, Kubernetes staging admin, GitHub team).
    validations:
      required: true
  - type: input
    id: by-when
    attributes:
      label: By when?
      description: The date (and time, with time zone) the change must be in place.
      placeholder: "e.g. 2026-12-01 09:00 CET"
    validations:
      required: true
  - type: textarea
    id: notes
    attributes:
      label: Anything else?
      description: Who approved it, a colleague with the same access to copy, ...
    validations:
      required: false
`,
  },
  "change-request": {
    name: "Change request",
    description: "Add, modify or remove something in your environment (configuration or technology).",
    title: "[Change]: ",
    intro: (c) => [
      `Tell us what should change, where and by when.${
        c.phoneLine && c.phoneLineForm && !c.priorities.includes(c.phoneLine)
          ? ` If production is down, do not use this form: open a **${c.phoneLineForm}** issue and call the escalation number${c.phone}.`
          : ""
      }`,
    ],
    scopes: {},
    fields: `  - type: dropdown
    id: environment
    attributes:
      label: Environment
      description: Where the change should be made. Select all that apply.
      multiple: true
      options:
        - Production
        - Staging
        - Development
        - Other (explain below)
    validations:
      required: true
  - type: textarea
    id: change
    attributes:
      label: What change do you want?
      description: The current situation, the situation you want, and why.
    validations:
      required: true
  - type: input
    id: wished-date
    attributes:
      label: Wished date
      description: When the change should be done, and any time window to respect (or to avoid).
      placeholder: "e.g. before 2026-12-15, outside office hours"
    validations:
      required: true
  - type: textarea
    id: impact
    attributes:
      label: Impact and rollback
      description: Who or what may be affected while the change is applied, and how to go back if needed. Write "not sure" if you do not know.
    validations:
      required: true
`,
  },
  guidance: {
    name: "Guidance and usage support",
    description:
      "Practical questions, guidance and explanations on architecture, technologies, tools and more.",
    title: "[Question]: ",
    intro: () => [],
    scopes: { urgent: "the answer is blocking your work" },
    fields: `  - type: input
    id: topic
    attributes:
      label: Topic
      description: What your question is about, in a few words.
      placeholder: "e.g. autoscaling of the staging cluster"
    validations:
      required: true
  - type: textarea
    id: question
    attributes:
      label: Your question
    validations:
      required: true
  - type: textarea
    id: context
    attributes:
      label: Context
      description: What you are trying to achieve, what you already read or tried, links to relevant code or docs.
    validations:
      required: false
`,
  },
  "on-call": {
    name: "On-call message",
    description: "Follow-up of a message received during on-call.",
    title: "[On-call]: ",
    intro: (c) => [
      "Use this form to log a message received during on-call, so it is followed up in office hours.",
      ...(c.phoneLine
        ? [`If production is down right now, call the escalation number${c.phone} instead.`]
        : []),
    ],
    scopes: { urgent: "needs follow-up before anything else" },
    fields: `  - type: input
    id: received
    attributes:
      label: When was it received?
      description: Date and time, with time zone.
      placeholder: "e.g. 2026-11-28 03:12 CET"
    validations:
      required: true
  - type: textarea
    id: message
    attributes:
      label: Message received
      description: The alert or message as received (who or what sent it, and its text).
    validations:
      required: true
  - type: textarea
    id: action-taken
    attributes:
      label: Action taken
      description: What was already done about it, by whom. Leave empty if nothing yet.
    validations:
      required: false
`,
  },
  problem: {
    name: "Problem / troubleshooting",
    description: "Something is broken or not behaving as expected, and needs investigation.",
    title: "[Problem]: ",
    intro: (c) => {
      const line = c.phoneLine;
      if (!line || !c.priorities.includes(line)) return [];
      const question =
        line.key === "production-down"
          ? "**Is production down or badly hampered for many end users?**"
          : `**${inlineMarkdown(line.name)}?**`;
      const first = c.phone
        ? `${c.phone} first`
        : ' first (see "Escalation number" on the support page linked from the "New issue" page)';
      return [
        `${question} Call the escalation number${first}: the on-call engineer is alerted at once, day and night.`,
        `Then file this form with priority **${inlineMarkdown(line.name)}** so the whole team has the details.`,
      ];
    },
    scopes: {},
    fields: `  - type: input
    id: service
    attributes:
      label: Affected service
      description: The application, environment or URL that has the problem.
      placeholder: "e.g. checkout API in production (https://shop.example.com/api)"
    validations:
      required: true
  - type: textarea
    id: what-happens
    attributes:
      label: What happens?
      description: What you see (error messages, status codes, screenshots) and what you expected instead.
    validations:
      required: true
  - type: input
    id: since
    attributes:
      label: Since when?
      description: When it started, with your time zone, and whether it is constant or intermittent.
      placeholder: "e.g. 2026-11-27 14:10 CET, every few minutes"
    validations:
      required: true
  - type: textarea
    id: impact
    attributes:
      label: Impact on end users
      description: Who is affected and how badly (all users, one customer, internal only, ...).
    validations:
      required: true
  - type: textarea
    id: steps-tried
    attributes:
      label: What have you tried already?
      description: Restarts, rollbacks, recent deploys or changes you know of. "Nothing yet" is fine.
    validations:
      required: false
  - type: textarea
    id: logs
    attributes:
      label: Relevant logs
      description: Paste log lines or command output; it is formatted as code automatically. Remove secrets first.
      render: text
    validations:
      required: false
`,
  },
  other: {
    name: "Other request",
    description: "Anything that does not fit the other forms.",
    title: null,
    intro: () => [],
    scopes: {},
    fields: descriptionField(),
  },
};

/** The one free-text field of the "other" form, and of a form for a type the config adds. */
function descriptionField(): string {
  return `  - type: textarea
    id: description
    attributes:
      label: Description
      description: What you need from us, and why.
    validations:
      required: true
`;
}

/** A form for a type the config adds: its name and description, a priority and a description. */
function genericTemplate(type: TypePolicy): FormTemplate {
  const description = type.description.trim() || `Requests of type ${type.name}.`;
  return {
    name: type.name,
    description: /[.!?]$/.test(description) ? description : `${description}.`,
    title: null,
    intro: () => [],
    scopes: {},
    fields: descriptionField(),
  };
}

/**
 * One line of the priority dropdown's description: `**Name**: what it is for[. channel]; promise.`
 * The promise comes from {@link responsePromise}, so `check-config --forms` reads it back.
 */
export function priorityLine(
  priority: PriorityPolicy,
  scope: string | undefined,
  escalation: { phone: string | null; chat: string | null },
): string {
  const phone = escalation.phone ? ` **${inlineMarkdown(escalation.phone)}**` : "";
  const channel = pagesAtStart(priority)
    ? `Call the escalation number${phone} as well`
    : priority.page && escalation.chat
      ? `Also tell us in the ${chatMarkdown(escalation.chat)}`
      : null;
  const promise = responsePromise(priority);
  const what = scope?.trim().replace(/[.;]+$/, "");
  const text = what
    ? channel
      ? `${what}. ${channel}; ${promise}.`
      : `${what}; ${promise}.`
    : channel
      ? `${channel}; ${promise}.`
      : `${capitalise(promise)}.`;
  return `**${inlineMarkdown(priority.name)}**: ${text}`;
}

function renderForm(template: FormTemplate, c: FormContext): string {
  const out = [`name: ${yamlString(template.name)}`, `description: ${yamlString(template.description)}`];
  if (template.title !== null) out.push(`title: ${JSON.stringify(template.title)}`);
  out.push(`labels: [${JSON.stringify(c.type.label)}]`, "body:");
  const intro = template.intro(c);
  if (intro.length > 0) {
    out.push("  - type: markdown", "    attributes:", "      value: |", ...intro.map((l) => `        ${l}`));
  }
  if (c.priorities.length > 0) {
    const escalation = c.policy.escalation;
    out.push(
      "  - type: dropdown",
      "    id: priority",
      "    attributes:",
      "      label: Priority",
      "      description: |",
      ...c.priorities.map(
        (p) =>
          `        ${priorityLine(p, template.scopes[p.key] ?? DEFAULT_SCOPES[p.key] ?? p.description, escalation)}`,
      ),
      "      options:",
      ...c.priorities.map((p) => `        - ${yamlString(p.name)}`),
      "    validations:",
      "      required: true",
    );
  }
  return `${out.join("\n")}\n${template.fields}`;
}

// ------------------------------------------------------------------------------ chooser and support page

function renderChooser(
  policy: Policy,
  phoneLine: PriorityPolicy | undefined,
  options: RenderOptions,
): string {
  const { phone, chat } = policy.escalation;
  const lines = [
    '# The template chooser of the "New issue" page, written by `support-sla init` from',
    "# .github/support-sla.yml: run it again after changing escalation.phone or escalation.chat.",
    "# GitHub shows a contact link only when its url is an https:// address (a tel: or mailto: link",
    "# silently disappears), so the escalation number is on the support page the first link opens.",
    "blank_issues_enabled: false",
  ];
  const links: string[] = [];
  if (phoneLine) {
    const number = phone ? phone.replace(/\s+/g, " ").trim() : "the escalation number";
    const forms = policy.types.filter((t) => t.form !== null && (phoneLine.types?.includes(t.key) ?? true));
    const file =
      forms.length === 1 && forms[0]
        ? `; also open a ${templateFor(forms[0]).name} issue with priority ${phoneLine.name}`
        : `; also open an issue with priority ${phoneLine.name}`;
    links.push(
      `  - name: ${JSON.stringify(`${phoneLine.name}? Call ${number} (24/7)`)}`,
      `    url: ${escalationPageUrl(options.repoUrl)}`,
      `    about: ${JSON.stringify(`For production outages or severe production problems at any hour. The on-call engineer is alerted at once${file}.`)}`,
    );
  }
  const chatFor = policy.priorities.find((p) => p.page && !pagesAtStart(p));
  if (chat && isWebUrl(chat, ["https:"])) {
    links.push(
      `  - name: ${JSON.stringify(chatFor ? `${chatFor.name}? Tell us in the support chat` : "Tell us in the support chat")}`,
      `    url: ${chat.trim()}`,
      `    about: ${JSON.stringify("Open the issue here first, then tell us in the support chat so that we see it at once.")}`,
    );
  }
  lines.push(links.length > 0 ? "contact_links:" : "contact_links: []", ...links);
  return `${lines.join("\n")}\n`;
}

function renderSupportPage(policy: Policy, phoneLine: PriorityPolicy | undefined): string {
  const { phone, chat } = policy.escalation;
  const lines = [
    "# Getting support",
    "",
    "<!-- Written by `support-sla init` from .github/support-sla.yml: run it again after changing escalation.phone or escalation.chat. -->",
    "",
    'Open an issue from one of the forms of the "New issue" page: each says how fast we respond for each priority.',
  ];
  if (phoneLine) {
    const forms = policy.types.filter((t) => t.form !== null && (phoneLine.types?.includes(t.key) ?? true));
    const form = forms.length === 1 && forms[0] ? `**${inlineMarkdown(templateFor(forms[0]).name)}** ` : "";
    lines.push(
      "",
      "## Escalation number",
      "",
      phone
        ? `**${inlineMarkdown(phone)}**, at any hour, day and night.`
        : "No escalation number is configured for this repository yet: ask your support contact for it.",
      "",
      `Call it when production is down or badly hampered for many end users: clearly state your name and describe the problem, and the on-call engineer is alerted at once. Then open a ${form}issue with priority **${inlineMarkdown(phoneLine.name)}** so the whole team has the details.`,
    );
  }
  if (chat) {
    lines.push(
      "",
      "## Support chat",
      "",
      `For urgent requests, open the issue first, then tell us in the ${chatMarkdown(chat)}.`,
    );
  }
  return `${lines.join("\n")}\n`;
}

function templateFor(type: TypePolicy): FormTemplate {
  return TEMPLATES[type.key] ?? genericTemplate(type);
}

/**
 * Everything `support-sla init` writes under `.github/` except the config itself: one issue form
 * per configured type with a `form` (the type's file name and label; the built-in types' fields;
 * a description field for types the config adds), the template chooser's `config.yml`, and
 * `SUPPORT.md`. Every promise the texts make comes from the policy: the response target of each
 * priority ({@link responsePromise}), the escalation number (`escalation.phone`) and the chat
 * link (`escalation.chat`). Pure: the same policy and options give the same text, byte for byte;
 * the files shipped in `.github/ISSUE_TEMPLATE/` are this output for the default policy.
 *
 * GitHub's rules the output keeps: issue-form syntax ("Syntax for issue forms",
 * https://docs.github.com/en/communities/using-templates-to-encourage-useful-issues-and-pull-requests/syntax-for-issue-forms),
 * YAML 1.1 words quoted ("Common validation errors when creating issue forms"), and contact links
 * only with https:// URLs (GitHub drops the rest from the chooser: SchemaStore's
 * github-issue-config.json holds `url` to `^https?://`, and public reports show `mailto:` links
 * vanishing, e.g. liferay/liferay-frontend-projects#79, VueTorrent/VueTorrent#1755).
 */
export function renderShippedFiles(policy: Policy, options: RenderOptions): RenderedFile[] {
  const phoneLine = policy.priorities.find(pagesAtStart);
  const phone = policy.escalation.phone ? ` **${inlineMarkdown(policy.escalation.phone)}**` : "";
  const phoneLineTypes = policy.types.filter(
    (t) => t.form !== null && phoneLine !== undefined && (phoneLine.types?.includes(t.key) ?? true),
  );
  const phoneLineForm =
    phoneLineTypes.length === 1 && phoneLineTypes[0] ? templateFor(phoneLineTypes[0]).name : null;
  const files: RenderedFile[] = [];
  for (const type of policy.types) {
    if (type.form === null) continue;
    const priorities = policy.priorities.filter((p) => p.types === null || p.types.includes(type.key));
    const context: FormContext = { policy, type, phoneLine, phone, priorities, phoneLineForm };
    files.push({ path: `ISSUE_TEMPLATE/${type.form}`, text: renderForm(templateFor(type), context) });
  }
  files.push({
    path: `ISSUE_TEMPLATE/${SHIPPED_TEMPLATE_CONFIG}`,
    text: renderChooser(policy, phoneLine, options),
  });
  files.push({ path: SUPPORT_PAGE, text: renderSupportPage(policy, phoneLine) });
  return files;
}

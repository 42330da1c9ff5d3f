import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { type Answers, renderBody } from "../helpers/render-body.js";
import { GitHubStandIn, type IssueSeed, type RecordedRequest } from "../standin/github.js";
import type { Json } from "../standin/github-shapes.js";
import { PagerDutyStandIn, SlackStandIn } from "../standin/receivers.js";
import { type AppOptions, AppProcess, REPO_ROOT, ROUTING_KEY, type WaitOptions, waitFor } from "./harness.js";

export const INTAKE_MARKER = "<!-- support-sla:intake -->";
const FORMS_DIR = join(REPO_ROOT, ".github/ISSUE_TEMPLATE");

/** Every file the app ships under `.github/ISSUE_TEMPLATE/`, by file name. */
export function shippedFormFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(FORMS_DIR).sort()) out[f] = readFileSync(join(FORMS_DIR, f), "utf8");
  return out;
}

/** A body as GitHub renders the shipped problem form; answers default to a complete urgent problem. */
export function problemBody(answers: Answers = {}): string {
  const parsed = parseIssueForm(shippedFormFiles()["problem.yml"] ?? "");
  if (!parsed.ok) throw new Error(`shipped problem.yml: ${parsed.problems.join("; ")}`);
  return renderBody(parsed.form, {
    priority: "Urgent",
    service: "checkout API in production",
    "what-happens": "Every request returns HTTP 503.",
    since: "2026-11-27 14:10 CET, constant",
    impact: "No customer can pay.",
    ...answers,
  });
}

type Comment = Json & { id: number; body: string; user: { login: string; type: string } };

/**
 * One test world: GitHub, Slack and PagerDuty stand-ins on loopback, the app processes started in
 * it, and the clean-up of all of them. Each e2e file (or test) makes its own.
 */
export class World {
  readonly gh = new GitHubStandIn();
  readonly slack = new SlackStandIn();
  readonly pd = new PagerDutyStandIn({ routingKey: ROUTING_KEY });
  readonly apps: AppProcess[] = [];
  /** Tokens of people acting through the API (customers editing): their writes are not the app's. */
  readonly #userTokens = new Set<string>();

  async start(): Promise<this> {
    await Promise.all([this.gh.start(), this.slack.start(), this.pd.start()]);
    return this;
  }

  async startApp(options: Partial<AppOptions> = {}): Promise<AppProcess> {
    const app = await AppProcess.start({
      github: this.gh,
      slack: this.slack,
      pagerDuty: this.pd,
      ...options,
    });
    this.apps.push(app);
    return app;
  }

  /** Stops every app and stand-in, whatever state the test left them in. */
  async stop(): Promise<void> {
    await Promise.allSettled(this.apps.map((a) => a.stop()));
    await Promise.allSettled([this.gh.stop(), this.slack.stop(), this.pd.stop()]);
  }

  /** A repo with the shipped issue forms and, optionally, a `.github/support-sla.yml`. */
  seedRepo(owner: string, repo: string, options: { config?: string } = {}): void {
    this.gh.addRepo(owner, repo);
    for (const [name, text] of Object.entries(shippedFormFiles())) {
      this.gh.setFile(owner, repo, `.github/ISSUE_TEMPLATE/${name}`, text);
    }
    if (options.config !== undefined) this.gh.setFile(owner, repo, ".github/support-sla.yml", options.config);
  }

  /** An issue as the problem form files it (type label applied by the form); created now unless told. */
  openIssue(owner: string, repo: string, seed: Partial<IssueSeed> = {}): { number: number; issue: Json } {
    const issue = this.gh.createIssue(owner, repo, {
      title: "[Problem]: checkout is down",
      body: problemBody(),
      labels: ["type: problem"],
      user: { login: "customer", type: "User" },
      ...seed,
    });
    return { number: issue.number as number, issue };
  }

  /** The customer edits the issue body through the API; returns the `issues.edited` event GitHub sends. */
  async editIssueBody(owner: string, repo: string, n: number, body: string, login = "customer") {
    const token = `ghp_e2e_${login}`;
    this.#userTokens.add(token);
    this.gh.setTokenUser(token, { login, type: "User" });
    const res = await fetch(`${this.gh.apiUrl}/repos/${owner}/${repo}/issues/${n}`, {
      method: "PATCH",
      headers: {
        authorization: `token ${token}`,
        accept: "application/vnd.github+json",
        "content-type": "application/json",
      },
      body: JSON.stringify({ body }),
    });
    if (!res.ok) throw new Error(`PATCH issue ${owner}/${repo}#${n}: ${res.status} ${await res.text()}`);
    const event = this.gh
      .apiEvents()
      .reverse()
      .find((e) => {
        const p = e.payload as { action?: string; issue?: Json; repository?: Json };
        return (
          e.name === "issues" && p.action === "edited" && p.issue?.number === n && p.repository?.name === repo
        );
      });
    if (!event) throw new Error(`the stand-in emitted no issues.edited for ${owner}/${repo}#${n}`);
    return event;
  }

  comments(owner: string, repo: string, n: number): Comment[] {
    return this.gh.comments(owner, repo, n) as Comment[];
  }

  /** Comments written by the app (its installation token acts as `support-sla[bot]`). */
  appComments(owner: string, repo: string, n: number): Comment[] {
    const bot = String(this.gh.botUser.login);
    return this.comments(owner, repo, n).filter((c) => c.user.login === bot);
  }

  /** The app's intake comments on the issue (with the hidden marker). */
  intakeComments(owner: string, repo: string, n: number): Comment[] {
    return this.appComments(owner, repo, n).filter((c) => c.body.includes(INTAKE_MARKER));
  }

  /** Every other comment the app wrote on the issue: at this stage, breach escalations. */
  escalationComments(owner: string, repo: string, n: number): Comment[] {
    return this.appComments(owner, repo, n).filter((c) => !c.body.includes(INTAKE_MARKER));
  }

  labels(owner: string, repo: string, n: number): string[] {
    return this.gh.issueLabels(owner, repo, n);
  }

  /** Requests the app made to GitHub (token creation included), excluding those of people in the test. */
  appRequests(filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return this.gh.requests(
      (r) => !this.#userTokens.has(String(r.headers.authorization ?? "").replace(/^token /, "")) && filter(r),
    );
  }

  /** The app's writes (anything but GET/HEAD and token creation) under `/repos/OWNER/REPO`. */
  appWrites(owner: string, repo: string): RecordedRequest[] {
    const prefix = `/repos/${owner}/${repo}/`.toLowerCase();
    return this.appRequests(
      (r) => r.method !== "GET" && r.method !== "HEAD" && r.path.toLowerCase().startsWith(prefix),
    );
  }

  /** waitFor, with the apps' output and the recent GitHub requests in the timeout message. */
  waitFor<T>(probe: () => T | Promise<T>, options: WaitOptions = {}) {
    return waitFor(probe, { ...options, diagnostics: () => this.diagnostics() });
  }

  diagnostics(): string {
    const requests = this.gh
      .requests()
      .slice(-40)
      .map((r) => `${r.status} ${r.method} ${r.path}${r.fault ? " (injected fault)" : ""}`)
      .join("\n");
    // Pretty logs nest whole payloads under an error: keep the log lines and the first levels only.
    const outputs = this.apps
      .map((a) =>
        a
          .output()
          .split("\n")
          .filter((line) => !/^\s{8,}/.test(line))
          .slice(-80)
          .join("\n"),
      )
      .join("\n");
    return [
      `--- last GitHub requests ---\n${requests}`,
      `--- receivers ---\n${this.receivers()}`,
      `--- app output (condensed) ---\n${outputs}`,
    ].join("\n");
  }

  /** What Slack and PagerDuty received, one line each, with the time: for failure messages. */
  receivers(): string {
    const at = (ms: number) => new Date(ms).toISOString().slice(11, 23);
    const slack = this.slack.requests({ method: "POST" }).map((r) => {
      const body = r.body as { text?: unknown } | undefined;
      return `${at(r.timestamp)} slack ${r.status}: ${String(body?.text ?? JSON.stringify(r.body)).split("\n")[0]}`;
    });
    const pd = this.pd.requests({ method: "POST" }).map((r) => {
      const body = r.body as { event_action?: unknown; dedup_key?: unknown } | undefined;
      return `${at(r.timestamp)} pagerduty ${r.status}: ${String(body?.event_action)} ${String(body?.dedup_key)}`;
    });
    return [...slack, ...pd].join("\n");
  }
}

/** Every row of every table of an SQLite file, read-only (the app may still be running). */
export function sqliteRows(path: string): Record<string, unknown[]> {
  const db = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as Array<{ name: string }>;
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) out[name] = db.prepare(`SELECT * FROM "${name}"`).all();
    return out;
  } finally {
    db.close();
  }
}

// ---- what the receivers saw ----------------------------------------------------------------------

const text = (value: unknown) => JSON.stringify(value);
const AT_RISK = /at[\s_-]?risk/i;
const BREACH = /breach|overdue|missed/i;

/** A message's first line (its headline), links left out: `text`, else the first block's text. */
function headline(message: unknown): string {
  const m = message as { text?: unknown; blocks?: Array<{ text?: { text?: unknown } }> } | undefined;
  const first = typeof m?.text === "string" ? m.text : String(m?.blocks?.[0]?.text?.text ?? "");
  // Without Slack links (`<url|title>`): a repo or issue title may say anything.
  return (first.split("\n")[0] ?? "").replace(/<[^>]*>/g, "");
}

/**
 * Slack messages accepted at or after `sinceMs` whose headline speaks of a breach (not an at-risk
 * warning, an intake page notice or a first-response notice).
 */
export function slackBreaches(world: World, sinceMs: number, mentioning?: string): unknown[] {
  return world.slack
    .requests((r) => r.method === "POST" && r.status === 200 && r.timestamp >= sinceMs)
    .map((r) => r.body)
    .filter((b) => BREACH.test(headline(b)) && !AT_RISK.test(headline(b)))
    .filter((b) => mentioning === undefined || text(b).includes(mentioning));
}

/** Slack at-risk warnings, whenever sent. */
export function slackWarnings(world: World): unknown[] {
  return world.slack.messages().filter((m) => AT_RISK.test(headline(m)));
}

/** PagerDuty trigger events accepted at or after `sinceMs`. */
export function pagerDutyTriggers(world: World, sinceMs: number, mentioning?: string): unknown[] {
  return world.pd
    .requests((r) => r.method === "POST" && r.status === 202 && r.timestamp >= sinceMs)
    .map((r) => r.body as { event_action?: string })
    .filter((b) => b.event_action === "trigger")
    .filter((b) => mentioning === undefined || text(b).includes(mentioning));
}

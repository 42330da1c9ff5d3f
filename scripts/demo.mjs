#!/usr/bin/env node
// `npm run demo`: the app at work with no GitHub account and no network. Starts local stand-ins for
// GitHub, Slack and PagerDuty and the built app (`node dist/main.js`, as `npm start` runs it, with a
// temporary SQLite file), plays a short scripted story by sending signed webhooks as GitHub would,
// and prints what the customer and the engineers would see. Exits 0 when every expected effect
// appeared, 1 (with the reason) when one did not within its timeout. Needs the build:
//   npm run build && npx tsc -p tsconfig.standin.json && node scripts/demo.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import {
  AppProcess,
  BUILT_CLI,
  defaultLabels,
  FORMS_DIR,
  forInstallation,
  importBuilt,
  loadStandIns,
  ROOT,
  renderBody as renderFormBody,
  runMain,
  seedRepo,
  shippedForms,
  sleep,
  waitFor,
} from "./lib/harness.mjs";

const INTAKE_MARKER = "<!-- support-sla:intake -->";
const BREACH_MARKER = "<!-- support-sla:breach";
const ZONE = "Europe/Brussels";
const PROVIDER_TEAM = "@acme/support";
const ENGINEER = "alice";

/**
 * The demo policy: targets of seconds. Business hours cover the whole week so that Urgent and
 * Normal keep the business clock (the schema forbids next-business-day on a calendar clock, and a
 * paging priority on the calendar clock pages at intake, which is Production down's privilege).
 */
const ALL_DAY = '["00:00-24:00"]';
const DEMO_CONFIG = `# support-sla demo policy: first-response targets of seconds, business hours 24/7
business_hours:
${["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((d) => `  ${d}: ${ALL_DAY}`).join("\n")}
priorities:
  production-down: { response: 20s } # calendar clock, pages at intake
  urgent: { response: 8s } # pages on breach
  normal: { response: 30s }
escalation:
  mention: ["${PROVIDER_TEAM}"]
  phone: "+32 2 555 01 01"
  warn_at: 50%
`;

/** Customers of Acme's managed-services desk: one GitHub App installation per customer org. */
const REPOS = {
  hooli: { owner: "hooli", repo: "webshop", installation: 11, config: undefined },
  globex: { owner: "globex", repo: "erp", installation: 12, config: undefined },
  initech: { owner: "initech", repo: "payments", installation: 13, config: DEMO_CONFIG },
  umbrella: { owner: "umbrella", repo: "checkout", installation: 14, config: DEMO_CONFIG },
};

/** One issue of each shipped form, answered as a customer would. */
const SIX_TYPES = [
  {
    file: "add-remove-user.yml",
    title: "[Access]: Jane Doe joins the web team",
    answers: {
      priority: "Normal",
      action: "Add access",
      "person-name": "Jane Doe",
      "person-account": "@janedoe",
      access: "GitHub org hooli (team web), staging VPN",
      "by-when": "Monday",
    },
  },
  {
    file: "change-request.yml",
    title: "[Change]: raise the checkout API rate limit",
    answers: {
      priority: "Normal",
      environment: "Production",
      change: "Raise the rate limit of /api/checkout from 100 to 250 requests/s.",
      "wished-date": "next Tuesday",
      impact: "None expected; rollback: restore the previous limit in the gateway config.",
    },
  },
  {
    file: "guidance.yml",
    title: "[Question]: blue-green or canary for the webshop?",
    answers: {
      priority: "Normal",
      topic: "Deployments",
      question: "Which rollout strategy do you advise for the webshop, blue-green or canary?",
    },
  },
  {
    file: "on-call.yml",
    title: "[On-call]: disk alert on db-2 last night",
    answers: {
      priority: "Urgent",
      received: "02:14 by phone",
      message: "Disk of db-2 at 91%; customer asked to look at it.",
      "action-taken": "Rotated the logs, now at 78%.",
    },
  },
  {
    file: "problem.yml",
    title: "[Problem]: product images load slowly",
    answers: {
      priority: "Normal",
      service: "webshop CDN",
      "what-happens": "Product images take 3 to 5 seconds to load since this morning.",
      since: "today 08:00",
      impact: "Slower pages, no errors.",
    },
  },
  {
    file: "other.yml",
    title: "Invoice for October",
    answers: {
      priority: "Normal",
      description: "Could you send the October invoice to finance@hooli.example?",
    },
  },
];

const started = Date.now();
const stamp = () => `+${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const unescapeMarkdown = (s) =>
  s
    .replace(/\u200D/g, "")
    .replace(/\\(.)/g, "$1")
    .replace(/\*\*/g, "");

const clip = (line) => (line.length > 120 ? `${line.slice(0, 119)}…` : line);

function say(who, where, text) {
  const [first, ...rest] = String(text).split("\n").map(clip);
  const head = `${stamp()}  ${who.padEnd(9)} ${where.padEnd(19)} `;
  console.log(`${head}${first}`);
  for (const line of rest) console.log(`${" ".repeat(head.length)}  ${line}`);
}

function heading(text) {
  console.log(`\n${stamp()}  ── ${text}`);
}

/** The lines of an app comment a reader takes in: table rows as `key: value`, notes, lists. */
function keyLines(body) {
  const lines = [];
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("<!--") || line === "| | |" || /^\|-/.test(line)) continue;
    if (/^> \[!/.test(line) || line.startsWith("<sub>")) continue;
    const cells = /^\|(.*)\|(.*)\|$/.exec(line);
    if (cells) lines.push(`${cells[1].trim()}: ${cells[2].trim()}`);
    else lines.push(line.replace(/^> /, ""));
  }
  return lines.map(unescapeMarkdown);
}

function slackLines(message) {
  return String(message.text ?? "")
    .replace(/<([^|>]+)\|([^>]+)>/g, "$2")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .split("\n")
    .filter(Boolean);
}

async function main() {
  const S = await loadStandIns();
  const { formatLocal } = await importBuilt("dist/github/markdown.js");
  const forms = await shippedForms();
  const labels = await defaultLabels();

  // ---- the demo config, checked with the CLI the admins use ----------------------------------
  const scratch = mkdtempSync(join(tmpdir(), "support-sla-demo-"));
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
  const configFile = join(scratch, "support-sla.yml");
  writeFileSync(configFile, DEMO_CONFIG);
  const check = cli(["check-config", configFile, "--forms", FORMS_DIR]);
  console.log(
    "support-sla demo: a managed-services desk (Acme) serving four customer orgs, all on 127.0.0.1.\n",
  );
  console.log(
    `Demo policy for initech/payments and umbrella/checkout (support-sla check-config: ${check.trim().replace(configFile, "support-sla.yml")}):`,
  );
  console.log(DEMO_CONFIG.replace(/^/gm, "    "));
  console.log("hooli/webshop and globex/erp have no config: the default policy (Brussels business hours).\n");

  // ---- stand-ins and the app -------------------------------------------------------------------
  const gh = new S.GitHubStandIn();
  const slack = new S.SlackStandIn();
  const pd = new S.PagerDutyStandIn();
  cleanups.push(async () => {
    await Promise.allSettled([gh.stop(), slack.stop(), pd.stop()]);
  });
  await Promise.all([gh.start(), slack.start(), pd.start()]);
  for (const r of Object.values(REPOS)) seedRepo(gh, forms, r.owner, r.repo, { config: r.config, labels });
  // Acme's engineer works in every customer repo (a collaborator: her replies count for the team).
  for (const r of Object.values(REPOS)) gh.setPermission(r.owner, r.repo, ENGINEER, "write");

  const app = await AppProcess.start({
    github: gh,
    slack,
    pagerDuty: pd,
    generatePrivateKey: S.generatePrivateKey,
    logLevel: process.env.DEMO_LOG_LEVEL ?? "warn",
    instance: "demo",
  });
  cleanups.push(() => app.stop());
  heading(
    `stand-ins for GitHub (${gh.url}), Slack and PagerDuty up; app started: node dist/main.js on ${app.url}`,
  );

  console.log(
    "\nTimeline (seconds since the demo started). customer/engineer: what people do; GitHub: what the customer\n" +
      "and the team see on the issue; Slack and PagerDuty: what the engineers are told.",
  );
  const watcher = new Watcher(gh, slack, pd);
  watcher.start();
  cleanups.push(async () => watcher.stop());

  const deliver = async (repoKey, name, payload) => {
    const res = await gh.deliver(name, forInstallation(payload, REPOS[repoKey].installation));
    if (res.status >= 300) throw new Error(`webhook ${name} answered ${res.status}: ${res.body}`);
  };
  /** A customer submits a form: the issue exists on GitHub, then GitHub sends issues.opened. */
  const open = async (repoKey, { file, title, answers, created_at }) => {
    const r = REPOS[repoKey];
    const form = forms[file].form;
    const issue = gh.createIssue(r.owner, r.repo, {
      title,
      body: renderFormBody(form, answers),
      labels: form.labels, // the form applies its type label
      user: { login: `${r.owner}-customer`, type: "User" },
      ...(created_at ? { created_at } : {}),
    });
    const n = issue.number;
    watcher.track(r.owner, r.repo, n);
    say(
      "customer",
      `${r.owner}/${r.repo}#${n}`,
      `opens "${title}" (form "${form.name}", priority ${answers.priority ?? "none"})`,
    );
    await deliver(repoKey, "issues", gh.issueEvent("opened", r.owner, r.repo, n));
    return n;
  };
  const reply = async (repoKey, n, body) => {
    const r = REPOS[repoKey];
    const comment = gh.addComment(r.owner, r.repo, n, { body, user: { login: ENGINEER, type: "User" } });
    say("engineer", `${r.owner}/${r.repo}#${n}`, `${ENGINEER} (collaborator) replies: "${body}"`);
    await deliver(repoKey, "issue_comment", gh.commentEvent("created", r.owner, r.repo, comment.id));
  };
  const expect = (what, probe, timeoutMs = 20_000) => waitFor(probe, { timeoutMs, what }).catch(fail(app));

  const I = (key, n) => [REPOS[key].owner, REPOS[key].repo, n];
  const dbState = (key, n) =>
    trackedRows(app).find((r) => r.repo === `${REPOS[key].owner}/${REPOS[key].repo}` && r.number === n)
      ?.state;

  // ---- 1. production down pages; the team answers in time ------------------------------------------
  heading("1. Initech: production is down (20 s target): on-call is paged at once");
  const prodDown = await open("initech", {
    file: "problem.yml",
    title: "[Problem]: card payments fail",
    answers: {
      priority: "Production down",
      service: "payments API in production",
      "what-happens": "Every card payment answers HTTP 503.",
      since: "a few minutes ago, constant",
      impact: "No customer can pay.",
      "steps-tried": "Restarted the payment pods.",
    },
  });

  // ---- 2. nobody answers ---------------------------------------------------------------------------
  heading("2. Umbrella: an Urgent problem (8 s target, at risk at 50%) that nobody answers");
  const breachN = await open("umbrella", {
    file: "problem.yml",
    title: "[Problem]: checkout shows an empty basket",
    answers: {
      priority: "Urgent",
      service: "checkout",
      "what-happens": "After login the basket is empty for about one customer in ten.",
      since: "since the 14:00 deployment",
      impact: "Lost orders.",
    },
  });

  // ---- 3. incomplete, fixed by an edit -------------------------------------------------------------
  heading("3. Initech: a change request with two required fields left empty (Normal, 30 s)");
  const changeAnswers = {
    priority: "Normal",
    environment: "Staging",
    change: "Upgrade PostgreSQL from 15 to 16 on staging.",
  };
  const incomplete = await open("initech", {
    file: "change-request.yml",
    title: "[Change]: PostgreSQL 16 on staging",
    answers: changeAnswers,
  });

  await expect(
    "the production-down page and intake comment",
    () =>
      pagesFor(pd, keyOf("initech", prodDown), "trigger").length > 0 &&
      watcher.intake(...I("initech", prodDown)),
  );
  heading("1b. Acme's engineer answers the production-down issue well before its deadline");
  await reply(
    "initech",
    prodDown,
    "On it: the payment provider's certificate expired, rolling out a new one.",
  );
  await expect("the clock of initech/payments#1 stopped (met)", () => dbState("initech", prodDown) === "met");
  // The reply also acknowledges the page; checked at the end, so the rest of the story still plays.
  await waitFor(() => pagesFor(pd, keyOf("initech", prodDown), "acknowledge").length > 0, {
    timeoutMs: 3_000,
  }).catch(() => undefined);

  await expect(
    "the intake comment listing the missing fields, and `intake: incomplete`",
    () =>
      watcher.intake(...I("initech", incomplete))?.body.includes("missing") &&
      gh.issueLabels(...I("initech", incomplete)).includes("intake: incomplete"),
  );
  const firstIntake = watcher.intake(...I("initech", incomplete));
  heading("3b. The customer edits the issue and fills in the missing fields");
  await deliver(
    "initech",
    "issues",
    await editBody(gh, REPOS.initech, incomplete, {
      ...changeAnswers,
      "wished-date": "Thursday 10:00",
      impact: "Staging down for 15 minutes; rollback: restore the nightly snapshot.",
    }),
  );
  await expect("`intake: incomplete` removed and the same comment updated in place", () => {
    const now = watcher.intake(...I("initech", incomplete));
    return (
      !gh.issueLabels(...I("initech", incomplete)).includes("intake: incomplete") &&
      now?.id === firstIntake.id &&
      now.body !== firstIntake.body
    );
  });
  await reply("initech", incomplete, "Thanks, planned for Thursday 10:00 as asked.");
  await expect("the change request's clock stopped (met)", () => dbState("initech", incomplete) === "met");

  // ---- 4. one issue of each type ----------------------------------------------------------------
  heading("4. Hooli files one request of each of the six types (no config: the default policy)");
  const hooli = [];
  for (const spec of SIX_TYPES) hooli.push(await open("hooli", spec));

  // ---- 5. Friday evening -----------------------------------------------------------------------
  heading("5. Globex: an Urgent problem opened on a Friday evening (default policy: 1 business hour)");
  const friday = fridayEvening();
  const [computed] = cli(["deadline", "--priority", "urgent", "--opened", friday]).trim().split("\n");
  const { opened, deadline } = JSON.parse(computed);
  say(
    "cli",
    "support-sla deadline",
    `--priority urgent --opened ${friday}\n${computed}\n` +
      `${formatLocal(Date.parse(opened), ZONE)} → due ${formatLocal(Date.parse(deadline), ZONE)}` +
      " (Mon-Fri 09:00-17:00 Europe/Brussels)",
  );
  const fridayN = await open("globex", {
    file: "problem.yml",
    title: "[Problem]: nightly export to the warehouse fails",
    created_at: opened,
    answers: {
      priority: "Urgent",
      service: "ERP nightly export",
      "what-happens": "The export job fails with 'connection reset' since 18:00.",
      since: "Friday 18:00",
      impact: "Monday's stock figures will be missing.",
    },
  });

  await expect(
    "the breach of umbrella/checkout#1: label, comment, Slack and PagerDuty",
    () =>
      gh.issueLabels(...I("umbrella", breachN)).includes("sla: breached") &&
      watcher.breach(...I("umbrella", breachN)) &&
      slack
        .messages()
        .some((m) => /SLA breached/.test(m.text) && m.text.includes(keyOf("umbrella", breachN))) &&
      pagesFor(pd, keyOf("umbrella", breachN), "trigger").length > 0,
    30_000,
  );
  await expect(
    "intake of every issue (one comment, type and priority labels)",
    () =>
      watcher.tracked().every(([o, r, n]) => watcher.intake(o, r, n) && gh.issueLabels(o, r, n).length >= 2),
    40_000,
  );
  // Let the deadlines of the answered issues pass: answered in time, they must stay quiet.
  const quietUntil = Math.max(
    Date.parse(gh.issue(...I("initech", prodDown)).created_at) + 20_000,
    Date.parse(gh.issue(...I("initech", incomplete)).created_at) + 30_000,
  );
  if (quietUntil + 1_500 > Date.now()) {
    heading("Waiting for the answered issues' deadlines to pass: nothing must happen");
    await sleep(quietUntil + 1_500 - Date.now());
  }
  watcher.poll();
  watcher.stop();

  // ---- checks and summary ------------------------------------------------------------------------
  const fridayComment = watcher.intake(...I("globex", fridayN));
  const rows = trackedRows(app);
  const state = (key, n) =>
    rows.find((r) => r.repo === `${REPOS[key].owner}/${REPOS[key].repo}` && r.number === n);
  const checks = [
    [
      "every issue has exactly one intake comment",
      watcher.tracked().every(([o, r, n]) => countIntake(gh, o, r, n) === 1),
    ],
    [
      "the six types are labelled with their type",
      SIX_TYPES.every((spec, i) =>
        gh.issueLabels(...I("hooli", hooli[i])).includes(forms[spec.file].form.labels[0]),
      ),
    ],
    [
      `Friday issue: the comment shows the CLI's deadline (${formatLocal(Date.parse(deadline), ZONE)})`,
      fridayComment?.body.includes(formatLocal(Date.parse(deadline), ZONE)),
    ],
    [
      "production down: paged once, at intake",
      pagesFor(pd, keyOf("initech", prodDown), "trigger").length === 1,
    ],
    [
      "production down: the page acknowledged by the team reply",
      pagesFor(pd, keyOf("initech", prodDown), "acknowledge").length === 1,
    ],
    [
      "production down: answered in time, no breach",
      state("initech", prodDown)?.state === "met" && !watcher.breach(...I("initech", prodDown)),
    ],
    [
      "incomplete issue: one comment, edited in place, label removed",
      countIntake(gh, ...I("initech", incomplete)) === 1 &&
        !gh.issueLabels(...I("initech", incomplete)).includes("intake: incomplete"),
    ],
    [
      "change request: answered in time, no breach",
      state("initech", incomplete)?.state === "met" && !watcher.breach(...I("initech", incomplete)),
    ],
    [
      "breach: one comment mentioning @acme/support",
      countBreach(gh, ...I("umbrella", breachN)) === 1 &&
        watcher.breach(...I("umbrella", breachN)).body.includes(PROVIDER_TEAM),
    ],
    ["breach: one page", pagesFor(pd, keyOf("umbrella", breachN), "trigger").length === 1],
    ["breach: the state is breached", state("umbrella", breachN)?.state === "breached"],
  ];
  console.log("\nWhere every clock stands (from the app's database):");
  for (const r of rows) {
    const due = formatLocal(r.deadline_at, ZONE);
    const answered = r.first_response_by ? `, answered by ${r.first_response_by}` : "";
    console.log(
      `  ${`${r.repo}#${r.number}`.padEnd(20)} ${r.type.padEnd(16)} ${r.priority.padEnd(16)} ${r.state.padEnd(9)} due ${due}${answered}`,
    );
  }
  console.log("\nChecks:");
  for (const [what, ok] of checks) console.log(`  ${ok ? "ok  " : "FAIL"} ${what}`);
  console.log(
    `\nGitHub requests made by the app: ${gh.requests().length} (${gh.writes().length} writes); ` +
      `Slack messages: ${slack.messages().length}; PagerDuty events: ${pd.events().length}.`,
  );
  const failed = checks.filter(([, ok]) => !ok);
  if (failed.length > 0) {
    console.error(
      `\n${failed.length} check(s) failed. App log (LOG_LEVEL=${process.env.DEMO_LOG_LEVEL ?? "warn"}; ` +
        `DEMO_LOG_LEVEL=debug shows everything):\n${app.condensedOutput() || "(nothing logged)"}`,
    );
    return 1;
  }
  console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return 0;
}

// ---- helpers -------------------------------------------------------------------------------------

const cleanups = [];

function fail(app) {
  return (error) => {
    throw new Error(`${error.message}\n--- app output (condensed) ---\n${app.condensedOutput()}`);
  };
}

function cli(args) {
  try {
    return execFileSync(process.execPath, [BUILT_CLI, ...args], { cwd: ROOT, encoding: "utf8" });
  } catch (error) {
    throw new Error(`support-sla ${args.join(" ")} failed: ${error.stdout ?? ""}${error.stderr ?? ""}`);
  }
}

/** The next Friday 18:30 in Brussels that is not past (today, on a Friday before 18:30), as a wall time. */
function fridayEvening() {
  const parts = (ms) =>
    Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", {
        timeZone: ZONE,
        weekday: "short",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      })
        .formatToParts(new Date(ms))
        .map((p) => [p.type, p.value]),
    );
  for (let d = 0; d <= 7; d++) {
    const p = parts(Date.now() + d * 86_400_000);
    if (p.weekday !== "Fri" || (d === 0 && `${p.hour}:${p.minute}` >= "18:30")) continue;
    return `${p.year}-${p.month}-${p.day}T18:30`;
  }
  throw new Error("no Friday evening found in the next 8 days");
}

/** The customer edits the body through the API (their own token); returns the issues.edited payload. */
async function editBody(gh, r, n, answers) {
  const { form } = (await shippedForms())["change-request.yml"];
  const token = `ghp_demo_${r.owner}_customer`;
  gh.setTokenUser(token, { login: `${r.owner}-customer`, type: "User" });
  const res = await fetch(`${gh.apiUrl}/repos/${r.owner}/${r.repo}/issues/${n}`, {
    method: "PATCH",
    headers: { authorization: `token ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ body: renderFormBody(form, answers) }),
  });
  if (!res.ok) throw new Error(`PATCH issue: ${res.status} ${await res.text()}`);
  say("customer", `${r.owner}/${r.repo}#${n}`, "edits the issue: fills in Wished date, Impact and rollback");
  const event = gh
    .apiEvents()
    .reverse()
    .find((e) => e.name === "issues" && e.payload.action === "edited" && e.payload.issue?.number === n);
  if (!event) throw new Error("the stand-in emitted no issues.edited event");
  return event.payload;
}

function appComments(gh, owner, repo, n) {
  const bot = String(gh.botUser.login);
  return gh.comments(owner, repo, n).filter((c) => c.user?.login === bot);
}
const keyOf = (key, n) => `${REPOS[key].owner}/${REPOS[key].repo}#${n}`;
const countIntake = (gh, o, r, n) =>
  appComments(gh, o, r, n).filter((c) => c.body.includes(INTAKE_MARKER)).length;
const countBreach = (gh, o, r, n) =>
  appComments(gh, o, r, n).filter((c) => c.body.includes(BREACH_MARKER)).length;

function pagesFor(pd, issueKey, action) {
  return pd.events().filter((e) => e.event_action === action && JSON.stringify(e).includes(issueKey));
}

/** The app's tracked rows, read from its SQLite file (read-only; the app may still run). */
function trackedRows(app) {
  const db = new SQLite(app.databaseUrl.replace(/^sqlite:/, ""), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        "select repo, number, type, priority, state, deadline_at, first_response_by from tracked_issues order by repo, number",
      )
      .all();
  } finally {
    db.close();
  }
}

/** Polls the stand-ins and prints what changed: labels, the app's comments, Slack messages, pages. */
class Watcher {
  #issues = new Map();
  #slackSeen = 0;
  #pdSeen = 0;
  #timer;

  constructor(gh, slack, pd) {
    this.gh = gh;
    this.slack = slack;
    this.pd = pd;
  }

  track(owner, repo, n) {
    this.#issues.set(`${owner}/${repo}#${n}`, {
      owner,
      repo,
      n,
      labels: this.gh.issueLabels(owner, repo, n),
      comments: new Map(),
    });
  }

  tracked() {
    return [...this.#issues.values()].map((i) => [i.owner, i.repo, i.n]);
  }

  intake(owner, repo, n) {
    return appComments(this.gh, owner, repo, n).find((c) => c.body.includes(INTAKE_MARKER));
  }

  breach(owner, repo, n) {
    return appComments(this.gh, owner, repo, n).find((c) => c.body.includes(BREACH_MARKER));
  }

  start() {
    this.#timer = setInterval(() => this.poll(), 100);
  }

  stop() {
    clearInterval(this.#timer);
  }

  poll() {
    for (const [key, issue] of this.#issues) {
      const labels = this.gh.issueLabels(issue.owner, issue.repo, issue.n);
      const added = labels.filter((l) => !issue.labels.includes(l)).map((l) => `+${l}`);
      const removed = issue.labels.filter((l) => !labels.includes(l)).map((l) => `-${l}`);
      if (added.length + removed.length > 0)
        say("GitHub", key, `labels ${[...removed, ...added].join("  ")}`);
      issue.labels = labels;
      for (const c of appComments(this.gh, issue.owner, issue.repo, issue.n)) {
        const before = issue.comments.get(c.id);
        if (before === c.body) continue;
        issue.comments.set(c.id, c.body);
        const kind = c.body.includes(INTAKE_MARKER) ? "intake comment" : "breach comment";
        const verb = before === undefined ? "posted" : "edited in place (same comment)";
        say("GitHub", key, `${kind} ${verb} by ${c.user.login}:\n${keyLines(c.body).join("\n")}`);
      }
    }
    const messages = this.slack.messages();
    for (const m of messages.slice(this.#slackSeen)) say("Slack", "#support", slackLines(m).join("\n"));
    this.#slackSeen = messages.length;
    const events = this.pd.events();
    for (const e of events.slice(this.#pdSeen)) {
      const summary = e.payload?.summary ? `: ${e.payload.summary}` : "";
      say("PagerDuty", e.event_action, `${e.event_action} (dedup ${e.dedup_key})${summary}`);
    }
    this.#pdSeen = events.length;
  }
}

process.exitCode = await runMain(main, async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
});

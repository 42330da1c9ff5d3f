#!/usr/bin/env node
// `npm run demo`: the app at work with no GitHub account and no network. Starts local stand-ins for
// GitHub, Slack and PagerDuty and the built app (`node dist/main.js`, as `npm start` runs it, with a
// temporary SQLite file), plays a short scripted story by sending signed webhooks as GitHub would,
// and prints what the customer and the engineers would see; the two ways in outside GitHub too: a
// call to the 24/7 line as a signed PagerDuty v3 webhook, and a signed Slack `/support` command.
// Exits 0 when every expected effect appeared, 1 (with the reason) when one did not within its
// timeout. Needs the build (SUPPORT_SLA_TEST_DIST / SUPPORT_SLA_STANDIN_DIST name other folders):
//   npm run build && npx tsc -p tsconfig.standin.json && node scripts/demo.mjs
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { commentLines, layout } from "./lib/demo-text.mjs";
import {
  AppProcess,
  BUILT_CLI,
  DIST,
  defaultLabels,
  forInstallation,
  importBuilt,
  loadStandIns,
  ROOT,
  renderBody as renderFormBody,
  runMain,
  STANDIN_DIST,
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

/** The other ways in (issue 13): the PagerDuty service of the 24/7 line, and a Slack channel. */
const PHONE_SERVICE = "PPHONE1";
const ON_CALL = { id: "PUSER01", name: "Alice Example" };
const HELP_CHANNEL = "C0INITECH";
const PAGERDUTY_SECRET = "demo-pagerduty-webhook-secret";
const SLACK_SECRET = "demo-slack-signing-secret";
const SLACK_TOKEN = "xoxb-demo-standin-token";

/** Umbrella's line: incidents of the phone line's service open issues in umbrella/checkout. */
const UMBRELLA_CHANNELS = `channels:
  pagerduty:
    services: ["${PHONE_SERVICE}"] # the 24/7 escalation line (PagerDuty Live Call Routing)
    users: { ${ON_CALL.id}: ${ENGINEER} } # PagerDuty user -> GitHub login
`;
/** Initech's Slack channel: \`/support\` there opens issues in initech/payments. */
const INITECH_CHANNELS = `channels:
  slack:
    channels: ["${HELP_CHANNEL}"] # #initech-help
`;

/** Customers of Acme's managed-services desk: one GitHub App installation per customer org. */
const REPOS = {
  hooli: { owner: "hooli", repo: "webshop", installation: 11, config: undefined },
  globex: { owner: "globex", repo: "erp", installation: 12, config: undefined },
  initech: {
    owner: "initech",
    repo: "payments",
    installation: 13,
    config: `${DEMO_CONFIG}${INITECH_CHANNELS}`,
  },
  umbrella: {
    owner: "umbrella",
    repo: "checkout",
    installation: 14,
    config: `${DEMO_CONFIG}${UMBRELLA_CHANNELS}`,
  },
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

/** The terminal width the timeline is wrapped to: every line of every comment is printed whole. */
const COLUMNS = 100;
/** Where the lines after an entry's first start: under the actor, leaving the time stamp clear. */
const BODY_INDENT = 11;

/** Prints text wrapped to COLUMNS, every line of it. */
const print = (head, text, indent = BODY_INDENT) => {
  for (const line of layout(head, String(text).split("\n"), COLUMNS, indent)) console.log(line);
};

function say(who, where, text) {
  print(`${stamp()}  ${who.padEnd(9)} ${where.padEnd(19)} `, text);
}

function heading(text) {
  console.log("");
  print(`${stamp()}  ── `, text);
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
  // The stand-ins of the inbound channels: PagerDuty's webhook sender, Slack's Web API and requests.
  const PD = await importBuilt(`${STANDIN_DIST}/pagerduty-webhooks.js`);
  const SL = await importBuilt(`${STANDIN_DIST}/slack-web-api.js`);
  const { formatLocal } = await importBuilt(`${DIST}/github/markdown.js`);
  const forms = await shippedForms();
  const labels = await defaultLabels();

  // ---- the demo config, its forms written by `support-sla init`, checked with the CLI ------------
  const scratch = mkdtempSync(join(tmpdir(), "support-sla-demo-"));
  cleanups.push(async () => rmSync(scratch, { recursive: true, force: true }));
  const configFile = join(scratch, "support-sla.yml");
  writeFileSync(configFile, DEMO_CONFIG);
  // The forms promise what the config says (8 s for Urgent, the escalation number): init writes them.
  const repoFiles = {};
  const channelChecks = {};
  for (const [key, r] of Object.entries(REPOS)) {
    if (r.config === undefined) continue;
    const dir = join(scratch, key);
    mkdirSync(dir);
    const ownConfig = join(scratch, `${key}.yml`);
    writeFileSync(ownConfig, r.config);
    cli(["init", dir, "--config", ownConfig, "--repo", `${r.owner}/${r.repo}`]);
    channelChecks[key] = cliResult(["check-config", ownConfig]);
    repoFiles[key] = {
      forms: await formsIn(join(dir, ".github/ISSUE_TEMPLATE")),
      support: readFileSync(join(dir, ".github/SUPPORT.md"), "utf8"),
    };
  }
  const demoFormsDir = join(scratch, "umbrella/.github/ISSUE_TEMPLATE");
  const check = cli(["check-config", configFile, "--forms", demoFormsDir]);
  console.log(
    "support-sla demo: a managed-services desk (Acme) serving four customer orgs, all on 127.0.0.1.\n",
  );
  print(
    "",
    "Demo policy for initech/payments and umbrella/checkout; their issue forms are written from it by " +
      `\`support-sla init --config\` (check-config: ${check.trim().replace(configFile, "support-sla.yml").replace(demoFormsDir, "the forms")}):`,
    0,
  );
  console.log(DEMO_CONFIG.replace(/^/gm, "    "));
  print(
    "",
    "Each of the two repos also claims one of the other ways in: umbrella/checkout the 24/7 phone line's " +
      "PagerDuty service, initech/payments a Slack channel " +
      `(check-config: umbrella exit ${channelChecks.umbrella.status}, initech exit ${channelChecks.initech.status}):`,
    0,
  );
  console.log(UMBRELLA_CHANNELS.trimEnd().replace(/^/gm, "    umbrella: "));
  console.log(INITECH_CHANNELS.trimEnd().replace(/^/gm, "    initech:  "));
  console.log("hooli/webshop and globex/erp have no config: the default policy (Brussels business hours).\n");

  // ---- stand-ins and the app -------------------------------------------------------------------
  const gh = new S.GitHubStandIn();
  const slack = new S.SlackStandIn();
  const pd = new S.PagerDutyStandIn();
  const slackApi = new SL.SlackWebApiStandIn(SLACK_TOKEN);
  cleanups.push(async () => {
    await Promise.allSettled([gh.stop(), slack.stop(), pd.stop(), slackApi.stop()]);
  });
  await Promise.all([gh.start(), slack.start(), pd.start(), slackApi.start()]);
  for (const [key, r] of Object.entries(REPOS)) {
    seedRepo(gh, repoFiles[key]?.forms ?? forms, r.owner, r.repo, { config: r.config, labels });
    if (repoFiles[key]) gh.setFile(r.owner, r.repo, ".github/SUPPORT.md", repoFiles[key].support);
  }
  // Acme's engineer works in every customer repo (a collaborator: her replies count for the team).
  for (const r of Object.values(REPOS)) gh.setPermission(r.owner, r.repo, ENGINEER, "write");

  const app = await AppProcess.start({
    github: gh,
    slack,
    pagerDuty: pd,
    generatePrivateKey: S.generatePrivateKey,
    logLevel: process.env.DEMO_LOG_LEVEL ?? "warn",
    instance: "demo",
    env: {
      // Against the local stand-in only: GitHub's pacing of content-creating writes (one every few
      // seconds) would eat most of a target of seconds, e.g. the Slack request's 8 s.
      SUPPORT_SLA_GITHUB_THROTTLE: "off",
      // The inbound endpoints: PagerDuty v3 webhooks and Slack commands, and Slack's Web API.
      PAGERDUTY_WEBHOOK_SECRET: PAGERDUTY_SECRET,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_API_URL: slackApi.apiUrl,
    },
  });
  cleanups.push(() => app.stop());
  heading(
    `stand-ins for GitHub (${gh.url}), Slack and PagerDuty up; app started: node dist/main.js on ${app.url}`,
  );

  console.log("");
  print(
    "",
    "Timeline (seconds since the demo started). customer/engineer: what people do; GitHub: what the " +
      "customer and the team see on the issue, every comment whole; Slack and PagerDuty: what the " +
      "engineers are told.",
    0,
  );
  const watcher = new Watcher(gh, slack, pd, slackApi);
  watcher.start();
  cleanups.push(async () => watcher.stop());

  const deliver = async (repoKey, name, payload) => {
    const res = await gh.deliver(name, forInstallation(payload, REPOS[repoKey].installation));
    if (res.status >= 300) throw new Error(`webhook ${name} answered ${res.status}: ${res.body}`);
  };
  /** A customer submits a form: the issue exists on GitHub, then GitHub sends issues.opened. */
  const open = async (repoKey, { file, title, answers, created_at }) => {
    const r = REPOS[repoKey];
    const form = (repoFiles[repoKey]?.forms ?? forms)[file].form;
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
  const dbRow = (key, n) =>
    trackedRows(app).find((r) => r.repo === `${REPOS[key].owner}/${REPOS[key].repo}` && r.number === n);
  const dbState = (key, n) => dbRow(key, n)?.state;

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
    await editBody(gh, REPOS.initech, incomplete, repoFiles.initech.forms["change-request.yml"].form, {
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
  // ---- 6. the other ways in: the phone line (PagerDuty) and Slack ---------------------------------
  await expect("the channel index (which repo claims the phone line and the Slack channel)", () => {
    const claims = channelClaims(app);
    return (
      claims.some((c) => c.channel_key === PHONE_SERVICE) &&
      claims.some((c) => c.channel_key === HELP_CHANNEL)
    );
  });
  heading(
    "6. Umbrella calls the 24/7 escalation number: PagerDuty's Live Call Routing opens an incident, " +
      "whose v3 webhook (signed) opens a tracked issue",
  );
  const hooks = new PD.PagerDutyWebhooks(`${app.url}/api/pagerduty/webhooks`, [PAGERDUTY_SECRET]);
  const incident = PD.incident({
    id: "PDEMO42",
    serviceId: PHONE_SERVICE,
    serviceName: "Escalation phone line",
    title: "Caller (Umbrella): orders stuck in 'payment pending'",
    urgency: "high",
  });
  const triggeredEvent = PD.triggered(incident);
  const sent = await hooks.send(triggeredEvent, { webhookId: "demo-webhook-1" });
  say(
    "PagerDuty",
    "incident.triggered",
    `${incident.id} "${incident.title}" (service ${PHONE_SERVICE}, urgency high) → app: ${sent.status} ${sent.body.trim()}`,
  );
  const phoneIssue = await expect("the issue opened for the incident", () =>
    issuesOf(gh, REPOS.umbrella).find((i) => String(i.body).includes(incident.html_url)),
  );
  const phoneN = phoneIssue.number;
  watcher.open(REPOS.umbrella.owner, REPOS.umbrella.repo, phoneN);
  // PagerDuty retries a delivery it is not sure of: the same event again opens nothing.
  const again = await hooks.send(triggeredEvent, { webhookId: "demo-webhook-1" });
  say(
    "PagerDuty",
    "incident.triggered",
    `the same delivery again → app: ${again.status} ${again.body.trim()}`,
  );
  await expect("the phone issue's intake comment", () => watcher.intake(...I("umbrella", phoneN)));
  watcher.poll();
  const ackAt = new Date().toISOString();
  const ackSent = await hooks.send(PD.acknowledged(incident, ON_CALL, ackAt));
  say(
    "PagerDuty",
    "incident.acknowledged",
    `${ON_CALL.name} (${ON_CALL.id}, mapped to ${ENGINEER}) acknowledges on the phone app → app: ${ackSent.status}`,
  );
  await expect(
    "the acknowledgement recorded as the first response",
    () => dbState("umbrella", phoneN) === "met",
  );
  await expect("the 'On-call is on it' comment", () =>
    appComments(gh, ...I("umbrella", phoneN)).some((c) => c.body.includes("On-call is on it")),
  );
  watcher.poll();

  heading(
    "6b. Initech asks for help in Slack: `/support problem …` in #initech-help (signed slash command); " +
      "Urgent, 8 s",
  );
  const commandText = "problem refunds to cards fail since 10:00 with a gateway timeout";
  const command = await SL.sendSlack(
    `${app.url}/api/slack/commands`,
    SLACK_SECRET,
    SL.slashCommandBody({ channelId: HELP_CHANNEL, text: commandText, userName: "carol" }),
  );
  say(
    "customer",
    "Slack #initech-help",
    `carol: /support ${commandText}\n→ app: ${command.status}, ephemeral: "${command.json?.text ?? ""}"`,
  );
  const slackIssue = await expect("the issue opened for the Slack request", () =>
    issuesOf(gh, REPOS.initech).find((i) => String(i.title).startsWith("[Slack]:")),
  );
  const slackN = slackIssue.number;
  watcher.open(REPOS.initech.owner, REPOS.initech.repo, slackN);
  const [threadRoot] = await expect("the Slack thread and its reply with the link and deadline", () => {
    const posted = slackApi.posted().filter((m) => m.channel === HELP_CHANNEL);
    const root = posted.find((m) => m.thread_ts === null);
    return root && slackApi.thread(HELP_CHANNEL, root.ts).length >= 1 ? [root] : null;
  });
  watcher.poll();
  await reply(
    "initech",
    slackN,
    "Looking at it: the refund calls time out at the card gateway; retrying them now.",
  );
  await expect("the first team reply posted to the Slack thread", () =>
    slackApi.thread(HELP_CHANNEL, threadRoot.ts).some((m) => m.text.startsWith("First response on GitHub")),
  );
  await reply("initech", slackN, "All refunds went through; the gateway had rotated its certificate.");
  await expect("the Slack issue's clock stopped (met)", () => dbState("initech", slackN) === "met");

  // Let the deadlines of the answered issues pass: answered in time, they must stay quiet.
  const quietUntil = Math.max(
    Date.parse(gh.issue(...I("initech", prodDown)).created_at) + 20_000,
    Date.parse(gh.issue(...I("initech", incomplete)).created_at) + 30_000,
    Date.parse(incident.created_at) + 20_000,
    Number(dbRow("initech", slackN)?.created_at ?? 0) + 8_000,
  );
  if (quietUntil + 1_500 > Date.now()) {
    heading("Waiting for the answered issues' deadlines to pass: nothing must happen");
    await sleep(quietUntil + 1_500 - Date.now());
  }
  watcher.poll();
  watcher.stop();
  const slackThread = slackApi.thread(HELP_CHANNEL, threadRoot.ts);

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
    [
      "check-config accepts both repos' channel claims",
      channelChecks.umbrella.status === 0 && channelChecks.initech.status === 0,
    ],
    [
      "phone line: the signed incident opened exactly one issue (the redelivery answered 'duplicate')",
      sent.status === 202 &&
        again.json?.status === "duplicate" &&
        issuesOf(gh, REPOS.umbrella).filter((i) => String(i.body).includes(incident.html_url)).length === 1,
    ],
    [
      "phone line: type on-call, Production down (high urgency), one intake comment: on-call alerted, the escalation number for anything new",
      gh.issueLabels(...I("umbrella", phoneN)).includes("type: on-call") &&
        gh.issueLabels(...I("umbrella", phoneN)).includes("priority: production down") &&
        countIntake(gh, ...I("umbrella", phoneN)) === 1 &&
        watcher.intake(...I("umbrella", phoneN))?.body.includes("+32 2 555 01 01") &&
        watcher.intake(...I("umbrella", phoneN))?.body.includes("our on-call engineer has been alerted"),
    ],
    [
      "phone line: the clock started at the incident's creation, stopped by the acknowledgement (met, by alice)",
      state("umbrella", phoneN)?.created_at === Date.parse(incident.created_at) &&
        state("umbrella", phoneN)?.state === "met" &&
        state("umbrella", phoneN)?.first_response_by === ENGINEER &&
        state("umbrella", phoneN)?.first_response_at === Date.parse(ackAt),
    ],
    [
      "phone line: on-call, already paged by the call, is not paged again",
      pagesFor(pd, keyOf("umbrella", phoneN), "trigger").length === 0,
    ],
    [
      "Slack: the signed command opened one Urgent issue",
      command.status === 200 &&
        issuesOf(gh, REPOS.initech).filter((i) => String(i.title).startsWith("[Slack]:")).length === 1 &&
        gh.issueLabels(...I("initech", slackN)).includes("priority: urgent") &&
        countIntake(gh, ...I("initech", slackN)) === 1,
    ],
    [
      "Slack: the thread got the issue link and the deadline",
      slackThread[0]?.text.includes(`initech/payments#${slackN}`) &&
        slackThread[0]?.text.includes("First response due"),
    ],
    [
      "Slack: the first team reply posted back to the thread, once (the second reply was not)",
      slackThread.length === 2 &&
        slackThread.filter((m) => m.text.startsWith("First response on GitHub")).length === 1 &&
        slackThread[1]?.text.includes("refund calls time out"),
    ],
    [
      "Slack: answered in time, no breach",
      state("initech", slackN)?.state === "met" && !watcher.breach(...I("initech", slackN)),
    ],
  ];
  console.log("\nWhere every clock stands (from the app's database; times in Brussels):");
  // Widths that keep a row within COLUMNS: the longest issue, type, priority and due time fit.
  const columns = (cells) =>
    `  ${cells[0].padEnd(19)} ${cells[1].padEnd(15)} ${cells[2].padEnd(15)} ${cells[3].padEnd(9)} ${cells[4].padEnd(19)} ${cells[5].padEnd(6)} ${cells[6]}`.trimEnd();
  const short = new Intl.DateTimeFormat("en-GB", {
    timeZone: ZONE,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
  print("", columns(["issue", "type", "priority", "state", "first reply due", "by", "from"]), 0);
  for (const r of rows) {
    const due = short.format(new Date(r.deadline_at)).replace(",", "");
    const from = { pagerduty: "PagerDuty", slack: "Slack" }[r.channel] ?? "GitHub";
    const cells = [
      `${r.repo}#${r.number}`,
      r.type,
      r.priority,
      r.state,
      due,
      r.first_response_by ?? "",
      from,
    ];
    print("", columns(cells), 4);
  }
  // ---- 7. the status meeting ----------------------------------------------------------------------
  heading("7. The status meeting reads `support-sla report` from the app's database (no --config)");
  const meeting = {};
  for (const key of ["initech", "umbrella"]) {
    const repo = `${REPOS[key].owner}/${REPOS[key].repo}`;
    const args = ["report", "--repo", repo, "--database", app.databaseUrl, "--format", "json"];
    const report = JSON.parse(cli(args));
    meeting[key] = report;
    say("cli", "support-sla report", `--repo ${repo}\n${reportLines(report).join("\n")}`);
  }
  const typo = cliResult(["report", "--repo", "umbrela/checkout", "--database", app.databaseUrl]);
  say(
    "cli",
    "support-sla report",
    `--repo umbrela/checkout (a typo): exit ${typo.status}\n${typo.stderr.trimEnd()}`,
  );
  const channel = (key, c) => meeting[key].byChannel?.find((x) => x.channel === c)?.stats;
  const urgent = meeting.umbrella.priorities.find((p) => p.key === "urgent");
  const urgentStats = meeting.umbrella.byPriority.find((p) => p.priority === "urgent")?.stats;
  checks.push(
    [
      "report: umbrella's Urgent issue against the 8 s it was tracked under, breached, attainment 0%",
      urgent?.target === "8 s business time" && urgentStats?.breached === 1 && urgentStats?.attainment === 0,
    ],
    [
      "report: a misspelt --repo exits 1 and lists the repositories the store knows",
      typo.status === 1 && typo.stderr.includes("umbrella/checkout") && typo.stderr.includes("hooli/webshop"),
    ],
    [
      "report: umbrella's phone-line issue under PagerDuty (1 issue, met), the breach under GitHub",
      channel("umbrella", "pagerduty")?.issues === 1 &&
        channel("umbrella", "pagerduty")?.met === 1 &&
        channel("umbrella", "github")?.breached === 1,
    ],
    [
      "report: initech's Slack request under Slack (1 issue, met), its two GitHub issues under GitHub",
      channel("initech", "slack")?.issues === 1 &&
        channel("initech", "slack")?.met === 1 &&
        channel("initech", "github")?.issues === 2,
    ],
  );

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

/** A CLI run that may fail: its exit status and both outputs. */
function cliResult(args) {
  const run = spawnSync(process.execPath, [BUILT_CLI, ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: run.status, stdout: run.stdout ?? "", stderr: run.stderr ?? "" };
}

/** One line per priority with issues (target(s) as tracked, outcomes, attainment), then one of channels. */
function reportLines(report) {
  const percent = (a) => (a === null ? "—" : `${Math.round(a * 1000) / 10}%`);
  const byPriority = report.byPriority
    .filter(({ stats }) => stats.issues > 0)
    .map(({ priority, stats: s }) => {
      const p = report.priorities.find((x) => x.key === priority);
      const unanswered = s.breachedUnanswered > 0 ? ` (${s.breachedUnanswered} unanswered)` : "";
      return (
        `${p?.name ?? priority} (target ${p?.target ?? "?"}): ${s.met} met, ${s.breached} breached${unanswered}, ` +
        `${s.running} still running; attainment ${percent(s.attainment)}`
      );
    });
  // Where the issues came from: GitHub, the phone line (PagerDuty), Slack (those with issues).
  const byChannel = (report.byChannel ?? [])
    .filter(({ stats }) => stats.issues > 0)
    .map(
      ({ name, stats: s }) =>
        `${name} ${s.issues} (${s.met} met, ${s.breached} breached, ${s.running} running)`,
    );
  return [...byPriority, ...(byChannel.length > 0 ? [`By channel: ${byChannel.join("; ")}`] : [])];
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

/** The issue forms in `dir` as the harness's shippedForms() gives the shipped ones: file → text and form. */
async function formsIn(dir) {
  const { parseIssueForm } = await importBuilt(`${DIST}/domain/forms/form.js`);
  const out = {};
  for (const file of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, file), "utf8");
    const parsed = parseIssueForm(text);
    out[file] = { text, form: parsed.ok ? parsed.form : null };
  }
  return out;
}

/** The customer edits the body through the API (their own token); returns the issues.edited payload. */
async function editBody(gh, r, n, form, answers) {
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

/** The channel index: which repo claims which PagerDuty service and Slack channel. */
function channelClaims(app) {
  const db = new SQLite(app.databaseUrl.replace(/^sqlite:/, ""), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("select kind, channel_key, repo from channel_claims").all();
  } finally {
    db.close();
  }
}

/** The issues of a repo in the GitHub stand-in, numbers from 1 up. */
function issuesOf(gh, r) {
  const out = [];
  for (let n = 1; ; n++) {
    const issue = gh.issue(r.owner, r.repo, n);
    if (!issue) return out;
    out.push(issue);
  }
}

function pagesFor(pd, issueKey, action) {
  return pd.events().filter((e) => e.event_action === action && JSON.stringify(e).includes(issueKey));
}

/**
 * The app's tracked rows, read from its SQLite file (read-only; the app may still run), each with
 * the channel it was opened for (`pagerduty`, `slack`; null: opened on GitHub).
 */
function trackedRows(app) {
  const db = new SQLite(app.databaseUrl.replace(/^sqlite:/, ""), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        "select repo, number, type, priority, state, created_at, deadline_at, first_response_at, first_response_by," +
          " (select kind from channel_links l where l.repo = t.repo and l.number = t.number and l.origin = 'channel')" +
          " as channel from tracked_issues t order by repo, number",
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

  #threadSeen = 0;

  constructor(gh, slack, pd, slackApi) {
    this.gh = gh;
    this.slack = slack;
    this.pd = pd;
    this.slackApi = slackApi;
  }

  /** An issue the app opened itself (for an incident or a Slack request): printed whole, then tracked. */
  open(owner, repo, n) {
    const issue = this.gh.issue(owner, repo, n);
    const labels = this.gh.issueLabels(owner, repo, n);
    say(
      "GitHub",
      `${owner}/${repo}#${n}`,
      `issue opened by ${issue.user?.login}: "${issue.title}"  labels ${labels.map((l) => `+${l}`).join("  ")}\n` +
        commentLines(issue.body).join("\n"),
    );
    this.track(owner, repo, n);
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
        const kind = c.body.includes(INTAKE_MARKER)
          ? "intake comment"
          : c.body.includes(BREACH_MARKER)
            ? "breach comment"
            : "comment";
        const verb = before === undefined ? "posted" : "edited in place (same comment)";
        say("GitHub", key, `${kind} ${verb} by ${c.user.login}:\n${commentLines(c.body).join("\n")}`);
      }
    }
    const messages = this.slack.messages();
    for (const m of messages.slice(this.#slackSeen)) say("Slack", "#support", slackLines(m).join("\n"));
    this.#slackSeen = messages.length;
    const posted = this.slackApi.posted();
    for (const m of posted.slice(this.#threadSeen)) {
      say("Slack", m.thread_ts ? "#initech-help thread" : "#initech-help", slackLines(m).join("\n"));
    }
    this.#threadSeen = posted.length;
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

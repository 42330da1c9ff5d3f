#!/usr/bin/env node
// Escalation benchmark (issue 4), the built server (`node dist/main.js`) on a temporary SQLite file
// against the local GitHub, Slack and PagerDuty stand-ins:
//  (b) zero GitHub API calls while nothing is due: the app runs `--quiet` seconds before the first
//      deadline; every request the GitHub stand-in records in that window counts;
//  (a) escalation lateness: `--issues` pending tracked issues (seeded with the app's own store
//      functions), `--due` of them with deadlines spread over `--window` seconds (the rest due
//      tomorrow), let them breach, then p50/p99 of support_sla_escalation_lateness_seconds from
//      GET /metrics (histogram quantiles), the exact figures from the database, and what was still
//      waiting when the bench stopped (`--wait` seconds after the last deadline);
//  (c) GitHub calls per breach, from the stand-in's request log.
// Targets: lateness p99 <= 5 s with 10,000 pending deadlines; 0 calls while nothing is due;
// <= 4 GitHub calls per breach. Needs the build: npm run build && npx tsc -p tsconfig.standin.json
//   node bench/escalation.mjs [--issues 10000] [--due 10000] [--window 60] [--repos 100] [--quiet 20] [--wait 60]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import {
  AppProcess,
  defaultLabels,
  importBuilt,
  loadStandIns,
  parseFlags,
  percentile,
  runMain,
  seedRepo,
  shippedForms,
  sleep,
} from "../scripts/lib/harness.mjs";

const USAGE = `Usage: node bench/escalation.mjs [flags]
  --issues   pending tracked issues in the store (default 10000)
  --due      how many of them fall due within the window (default: all of them)
  --window   seconds over which those deadlines are spread (default 60)
  --repos    repositories (one installation each) the issues are spread over (default 100)
  --quiet    seconds the app runs before the first deadline: the zero-calls window (default 20)
  --wait     seconds to wait after the last deadline for the escalations (default 60)
  --log-level  the app's LOG_LEVEL (default warn)`;

const flags = parseFlags(
  process.argv.slice(2),
  { issues: 10_000, due: -1, window: 60, repos: 100, quiet: 20, wait: 60, logLevel: "warn" },
  USAGE,
);
const ISSUES = Math.floor(flags.issues);
const DUE = flags.due < 0 ? ISSUES : Math.min(ISSUES, Math.floor(flags.due));
const REPOS = Math.max(1, Math.floor(flags.repos));
const STARTUP_ALLOWANCE_MS = 10_000;
const BREACH_MARKER = "<!-- support-sla:breach";
const TARGET = { p99Seconds: 5, quietCalls: 0, callsPerBreach: 4 };
const HOUR = 3_600_000;

const cleanups = [];

async function main() {
  const S = await loadStandIns();
  const { openStore } = await importBuilt("dist/store/db.js");
  const { saveTrackedIssue } = await importBuilt("dist/store/intake-store.js");
  const forms = await shippedForms();
  const labels = await defaultLabels();

  const gh = new S.GitHubStandIn();
  const slack = new S.SlackStandIn();
  const pd = new S.PagerDutyStandIn();
  cleanups.push(() => Promise.allSettled([gh.stop(), slack.stop(), pd.stop()]));
  await Promise.all([gh.start(), slack.start(), pd.start()]);

  const dir = mkdtempSync(join(tmpdir(), "support-sla-bench-escalation-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const databaseUrl = `sqlite:${join(dir, "app.db")}`;

  // ---- seed: repos and issues on GitHub, tracked rows in the store -----------------------------
  const seedStart = Date.now();
  const firstDeadline = seedStart + STARTUP_ALLOWANCE_MS + flags.quiet * 1000;
  const windowMs = flags.window * 1000;
  const repos = Array.from({ length: REPOS }, (_, k) => ({
    owner: `customer-${String(k).padStart(3, "0")}`,
    repo: "support",
    installation: 2000 + k,
  }));
  for (const r of repos) seedRepo(gh, forms, r.owner, r.repo, { labels });
  const bot = gh.botUser;
  const rows = [];
  for (let i = 0; i < ISSUES; i++) {
    const r = repos[i % REPOS];
    const due = i < DUE;
    // Due ones spread evenly over the window, in an order that mixes the repos.
    const deadline = due
      ? firstDeadline + Math.floor((i * windowMs) / Math.max(1, DUE))
      : seedStart + 24 * HOUR;
    const created = deadline - HOUR;
    const issue = gh.createIssue(r.owner, r.repo, {
      title: `[Problem]: checkout answers 503 (${i})`,
      body: "### Priority\n\nUrgent\n\n",
      labels: ["type: problem", "priority: urgent"],
      user: { login: `${r.owner}-user`, type: "User" },
      created_at: new Date(created).toISOString(),
    });
    const intake = gh.addComment(r.owner, r.repo, issue.number, {
      body: "<!-- support-sla:intake -->\n**Thanks, your request is registered.**",
      user: bot,
      created_at: new Date(created + 2_000).toISOString(),
    });
    rows.push({
      repo: `${r.owner}/${r.repo}`,
      number: issue.number,
      installation_id: r.installation,
      author: `${r.owner}-user`,
      type: "problem",
      priority: "urgent",
      priority_override: null,
      body_priority: "urgent",
      intake: "valid",
      created_at: created,
      deadline_at: deadline,
      intake_comment_id: intake.id,
      intake_comment_digest: null,
      updated_at: created,
      state: "pending",
      cycle: 1,
      cycle_started_at: created,
      at_risk_at: deadline, // no at-risk step: every due row is one breach
      title: issue.title,
      html_url: issue.html_url,
    });
  }
  const store = await openStore(databaseUrl);
  await store.db.transaction().execute(async (trx) => {
    const inTrx = { ...store, db: trx };
    for (const row of rows) await saveTrackedIssue(inTrx, row);
  });
  await store.close();
  console.log(
    `seeded ${ISSUES} pending tracked issues over ${REPOS} repos/installations in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; ` +
      `${DUE} fall due over ${flags.window} s from ${new Date(firstDeadline).toISOString()}, the rest tomorrow`,
  );

  // ---- start the app; (b) the quiet window --------------------------------------------------------
  const app = await AppProcess.start({
    github: gh,
    slack,
    pagerDuty: pd,
    generatePrivateKey: S.generatePrivateKey,
    databaseUrl,
    tempDir: dir,
    logLevel: flags.logLevel,
    instance: "bench-escalation",
  });
  cleanups.unshift(() => app.stop());
  const ready = Date.now();
  if (ready >= firstDeadline - 1_000) throw new Error("the app took too long to start: no quiet window left");
  console.log(
    `app ready on ${app.url} after ${((ready - seedStart) / 1000).toFixed(1)} s; ` +
      `quiet window of ${((firstDeadline - ready) / 1000).toFixed(1)} s before the first deadline`,
  );
  await sleep(firstDeadline - 200 - Date.now());
  const quietEnd = Date.now();
  const quietRequests = gh.requests((r) => r.timestamp >= ready && r.timestamp < quietEnd);
  console.log(`  GitHub requests while nothing was due: ${quietRequests.length}`);

  // ---- (a) breaches ------------------------------------------------------------------------------
  const lastDeadline = firstDeadline + windowMs;
  let lastReport = Date.now();
  const breachedCount = () => countState(app, "breached");
  while (Date.now() < lastDeadline + flags.wait * 1000) {
    await sleep(1_000);
    const done = breachedCount();
    if (Date.now() > lastDeadline && done >= DUE) break;
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      const dueNow = Math.min(DUE, Math.max(0, Math.floor(((Date.now() - firstDeadline) / windowMs) * DUE)));
      console.log(
        `  +${((Date.now() - firstDeadline) / 1000).toFixed(0).padStart(3)} s after the first deadline: ${done} breached of ${dueNow} due`,
      );
    }
  }
  const end = Date.now();
  const metrics = await app.metrics();
  await app.stop(); // SIGTERM: in-flight escalations finish, nothing more is claimed

  // ---- figures -------------------------------------------------------------------------------------
  const hist = histogram(metrics, "support_sla_escalation_lateness_seconds", 'transition="breach"');
  const db = new SQLite(databaseUrl.replace(/^sqlite:/, ""), { readonly: true, fileMustExist: true });
  const final = db.prepare("select repo, number, state, deadline_at, breached_at from tracked_issues").all();
  db.close();
  const dueRows = final.filter((r) => r.deadline_at <= lastDeadline);
  const breached = dueRows.filter((r) => r.state === "breached");
  const waiting = dueRows.filter((r) => r.state !== "breached");
  const exact = breached.map((r) => (r.breached_at - r.deadline_at) / 1000);
  // Still waiting at the end: late by at least (end - deadline). With them, a lower bound for every due issue.
  const lowerBound = [...exact, ...waiting.map((r) => (end - r.deadline_at) / 1000)];

  // (c) calls per breach, from the stand-in's log (the breach phase only).
  const breachRequests = gh.requests((r) => r.timestamp >= quietEnd);
  const perIssue = new Map(breached.map((r) => [`${r.repo}#${r.number}`, 0]));
  let tokens = 0;
  let setupReads = 0;
  for (const r of breachRequests) {
    if (/^\/app\/installations\/[^/]+\/access_tokens$/.test(r.path)) {
      tokens++;
      continue;
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)(\/|$)/.exec(r.path);
    const key = m && `${m[1]}/${m[2]}#${m[3]}`.toLowerCase();
    if (key && perIssue.has(key)) perIssue.set(key, perIssue.get(key) + 1);
    else setupReads++;
  }
  const calls = [...perIssue.values()];
  // When the breach became visible: the breach comment's POST, against the deadline.
  const deadlines = new Map(breached.map((r) => [`${r.repo}#${r.number}`, r.deadline_at]));
  const visible = breachRequests
    .filter((r) => r.method === "POST" && r.status === 201 && String(r.body?.body).includes(BREACH_MARKER))
    .map((r) => {
      const m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(r.path);
      const deadline = m && deadlines.get(`${m[1]}/${m[2]}#${m[3]}`.toLowerCase());
      return deadline ? (r.timestamp - deadline) / 1000 : Number.NaN;
    })
    .filter(Number.isFinite);
  const breachComments = breached.reduce((n, r) => {
    const [owner, repo] = r.repo.split("/");
    return n + gh.comments(owner, repo, r.number).filter((c) => c.body.includes(BREACH_MARKER)).length;
  }, 0);
  const n = Math.max(1, breached.length);

  const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");
  const line = (label, value, target, ok) =>
    console.log(
      `  ${label.padEnd(56)} ${String(value).padStart(10)}   ${target ? `target ${target}`.padEnd(16) : "".padEnd(16)} ${ok === undefined ? "" : ok ? "ok" : "MISSED"}`,
    );
  console.log(
    `\nResults (${ISSUES} pending, ${DUE} due over ${flags.window} s, ${REPOS} repos/installations, SQLite):`,
  );
  console.log(" (b) nothing due");
  line(
    `GitHub requests in ${((quietEnd - ready) / 1000).toFixed(1)} s with nothing due`,
    quietRequests.length,
    "0",
    quietRequests.length === 0,
  );
  console.log(" (a) escalation lateness");
  line("due within the window", dueRows.length);
  line("breached (escalated) when the bench stopped", breached.length);
  line("still waiting to be escalated", waiting.length, "0", waiting.length === 0);
  line("histogram p50 (s), GET /metrics", fmt(quantile(hist, 0.5)));
  line(
    "histogram p99 (s), GET /metrics",
    fmt(quantile(hist, 0.99)),
    `<= ${TARGET.p99Seconds}`,
    quantile(hist, 0.99) <= TARGET.p99Seconds,
  );
  line("histogram count", hist.count);
  line(
    "exact p50 / p99 / max of the escalated (s, from the db)",
    `${fmt(percentile(exact, 0.5))} / ${fmt(percentile(exact, 0.99))} / ${fmt(Math.max(...exact))}`,
  );
  line(
    "breach comment posted, p50 / p99 after the deadline (s)",
    `${fmt(percentile(visible, 0.5))} / ${fmt(percentile(visible, 0.99))}`,
  );
  line(
    "p99 over every due issue, lower bound (s)",
    fmt(percentile(lowerBound, 0.99)),
    `<= ${TARGET.p99Seconds}`,
    percentile(lowerBound, 0.99) <= TARGET.p99Seconds,
  );
  line(
    "escalation throughput (breaches/s)",
    fmt(
      breached.length /
        Math.max(
          1,
          (Math.min(end, Math.max(...breached.map((r) => r.breached_at), firstDeadline)) - firstDeadline) /
            1000,
        ),
    ),
  );
  console.log(" (c) GitHub calls per breach");
  line("calls on the breached issue: mean", fmt(calls.reduce((a, b) => a + b, 0) / n));
  line(
    "calls on the breached issue: max",
    Math.max(0, ...calls),
    `<= ${TARGET.callsPerBreach}`,
    Math.max(0, ...calls) <= TARGET.callsPerBreach,
  );
  line("other calls (config, forms, labels of each repo) / breach", fmt(setupReads / n));
  line("installation tokens created", tokens);
  line(
    "breach comments (one per breached issue)",
    breachComments,
    String(breached.length),
    breachComments === breached.length,
  );
  line("Slack messages / PagerDuty events", `${slack.messages().length} / ${pd.events().length}`);

  const ok =
    quietRequests.length === 0 &&
    waiting.length === 0 &&
    percentile(lowerBound, 0.99) <= TARGET.p99Seconds &&
    Math.max(0, ...calls) <= TARGET.callsPerBreach &&
    breachComments === breached.length;
  return ok ? 0 : 1;
}

/** The cumulative buckets of one histogram series of a Prometheus text exposition. */
function histogram(text, name, labelMatch) {
  const buckets = [];
  let count = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || !line.includes(labelMatch)) continue;
    const value = Number(line.split(" ").at(-1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (line.startsWith(`${name}_bucket`) && le)
      buckets.push({ le: le === "+Inf" ? Infinity : Number(le), value });
    else if (line.startsWith(`${name}_count`)) count = value;
  }
  return { buckets: buckets.sort((a, b) => a.le - b.le), count };
}

/** Prometheus' histogram_quantile: linear interpolation within the bucket holding the rank. */
function quantile({ buckets, count }, q) {
  if (count === 0 || buckets.length === 0) return Number.NaN;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const b of buckets) {
    if (b.value >= rank) {
      if (b.le === Infinity) return lower; // the highest finite bound, as Prometheus does
      return lower + ((b.le - lower) * (rank - below)) / (b.value - below || 1);
    }
    lower = b.le;
    below = b.value;
  }
  return lower;
}

function countState(app, state) {
  const db = new SQLite(app.databaseUrl.replace(/^sqlite:/, ""), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("select count(*) as n from tracked_issues where state = ?").get(state).n;
  } finally {
    db.close();
  }
}

process.exitCode = await runMain(main, async () => {
  for (const clean of cleanups) await clean().catch(() => undefined);
});

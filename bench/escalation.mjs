#!/usr/bin/env node
// Escalation benchmark, steady state (issues 4 and 12): the built server (`node dist/main.js`) on a
// temporary SQLite file against the local GitHub, Slack and PagerDuty stand-ins, over the timers
// model (each issue's first-response timer seeded with the app's own store and domain functions):
//  (b) zero GitHub API calls while nothing is due: the app runs `--quiet` seconds before the first
//      deadline; every request the GitHub stand-in records in that window counts;
//  (a) escalation lateness: `--issues` pending tracked issues, `--due` of them with deadlines spread
//      over `--window` seconds (default 600 in 60 s: 600 due per minute among 10,000 pending), each
//      seeded as the app leaves it after the at-risk warning (so each due timer is one breach); the
//      others pending, their at-risk warning 48 minutes away. Then p50/p99 of
//      support_sla_escalation_lateness_seconds from GET /metrics (histogram quantiles), the exact
//      figures from the timers in the store, and what was still waiting when the bench stopped
//      (`--wait` seconds after the last deadline);
//  (c) GitHub calls per breach, from the stand-in's request log.
// The repos' config keeps the business clock open around the clock (UTC, 00:00-24:00 every day) so
// that deadlines land in the next minute whenever the bench runs; the priority is Urgent (1 h,
// business clock, pages). Write pacing is on, as in production.
// Targets: lateness p99 <= 5 s (aim: <= 2 s) with 600 due per minute among 10,000 pending; 0 calls
// while nothing is due; <= 4 GitHub calls per breach. Needs the build: npm run build && npx tsc -p
// tsconfig.standin.json (or SUPPORT_SLA_TEST_DIST / SUPPORT_SLA_STANDIN_DIST, see bench/burst.mjs)
//   node bench/escalation.mjs [--issues 10000] [--due 600] [--window 60] [--repos 100] [--quiet 20] [--wait 60]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  AppProcess,
  defaultLabels,
  loadStandIns,
  parseFlags,
  percentile,
  runMain,
  seedRepo,
  shippedForms,
  sleep,
} from "../scripts/lib/harness.mjs";
import {
  alwaysOpenCalendar,
  appWarnings,
  benchConfigYaml,
  fmt,
  histogram,
  inOneTransaction,
  loadTimerModules,
  loopDelayLine,
  machineLine,
  policyOf,
  priorityOf,
  quantile,
  seedIssue,
  timerDueAt,
  trackedRowFor,
} from "./lib/timers.mjs";

const USAGE = `Usage: node bench/escalation.mjs [flags]
  --issues   pending tracked issues in the store (default 10000)
  --due      how many of them fall due within the window (default 600)
  --window   seconds over which those deadlines are spread (default 60)
  --repos    repositories (one installation each) the issues are spread over (default 100)
  --quiet    seconds the app runs before the first deadline: the zero-calls window (default 20)
  --wait     seconds to wait after the last deadline for the escalations (default 60)
  --log-level  the app's LOG_LEVEL (default warn)`;

const flags = parseFlags(
  process.argv.slice(2),
  { issues: 10_000, due: 600, window: 60, repos: 100, quiet: 20, wait: 60, logLevel: "warn" },
  USAGE,
);
const ISSUES = Math.floor(flags.issues);
const DUE = Math.min(ISSUES, Math.floor(flags.due));
const REPOS = Math.max(1, Math.floor(flags.repos));
const STARTUP_ALLOWANCE_MS = 10_000;
const BREACH_MARKER = "<!-- support-sla:breach";
const TARGET = { p99Seconds: 5, aimSeconds: 2, quietCalls: 0, callsPerBreach: 4 };
const PRIORITY = "urgent";

const cleanups = [];

async function main() {
  const S = await loadStandIns();
  const mods = await loadTimerModules();
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

  // ---- seed: repos and issues on GitHub, tracked rows and timers in the store ---------------------
  const seedStart = Date.now();
  const firstDeadline = seedStart + STARTUP_ALLOWANCE_MS + flags.quiet * 1000;
  const windowMs = flags.window * 1000;
  const yaml = benchConfigYaml(alwaysOpenCalendar());
  const plan = policyOf(mods, yaml);
  const { priority, rank } = priorityOf(plan.policy, PRIORITY);
  // The issues not due: started now, pending; their at-risk warning is 48 minutes away.
  const later = timerDueAt(mods, plan, {
    priorityKey: PRIORITY,
    metric: "first_response",
    deadline: seedStart + 3_600_000,
    atRiskFired: false,
  });
  const repos = Array.from({ length: REPOS }, (_, k) => ({
    owner: `customer-${String(k).padStart(3, "0")}`,
    repo: "support",
    installation: 2000 + k,
  }));
  for (const r of repos) seedRepo(gh, forms, r.owner, r.repo, { config: yaml, labels });
  const bot = gh.botUser;
  const store = await mods.openStore(databaseUrl);
  const seeded = [];
  try {
    // 500 issues per commit, through the store's own functions.
    for (let from = 0; from < ISSUES; from += 500) {
      await inOneTransaction(store, async (tx) => {
        for (let i = from; i < Math.min(ISSUES, from + 500); i++) {
          const r = repos[i % REPOS];
          const due = i < DUE;
          // Due ones spread evenly over the window, in an order that mixes the repos.
          const { timer, atRiskAt } = due
            ? timerDueAt(mods, plan, {
                priorityKey: PRIORITY,
                metric: "first_response",
                deadline: firstDeadline + Math.floor((i * windowMs) / Math.max(1, DUE)),
                atRiskFired: true,
              })
            : later;
          const issue = gh.createIssue(r.owner, r.repo, {
            title: `[Problem]: checkout answers 503 (${i})`,
            body: `### Priority\n\n${priority.name}\n\n`,
            labels: ["type: problem", priority.label, ...(due ? [plan.policy.labels.atRisk] : [])],
            user: { login: `${r.owner}-user`, type: "User" },
            created_at: new Date(timer.startedAt).toISOString(),
          });
          const intake = gh.addComment(r.owner, r.repo, issue.number, {
            body: "<!-- support-sla:intake -->\n**Thanks, your request is registered.**",
            user: bot,
            created_at: new Date(timer.startedAt + 2_000).toISOString(),
          });
          const repo = `${r.owner}/${r.repo}`;
          await seedIssue(
            mods,
            tx,
            trackedRowFor({
              repo,
              number: issue.number,
              installationId: r.installation,
              author: `${r.owner}-user`,
              type: "problem",
              priority: PRIORITY,
              timer,
              atRiskAt,
              title: issue.title,
              url: issue.html_url,
              intakeCommentId: intake.id,
            }),
            [
              {
                kind: "insert",
                timer,
                installationId: r.installation,
                rank,
                projection: atRiskAt ? { atRiskAt } : {},
              },
            ],
          );
          seeded.push({ repo, number: issue.number, deadline: timer.deadlineAt, due });
        }
      });
    }
  } finally {
    await store.close();
  }
  console.log(
    `seeded ${ISSUES} pending first-response timers over ${REPOS} repos/installations in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; ` +
      `${DUE} fall due over ${flags.window} s from ${new Date(firstDeadline).toISOString()}, the rest in an hour`,
  );
  if (Date.now() > firstDeadline - 5_000)
    throw new Error("seeding took too long: no quiet window left; raise --quiet");

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
    env: { SUPPORT_SLA_GITHUB_THROTTLE: undefined },
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
  // The stand-ins answer from this process: its event-loop delay says whether they kept up.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const quietRequests = gh.requests((r) => r.timestamp >= ready && r.timestamp < quietEnd);
  console.log(`  GitHub requests while nothing was due: ${quietRequests.length}`);

  // ---- (a) breaches ------------------------------------------------------------------------------
  const lastDeadline = firstDeadline + windowMs;
  let lastReport = Date.now();
  const watch = await mods.openStore(databaseUrl);
  cleanups.unshift(() => watch.close());
  const breachedCount = async () =>
    (await mods.countTimersByState(watch))
      .filter((s) => s.metric === "first_response" && s.state === "breached")
      .reduce((n, s) => n + s.count, 0);
  while (Date.now() < lastDeadline + flags.wait * 1000) {
    await sleep(1_000);
    const done = await breachedCount();
    if (Date.now() > lastDeadline && done >= DUE) break;
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      const dueNow = Math.min(DUE, Math.max(0, Math.floor(((Date.now() - firstDeadline) / windowMs) * DUE)));
      console.log(
        `  +${((Date.now() - firstDeadline) / 1000).toFixed(0).padStart(3)} s after the first deadline: ${done} breached of ${dueNow} due`,
      );
    }
  }
  loopDelay.disable();
  const end = Date.now();
  const metrics = await app.metrics();
  await app.stop(); // SIGTERM: in-flight escalations finish, nothing more is claimed

  // ---- figures -------------------------------------------------------------------------------------
  const hist = histogram(metrics, "support_sla_escalation_lateness_seconds", 'transition="breach"');
  const final = [];
  for (const s of seeded.filter((x) => x.due)) {
    const t = (await mods.getTimers(watch, { repo: s.repo, number: s.number })).find(
      (x) => x.metric === "first_response",
    );
    final.push({ ...s, state: t?.state, breachedAt: t?.breachedAt ?? null });
  }
  const breached = final.filter((r) => r.state === "breached" && r.breachedAt !== null);
  const waiting = final.filter((r) => !(r.state === "breached" && r.breachedAt !== null));
  const exact = breached.map((r) => (r.breachedAt - r.deadline) / 1000);
  // Still waiting at the end: late by at least (end - deadline). With them, a lower bound for every due issue.
  const lowerBound = [...exact, ...waiting.map((r) => (end - r.deadline) / 1000)];

  // (c) calls per breach, from the stand-in's log (the breach phase only).
  const breachRequests = gh.requests((r) => r.timestamp >= quietEnd);
  const perIssue = new Map(breached.map((r) => [`${r.repo}#${r.number}`.toLowerCase(), 0]));
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
  const deadlines = new Map(breached.map((r) => [`${r.repo}#${r.number}`.toLowerCase(), r.deadline]));
  const visible = breachRequests
    .filter((r) => r.method === "POST" && r.status === 201 && String(r.body?.body).includes(BREACH_MARKER))
    .map((r) => {
      const m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(r.path);
      const deadline = m && deadlines.get(`${m[1]}/${m[2]}#${m[3]}`.toLowerCase());
      return deadline ? (r.timestamp - deadline) / 1000 : Number.NaN;
    })
    .filter(Number.isFinite);
  // The breached label's POST, against the deadline: the first thing people see.
  const breachedLabel = plan.policy.labels.breached;
  // Each installation's first escalation also waits for its installation token and its repo's
  // config, forms and labels (cold caches, read once then kept): shown apart, as warm.
  const firstByRepo = new Map();
  for (const r of [...breached].sort((a, b) => a.deadline - b.deadline)) {
    if (!firstByRepo.has(r.repo)) firstByRepo.set(r.repo, `${r.repo}#${r.number}`.toLowerCase());
  }
  const firstOfRepo = new Set(firstByRepo.values());
  const labelledAll = breachRequests
    .filter(
      (r) =>
        r.method === "POST" &&
        r.status < 300 &&
        Array.isArray(r.body?.labels) &&
        r.body.labels.includes(breachedLabel),
    )
    .map((r) => {
      const m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/labels$/.exec(r.path);
      const key = m ? `${m[1]}/${m[2]}#${m[3]}`.toLowerCase() : "";
      const deadline = deadlines.get(key);
      return { key, late: deadline ? (r.timestamp - deadline) / 1000 : Number.NaN };
    })
    .filter((x) => Number.isFinite(x.late));
  const labelled = labelledAll.map((x) => x.late);
  const labelledWarm = labelledAll.filter((x) => !firstOfRepo.has(x.key)).map((x) => x.late);
  const breachComments = breached.reduce((n, r) => {
    const [owner, repo] = r.repo.split("/");
    return n + gh.comments(owner, repo, r.number).filter((c) => c.body.includes(BREACH_MARKER)).length;
  }, 0);
  const n = Math.max(1, breached.length);

  const line = (label, value, target, ok) =>
    console.log(
      `  ${label.padEnd(56)} ${String(value).padStart(10)}   ${target ? `target ${target}`.padEnd(16) : "".padEnd(16)} ${ok === undefined ? "" : ok ? "ok" : "MISSED"}`,
    );
  console.log(
    `\nResults (${ISSUES} pending, ${DUE} due over ${flags.window} s, ${REPOS} repos/installations, timers in SQLite, write pacing on):`,
  );
  console.log(`  machine: ${machineLine()}`);
  console.log(`  ${loopDelayLine(loopDelay)}`);
  console.log(" (b) nothing due");
  line(
    `GitHub requests in ${((quietEnd - ready) / 1000).toFixed(1)} s with nothing due`,
    quietRequests.length,
    "0",
    quietRequests.length === 0,
  );
  console.log(" (a) escalation lateness");
  line("due within the window", final.length);
  line("breached (escalated) when the bench stopped", breached.length);
  line("still waiting to be escalated", waiting.length, "0", waiting.length === 0);
  line("histogram p50 (s), GET /metrics", fmt(quantile(hist, 0.5)));
  const histP99 = quantile(hist, 0.99);
  line(
    "histogram p99 (s), GET /metrics",
    fmt(histP99),
    `<= ${TARGET.p99Seconds}`,
    histP99 <= TARGET.p99Seconds,
  );
  line("histogram count", hist.count);
  line(
    "exact p50 / p99 / max of the escalated (s, timers in the db)",
    `${fmt(percentile(exact, 0.5))} / ${fmt(percentile(exact, 0.99))} / ${fmt(Math.max(...exact))}`,
  );
  line(
    "breached label added, p50 / p99 after the deadline (s)",
    `${fmt(percentile(labelled, 0.5))} / ${fmt(percentile(labelled, 0.99))}`,
  );
  line(
    "  the same, each repo's first escalation left out (warm)",
    `${fmt(percentile(labelledWarm, 0.5))} / ${fmt(percentile(labelledWarm, 0.99))}`,
  );
  line(
    "breach comment posted, p50 / p99 after the deadline (s)",
    `${fmt(percentile(visible, 0.5))} / ${fmt(percentile(visible, 0.99))}`,
  );
  const boundP99 = percentile(lowerBound, 0.99);
  line(
    "p99 over every due issue, lower bound (s)",
    fmt(boundP99),
    `<= ${TARGET.p99Seconds}`,
    boundP99 <= TARGET.p99Seconds,
  );
  line("  against the aim", fmt(boundP99), `<= ${TARGET.aimSeconds}`, boundP99 <= TARGET.aimSeconds);
  line(
    "escalation throughput (breaches/s)",
    fmt(
      breached.length /
        Math.max(
          1,
          (Math.min(end, Math.max(...breached.map((r) => r.breachedAt), firstDeadline)) - firstDeadline) /
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
  const warnings = appWarnings(app.output());
  line("app log lines at warn or above", warnings.total);
  for (const [msg, count] of warnings.top) line(`  ${msg.slice(0, 54)}`, count);

  const ok =
    quietRequests.length === 0 &&
    waiting.length === 0 &&
    boundP99 <= TARGET.p99Seconds &&
    Math.max(0, ...calls) <= TARGET.callsPerBreach &&
    breachComments === breached.length;
  return ok ? 0 : 1;
}

process.exitCode = await runMain(main, async () => {
  for (const clean of cleanups) await clean().catch(() => undefined);
});

#!/usr/bin/env node
// The close-of-business burst (issue 12): the built server (`node dist/main.js`) on a temporary
// SQLite file against the local GitHub, Slack and PagerDuty stand-ins, GitHub's per-installation
// write pacing ON (as in production: no SUPPORT_SLA_GITHUB_THROTTLE=off).
//
// `--timers` first-response timers (default 10,000) over `--installations` installations (default
// 100, one org and repo each) all fall due in the same second T0: a whole minute that the bench
// config makes the close of business (16:MM local in a fixed-offset zone, open every day from
// 08:00), so Normal issues opened yesterday (next-business-day), Urgent ones opened an hour of
// business time earlier and Production-down ones opened 30 minutes earlier all breach at T0.
// Each timer is seeded as the app would have left it after its at-risk warning (built with the
// app's own startTimer/decideDue): state at-risk, the `sla: at risk` label on the issue, next due
// at the deadline. So each escalation is one breach: breached label on, at-risk label off, breach
// comment, Slack, and a page for the priorities that page.
//
// Prints, against the physical minimum the pacing imposes, measured in the same run (the app paces
// each installation's writes: one at a time, starts >= 1 s apart, comments at most 80 a minute and
// 500 an hour; so the busiest installation's max(writes × 1 s, what the comment limits impose),
// the pacing read from the build):
//  - total drain time (T0 → the last escalation effect seen by a stand-in) and the ratio
//    (target ≤ 1.2×);
//  - lateness p50/p99 per priority: first signal, breached label, breach comment, escalation
//    complete (the last of its effects), from the stand-ins' request logs;
//  - GitHub calls per escalation (all requests during the burst, those on the issue, the rest);
//  - per installation, Normal issues escalated before a Production-down or Urgent one of the same
//    installation (violations; target 0), by breached label and by breach comment;
//  - cheap signals (label writes, Slack messages, pages) sent after another issue's comment of the
//    same installation while they were due (violations; target 0).
// Figures only; the exit code is 1 when an issue was never escalated (the bench's own failure),
// not when a target is missed.
//
// Needs the build: npm run build && npx tsc -p tsconfig.standin.json, or another build beside it:
//   npx tsc -p tsconfig.build.json --outDir .dist-bench && npx tsc -p tsconfig.standin.json --outDir .dist-bench-standin
//   SUPPORT_SLA_TEST_DIST=.dist-bench SUPPORT_SLA_STANDIN_DIST=.dist-bench-standin node bench/burst.mjs
//   node bench/burst.mjs [--timers 10000] [--installations 100] [--mix 10,30,60] [--lead 90] [--wait 1200]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import {
  AppProcess,
  DIST,
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
import {
  appWarnings,
  benchConfigYaml,
  ceilMinute,
  closeOfBusinessCalendar,
  fmt,
  histogram,
  inOneTransaction,
  loadTimerModules,
  loopDelayLine,
  machineLine,
  policyOf,
  priorityOf,
  prng,
  quantileText,
  seedIssue,
  shuffle,
  timerDueAt,
  trackedRowFor,
} from "./lib/timers.mjs";

const USAGE = `Usage: node bench/burst.mjs [flags]
  --timers          first-response timers falling due at T0 (default 10000)
  --installations   installations (one org and repo each) they are spread over (default 100)
  --mix             percent Production down, Urgent, Normal (default 10,30,60)
  --lead            seconds from the start to T0, at least: seeding and start-up happen before it
                    (default 0: 20 s + 6 ms per timer)
  --wait            longest wait after T0 for the escalations, seconds (default 1200)
  --idle            stop waiting once nothing was written for this long, seconds (default 120)
  --app-log         write the app's log lines (at --log-level) to this file after the run
  --log-level       the app's LOG_LEVEL (default warn)`;

const flags = parseFlags(
  process.argv.slice(2),
  {
    timers: 10_000,
    installations: 100,
    mix: "10,30,60",
    lead: 0,
    wait: 1200,
    idle: 120,
    logLevel: "warn",
    appLog: "",
  },
  USAGE,
);
const TIMERS = Math.max(1, Math.floor(flags.timers));
const INSTALLATIONS = Math.max(1, Math.min(TIMERS, Math.floor(flags.installations)));
const MIX = flags.mix.split(",").map(Number);
if (MIX.length !== 3 || MIX.some((n) => !Number.isFinite(n) || n < 0) || MIX[0] + MIX[1] + MIX[2] <= 0) {
  console.error(`--mix needs three non-negative percentages, e.g. 10,30,60\n${USAGE}`);
  process.exit(2);
}
const PRIORITIES = ["production-down", "urgent", "normal"];
const HIGH = new Set(["production-down", "urgent"]);
const FIRST_INSTALLATION = 3000;
const TARGET = { ratio: 1.2 };
const SETTLE_MS = 3_000;

const cleanups = [];

/**
 * The app's write pacing per installation, from the build (src/github/octokit.ts): milliseconds
 * between two writes, the limits on content-creating writes (comments: at most `max` starts in any
 * `windowMs`), and how it classes a request. A build without them paced writes with
 * @octokit/plugin-throttling: 1 s, 3 s between comments (one per 3 s window).
 */
async function appPacing() {
  const octokit = await importBuilt(`${DIST}/github/octokit.js`);
  return {
    writeMs: octokit.WRITE_SPACING_MS ?? 1_000,
    contentLimits: octokit.CONTENT_LIMITS ?? [{ max: 1, windowMs: octokit.CONTENT_SPACING_MS ?? 3_000 }],
    classOf:
      octokit.writeClassOf ??
      ((method, path) =>
        method === "GET" || method === "HEAD"
          ? "read"
          : method === "POST" && /\/comments$/.test(path)
            ? "content"
            : "cheap"),
  };
}

/** Which issue a request of the GitHub stand-in is about, and what kind of write it is. */
function classify(r) {
  const m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)(\/.*)?$/.exec(r.path);
  const owner = /^\/repos\/([^/]+)\//.exec(r.path)?.[1]?.toLowerCase();
  if (!m) return { owner, key: null, kind: r.method === "GET" ? "read" : "other-write" };
  const key = `${m[1]}/${m[2]}#${m[3]}`.toLowerCase();
  const rest = m[4] ?? "";
  if (r.method === "GET") return { owner, key, kind: "read" };
  if (r.method === "POST" && rest === "/comments") return { owner, key, kind: "comment" };
  if (r.method === "POST" && rest === "/labels") return { owner, key, kind: "label-add" };
  if (r.method === "DELETE" && rest.startsWith("/labels/")) return { owner, key, kind: "label-remove" };
  return { owner, key, kind: "other-write" };
}

/** The requests a stand-in received since the last call (its log only grows), without copying the rest. */
function tail(server) {
  let seen = 0;
  return () => {
    let i = 0;
    const fresh = server.requests(() => i++ >= seen);
    seen = i;
    return fresh;
  };
}

async function main() {
  const S = await loadStandIns();
  const mods = await loadTimerModules();
  const forms = await shippedForms();
  const labels = await defaultLabels();

  const pacing = await appPacing();
  const gh = new S.GitHubStandIn();
  const slack = new S.SlackStandIn();
  const pd = new S.PagerDutyStandIn();
  cleanups.push(() => Promise.allSettled([gh.stop(), slack.stop(), pd.stop()]));
  await Promise.all([gh.start(), slack.start(), pd.start()]);

  const dir = mkdtempSync(join(tmpdir(), "support-sla-bench-burst-"));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const databaseUrl = `sqlite:${join(dir, "app.db")}`;

  // ---- the scenario: T0, its calendar, one timer shape per priority -----------------------------
  const seedStart = Date.now();
  const leadMs = flags.lead > 0 ? flags.lead * 1000 : 20_000 + 6 * TIMERS;
  const T0 = ceilMinute(seedStart + leadMs);
  const calendarSpec = closeOfBusinessCalendar(T0);
  // Production down's periodic-update timer is off here: every seeded issue has exactly one timer,
  // its first response, due at T0 (with it on, each Production-down issue would have a second).
  const yaml = benchConfigYaml(calendarSpec, "priorities:\n  production-down: { updates: null }\n");
  const plan = policyOf(mods, yaml);
  const shapes = Object.fromEntries(
    PRIORITIES.map((key) => [
      key,
      timerDueAt(mods, plan, { priorityKey: key, metric: "first_response", deadline: T0, atRiskFired: true }),
    ]),
  );
  // What the breach level does (the ladder's first level at or past 100 %): the effects to wait for.
  const expectOf = (key) => {
    const { ladder } = shapes[key];
    const breachIndex = ladder.findIndex((l) => l.at.kind === "after-breach" || l.at.fraction >= 1);
    const level = ladder[breachIndex];
    const previous = ladder[breachIndex - 1];
    return {
      labelAdd: level.label !== null,
      labelRemove: previous?.label != null && previous.label !== level.label,
      comment: level.comment,
      slack: level.slack,
      page: level.page,
    };
  };
  const expected = Object.fromEntries(PRIORITIES.map((key) => [key, expectOf(key)]));

  // ---- seed: repos and issues on GitHub, tracked rows and timers in the store -------------------
  const repos = Array.from({ length: INSTALLATIONS }, (_, k) => ({
    owner: `customer-${String(k).padStart(3, "0")}`,
    repo: "support",
    installation: FIRST_INSTALLATION + k,
  }));
  for (const r of repos) seedRepo(gh, forms, r.owner, r.repo, { config: yaml, labels });
  // Per installation, its share of each priority, in a shuffled order: issue numbers never sort by priority.
  const random = prng(12);
  const issues = [];
  const perInstallation = repos.map(
    (_, k) => Math.floor(TIMERS / INSTALLATIONS) + (k < TIMERS % INSTALLATIONS ? 1 : 0),
  );
  const total = MIX[0] + MIX[1] + MIX[2];
  const bot = gh.botUser;
  const store = await mods.openStore(databaseUrl);
  try {
    for (const [k, r] of repos.entries()) {
      const n = perInstallation[k];
      const counts = [Math.round((n * MIX[0]) / total), Math.round((n * MIX[1]) / total)];
      const mix = [
        ...Array(counts[0]).fill("production-down"),
        ...Array(Math.min(n - counts[0], counts[1])).fill("urgent"),
      ];
      while (mix.length < n) mix.push("normal");
      shuffle(mix, random);
      // One commit per installation's issues, through the store's own functions.
      await inOneTransaction(store, async (tx) => {
        for (const priorityKey of mix) {
          const { timer, atRiskAt } = shapes[priorityKey];
          const { priority, rank } = priorityOf(plan.policy, priorityKey);
          const issue = gh.createIssue(r.owner, r.repo, {
            title: `[Problem]: checkout answers 503 (${issues.length})`,
            body: `### Priority\n\n${priority.name}\n\n`,
            labels: ["type: problem", priority.label, plan.policy.labels.atRisk],
            user: { login: `${r.owner}-user`, type: "User" },
            created_at: new Date(timer.startedAt).toISOString(),
          });
          const intake = gh.addComment(r.owner, r.repo, issue.number, {
            body: "<!-- support-sla:intake -->\n**Thanks, your request is registered.**",
            user: bot,
            created_at: new Date(timer.startedAt + 2_000).toISOString(),
          });
          const repoKey = `${r.owner}/${r.repo}`;
          await seedIssue(
            mods,
            tx,
            trackedRowFor({
              repo: repoKey,
              number: issue.number,
              installationId: r.installation,
              author: `${r.owner}-user`,
              type: "problem",
              priority: priorityKey,
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
          issues.push({
            key: `${repoKey}#${issue.number}`.toLowerCase(),
            repo: repoKey,
            number: issue.number,
            owner: r.owner.toLowerCase(),
            priority: priorityKey,
            due: T0,
            expect: expected[priorityKey],
            at: {},
          });
        }
      });
    }
  } finally {
    await store.close();
  }
  const byKey = new Map(issues.map((i) => [i.key, i]));
  const counts = Object.fromEntries(
    PRIORITIES.map((p) => [p, issues.filter((i) => i.priority === p).length]),
  );
  console.log(
    `seeded ${TIMERS} timers (${PRIORITIES.map((p) => `${counts[p]} ${p}`).join(", ")}) over ${INSTALLATIONS} installations in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; ` +
      `all due at T0 = ${new Date(T0).toISOString()} (16:${new Date(T0).toISOString().slice(14, 16)} in ${calendarSpec.timezone}, the close of business)`,
  );

  // ---- start the app: throttling on (the production default) --------------------------------------
  const app = await AppProcess.start({
    github: gh,
    slack,
    pagerDuty: pd,
    generatePrivateKey: S.generatePrivateKey,
    databaseUrl,
    tempDir: dir,
    logLevel: flags.logLevel,
    instance: "bench-burst",
    env: { SUPPORT_SLA_GITHUB_THROTTLE: undefined },
  });
  cleanups.unshift(() => app.stop());
  const ready = Date.now();
  if (ready >= T0 - 2_000)
    throw new Error(`the app was ready only ${((T0 - ready) / 1000).toFixed(1)} s before T0: raise --lead`);
  console.log(`app ready on ${app.url}; ${((T0 - ready) / 1000).toFixed(1)} s to T0`);
  await sleep(T0 - 200 - Date.now());
  const quietRequests = gh.requests((r) => r.timestamp >= ready && r.timestamp < T0 - 200).length;

  // ---- the burst: follow the stand-ins' logs until every escalation is complete ------------------
  // The stand-ins answer from this process: its event-loop delay says whether they kept up.
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const ghTail = tail(gh);
  ghTail(); // everything before T0 - 200 ms: seeding reads are not the burst's
  const slackTail = tail(slack);
  const pdTail = tail(pd);
  const ghLog = [];
  const slackLog = [];
  const pdLog = [];
  const complete = (i) =>
    (!i.expect.labelAdd || i.at.labelAdd !== undefined) &&
    (!i.expect.labelRemove || i.at.labelRemove !== undefined) &&
    (!i.expect.comment || i.at.comment !== undefined) &&
    (!i.expect.slack || i.at.slack !== undefined) &&
    (!i.expect.page || i.at.page !== undefined);
  const first = (i, what, t) => {
    if (i.at[what] === undefined || t < i.at[what]) i.at[what] = t;
  };
  const issueFromText = (text) => {
    for (const m of text.matchAll(/\/([^/"\s]+)\/([^/"\s]+)\/issues\/(\d+)(?!\d)/g)) {
      const hit = byKey.get(`${m[1]}/${m[2]}#${m[3]}`.toLowerCase());
      if (hit) return hit;
    }
    for (const m of text.matchAll(/([\w.-]+\/[\w.-]+)#(\d+)(?!\d)/g)) {
      const hit = byKey.get(`${m[1]}#${m[2]}`.toLowerCase());
      if (hit) return hit;
    }
    return undefined;
  };
  let lastActivity = T0;
  const absorb = () => {
    for (const r of ghTail()) {
      ghLog.push(r);
      if (r.method !== "GET") lastActivity = Math.max(lastActivity, r.timestamp);
      if (r.status >= 300) continue;
      const c = classify(r);
      const issue = c.key ? byKey.get(c.key) : undefined;
      if (!issue) continue;
      if (c.kind === "comment") first(issue, "comment", r.timestamp);
      else if (c.kind === "label-add") first(issue, "labelAdd", r.timestamp);
      else if (c.kind === "label-remove") first(issue, "labelRemove", r.timestamp);
    }
    for (const r of slackTail()) {
      slackLog.push(r);
      lastActivity = Math.max(lastActivity, r.timestamp);
      if (r.status !== 200) continue;
      const issue = issueFromText(JSON.stringify(r.body));
      if (issue) first(issue, "slack", r.timestamp);
    }
    for (const r of pdTail()) {
      pdLog.push(r);
      lastActivity = Math.max(lastActivity, r.timestamp);
      if (r.status >= 300 || r.body?.event_action !== "trigger") continue;
      const issue = issueFromText(String(r.body?.dedup_key ?? ""));
      if (issue) first(issue, "page", r.timestamp);
    }
  };
  let done = 0;
  let lastReport = Date.now();
  let allDoneAt = null;
  while (Date.now() < T0 + flags.wait * 1000) {
    await sleep(1_000);
    absorb();
    done = issues.filter(complete).length;
    if (done === issues.length) {
      allDoneAt ??= Date.now();
      if (Date.now() - allDoneAt >= SETTLE_MS) break;
    }
    // Some effects missing, and nothing written anywhere for `--idle` seconds: they are not coming.
    if (done > 0 && Date.now() - lastActivity >= flags.idle * 1000) {
      console.log(`  stopped waiting: no GitHub write, Slack message or page for ${flags.idle} s`);
      break;
    }
    if (Date.now() - lastReport >= 15_000) {
      lastReport = Date.now();
      const labelled = issues.filter((i) => i.at.labelAdd !== undefined).length;
      const commented = issues.filter((i) => i.at.comment !== undefined).length;
      console.log(
        `  T0+${((Date.now() - T0) / 1000).toFixed(0).padStart(4)} s: ${labelled} breached labels, ${commented} breach comments, ${done} of ${issues.length} escalations complete`,
      );
    }
  }
  absorb();
  loopDelay.disable();
  const metrics = await app.metrics().catch(() => "");
  await app.stop();
  absorb();
  // The app's own log lines, for a look at what it did (`--app-log FILE`).
  if (flags.appLog) writeFileSync(flags.appLog, app.output());

  // ---- the store's view: timer states and when each breach was recorded ---------------------------
  const after = await mods.openStore(databaseUrl);
  let states;
  const recorded = new Map();
  try {
    states = await mods.countTimersByState(after);
    for (const i of issues) {
      const t = (await mods.getTimers(after, { repo: i.repo, number: i.number })).find(
        (x) => x.metric === "first_response",
      );
      if (t?.breachedAt != null) recorded.set(i.key, t.breachedAt);
    }
  } finally {
    await after.close();
  }

  // ---- figures ----------------------------------------------------------------------------------
  const burstGh = ghLog.filter((r) => r.timestamp >= T0 - 200);
  const isToken = (r) => /^\/app\/installations\/[^/]+\/access_tokens$/.test(r.path);
  const writes = burstGh.filter((r) => r.method !== "GET" && r.method !== "HEAD" && !isToken(r));
  // Per installation: its writes and, among them, the content-creating ones (comments), which the
  // pacing spaces further apart. The physical minimum of an installation: the later of its writes ×
  // the write spacing and its content writes × the content spacing; of the burst: the busiest's.
  const writesBy = new Map(repos.map((r) => [r.owner.toLowerCase(), { all: [], content: 0 }]));
  for (const w of writes) {
    const mine = writesBy.get(classify(w).owner);
    if (!mine) continue;
    mine.all.push(w.timestamp);
    if (pacing.classOf(w.method, w.path) === "content") mine.content++;
  }
  // n content writes under "at most max in any windowMs": the last starts no sooner than
  // floor((n - 1) / max) windows after the first.
  const contentMinimum = (n) =>
    Math.max(
      0,
      ...pacing.contentLimits.map(({ max, windowMs }) => Math.floor(Math.max(0, n - 1) / max) * windowMs),
    );
  const minimumOf = (m) => Math.max(m.all.length * pacing.writeMs, contentMinimum(m.content));
  const busiestEntry = [...writesBy.values()].reduce((a, b) => (minimumOf(b) > minimumOf(a) ? b : a));
  const busiest = busiestEntry.all.length;
  const escalationWrites = writes.filter((w) =>
    ["comment", "label-add", "label-remove"].includes(classify(w).kind),
  );
  const gaps = [];
  for (const { all } of writesBy.values()) {
    all.sort((a, b) => a - b);
    for (let k = 1; k < all.length; k++) gaps.push(all[k] - all[k - 1]);
  }
  const minimumMs = minimumOf(busiestEntry);

  const lastEffect = (i) => {
    const times = Object.values(i.at);
    return times.length > 0 ? Math.max(...times) : undefined;
  };
  const firstSignal = (i) => {
    const times = [i.at.labelAdd, i.at.labelRemove, i.at.slack, i.at.page].filter((t) => t !== undefined);
    return times.length > 0 ? Math.min(...times) : undefined;
  };
  const completed = issues.filter(complete);
  const incomplete = issues.length - completed.length;
  // The last effect any stand-in saw; effects never seen are reported apart (never made, so the
  // drain cannot wait for them: `--wait` would only measure the bench's own patience).
  const seen = issues.map(lastEffect).filter((t) => t !== undefined);
  const drainMs = seen.length > 0 ? Math.max(...seen) - T0 : Number.NaN;

  const line = (label, value, target, ok) =>
    console.log(
      `  ${label.padEnd(64)} ${String(value).padStart(16)}   ${target ? `target ${target}`.padEnd(14) : "".padEnd(14)} ${ok === undefined ? "" : ok ? "ok" : "MISSED"}`,
    );
  console.log(
    `\nResults (${TIMERS} timers due at T0, ${INSTALLATIONS} installations, ${Math.ceil(TIMERS / INSTALLATIONS)} per installation at most, write pacing on, SQLite):`,
  );
  if (TIMERS !== 10_000 || INSTALLATIONS !== 100) {
    console.log("  (scaled: the issue's burst is 10,000 timers over 100 installations)");
  }
  console.log(`  machine: ${machineLine()}`);
  console.log(`  ${loopDelayLine(loopDelay)}`);
  console.log(" drain");
  line(
    "GitHub requests before T0 with nothing due (app ready → T0)",
    quietRequests,
    "0",
    quietRequests === 0,
  );
  line(
    "escalations complete (every effect seen)",
    `${completed.length} / ${issues.length}`,
    String(issues.length),
    incomplete === 0,
  );
  if (incomplete > 0) {
    const missing = ["labelAdd", "labelRemove", "comment", "slack", "page"]
      .map((what) => [what, issues.filter((i) => i.expect[what] && i.at[what] === undefined).length])
      .filter(([, n]) => n > 0)
      .map(([what, n]) => `${what} ${n}`)
      .join(", ");
    line("  effects never seen", missing);
  }
  line("GitHub writes during the burst (all installations)", writes.length);
  line("  of which breach labels, at-risk unlabels, breach comments", escalationWrites.length);
  line("writes of the busiest installation (of which comments)", `${busiest} (${busiestEntry.content})`);
  line(
    "write gap within an installation: min / p50 (ms)",
    `${fmt(Math.min(...gaps), 0)} / ${fmt(percentile(gaps, 0.5), 0)}`,
  );
  line(
    `physical minimum: max(writes × ${pacing.writeMs} ms, comments within ${pacing.contentLimits.map((l) => `${l.max}/${l.windowMs / 1000} s`).join(", ")}) (s)`,
    fmt(minimumMs / 1000, 1),
  );
  line(
    `total drain time, T0 → last effect seen (s)${incomplete > 0 ? ", some effects never seen" : ""}`,
    fmt(drainMs / 1000, 1),
  );
  const ratio = drainMs / minimumMs;
  line("drain / physical minimum", `${fmt(ratio)}×`, `≤ ${TARGET.ratio}×`, ratio <= TARGET.ratio);
  const cheapDone = Math.max(...issues.map(firstSignal).filter((t) => t !== undefined)) - T0;
  const commentsDone = Math.max(...issues.map((i) => i.at.comment).filter((t) => t !== undefined)) - T0;
  line("every first signal out by (s after T0)", fmt(cheapDone / 1000, 1));
  line("every breach comment out by (s after T0)", fmt(commentsDone / 1000, 1));

  console.log(" lateness per priority, seconds after T0: p50 / p99 (n)");
  const dist = (values) =>
    values.length === 0
      ? "n/a"
      : `${fmt(percentile(values, 0.5), 1)} / ${fmt(percentile(values, 0.99), 1)} (${values.length})`;
  for (const p of PRIORITIES) {
    const mine = issues.filter((i) => i.priority === p);
    const of = (pick) =>
      mine
        .map(pick)
        .filter((t) => t !== undefined)
        .map((t) => (t - T0) / 1000);
    console.log(`  ${p}`);
    line("  first signal (label, Slack or page)", dist(of(firstSignal)));
    line("  breached label", dist(of((i) => i.at.labelAdd)));
    line("  breach comment", dist(of((i) => i.at.comment)));
    line("  escalation complete (last effect)", dist(of((i) => (complete(i) ? lastEffect(i) : undefined))));
    line("  breach recorded in the store (timer breachedAt)", dist(of((i) => recorded.get(i.key))));
  }
  const hist = histogram(metrics, "support_sla_escalation_lateness_seconds", 'transition="breach"');
  line(
    "GET /metrics lateness histogram p50 / p99 (s, bucket-interpolated), count",
    `${quantileText(hist, 0.5)} / ${quantileText(hist, 0.99)}, ${hist.count}`,
  );

  console.log(" GitHub calls per escalation");
  const perIssue = burstGh.filter((r) => {
    const c = classify(r);
    return c.key !== null && byKey.has(c.key);
  });
  const tokens = burstGh.filter(isToken).length;
  const n = Math.max(1, completed.length);
  line("all GitHub requests during the burst / escalation", fmt(burstGh.length / n));
  line("  on the escalated issue (reads and writes) / escalation", fmt(perIssue.length / n));
  line(
    "  writes on the escalated issue / escalation",
    fmt(perIssue.filter((r) => r.method !== "GET").length / n),
  );
  line("  other (config, forms, labels, tokens) / escalation", fmt((burstGh.length - perIssue.length) / n));
  line("installation tokens created", tokens);
  line(
    "Slack messages / PagerDuty events",
    `${slackLog.filter((r) => r.status === 200).length} / ${pdLog.filter((r) => r.status < 300).length}`,
  );
  const refused =
    slackLog.length +
    pdLog.length -
    slackLog.filter((r) => r.status === 200).length -
    pdLog.filter((r) => r.status < 300).length;
  if (refused > 0) line("Slack and PagerDuty requests refused (not 2xx)", refused);

  // Within each installation: Normal issues escalated before a Production-down or Urgent one.
  console.log(" priority order within each installation (target: 0)");
  const order = (pick) => {
    let normals = 0;
    let installations = 0;
    for (const r of repos) {
      const mine = issues.filter((i) => i.owner === r.owner.toLowerCase());
      const highLast = Math.max(
        ...mine.filter((i) => HIGH.has(i.priority)).map((i) => pick(i) ?? Number.POSITIVE_INFINITY),
      );
      const early = mine.filter(
        (i) => i.priority === "normal" && (pick(i) ?? Number.POSITIVE_INFINITY) < highLast,
      ).length;
      normals += early;
      if (early > 0) installations++;
    }
    return { normals, installations };
  };
  const byLabel = order((i) => i.at.labelAdd);
  const byComment = order((i) => i.at.comment);
  line(
    "Normal breached-labelled before a Prod-down/Urgent: issues (installations)",
    `${byLabel.normals} (${byLabel.installations})`,
    "0",
    byLabel.normals === 0,
  );
  line(
    "Normal breach-commented before a Prod-down/Urgent: issues (installations)",
    `${byComment.normals} (${byComment.installations})`,
    "0",
    byComment.normals === 0,
  );

  // A cheap signal of issue A waited behind another issue's comment when a comment of another
  // issue of A's installation reached GitHub after A fell due and before A's signal went out.
  console.log(" cheap signals sent after another issue's comment while due (target: 0)");
  const commentsBy = new Map();
  for (const i of issues) {
    if (i.at.comment === undefined) continue;
    if (!commentsBy.has(i.owner)) commentsBy.set(i.owner, []);
    commentsBy.get(i.owner).push({ t: i.at.comment, key: i.key });
  }
  for (const list of commentsBy.values()) list.sort((a, b) => a.t - b.t);
  const waited = (i, t) => {
    if (t === undefined) return false;
    for (const c of commentsBy.get(i.owner) ?? []) {
      if (c.t >= t) return false;
      if (c.t >= i.due && c.key !== i.key) return true;
    }
    return false;
  };
  let cheapTotal = 0;
  for (const [what, label] of [
    ["labelAdd", "breached labels"],
    ["labelRemove", "at-risk label removals"],
    ["slack", "Slack messages"],
    ["page", "pages"],
  ]) {
    const sent = issues.filter((i) => i.at[what] !== undefined);
    const behind = sent.filter((i) => waited(i, i.at[what])).length;
    cheapTotal += behind;
    line(`${label} behind another issue's comment (of ${sent.length})`, behind, "0", behind === 0);
  }
  const warnings = appWarnings(app.output());
  line("app log lines at warn or above", warnings.total);
  for (const [msg, n] of warnings.top) line(`  ${msg.slice(0, 60)}`, n);
  line(
    "store: first-response timers breached",
    (states ?? [])
      .filter((s) => s.metric === "first_response" && s.state === "breached")
      .reduce((a, s) => a + s.count, 0),
    String(TIMERS),
  );
  if (cheapTotal > 0 || incomplete > 0) {
    console.log(
      "\n(a cheap signal counts as waiting when another issue's comment of its installation reached GitHub after it fell due and before it)",
    );
  }
  return incomplete === 0 ? 0 : 1;
}

process.exitCode = await runMain(main, async () => {
  for (const clean of cleanups) await clean().catch(() => undefined);
});

#!/usr/bin/env node
// Head-of-line blocking benchmark (issue 10, kind 8): the built server (`node dist/main.js`, SQLite
// in a temp dir) against the local GitHub stand-in. Signed `issues.opened` deliveries at a fixed
// rate, spread over N installations (one org and repo each); the intake latency of a delivery is
// from its webhook POST to the stand-in receiving the intake comment (POST .../comments, 201).
// Two phases in the same run, each on a fresh app and stand-in:
//   1. baseline: the N installations only;
//   2. hanging:  the same load, plus one more installation whose every GitHub request hangs
//                (--hang-seconds, default 90) and which gets more deliveries than the inbox has
//                slots, sent first.
// Prints p50/p99/max intake latency of the N installations in both phases and the ratio of the
// p99s (target: the hanging installation does not change the others' p99; ratio about 1).
// Needs the build: npm run build && npx tsc -p tsconfig.standin.json, or another build beside it:
//   npx tsc -p tsconfig.build.json --outDir .dist-mine && npx tsc -p tsconfig.standin.json --outDir .dist-mine-standin
//   SUPPORT_SLA_TEST_DIST=.dist-mine SUPPORT_SLA_STANDIN_DIST=.dist-mine-standin node bench/hol.mjs
//   node bench/hol.mjs [--installations 20] [--rate 4] [--seconds 20] [--hanging-deliveries 24] [--hang-seconds 90]
import { randomUUID } from "node:crypto";
import {
  AppProcess,
  defaultLabels,
  forInstallation,
  loadStandIns,
  parseFlags,
  percentile,
  renderBody,
  runMain,
  seedRepo,
  shippedForms,
  sleep,
} from "../scripts/lib/harness.mjs";

const USAGE = `Usage: node bench/hol.mjs [--installations N] [--rate N] [--seconds N] [--hanging-deliveries N] [--hang-seconds N]
  --installations        installations with normal GitHub answers (default 20)
  --rate                 deliveries per second over those installations (default 4)
  --seconds              how long to send (default 20)
  --hanging-deliveries   deliveries of the hanging installation, sent first (default 24: more than the 16 slots)
  --hang-seconds         how long each request of the hanging installation hangs (default 90)
  --drain-timeout        longest wait for the intake comments after the last delivery, seconds (default 120)
  --log-level            the app's LOG_LEVEL (default warn)`;

const flags = parseFlags(
  process.argv.slice(2),
  {
    installations: 20,
    rate: 4,
    seconds: 20,
    hangingDeliveries: 24,
    hangSeconds: 90,
    drainTimeout: 120,
    logLevel: "warn",
  },
  USAGE,
);
const FIRST_INSTALLATION = 2000;
const HANGING = { owner: "hanging-org", repo: "support", installation: 1999 };

const cleanups = [];

async function phase(S, { forms, labels, withHang }) {
  const gh = new S.GitHubStandIn();
  await gh.start();
  const cleanGh = () => gh.stop();
  cleanups.push(cleanGh);
  const repos = Array.from({ length: Math.max(1, Math.floor(flags.installations)) }, (_, k) => ({
    owner: `customer-${String(k).padStart(3, "0")}`,
    repo: "support",
    installation: FIRST_INSTALLATION + k,
  }));
  for (const r of [...repos, HANGING]) seedRepo(gh, forms, r.owner, r.repo, { labels });
  if (withHang) {
    gh.failNext({
      pathPattern: /^\/repos\/hanging-org\//i,
      status: 504,
      hangMs: flags.hangSeconds * 1000,
      times: 1_000_000,
    });
  }
  const app = await AppProcess.start({
    github: gh,
    generatePrivateKey: S.generatePrivateKey,
    logLevel: flags.logLevel,
    instance: `bench-hol-${withHang ? "hang" : "base"}`,
  });
  const cleanApp = () => app.stop();
  cleanups.push(cleanApp);

  const problem = forms["problem.yml"].form;
  const body = renderBody(problem, {
    priority: "Urgent",
    service: "checkout API in production",
    "what-happens": "Every request returns HTTP 503.",
    since: "2026-11-27 14:10 CET, constant",
    impact: "No customer can pay.",
  });
  const send = async (r, i) => {
    const issue = gh.createIssue(r.owner, r.repo, {
      title: `[Problem]: checkout answers 503 (${i})`,
      body,
      labels: problem.labels,
      user: { login: `${r.owner}-user`, type: "User" },
    });
    const payload = JSON.stringify(
      forInstallation(gh.issueEvent("opened", r.owner, r.repo, issue.number), r.installation),
    );
    const sentAt = Date.now();
    const res = await S.sendWebhook(app.webhookUrl, {
      name: "issues",
      id: randomUUID(),
      payload,
      secret: app.secret,
      headers: {
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": String(gh.appId),
      },
      timeoutMs: 30_000,
    });
    if (res.status >= 300) throw new Error(`webhook answered ${res.status}`);
    return { key: `/repos/${r.owner}/${r.repo}/issues/${issue.number}/comments`, sentAt };
  };

  const commentAt = () => {
    const at = new Map();
    for (const r of gh.requests((q) => q.method === "POST" && q.status === 201)) {
      if (!at.has(r.path)) at.set(r.path, r.timestamp);
    }
    return at;
  };
  // Warm-up, not measured: one delivery per installation (installation token, config and forms
  // cached, as in steady operation).
  const warm = await Promise.all(repos.map((r) => send(r, -1)));
  const warmDeadline = Date.now() + 60_000;
  while (Date.now() < warmDeadline && !warm.every((s) => commentAt().has(s.key))) await sleep(250);

  if (withHang) {
    for (let i = 0; i < flags.hangingDeliveries; i++) await send(HANGING, i);
    const deadline = Date.now() + 15_000;
    while (gh.heldRequests().length === 0 && Date.now() < deadline) await sleep(50);
  }

  // Open loop at a fixed rate over the installations with normal answers.
  const total = Math.round(flags.rate * flags.seconds);
  const intervalMs = 1000 / flags.rate;
  const t0 = Date.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * intervalMs - Date.now();
    if (wait > 1) await sleep(wait);
    pending.push(send(repos[i % repos.length], i));
  }
  const sent = await Promise.all(pending);

  const drainStart = Date.now();
  let done = 0;
  while (Date.now() - drainStart < flags.drainTimeout * 1000) {
    const at = commentAt();
    done = sent.filter((s) => at.has(s.key)).length;
    if (done === sent.length) break;
    await sleep(250);
  }
  const at = commentAt();
  const latencies = sent.filter((s) => at.has(s.key)).map((s) => at.get(s.key) - s.sentAt);
  const held = gh.heldRequests().length;
  const hangingDone = [...at.keys()].filter((k) => k.startsWith("/repos/hanging-org/")).length;

  // Stop this phase's app and stand-in before the next one (the stand-in ends its holds).
  await cleanApp();
  await cleanGh();
  cleanups.splice(cleanups.indexOf(cleanApp), 1);
  cleanups.splice(cleanups.indexOf(cleanGh), 1);
  return { sent: sent.length, done, latencies, held, hangingDone };
}

async function main() {
  const S = await loadStandIns();
  const forms = await shippedForms();
  const labels = await defaultLabels();
  console.log(
    `intake latency (webhook POST -> intake comment at the GitHub stand-in) for ${flags.installations} installations, ` +
      `${flags.rate}/s for ${flags.seconds} s; GitHub throttling on (as in production)`,
  );
  console.log("phase 1: baseline ...");
  const base = await phase(S, { forms, labels, withHang: false });
  console.log(
    `phase 2: one more installation whose GitHub requests hang ${flags.hangSeconds} s, ${flags.hangingDeliveries} deliveries sent first ...`,
  );
  const hang = await phase(S, { forms, labels, withHang: true });

  const fmt = (v) => (Number.isFinite(v) ? v.toFixed(0) : "n/a");
  const row = (label, a, b) =>
    console.log(`  ${label.padEnd(44)} ${String(a).padStart(10)} ${String(b).padStart(12)}`);
  console.log(`\nResults (the ${flags.installations} installations with normal answers):`);
  row("", "baseline", "with a hang");
  row("deliveries sent", base.sent, hang.sent);
  row("intake comments when the wait ended", base.done, hang.done);
  row("intake latency p50 (ms)", fmt(percentile(base.latencies, 0.5)), fmt(percentile(hang.latencies, 0.5)));
  row(
    "intake latency p99 (ms)",
    fmt(percentile(base.latencies, 0.99)),
    fmt(percentile(hang.latencies, 0.99)),
  );
  row("intake latency max (ms)", fmt(Math.max(...base.latencies)), fmt(Math.max(...hang.latencies)));
  row("hanging installation: requests still held at the end", "", hang.held);
  row("hanging installation: intake comments", "", hang.hangingDone);
  const ratio = percentile(hang.latencies, 0.99) / percentile(base.latencies, 0.99);
  console.log(
    `\np99 with a hanging installation / baseline p99: ${Number.isFinite(ratio) ? ratio.toFixed(2) : "n/a"} ` +
      "(target: about 1; before the fix the others waited for the hang, 90 s, or the whole inbox stalled)",
  );
  return hang.done === hang.sent && base.done === base.sent ? 0 : 1;
}

process.exitCode = await runMain(main, async () => {
  for (const clean of cleanups.reverse()) await clean().catch(() => undefined);
});

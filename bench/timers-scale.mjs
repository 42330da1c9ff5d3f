#!/usr/bin/env node
// Timer store at scale (issue 12): `--issues` issues (default 100,000) with 4 timers each in a
// temporary SQLite file (the default store), then the scheduler's claim (`claimDueTimers`, limit
// `--limit`, lease 60 s) timed `--runs` times, with and without a per-installation quota, at two
// instants: now (1 % of the issues have a timer due) and at a close-of-business burst (10 % due);
// `nextTimerClaimAt` too; and the process RSS. Baseline in the same run: the same claims on an
// empty-ish store of 1,000 timers (250 issues) with the same mix.
//
// The timers are the app's own (startTimer on the policy of a bench config that turns every metric
// on), written in bulk exactly as the store's own `saveTimers` writes them (checked against it on
// the first issue); loading is not measured. Per issue: first_response, next_reply, resolution, and updates for
// Production down or a second next_reply cycle otherwise. Four issues in five are closed (every
// timer met or cancelled); the open ones have their timers running, due later. (The baseline's 250
// issues are all open, so that its claims fill their batch as the large store's do.)
// The store is opened as the server opens it: SQLite's write-ahead log checkpointed by a background
// thread (src/store/wal-checkpointer.ts), not inside the commit that takes the log past 1,000 pages.
// Between two claims the bench frees the claimed leases (64 writes, the writes the claimed timers'
// escalations end with) and waits `--gap` ms: the scheduler claims again when escalations end, and
// each makes GitHub requests first. Two more blocks, for comparison: the same claims on the same
// file with SQLite's automatic checkpoint (the store before the background checkpointer), and the
// app's store with claims back to back (a writer that never pauses: the checkpointer cannot finish
// a pass, so the log grows to the 20,000-page backstop, where the app's own commit checkpoints).
// The loader runs a full GC every 10,000 issues (its garbage is not the store's), and the RSS is
// read again after a full GC.
// Targets: claim p99 <= 5 ms (each claim, and nextTimerClaimAt, which the scheduler calls after
// every pass); RSS <= 250 MB. Figures only. Imports the BUILT code:
//   npx tsc -p tsconfig.build.json  (or --outDir .dist-bench and SUPPORT_SLA_TEST_DIST=.dist-bench)
//   node bench/timers-scale.mjs [--issues 100000] [--runs 300] [--limit 16] [--gap 25]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { DIST, importBuilt, parseFlags } from "../scripts/lib/harness.mjs";
import {
  alwaysOpenCalendar,
  benchConfigYaml,
  fmt,
  loadTimerModules,
  machineLine,
  policyOf,
  priorityOf,
  prng,
} from "./lib/timers.mjs";

const USAGE = `Usage: node bench/timers-scale.mjs [flags]
  --issues     issues in the large store, 4 timers each (default 100000)
  --baseline   timers in the baseline store (default 1000)
  --runs       timed claims per case (default 300, after 30 untimed)
  --limit      rows per claim (default: the scheduler's, SCHEDULER_CLAIM_BATCH)
  --gap        ms between two claims (default 25; 0 in the back-to-back block)`;

const flags = parseFlags(
  process.argv.slice(2),
  { issues: 100_000, baseline: 1_000, runs: 300, limit: 0, gap: 25 },
  USAGE,
);
const NOW = Date.UTC(2026, 2, 3, 16, 0, 0);
const BURST = NOW + 3_600_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const WARMUP = 30;
const INSTALLATIONS = 100;
const TARGET = { claimP99Ms: 5, rssMb: 250 };
/** The store as the server opens it (src/main.ts). */
const APP_STORE = {
  checkpoint: "background",
  onCheckpointFailure: (message) => {
    throw new Error(`the checkpoint thread failed: ${message}`);
  },
};

const mods = await loadTimerModules();
if (flags.limit === 0) flags.limit = (await importBuilt(`${DIST}/scheduler/limits.js`)).SCHEDULER_CLAIM_BATCH;
v8.setFlagsFromString("--expose-gc");
/** A full garbage collection (V8's gc, exposed at run time). */
const fullGc = runInNewContext("gc");
// Every metric on, so each issue carries four running-or-finished timers of the model.
const yaml = benchConfigYaml(
  alwaysOpenCalendar(),
  `priorities:
  production-down: { response: 30m, clock: calendar, types: [problem], page: true, next_reply: 1h, resolution: 8h, updates: 30m }
  urgent: { response: 1h, clock: business, page: true, next_reply: 4h, resolution: 40h }
  normal: { response: next-business-day, clock: business, next_reply: 8h, resolution: 80h }
`,
);
const plan = policyOf(mods, yaml);
const PRIORITIES = ["production-down", "urgent", "normal"];

/** A started timer of `metric` for `priorityKey` (the app's startTimer), started at `at`. */
function started(priorityKey, metric, cycle, at) {
  const { priority } = priorityOf(plan.policy, priorityKey);
  const planned = mods.metricTarget(plan.policy, priority, metric);
  if (!planned) throw new Error(`${metric} is off for ${priorityKey} in the bench config`);
  const ladder = mods.ladderFor(plan.policy, priority, metric);
  return mods.startTimer(
    { metric, cycle, clock: planned.clock, target: planned.target },
    at,
    plan.calendar,
    ladder,
  );
}

/** Met: final, nothing more to do. */
function met(timer, at) {
  return {
    ...timer,
    state: "met",
    deadlineAt: null,
    nextDueAt: null,
    metAt: at,
    metBy: "engineer",
    countedMs: Math.max(0, at - timer.startedAt),
  };
}

/**
 * The four timers of issue `i`: closed issues (4 in 5) have every timer final; open ones have them
 * running. `due` sets one running timer's next due instant (now, or the burst), else it is later.
 */
function timersOf(i, priorityKey, open, due) {
  const created = NOW - (i % 2000) * HOUR - 5 * MINUTE;
  const fourth = priorityKey === "production-down" ? ["updates", 1] : ["next_reply", 2];
  const specs = [["first_response", 1], ["next_reply", 1], ["resolution", 1], fourth];
  return specs.map(([metric, cycle], k) => {
    const t = started(priorityKey, metric, cycle, created + k * MINUTE);
    if (!open)
      return k === 3 && i % 7 === 0
        ? { ...met(t, created + 2 * HOUR), state: "cancelled", metBy: null }
        : met(t, created + HOUR + k * MINUTE);
    if (k === 0) return met(t, created + 30 * MINUTE);
    // Running: due later than the burst, unless this is the issue's due timer.
    const nextDueAt = k === 1 && due !== null ? due : BURST + HOUR + ((i * 7919 + k * 104_729) % (72 * HOUR));
    return { ...t, nextDueAt };
  });
}

/** Issue `i`'s tracked row (what intake stores) and its four timers, as saveTimers inserts. */
function issueRows(i, priorityKey, isOpen, due) {
  const timers = timersOf(i, priorityKey, isOpen, due);
  const { priority, rank } = priorityOf(plan.policy, priorityKey);
  const repo = `acme/repo-${i % INSTALLATIONS}`;
  const installationId = 1000 + (i % INSTALLATIONS);
  const first = timers[0];
  return {
    tracked: {
      repo,
      number: i + 1,
      installation_id: installationId,
      author: `customer-${i % 500}`,
      type: "problem",
      priority: priority.key,
      priority_override: null,
      body_priority: null,
      intake: "valid",
      created_at: first.startedAt,
      deadline_at: first.startedAt + HOUR,
      intake_comment_id: 10_000_000 + i,
      intake_comment_digest: "0".repeat(64),
      updated_at: first.startedAt,
      state: "met",
      cycle_started_at: first.startedAt,
      at_risk_at: first.startedAt + 48 * MINUTE,
      next_due_at: null,
      title: `Checkout answers 502 for one request in ten (${i})`,
      html_url: `https://github.com/${repo}/issues/${i + 1}`,
      first_response_at: first.metAt,
      first_response_by: first.metBy,
    },
    writes: timers.map((timer) => ({ kind: "insert", timer, installationId, rank })),
  };
}

/**
 * A store of `issues` issues (4 timers each): one in five open (more when the due ones need it);
 * the first `dueNow` open issues have a timer due at NOW, the next `dueBurst` one due at BURST.
 */
async function buildStore(label, issues, dueNow, dueBurst) {
  const dir = mkdtempSync(join(tmpdir(), "support-sla-bench-scale-"));
  const store = await mods.openStore(`sqlite:${join(dir, "bench.db")}`, undefined, APP_STORE);
  const random = prng(7);
  const start = performance.now();
  let open = 0;
  const openCount = Math.min(issues, Math.max(Math.ceil(issues / 5), dueNow + dueBurst));
  // Generated and written 250 issues at a time (nothing kept; loading is not measured): tracked
  // rows in bulk (what intake stores), and the timers in bulk too, each row exactly as the store's
  // own saveTimers writes it: the first issue goes through saveTimers and the bulk rows are checked
  // against what it wrote, so a change of the store's columns stops the bench instead of skewing it.
  let checked = false;
  for (let from = 0; from < issues; from += 250) {
    const rows = [];
    for (let i = from; i < Math.min(issues, from + 250); i++) {
      const priorityKey = PRIORITIES[random() < 0.1 ? 0 : random() < 0.35 ? 1 : 2];
      // `openCount` open issues, spread evenly over the numbers (and so over the installations).
      const isOpen = Math.floor(((i + 1) * openCount) / issues) > Math.floor((i * openCount) / issues);
      const due = isOpen
        ? open < dueNow
          ? NOW - (open % 50) * 1000
          : open < dueNow + dueBurst
            ? BURST
            : null
        : null;
      if (isOpen) open++;
      rows.push(issueRows(i, priorityKey, isOpen, due));
    }
    await store.db
      .insertInto("tracked_issues")
      .values(rows.map((r) => r.tracked))
      .execute();
    let bulk = rows;
    if (!checked) {
      const [first, ...rest] = rows;
      const key = { repo: first.tracked.repo, number: first.tracked.number };
      if (!(await mods.saveTimers(store, key, first.writes, { now: NOW })))
        throw new Error("saveTimers refused the first issue");
      await checkBulkRows(store, key, first.writes);
      checked = true;
      bulk = rest;
    }
    const timerRows = bulk.flatMap((r) =>
      r.writes.map((w) => mods.timerRow({ repo: r.tracked.repo, number: r.tracked.number }, w, NOW)),
    );
    if (timerRows.length > 0) await store.db.insertInto("timers").values(timerRows).execute();
    // The load's garbage (generated timers, 27,000-parameter inserts) is freed as it goes, so
    // the RSS read after the claims is not the loader's high-water mark.
    if (from % 10_000 === 0) fullGc();
  }
  const counts = await mods.countTimersByState(store);
  const total = counts.reduce((n, c) => n + c.count, 0);
  const loadS = (performance.now() - start) / 1000;
  console.log(`${label}: ${issues} issues, ${total} timers loaded in ${loadS.toFixed(1)} s`);
  return {
    store,
    url: `sqlite:${join(dir, "bench.db")}`,
    dir,
    total,
    dueNow: Math.min(dueNow, open),
    dueBurst: Math.min(dueNow + dueBurst, open),
  };
}

/** Throws unless the rows saveTimers wrote for `key` are exactly `timerRow`'s (lease and version aside). */
async function checkBulkRows(store, key, writes) {
  const stored = await store.db
    .selectFrom("timers")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .execute();
  for (const w of writes) {
    const mine = mods.timerRow(key, w, NOW);
    const theirs = stored.find((r) => r.metric === mine.metric && r.cycle === mine.cycle);
    const { lease_owner: _o, lease_until: _u, version: _v, ...rest } = theirs ?? {};
    const columns = new Set([...Object.keys(rest), ...Object.keys(mine)]);
    const differs = [...columns].filter((c) => JSON.stringify(rest[c]) !== JSON.stringify(mine[c]));
    if (!theirs || differs.length > 0) {
      throw new Error(
        `the timers table no longer matches what this bench writes in bulk (${theirs ? differs.join(", ") : "row missing"}): the bulk load writes timerRow (src/store/timer-store.ts) rows`,
      );
    }
  }
}

const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  return { p50: q(0.5), p99: q(0.99), max: sorted.at(-1) };
};

/** Resolves after `ms` milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Times `runs` claims at `now` (after WARMUP untimed), freeing every claimed lease (untimed) and
 * then waiting `gap` ms between runs.
 */
async function timeClaims(store, now, quota, gap = flags.gap) {
  const times = [];
  let rows = 0;
  for (let run = 0; run < WARMUP + flags.runs; run++) {
    const owner = `bench-${run}`;
    const t = performance.now();
    const claimed = await mods.claimDueTimers(store, {
      now,
      limit: flags.limit,
      owner,
      leaseMs: 60_000,
      ...(quota ? { perInstallation: quota } : {}),
    });
    const ms = performance.now() - t;
    if (run >= WARMUP) {
      times.push(ms);
      rows += claimed.length;
    }
    for (const row of claimed) await mods.releaseTimerLease(store, row, owner); // not timed
    if (gap > 0) await sleep(gap);
  }
  return { ...summary(times), rows: rows / flags.runs };
}

/** The four claims (now and burst, each plain and with the quota) with `gap` ms between claims. */
async function fourClaims(store, gap) {
  return {
    now: await timeClaims(store, NOW, undefined, gap),
    nowQuota: await timeClaims(store, NOW, quota, gap),
    burst: await timeClaims(store, BURST, undefined, gap),
    burstQuota: await timeClaims(store, BURST, quota, gap),
  };
}

async function timeNext(store) {
  const times = [];
  for (let run = 0; run < WARMUP + flags.runs; run++) {
    const t = performance.now();
    await mods.nextTimerClaimAt(store);
    if (run >= WARMUP) times.push(performance.now() - t);
  }
  return summary(times);
}

/** A scheduler mid-flight: four installations at their share (4), four more with one slot busy. */
const quota = {
  max: 4,
  busy: new Map([...[0, 1, 2, 3].map((k) => [1000 + k, 4]), ...[4, 5, 6, 7].map((k) => [1000 + k, 1])]),
};

/**
 * RSS and heap in use after a full garbage collection: the bulk load's garbage (400,000 generated
 * timers) can sit in the old generation until V8 next collects it, whatever the claims hold.
 */
function afterFullGc() {
  fullGc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rssGc: rss, heapGc: heapUsed };
}

async function measure(label, issues, dueNow, dueBurst) {
  const built = await buildStore(label, issues, dueNow, dueBurst);
  let store = built.store;
  try {
    const app = await fourClaims(store, flags.gap);
    const next = await timeNext(store);
    const rss = process.memoryUsage().rss;
    const heap = process.memoryUsage().heapUsed;
    const gc = afterFullGc();
    const backToBack = await fourClaims(store, 0);
    // The same file with SQLite's automatic checkpoint: the store as it was opened before.
    await store.close();
    store = await mods.openStore(built.url, undefined, { checkpoint: "automatic" });
    const automatic = await fourClaims(store, flags.gap);
    return { ...built, app, automatic, backToBack, next, rss, heap, ...gc };
  } finally {
    await store.close();
    rmSync(built.dir, { recursive: true, force: true });
  }
}

console.log(`machine: ${machineLine()}`);
const baseIssues = Math.max(1, Math.round(flags.baseline / 4));
// Baseline: enough due to fill a claim; every open issue due at the burst.
const base = await measure("baseline", baseIssues, flags.limit, Math.max(0, baseIssues - flags.limit));
const large = await measure(
  "large",
  flags.issues,
  Math.round(flags.issues / 100),
  Math.round(flags.issues / 10),
);

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const ms = (s) => `${fmt(s.p50, 3)} / ${fmt(s.p99, 3)}`;
const row = (label, a, b, note = "") =>
  console.log(`  ${label.padEnd(46)} ${String(a).padStart(22)} ${String(b).padStart(26)}   ${note}`);
console.log(
  `\ntimer store at scale, SQLite, claim limit ${flags.limit}, ${flags.runs} runs each (p50 / p99 ms):`,
);
console.log(`  machine at the end: ${machineLine()}`);
row("", `baseline (${base.total} timers)`, `${flags.issues} issues (${large.total} timers)`);
row(
  "due now (open timers due / claimed per run)",
  `${base.dueNow} / ${base.app.now.rows}`,
  `${large.dueNow} / ${large.app.now.rows}`,
);
row(
  "due at the burst (due / claimed per run)",
  `${base.dueBurst} / ${base.app.burst.rows}`,
  `${large.dueBurst} / ${large.app.burst.rows}`,
);
const verdict = (s) => (s.p99 <= TARGET.claimP99Ms ? "ok" : "MISSED");
/** The four claims of `block` ("app", "automatic", "backToBack"), with a verdict when `target`. */
function claimRows(block, target) {
  const cases = [
    ["now", "claimDueTimers, now"],
    ["nowQuota", "claimDueTimers, now, per-installation quota"],
    ["burst", "claimDueTimers, burst"],
    ["burstQuota", "claimDueTimers, burst, per-installation quota"],
  ];
  for (const [key, label] of cases) {
    const note = target ? `target p99 <= ${TARGET.claimP99Ms} ms ${verdict(large[block][key])}` : "";
    row(`  ${label}`, ms(base[block][key]), ms(large[block][key]), note);
  }
}
row(`the app's store (background checkpoints), ${flags.gap} ms between claims:`, "", "");
claimRows("app", true);
row(`SQLite's automatic checkpoint (the store before), ${flags.gap} ms between claims:`, "", "");
claimRows("automatic", false);
row("the app's store, claims back to back (the checkpointer starved, the backstop):", "", "");
claimRows("backToBack", false);
row(
  "nextTimerClaimAt (after each scheduler pass)",
  ms(base.next),
  ms(large.next),
  `target p99 <= ${TARGET.claimP99Ms} ms ${verdict(large.next)}`,
);
row("claim p99 ratio large / baseline (now)", "", `${fmt(large.app.now.p99 / base.app.now.p99)}×`);
row(
  "RSS after the claims",
  mb(base.rss),
  mb(large.rss),
  `target <= ${TARGET.rssMb} MB ${large.rss <= TARGET.rssMb * 2 ** 20 ? "ok" : "MISSED"}`,
);
row("  of which the JS heap in use", mb(base.heap), mb(large.heap));
row(
  "RSS after a full GC (the load's garbage freed)",
  mb(base.rssGc),
  mb(large.rssGc),
  `target <= ${TARGET.rssMb} MB ${large.rssGc <= TARGET.rssMb * 2 ** 20 ? "ok" : "MISSED"}`,
);
row("  of which the JS heap in use", mb(base.heapGc), mb(large.heapGc));

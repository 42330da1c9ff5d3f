// Store benchmark: 100,000 tracked issues in a temporary SQLite file (about 1% due now), then
// claimDue (limit 100) and nextDueAt timings, and the process RSS. Imports the BUILT code: run
// `npx tsc -p tsconfig.build.json` first. Usage: node bench/store.mjs [RUNS]
// Targets (issue 4): claiming the due rows <= 5 ms; RSS <= 200 MB. Figures only, no assertions.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openStore } from "../dist/store/db.js";
import { nextDueFor } from "../dist/store/next-due.js";
import { claimDue, nextDueAt } from "../dist/store/tracking-store.js";

const ROWS = 100_000;
const RUNS = Number(process.argv[2] ?? 300);
const NOW = Date.UTC(2026, 2, 2, 12, 0, 0);
const HOUR = 3_600_000;

const dir = mkdtempSync(join(tmpdir(), "support-sla-bench-"));
const store = await openStore(`sqlite:${join(dir, "bench.db")}`);

/** A realistic mix: most issues long answered or closed, a fifth waiting, 1% due now. */
function row(i) {
  const created = NOW - (i % 2000) * HOUR;
  const roll = i % 100;
  const state =
    roll < 60 ? "met" : roll < 70 ? "cancelled" : roll < 75 ? "breached" : roll < 79 ? "at-risk" : "pending";
  const due = roll === 99; // pending and past its at-risk instant
  const deadline =
    due || state === "pending" || state === "at-risk" ? NOW + ((i % 97) + 1) * HOUR : created + 8 * HOUR;
  const atRisk = due ? NOW - (i % 50) * 1000 : deadline - HOUR;
  return {
    repo: `acme/repo-${i % 100}`,
    number: i,
    installation_id: 1000 + (i % 10),
    author: `customer-${i % 500}`,
    type: "problem",
    priority: ["production-down", "urgent", "normal"][i % 3],
    priority_override: null,
    body_priority: null,
    intake: "valid",
    created_at: created,
    deadline_at: deadline,
    intake_comment_id: 10_000_000 + i,
    intake_comment_digest: "0".repeat(64),
    updated_at: created,
    state,
    cycle_started_at: created,
    at_risk_at: atRisk,
    next_due_at: nextDueFor(state, atRisk, deadline),
    title: `Checkout answers 502 for one request in ten (${i})`,
    html_url: `https://github.com/acme/repo-${i % 100}/issues/${i}`,
    first_response_at: state === "met" ? created + HOUR : null,
    first_response_by: state === "met" ? "engineer" : null,
  };
}

const loadStart = performance.now();
// Inserted in bulk (what saveTrackedIssue would store, computed the same way): loading is not measured.
for (let start = 0; start < ROWS; start += 500) {
  const batch = Array.from({ length: Math.min(500, ROWS - start) }, (_, k) => row(start + k));
  await store.db.insertInto("tracked_issues").values(batch).execute();
}
const loadMs = performance.now() - loadStart;
const rssLoaded = process.memoryUsage().rss;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) };
};

const WARMUP = 30; // JIT and page cache: not counted
const claimTimes = [];
let claimed = 0;
for (let run = 0; run < WARMUP + RUNS; run++) {
  const owner = `bench-${run}`;
  const t = performance.now();
  const rows = await claimDue(store, { now: NOW, owner, leaseMs: 60_000, limit: 100 });
  if (run >= WARMUP) {
    claimTimes.push(performance.now() - t);
    claimed += rows.length;
  }
  // Restore: the next run claims the same earliest rows again (not timed).
  await store.db
    .updateTable("tracked_issues")
    .set({ lease_owner: null, lease_until: null })
    .where("lease_owner", "=", owner)
    .execute();
}

const nextTimes = [];
for (let run = 0; run < RUNS; run++) {
  const t = performance.now();
  await nextDueAt(store);
  nextTimes.push(performance.now() - t);
}
const due = await store.db
  .selectFrom("tracked_issues")
  .select((eb) => eb.fn.countAll().as("n"))
  .where("next_due_at", "<=", NOW)
  .executeTakeFirst();

const fmt = (ms) => `${ms.toFixed(3)} ms`;
const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const claim = summary(claimTimes);
const next = summary(nextTimes);
console.log(`store bench: ${ROWS} tracked issues in SQLite (${Number(due?.n)} due now), ${RUNS} runs each`);
console.log(`  load:        ${(loadMs / 1000).toFixed(1)} s`);
console.log(
  `  claimDue:    median ${fmt(claim.median)}, p99 ${fmt(claim.p99)}, max ${fmt(claim.max)} (limit 100, ${claimed / RUNS} rows a run; target <= 5 ms)`,
);
console.log(`  nextDueAt:   median ${fmt(next.median)}, p99 ${fmt(next.p99)}`);
console.log(
  `  RSS:         ${mb(rssLoaded)} after loading, ${mb(process.memoryUsage().rss)} at the end (target <= 200 MB)`,
);

await store.close();
rmSync(dir, { recursive: true, force: true });

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../standin/github.js";
import type { AppProcess } from "./harness.js";
import { settle } from "./harness.js";
import { type BurstIssue, ceilMinute, closeOfBusinessConfig, seedBurst } from "./timers-burst-seed.js";
import { AT_RISK, BREACHED, MENTION, OWNER, SETTLE_MS, type TimersWorld, worlds } from "./timers-world.js";

/**
 * The close-of-business burst of issue 12 within one installation, end to end: the built server
 * with GitHub's write pacing ON (its production default: SUPPORT_SLA_GITHUB_THROTTLE unset), six
 * first-response timers of the shipped priorities (two Production down, two Urgent, two Normal, in
 * two repos of one installation) that fall due in the same second, at the close of business.
 * Each is seeded as the app leaves it after its at-risk warning (see timers-burst-seed.ts), so
 * each escalation is one breach: `sla: breached` on, `sla: at risk` off, Slack, a page for the
 * paging priorities (Production down, Urgent), and the breach comment.
 *
 * What is asserted comes from the stand-ins' request logs and their arrival times (one wall
 * clock for GitHub, Slack and PagerDuty):
 * - the cheap signals (labels, Slack, pages) of every issue reached the stand-ins before any
 *   issue's breach comment: none waited behind another issue's comment;
 * - Production down and Urgent escalate before Normal: their breached labels before every Normal
 *   one's, their comments before every Normal comment;
 * - the installation's writes are paced: consecutive writes about 1 s apart ("wait at least one
 *   second between each request" for POST, PATCH, PUT and DELETE, GitHub's "Best practices for
 *   using the REST API",
 *   https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api);
 * - exactly one breach comment per issue (after a settle period), and /metrics counts six
 *   breached first-response timers.
 *
 * The close of business is a whole minute (business hours end at HH:MM), so the world runs on a
 * WarpClock: once the app is ready and idle, the test moves its clock (and the GitHub stand-in's)
 * to two seconds before the close; from then on everything runs at the wall clock's pace.
 */

const world = worlds();
let dir: string | undefined;
afterAll(async () => {
  await world.stopAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** Two repos of the one installation; per repo, Normal first, so issue numbers never sort by priority. */
const PLAN = ["support", "billing"].flatMap((repo) =>
  ["normal", "urgent", "production-down"].map((priority) => ({ owner: OWNER, repo, priority })),
);
const HIGH = new Set(["production-down", "urgent"]);
const BREACH_MARKER = "<!-- support-sla:breach cycle=1 -->";
/** How far before the close of business the test puts the clock once the app is ready. */
const LEAD_MS = 2_000;
/** 18 paced writes (two labels and a comment per issue) at one a second, with room to spare. */
const DRAIN_WITHIN_MS = 45_000;
/** GitHub's spacing of writes (see above), in ms. */
const WRITE_SPACING_MS = 1_000;
/**
 * Arrival times are the stand-in's, while the pacer spaces the starts of writes in the app: a
 * write may reach the stand-in some milliseconds after its start (a queued comment renews its
 * lease in the store first, see postQueuedComment), so the next one may arrive a little less than
 * a second after it. Without the pacing, the writes of a burst arrive milliseconds apart.
 */
const ARRIVAL_JITTER_MS = 250;

/** One escalation effect as a stand-in saw it. */
interface Seen {
  at: number;
  what: "label-add" | "label-remove" | "comment" | "slack" | "page" | "other-write";
  /** `owner/repo#n`, or the request path of a write that is not about an issue. */
  issue: string;
}

const keyOf = (i: Pick<BurstIssue, "owner" | "repo" | "number">) => `${i.owner}/${i.repo}#${i.number}`;
const naming = (key: string) => new RegExp(`${key.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}(?!\\d)`);

/** The app's writes to the installation's repos that arrived at or after `since`, in arrival order. */
function githubWrites(w: TimersWorld, since: number): RecordedRequest[] {
  return w
    .appRequests(
      (r) =>
        r.method !== "GET" &&
        r.method !== "HEAD" &&
        r.path.toLowerCase().startsWith(`/repos/${OWNER}/`) &&
        r.timestamp >= since,
    )
    .sort((a, b) => a.timestamp - b.timestamp);
}

/** What each write, breach Slack message and page since `since` was, and for which issue. */
function timeline(w: TimersWorld, since: number, issues: BurstIssue[]): Seen[] {
  const seen: Seen[] = [];
  const issueIn = (text: string) => issues.map(keyOf).find((key) => naming(key).test(text));
  for (const r of githubWrites(w, since)) {
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)(\/.*)?$/.exec(decodeURIComponent(r.path));
    const issue = m ? `${m[1]}/${m[2]}#${m[3]}` : r.path;
    const tail = m?.[4] ?? "";
    const body = r.body as { labels?: unknown; body?: unknown } | undefined;
    let what: Seen["what"] = "other-write";
    if (
      r.method === "POST" &&
      tail === "/labels" &&
      JSON.stringify(body?.labels) === JSON.stringify([BREACHED])
    )
      what = "label-add";
    else if (r.method === "DELETE" && tail === `/labels/${AT_RISK}`) what = "label-remove";
    else if (r.method === "POST" && tail === "/comments" && String(body?.body).includes(BREACH_MARKER))
      what = "comment";
    seen.push({ at: r.timestamp, what, issue });
  }
  for (const r of w.slack.requests((r) => r.method === "POST" && r.status === 200 && r.timestamp >= since)) {
    const text = String((r.body as { text?: unknown }).text ?? JSON.stringify(r.body));
    const issue = issueIn(text);
    if (issue && /SLA breached/.test(text)) seen.push({ at: r.timestamp, what: "slack", issue });
  }
  for (const r of w.pd.requests((r) => r.method === "POST" && r.status === 202 && r.timestamp >= since)) {
    const body = r.body as { event_action?: string; dedup_key?: string };
    const issue = issueIn(String(body.dedup_key));
    if (issue && body.event_action === "trigger") seen.push({ at: r.timestamp, what: "page", issue });
  }
  return seen.sort((a, b) => a.at - b.at);
}

/** The timeline as lines (`+1.234 s label-add    acme/support#3 (urgent)`), for failure messages. */
function render(seen: Seen[], since: number, issues: BurstIssue[]): string {
  const priority = new Map(issues.map((i) => [keyOf(i), i.priority]));
  return seen
    .map(
      (s) =>
        `+${((s.at - since) / 1000).toFixed(3)} s ${s.what.padEnd(12)} ${s.issue} (${priority.get(s.issue) ?? "?"})`,
    )
    .join("\n");
}

/** A series' value in /metrics text (the line with exactly these labels), 0 when absent. */
function metricValue(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** What the burst left: the world, the issues, what the stand-ins saw, and when. */
interface Burst {
  w: TimersWorld;
  app: AppProcess;
  issues: BurstIssue[];
  high: BurstIssue[];
  normal: BurstIssue[];
  /** Wall-clock instant of the close of business (the burst's T0). */
  t0: number;
  /** Wall-clock instant the last breach comment was seen. */
  drained: number;
  /** Everything seen since the app was ready, in arrival order. */
  seen: Seen[];
  /** The app's writes since it was ready (arrival times). */
  writes: number[];
  /** The timeline, relative to T0, for failure messages. */
  story: () => string;
  /** When the stand-ins first saw this effect of this issue (NaN: never). */
  at: (i: BurstIssue, what: Seen["what"]) => number;
}

let burst: Burst | undefined;
function theBurst(): Burst {
  if (!burst) throw new Error("the burst did not run (see the beforeAll failure)");
  return burst;
}

beforeAll(async () => {
  const w = await world.create({ warp: true });
  const close = ceilMinute(w.now() + 60_000);
  // The shipped priorities and ladder; Production down's periodic update off, so that each issue
  // has exactly one timer, its first response.
  const yaml = closeOfBusinessConfig(close, [
    "priorities:",
    "  production-down: { updates: null }",
    "escalation:",
    `  mention: ["${MENTION}"]`,
  ]);
  for (const repo of new Set(PLAN.map((p) => p.repo))) w.seedRepo(OWNER, repo, { config: yaml });
  dir = mkdtempSync(join(tmpdir(), "support-sla-burst-"));
  const databaseUrl = `sqlite:${join(dir, "burst.db")}`;
  const issues = await seedBurst(w, databaseUrl, {
    yaml,
    deadline: close,
    installationId: w.gh.installationId,
    plan: PLAN,
  });

  // GitHub's write pacing is on: the app runs with its production default.
  const app = await w.startApp({ databaseUrl, env: { SUPPORT_SLA_GITHUB_THROTTLE: undefined } });
  const ready = Date.now();
  await settle(500);
  expect(githubWrites(w, 0), "nothing is due before the close: no write yet").toEqual([]);

  // The clock moves to just before the close; the burst starts LEAD_MS later, on the wall clock.
  w.jump(close - LEAD_MS - w.now());
  const t0 = Date.now() + LEAD_MS;
  const breachComments = () => issues.map((i) => w.marked(i.repo, i.number, BREACH_MARKER).length);
  await w.waitFor(() => breachComments().every((n) => n >= 1), {
    timeoutMs: LEAD_MS + DRAIN_WITHIN_MS,
    message: () => `a breach comment on every issue: ${JSON.stringify(breachComments())}`,
  });
  const drained = Date.now();
  // Time for a late duplicate (a second comment, label or page) to show up.
  await settle(SETTLE_MS);
  const seen = timeline(w, ready, issues);
  burst = {
    w,
    app,
    issues,
    high: issues.filter((i) => HIGH.has(i.priority)),
    normal: issues.filter((i) => !HIGH.has(i.priority)),
    t0,
    drained,
    seen,
    writes: githubWrites(w, ready).map((r) => r.timestamp),
    story: () => render(seen, t0, issues),
    at: (i, what) => seen.find((s) => s.issue === keyOf(i) && s.what === what)?.at ?? Number.NaN,
  };
}, 90_000);

describe("the close-of-business burst (one installation, GitHub's write pacing on)", () => {
  it("seeds two Production down, two Urgent and two Normal issues, Normal first in each repo, all due at once", () => {
    const { issues, high, normal } = theBurst();
    expect(issues.map((i) => i.priority).sort()).toEqual([
      "normal",
      "normal",
      "production-down",
      "production-down",
      "urgent",
      "urgent",
    ]);
    for (const n of normal) {
      const sameRepo = high.filter((h) => h.repo === n.repo).map((h) => h.number);
      expect(Math.min(...sameRepo), "issue numbers do not sort by priority").toBeGreaterThan(n.number);
    }
    // The shipped config pages for Production down and Urgent, not for Normal.
    expect(high.every((i) => i.pages) && normal.every((i) => !i.pages)).toBe(true);
  });

  it("escalates nothing before the close, then each issue exactly once: breached label on, at-risk label off, one comment, one Slack message, a page for the paging priorities", () => {
    const { w, issues, seen, t0, story } = theBurst();
    expect(
      seen.filter((s) => s.at < t0 - 100),
      story(),
    ).toEqual([]);
    for (const i of issues) {
      const mine = seen.filter((s) => s.issue === keyOf(i));
      const count = (what: Seen["what"]) => mine.filter((s) => s.what === what).length;
      expect(
        {
          labelAdd: count("label-add"),
          labelRemove: count("label-remove"),
          comment: count("comment"),
          slack: count("slack"),
          page: count("page"),
        },
        `${keyOf(i)} (${i.priority})\n${story()}`,
      ).toEqual({ labelAdd: 1, labelRemove: 1, comment: 1, slack: 1, page: i.pages ? 1 : 0 });
      const comments = w.marked(i.repo, i.number, BREACH_MARKER);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain(MENTION);
      expect(w.escalationComments(OWNER, i.repo, i.number)).toHaveLength(1);
      expect(w.labels(OWNER, i.repo, i.number)).toContain(BREACHED);
      expect(w.labels(OWNER, i.repo, i.number)).not.toContain(AT_RISK);
    }
    expect(
      seen.filter((s) => s.what === "other-write"),
      `no other write\n${story()}`,
    ).toEqual([]);
  });

  it("sends every issue's labels, Slack message and page before any issue's breach comment", () => {
    const { issues, seen, story, at } = theBurst();
    const firstComment = Math.min(...issues.map((i) => at(i, "comment")));
    expect(
      seen.filter((s) => s.what !== "comment" && s.at >= firstComment),
      `cheap signals after the first breach comment\n${story()}`,
    ).toEqual([]);
  });

  it("puts the breached labels of Production down and Urgent before every Normal one's", () => {
    const { high, normal, story, at } = theBurst();
    const lastHigh = Math.max(...high.map((i) => at(i, "label-add")));
    const firstNormal = Math.min(...normal.map((i) => at(i, "label-add")));
    expect(lastHigh, `breached labels: Production down and Urgent before Normal\n${story()}`).toBeLessThan(
      firstNormal,
    );
  });

  it("posts the breach comments of Production down and Urgent before every Normal one's", () => {
    const { high, normal, story, at } = theBurst();
    const lastHigh = Math.max(...high.map((i) => at(i, "comment")));
    const firstNormal = Math.min(...normal.map((i) => at(i, "comment")));
    expect(lastHigh, `breach comments: Production down and Urgent before Normal\n${story()}`).toBeLessThan(
      firstNormal,
    );
  });

  it("paces the installation's writes about a second apart (the pacing is on)", () => {
    const { issues, writes, story } = theBurst();
    expect(writes).toHaveLength(issues.length * 3);
    // Arrival times at the stand-in, not start times: one late arrival shortens one gap, so the
    // median gap and the whole span are checked (unpaced, all 18 writes would land within a second).
    const gaps = writes
      .slice(1)
      .map((t, k) => t - (writes[k] as number))
      .sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)] as number;
    expect(median, `gaps between writes (ms): ${gaps.join(", ")}\n${story()}`).toBeGreaterThanOrEqual(
      WRITE_SPACING_MS - ARRIVAL_JITTER_MS,
    );
    expect((writes.at(-1) as number) - (writes[0] as number)).toBeGreaterThanOrEqual(
      0.8 * (writes.length - 1) * WRITE_SPACING_MS,
    );
  });

  it("shows six breached first-response timers and six breaches in /metrics", async () => {
    const { app } = theBurst();
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metricValue(metrics, 'support_sla_timers{metric="first_response",state="breached"}')).toBe(6);
    expect(metricValue(metrics, 'support_sla_timers{metric="first_response",state="at-risk"}')).toBe(0);
    expect(metricValue(metrics, 'support_sla_breaches_total{metric="first_response"}')).toBe(6);
  });
});

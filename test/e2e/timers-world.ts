import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "vitest";
import { GitHubStandIn, type RecordedRequest } from "../standin/github.js";
import type { Json } from "../standin/github-shapes.js";
import { type AppOptions, type AppProcess, REPO_ROOT, requireBuiltApp, settle } from "./harness.js";
import { World } from "./world.js";

/*
 * What the timer end-to-end tests (timers*.e2e.test.ts) share: a world whose GitHub clock the test
 * can move forward together with the apps' (WarpClock), people acting through the API (labels,
 * close, reopen), and readers for what users see (timer comments by marker, Slack messages by
 * metric, PagerDuty triggers, JSON log lines).
 */

export const OWNER = "acme";
export const MENTION = "@acme/support";
export const BREACHED = "sla: breached";
export const AT_RISK = "sla: at risk";
export const WAITING = "status: waiting for customer";
/** After "exactly once" looks done: time for a late duplicate to show up. */
export const SETTLE_MS = 4_000;

export const CUSTOMER = { login: "customer", type: "User" as const };
export const ENGINEER = { login: "engineer", type: "User" as const };

const CLOCK_PRELOAD = join(REPO_ROOT, "test/e2e/timers-clock.mjs");

/**
 * A clock the test moves forward: the GitHub stand-in reads it for every `created_at`, and the apps
 * started with `env()` read it through the preload timers-clock.mjs (an offset in a file, read
 * again on SIGUSR2). `jump` is time passing for all of them at once, the apps' pending sleeps
 * included; between jumps every clock runs at the wall clock's pace. The Slack and PagerDuty
 * stand-ins keep the wall clock (their timestamps are for failure messages only here).
 */
export class WarpClock {
  offsetMs = 0;
  readonly #dir = mkdtempSync(join(tmpdir(), "support-sla-clock-"));
  readonly file = join(this.#dir, "offset");

  constructor() {
    writeFileSync(this.file, "0");
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** The environment that makes an app process run on this clock. */
  env(): Record<string, string> {
    const inherited = process.env.NODE_OPTIONS ? `${process.env.NODE_OPTIONS} ` : "";
    return {
      NODE_OPTIONS: `${inherited}--import ${pathToFileURL(CLOCK_PRELOAD).href}`,
      SUPPORT_SLA_E2E_CLOCK_FILE: this.file,
    };
  }

  /** Moves every clock `ms` forward: the stand-in's at once, each running app's on its SIGUSR2. */
  jump(ms: number, apps: readonly AppProcess[]): void {
    this.offsetMs += ms;
    writeFileSync(this.file, String(this.offsetMs));
    for (const app of apps) if (app.running) app.child?.kill("SIGUSR2");
  }

  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

type Comment = Json & { id: number; body: string; created_at: string; user: { login: string; type: string } };

/** A timer comment's hidden marker (the contract of issue 12): one firing of one level. */
export function timerMarker(metric: string, cycle: number, level: string, repeat: number): string {
  return `<!-- support-sla:timer ${metric} c${cycle} ${level} r${repeat} -->`;
}

/** An instant as the app's comments print it in UTC: `2026-11-30 18:40:12 UTC` (seconds when not :00). */
export function utc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, ms % 60_000 !== 0 ? 19 : 16)} UTC`;
}

/** A world for the timer tests: optionally on a WarpClock, with people acting through the API. */
export class TimersWorld extends World {
  override readonly gh: GitHubStandIn;
  readonly clock: WarpClock | null;
  readonly #tokens = new Set<string>();

  constructor(options: { warp?: boolean } = {}) {
    super();
    this.clock = options.warp ? new WarpClock() : null;
    const clock = this.clock;
    this.gh = new GitHubStandIn(clock ? { now: () => clock.now() } : {});
  }

  /** Now on the world's clock (the stand-in's and the apps'). */
  now(): number {
    return this.clock ? this.clock.now() : Date.now();
  }

  override async startApp(options: Partial<AppOptions> = {}): Promise<AppProcess> {
    return super.startApp({
      logLevel: "info",
      ...options,
      env: { LOG_FORMAT: "json", ...this.clock?.env(), ...options.env },
    });
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.clock?.dispose();
  }

  /** Moves the clock forward (a WarpClock world only). */
  jump(ms: number): void {
    if (!this.clock) throw new Error("this world runs on the wall clock");
    this.clock.jump(ms, this.apps);
  }

  override appRequests(filter: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] {
    return super.appRequests(
      (r) => !this.#tokens.has(String(r.headers.authorization ?? "").replace(/^token /, "")) && filter(r),
    );
  }

  /**
   * `login` calls the REST API on the issue (`path` below `/repos/OWNER/REPO/issues/N`), as a
   * person with triage access does from the issue page; returns the webhook events GitHub emits
   * for it (sender `login`), to be delivered by the test.
   */
  async act(
    repo: string,
    n: number,
    login: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Array<{ name: string; guid: string; payload: Json }>> {
    const token = `ghp_e2e_${login}`;
    this.#tokens.add(token);
    this.gh.setTokenUser(token, { login, type: "User" });
    const before = this.gh.apiEvents().length;
    const res = await fetch(`${this.gh.apiUrl}/repos/${OWNER}/${repo}/issues/${n}${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        accept: "application/vnd.github+json",
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok)
      throw new Error(`${method} ${repo}#${n}${path} as ${login}: ${res.status} ${await res.text()}`);
    return this.gh
      .apiEvents()
      .slice(before)
      .filter((e) => (e.payload as { sender?: { login?: string } }).sender?.login === login) as Array<{
      name: string;
      guid: string;
      payload: Json;
    }>;
  }

  /** The engineer adds a label; returns the one `issues.labeled` event. */
  async addLabelAs(repo: string, n: number, label: string, login = ENGINEER.login) {
    const events = await this.act(repo, n, login, "POST", "/labels", { labels: [label] });
    return only(events, `issues.labeled ${label}`);
  }

  /** The engineer closes (`closed`) or reopens (`open`) the issue; returns the one event. */
  async setStateAs(repo: string, n: number, state: "open" | "closed", login = ENGINEER.login) {
    const events = await this.act(repo, n, login, "PATCH", "", { state });
    return only(events, `issues.${state === "open" ? "reopened" : "closed"}`);
  }

  /** A comment on the issue (stored with the world's clock); returns it with its webhook payload. */
  comment(repo: string, n: number, by: "customer" | "engineer", body: string) {
    const seed =
      by === "customer"
        ? { body, user: CUSTOMER, author_association: "NONE" }
        : { body, user: ENGINEER, author_association: "MEMBER" };
    const comment = this.gh.addComment(OWNER, repo, n, seed) as Comment;
    return {
      comment,
      at: Date.parse(comment.created_at),
      payload: this.gh.commentEvent("created", OWNER, repo, comment.id),
    };
  }

  /** The app's comments on the issue carrying this marker. */
  marked(repo: string, n: number, marker: string): Comment[] {
    return this.appComments(OWNER, repo, n).filter((c) => c.body.includes(marker)) as Comment[];
  }

  /** The app's timer comments on the issue (any metric, level, repeat), oldest first. */
  timerComments(repo: string, n: number, metric?: string): Comment[] {
    const prefix = `<!-- support-sla:timer ${metric ?? ""}`;
    return this.appComments(OWNER, repo, n).filter((c) => c.body.includes(prefix)) as Comment[];
  }

  /** Slack messages (their `text`) that name this issue, optionally only those matching `pattern`. */
  slackTexts(repo: string, n: number, pattern?: RegExp): string[] {
    return this.slack
      .messages()
      .map((m) => String((m as { text?: unknown }).text ?? JSON.stringify(m)))
      .filter((t) => t.includes(`${OWNER}/${repo}#${n} `))
      .filter((t) => pattern === undefined || pattern.test(t));
  }

  /** PagerDuty events accepted for the issue (its dedup key names it), by action. */
  pdEvents(repo: string, n: number, action: "trigger" | "acknowledge" | "resolve"): unknown[] {
    return this.pd
      .requests((r) => r.method === "POST" && r.status === 202)
      .map((r) => r.body as { event_action?: string; dedup_key?: string })
      .filter(
        (b) =>
          b.event_action === action && new RegExp(`${OWNER}/${repo}#${n}(:|$)`).test(String(b.dedup_key)),
      );
  }

  /** The app's writes of one kind on the issue: `POST …/comments`, `DELETE …/labels/<name>`… */
  issueWrites(repo: string, n: number, method: string, tail: string): RecordedRequest[] {
    const path = `/repos/${OWNER}/${repo}/issues/${n}${tail}`.toLowerCase();
    return this.appRequests(
      (r) => r.method === method && decodeURIComponent(r.path).toLowerCase() === path && r.status < 300,
    );
  }
}

function only<T>(events: T[], what: string): T {
  if (events.length !== 1) throw new Error(`expected one ${what} event, got ${events.length}`);
  return events[0] as T;
}

/** JSON log lines of the app whose message matches. */
export function logLines(app: AppProcess, msg: RegExp): Array<Record<string, unknown>> {
  return app
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((l) => msg.test(String(l.msg)));
}

/** The log lines of every app of the world (replicas, restarts). */
export function worldLogLines(w: World, msg: RegExp): Array<Record<string, unknown>> {
  return w.apps.flatMap((a) => logLines(a, msg));
}

/** A world per test, stopped after it whatever happened. */
export function worlds() {
  let all: TimersWorld[] = [];
  return {
    async create(options: { warp?: boolean } = {}): Promise<TimersWorld> {
      requireBuiltApp();
      const w = new TimersWorld(options);
      all.push(w);
      await w.start();
      return w;
    },
    async stopAll(): Promise<void> {
      await Promise.allSettled(all.map((w) => w.stop()));
      all = [];
    },
  };
}

/** A business clock that never closes: deadlines as on the calendar clock, but no page at intake. */
export function alwaysOpen(): string[] {
  const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  return ["business_hours:", ...days.map((d) => `  ${d}: ["00:00-24:00"]`)];
}

/** Waits `ms`, then checks that `probe` still holds what it held before (nothing late showed up). */
export async function expectStill<T>(probe: () => T, ms = SETTLE_MS, context?: () => string): Promise<void> {
  const before = probe();
  await settle(ms);
  expect(probe(), context?.()).toEqual(before);
}

/**
 * How many deliveries of `event` the app has applied (`support_sla_webhooks_total` with outcome
 * `handled`, from GET /metrics): a delivery that changed nothing visible was still processed.
 */
export async function handledDeliveries(app: AppProcess, event: string): Promise<number> {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`support_sla_webhooks_total{event="${event}",outcome="handled"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** The handle the repeating `lead` level mentions. */
export const LEAD = "@acme/leads";
/** From the issue's creation to `lead` r0 in repeatingLadderConfig. */
export const LEAD_AFTER_MS = 13_000;
/** The repeat of the `lead` level: the shortest the config accepts. */
export const REPEAT_MS = 5 * 60_000;

/**
 * A ladder that keeps going until someone acts (the README's example, with seconds): at risk at
 * 50 % of a 10 s first response, the breach at 100 %, then `lead` 3 s after the deadline (a
 * comment to the leads and the assignees, Slack, a page) repeating every 5 minutes until met.
 * (Seconds apart, not less: levels due at once fire only the last, and an intake may wait a few
 * seconds behind the startup reconciliation of another replica.)
 */
export function repeatingLadderConfig(): string {
  return [
    ...alwaysOpen(),
    "priorities:",
    "  urgent: { response: 10s, clock: business }",
    "escalation:",
    `  mention: ["${MENTION}"]`,
    "  levels:",
    `    - { name: at-risk, at: 50%, label: "${AT_RISK}", slack: true }`,
    `    - { name: breach, at: 100%, label: "${BREACHED}", comment: true, slack: true }`,
    "    - name: lead",
    '      at: "+3s"',
    "      comment: true",
    `      mention: ["${LEAD}"]`,
    "      assignees: true",
    "      slack: true",
    "      page: true",
    "      repeat: 5m",
    "",
  ].join("\n");
}

/** How many comments of each firing of the first response's `lead` level the issue has: `[r0, r1, …]`. */
export function leadFirings(w: TimersWorld, repo: string, n: number, upTo = 4): number[] {
  return Array.from(
    { length: upTo },
    (_, r) => w.marked(repo, n, timerMarker("first_response", 1, "lead", r)).length,
  );
}

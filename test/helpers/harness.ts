import { randomUUID } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import nock from "nock";
import { type Logger, pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { RepoSetupCache } from "../../src/github/repo-setup.js";
import { TeamMembership } from "../../src/github/team-members.js";
import { type AppDeps, CalendarCache, type Runtime } from "../../src/handlers/deps.js";
import { KeyedMutex } from "../../src/helpers/keyed-mutex.js";
import { createApp } from "../../src/index.js";
import type { Notifiers } from "../../src/notify/index.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { openStore, type Store } from "../../src/store/db.js";
import { generatePrivateKey } from "../standin/keys.js";
import { INSTALLATION_ID, OWNER, REPO } from "./payloads.js";
import { shippedForms } from "./shipped-forms.js";

export const API = "https://api.github.com";
export const SHIPPED_FORMS_DIR = join(import.meta.dirname, "../../.github/ISSUE_TEMPLATE");

/** File name → text of every file the app ships in `.github/ISSUE_TEMPLATE/` (config.yml included). */
export function shippedFormTexts(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(SHIPPED_FORMS_DIR).sort())
    out[f] = readFileSync(join(SHIPPED_FORMS_DIR, f), "utf8");
  return out;
}

/** One JSON log line as pino writes it: `level` (10 trace … 60 fatal), `msg`, and the line's fields. */
export type LogLine = { level: number; msg?: string } & Record<string, unknown>;

/** pino's numeric levels. */
export const LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

/**
 * A pino logger (the app's and Probot's) whose JSON lines are parsed into `lines`, at every level
 * down to trace: tests read what an operator would, and what only debug shows.
 */
export function captureLogs(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino(
    { level: "trace", serializers: { err: pino.stdSerializers.err } },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as LogLine) },
  );
  return { log, lines };
}

export interface Harness {
  probot: Probot;
  /** Every log line, when the harness was created with `captureLogs`; empty otherwise. */
  logs: LogLine[];
  store: Store;
  setups: RepoSetupCache;
  runtime: Runtime;
  clock: { now: () => number; set(iso: string): void };
  /** Delivers a webhook and waits until the inbox has applied it. */
  receive(name: string, payload: object, id?: string): Promise<void>;
  /** Runs the scheduler over everything due at the harness clock's now. */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  now?: string;
  /** Share a store between harnesses to play several replicas. */
  store?: Store;
  owner?: string;
  notifiers?: Notifiers;
  failpoint?: (name: string) => void;
  /** Capture every log line in `logs` (pino JSON at trace level) instead of logging nothing. */
  captureLogs?: boolean;
  /**
   * Keep Probot's Octokit retry plugin on (3 retries after 1, 4 and 9 s, as in production), to
   * check that the app's own retries, not the plugin's, handle GitHub failures. Throttling stays off.
   */
  githubRetry?: boolean;
}

/** A Probot with the app loaded, an in-memory store, Octokit retry/throttle off, a settable clock. */
export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  let current = Date.parse(options.now ?? "2026-11-27T15:31:00Z");
  const clock = {
    now: () => current,
    set: (iso: string) => {
      current = Date.parse(iso);
    },
  };
  const store = options.store ?? (await openStore("sqlite::memory:"));
  // Tests move the clock by days: the cache lives as long as the test.
  const setups = new RepoSetupCache({
    ttlMs: 365 * 86_400_000,
    fallbackForms: shippedForms(),
    now: clock.now,
  });
  const capture = options.captureLogs ? captureLogs() : null;
  const probot = new Probot({
    appId: 1,
    privateKey: generatePrivateKey(),
    ...(capture ? { log: capture.log } : { logLevel: "fatal" as const }),
    // A function default runs after Probot's own, so retry and throttling really stay off.
    Octokit: ProbotOctokit.defaults((defaults: Record<string, unknown>) => ({
      ...defaults,
      ...(options.githubRetry ? {} : { retry: { enabled: false } }),
      throttle: { ...(defaults.throttle as object), enabled: false },
    })),
  });
  let runtime: Runtime | undefined;
  const deps: AppDeps = {
    store,
    setups,
    calendars: new CalendarCache(),
    clock,
    issueLocks: new KeyedMutex(),
    owner: options.owner ?? "test-process",
    notifiers: options.notifiers ?? { slack: null, pagerduty: null },
    teams: new TeamMembership(60_000, clock.now),
    metrics: new Metrics(),
    failpoint: options.failpoint ?? (() => {}),
    autostart: false,
  };
  await probot.load(
    createApp(deps, (r) => {
      runtime = r;
    }),
  );
  if (!runtime) throw new Error("the app did not start its runtime");
  const rt = runtime;
  return {
    probot,
    logs: capture?.lines ?? [],
    store,
    setups,
    runtime: rt,
    clock,
    receive: async (name, payload, id = randomUUID()) => {
      await probot.receive({ name, id, payload } as unknown as Parameters<Probot["receive"]>[0]);
      await rt.inbox.drain();
    },
    tick: () => rt.scheduler.drain(),
    close: () => store.close(),
  };
}

/** The installation token Probot asks for once per installation (then cached). */
export function mockToken(scope = nock(API)) {
  return scope
    .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
    .reply(201, { token: "ghs_test", expires_at: "2999-01-01T00:00:00Z", permissions: { issues: "write" } });
}

export interface SetupSpec {
  /** The repo's `.github/support-sla.yml`; absent → 404 in the repo and in the org's `.github` repo. */
  config?: string;
  /** File name → text under `.github/ISSUE_TEMPLATE/`; absent → the directory is missing. */
  forms?: Record<string, string>;
  /**
   * Labels that already exist in the repo, besides `status: waiting for customer` (the team's
   * label the app creates at the first intake: src/github/labels.ts, teamLabels), which is always there.
   */
  labels?: string[];
  ref?: string;
}

/** The reads that load one repo's setup: config (repo, then org `.github`), forms, labels. */
export function mockSetupReads(spec: SetupSpec, scope = nock(API)) {
  const configPath = (repo: string) =>
    new RegExp(`^/repos/${OWNER}/${repo.replace(".", "\\.")}/contents/\\.github(/|%2F)support-sla\\.yml`);
  if (spec.config === undefined) {
    scope.get(configPath(REPO)).query(true).reply(404, { message: "Not Found" });
    scope.get(configPath(".github")).query(true).reply(404, { message: "Not Found" });
  } else {
    // Read once, as text (problems carry their YAML line).
    scope
      .get(configPath(REPO))
      .query(true)
      .reply(200, spec.config, { "content-type": "text/plain; charset=utf-8" });
  }
  const dir = /^\/repos\/acme\/support\/contents\/\.github(\/|%2F)ISSUE_TEMPLATE(\?|$)/;
  if (spec.forms === undefined) {
    scope.get(dir).query(true).reply(404, { message: "Not Found" });
  } else {
    const forms = spec.forms;
    scope
      .get(dir)
      .query(true)
      .reply(
        200,
        Object.keys(forms).map((name) => ({ type: "file", name, path: `.github/ISSUE_TEMPLATE/${name}` })),
      );
    for (const [name, text] of Object.entries(forms)) {
      scope
        .get(
          new RegExp(
            `^/repos/acme/support/contents/\\.github(/|%2F)ISSUE_TEMPLATE(/|%2F)${name.replace(".", "\\.")}`,
          ),
        )
        .query(true)
        .reply(200, text, { "content-type": "text/plain; charset=utf-8" });
    }
  }
  if (!spec.ref) {
    scope
      .get(`/repos/${OWNER}/${REPO}/labels`)
      .query(true)
      .reply(
        200,
        [...(spec.labels ?? []), "status: waiting for customer"].map((name, i) => ({
          id: i + 1,
          name,
          color: "ededed",
          description: "",
        })),
      );
  }
  return scope;
}

/** Records the JSON bodies sent to one mocked endpoint: pass `match` as nock's body matcher. */
export function recorder() {
  const bodies: Array<Record<string, unknown>> = [];
  return {
    bodies,
    match: (b: Record<string, unknown>) => {
      bodies.push(b);
      return true;
    },
  };
}

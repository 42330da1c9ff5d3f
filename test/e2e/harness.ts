import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { GitHubStandIn } from "../standin/github.js";
import { generatePrivateKey } from "../standin/keys.js";
import type { PagerDutyStandIn, SlackStandIn } from "../standin/receivers.js";
import { sendWebhook, type WebhookResponse } from "../standin/webhook.js";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
/**
 * The built server. `SUPPORT_SLA_TEST_DIST` (a folder beside dist/, e.g. `.dist-mine`, built with
 * `npx tsc -p tsconfig.build.json --outDir .dist-mine`) runs another build without touching dist/.
 */
export const BUILT_MAIN = join(REPO_ROOT, process.env.SUPPORT_SLA_TEST_DIST ?? "dist", "main.js");
export const WEBHOOK_PATH = "/api/github/webhooks";
export const ROUTING_KEY = "e2e0routing0key0000000000000000a";

/** The e2e tests run the server as `npm start` does, from the build; they never build it themselves. */
export function requireBuiltApp(): string {
  if (!existsSync(BUILT_MAIN)) {
    throw new Error(
      `${BUILT_MAIN} is missing: the end-to-end tests run the built server exactly as \`npm start\` does. ` +
        "Run `npm run build` first (`npm test` does it for you).",
    );
  }
  return BUILT_MAIN;
}

/** A port nobody listens on right now: the OS picks one, we close it and hand it to the app. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/** To assert that nothing more happens: give asynchronous work (an inbox, a scheduler) time to act. */
export const settle = sleep;

export interface WaitOptions {
  /** Default 15 s. */
  timeoutMs?: number;
  /** Default 100 ms. */
  intervalMs?: number;
  /** What we were waiting for, for the timeout message (a function is called at the timeout). */
  message?: string | (() => string);
  /** Extra context appended to the timeout message (app output, request log...). */
  diagnostics?: () => string;
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | "">;

/**
 * Polls `probe` until it returns a truthy value (returned) or the time is up (throws, with the last
 * value or error). A probe that throws counts as "not yet". Effects are never assumed to be done
 * when a webhook's HTTP response returns: the app may acknowledge first and work later.
 */
export async function waitFor<T>(probe: () => T | Promise<T>, options: WaitOptions = {}): Promise<Truthy<T>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (last) return last as Truthy<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const what =
    typeof options.message === "function"
      ? options.message()
      : (options.message ?? probe.toString().slice(0, 200));
  const detail =
    lastError !== undefined
      ? `last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      : `last value: ${JSON.stringify(last)}`;
  const extra = options.diagnostics ? `\n${options.diagnostics()}` : "";
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})${extra}`);
}

export interface AppOptions {
  github: GitHubStandIn;
  slack?: SlackStandIn | null;
  pagerDuty?: PagerDutyStandIn | null;
  /** Default `sqlite:<temp dir>/e2e.db`. */
  databaseUrl?: string;
  /** WEBHOOK_SECRET; default random. */
  secret?: string;
  /** Default `warn`. */
  logLevel?: string;
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Point the stand-in's webhook target (redeliveries) at this app. Default true. */
  registerWebhook?: boolean;
  /** Default 30 s. */
  readyTimeoutMs?: number;
  /** Shown in captured output, e.g. `replica-a`. */
  name?: string;
}

export interface SendOptions {
  /** X-GitHub-Delivery; default a random UUID. */
  id?: string;
  /** Sign with this secret instead of the app's. */
  secret?: string;
  /** A string is sent as the signature header as is; null sends none. */
  signature?: string | null;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Variables Probot or the app read that must come from the test, never from the developer's shell. */
const FOREIGN_ENV = [
  /^VITEST/,
  /^(NODE_ENV|PRIVATE_KEY_PATH|WEBHOOK_PROXY_URL|WEBHOOK_PATH|REDIS_URL|SENTRY_DSN|PUBLIC_URL|GH_ORG)$/,
  /^(LOG_FORMAT|LOG_LEVEL_IN_STRING|LOG_MESSAGE_KEY|TEST_DATABASE_URL)$/,
];
const OUTPUT_LIMIT = 256 * 1024;
const live = new Set<AppProcess>();

// A crashed test runner must not leave servers behind.
process.once("exit", () => {
  for (const app of live) app.child?.kill("SIGKILL");
});

/** The built app (`node dist/main.js`) as a child process, wired to the stand-ins. */
export class AppProcess {
  readonly name: string;
  readonly tempDir: string;
  readonly databaseUrl: string;
  /** The SQLite file when DATABASE_URL is `sqlite:`, else null. */
  readonly sqlitePath: string | null;
  readonly secret: string;
  child: ChildProcess | undefined;
  #port: number;
  #env: NodeJS.ProcessEnv;
  #output = "";
  #exit: Promise<Exit> | undefined;
  #lastExit: Exit | undefined;
  #stopped = false;

  private constructor(
    readonly options: AppOptions,
    port: number,
  ) {
    this.name = options.name ?? "app";
    this.tempDir = mkdtempSync(join(tmpdir(), "support-sla-e2e-"));
    this.#port = port;
    this.secret = options.secret ?? randomBytes(16).toString("hex");
    this.databaseUrl = options.databaseUrl ?? `sqlite:${join(this.tempDir, "e2e.db")}`;
    const sqlite = /^sqlite:(.+)$/.exec(this.databaseUrl)?.[1];
    this.sqlitePath = sqlite && sqlite !== ":memory:" ? resolve(REPO_ROOT, sqlite) : null;
    this.#env = this.#buildEnv();
  }

  /** Starts the app and resolves once it answers HTTP (and `/healthz`, when it has one, says ready). */
  static async start(options: AppOptions): Promise<AppProcess> {
    requireBuiltApp();
    const app = new AppProcess(options, await freePort());
    live.add(app);
    try {
      await app.#spawn();
      if (options.registerWebhook ?? true) {
        options.github.setWebhookTarget({ url: app.webhookUrl, secret: app.secret });
      }
    } catch (error) {
      await app.stop();
      throw error;
    }
    return app;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get webhookUrl(): string {
    return `${this.url}${WEBHOOK_PATH}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.#lastExit === undefined;
  }

  /** Everything the app printed (stdout and stderr, all runs), for failure messages. */
  output(): string {
    return this.#output;
  }

  /** POSTs one delivery as GitHub does: JSON body, `x-hub-signature-256`, a delivery id. */
  async send(
    event: string,
    payload: unknown,
    options: SendOptions = {},
  ): Promise<WebhookResponse & { id: string }> {
    const id = options.id ?? randomUUID();
    const response = await sendWebhook(this.webhookUrl, {
      name: event,
      id,
      payload,
      secret: options.secret ?? this.secret,
      ...(options.signature !== undefined ? { signature: options.signature } : {}),
      headers: {
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-type": "integration",
        "x-github-hook-installation-target-id": String(this.options.github.appId),
      },
    });
    return { ...response, id };
  }

  /**
   * Sends `signal` and waits for the process to exit. SIGKILL simulates a crash; SIGTERM asks for a
   * graceful shutdown, which must finish within `timeoutMs` (then the process is killed and this throws).
   */
  async kill(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<Exit> {
    const child = this.child;
    const exit = this.#exit;
    if (!child || !exit) throw new Error(`${this.name} was never started`);
    if (this.#lastExit) return this.#lastExit;
    child.kill(signal);
    const timer = sleep(timeoutMs).then(() => null);
    const result = await Promise.race([exit, timer]);
    if (result) return result;
    child.kill("SIGKILL");
    await exit;
    throw new Error(`${this.name} did not exit within ${timeoutMs} ms of ${signal}\n${this.output()}`);
  }

  /** Starts the app again with the same environment and database (same port unless `newPort`). */
  async restart(options: { newPort?: boolean; signal?: NodeJS.Signals } = {}): Promise<void> {
    if (this.running) await this.kill(options.signal ?? "SIGTERM");
    if (options.newPort) {
      this.#port = await freePort();
      this.#env = this.#buildEnv();
      if (this.options.registerWebhook ?? true) {
        this.options.github.setWebhookTarget({ url: this.webhookUrl, secret: this.secret });
      }
    }
    await this.#spawn();
  }

  /** Kills the process (gracefully, then by force) and removes the temp dir. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.running) {
      await this.kill("SIGTERM", 5_000).catch(() => undefined);
    }
    live.delete(this);
    rmSync(this.tempDir, { recursive: true, force: true });
  }

  #buildEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!FOREIGN_ENV.some((re) => re.test(k))) env[k] = v;
    }
    const gh = this.options.github;
    Object.assign(env, {
      APP_ID: String(gh.appId),
      PRIVATE_KEY: generatePrivateKey(),
      WEBHOOK_SECRET: this.secret,
      PORT: String(this.#port),
      HOST: "127.0.0.1",
      GHE_HOST: `127.0.0.1:${gh.port}`,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: this.options.logLevel ?? "warn",
      DATABASE_URL: this.databaseUrl,
    });
    delete env.SLACK_WEBHOOK_URL;
    delete env.PAGERDUTY_ROUTING_KEY;
    delete env.PAGERDUTY_EVENTS_URL;
    if (this.options.slack) env.SLACK_WEBHOOK_URL = this.options.slack.webhookUrl;
    if (this.options.pagerDuty) {
      env.PAGERDUTY_ROUTING_KEY = ROUTING_KEY;
      env.PAGERDUTY_EVENTS_URL = this.options.pagerDuty.eventsUrl;
    }
    for (const [k, v] of Object.entries(this.options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  async #spawn(): Promise<void> {
    this.#lastExit = undefined;
    this.#append(`--- ${this.name}: node dist/main.js on port ${this.#port} ---\n`);
    const child = spawn(process.execPath, [BUILT_MAIN], {
      cwd: REPO_ROOT,
      env: this.#env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (chunk: Buffer) => this.#append(chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => this.#append(chunk.toString("utf8")));
    this.#exit = new Promise<Exit>((done) => {
      child.once("exit", (code, signal) => {
        this.#lastExit = { code, signal };
        this.#append(`--- ${this.name}: exited (code ${code}, signal ${signal}) ---\n`);
        done(this.#lastExit);
      });
      child.once("error", (error) => {
        this.#lastExit = { code: null, signal: null };
        this.#append(`--- ${this.name}: could not start: ${error.message} ---\n`);
        done(this.#lastExit);
      });
    });
    await this.#waitReady();
  }

  async #waitReady(): Promise<void> {
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (this.#lastExit) {
        const exit = JSON.stringify(this.#lastExit);
        throw new Error(
          `${this.name} exited before it was ready (${exit})\n--- output ---\n${this.output()}`,
        );
      }
      try {
        const ping = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1_000) });
        await ping.arrayBuffer();
        last = `GET /ping: ${ping.status}`;
        if (ping.status === 200) {
          // Once /healthz exists it is the readiness signal (database reachable, scheduler alive).
          const health = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
          await health.arrayBuffer();
          last = `GET /healthz: ${health.status}`;
          if (health.status === 404 || health.ok) return;
        }
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(50);
    }
    throw new Error(
      `${this.name} did not become ready within ${timeoutMs} ms (${last})\n--- output ---\n${this.output()}`,
    );
  }

  #append(text: string): void {
    this.#output += text;
    if (this.#output.length > OUTPUT_LIMIT) this.#output = this.#output.slice(-OUTPUT_LIMIT);
  }
}

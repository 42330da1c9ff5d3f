// Shared by scripts/demo.mjs and the benchmarks in bench/: the built app (`node dist/main.js`, as
// `npm start` runs it) as a child process, wired to the local GitHub, Slack and PagerDuty stand-ins
// (test/standin, compiled to dist-standin/ by `tsc -p tsconfig.standin.json`). Everything listens on
// 127.0.0.1; nothing reaches the network.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

export const ROOT = resolve(import.meta.dirname, "../..");
/**
 * The build to run: dist/, or with `SUPPORT_SLA_TEST_DIST=.dist-mine` another one beside it (as in
 * the e2e harness); `SUPPORT_SLA_STANDIN_DIST` likewise for the compiled stand-ins.
 */
export const DIST = process.env.SUPPORT_SLA_TEST_DIST ?? "dist";
export const STANDIN_DIST = process.env.SUPPORT_SLA_STANDIN_DIST ?? "dist-standin";
export const BUILT_MAIN = join(ROOT, DIST, "main.js");
export const BUILT_CLI = join(ROOT, DIST, "cli.js");
export const STANDIN_DIR = join(ROOT, STANDIN_DIST);
export const FORMS_DIR = join(ROOT, ".github/ISSUE_TEMPLATE");
export const WEBHOOK_PATH = "/api/github/webhooks";
export const ROUTING_KEY = "demo0routing0key000000000000000a";

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** Fails early, with the commands to run, when the app or the stand-ins are not built. */
export function requireBuilt() {
  const missing = [BUILT_MAIN, join(STANDIN_DIR, "github.js")].filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(" and ")} missing: build first with \`npm run build && npx tsc -p tsconfig.standin.json\``,
    );
  }
}

/** Imports a built module by its path from the repository root, e.g. `dist/store/db.js`. */
export function importBuilt(path) {
  return import(pathToFileURL(join(ROOT, path)).href);
}

/** The compiled stand-ins and the app's built modules the scripts use. */
export async function loadStandIns() {
  requireBuilt();
  const [github, receivers, webhook, keys] = await Promise.all([
    importBuilt(`${STANDIN_DIST}/github.js`),
    importBuilt(`${STANDIN_DIST}/receivers.js`),
    importBuilt(`${STANDIN_DIST}/webhook.js`),
    importBuilt(`${STANDIN_DIST}/keys.js`),
  ]);
  return {
    GitHubStandIn: github.GitHubStandIn,
    SlackStandIn: receivers.SlackStandIn,
    PagerDutyStandIn: receivers.PagerDutyStandIn,
    sendWebhook: webhook.sendWebhook,
    signPayload: webhook.signPayload,
    generatePrivateKey: keys.generatePrivateKey,
  };
}

/** A port nobody listens on right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  const { port } = server.address();
  await new Promise((done) => server.close(() => done()));
  return port;
}

/**
 * Polls `probe` until it returns something truthy (returned) or `timeoutMs` passes (throws with
 * `what`). A probe that throws counts as "not yet".
 */
export async function waitFor(probe, { timeoutMs = 15_000, intervalMs = 100, what = "a condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const why = lastError ? ` (last error: ${lastError.message ?? lastError})` : "";
  throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}${why}`);
}

/** Variables of the developer's shell that must not leak into the app under test. */
const FOREIGN_ENV = [
  /^VITEST/,
  /^(NODE_ENV|PRIVATE_KEY_PATH|WEBHOOK_PROXY_URL|WEBHOOK_PATH|REDIS_URL|SENTRY_DSN)$/,
  /^(LOG_FORMAT|LOG_LEVEL_IN_STRING|LOG_MESSAGE_KEY|TEST_DATABASE_URL|SUPPORT_SLA_FAILPOINT)$/,
  /^(SLACK_WEBHOOK_URL|PAGERDUTY_ROUTING_KEY|PAGERDUTY_EVENTS_URL|DATABASE_URL|GHE_HOST|GHE_PROTOCOL)$/,
];
const OUTPUT_LIMIT = 512 * 1024;
const live = new Set();

process.once("exit", () => {
  for (const app of live) app.child?.kill("SIGKILL");
});

/** The built app as a child process. `stop()` always ends it (SIGTERM, then SIGKILL). */
export class AppProcess {
  #output = "";
  #exited = null;
  #exit;

  constructor(options, port) {
    this.options = options;
    this.port = port;
    this.secret = options.secret ?? randomBytes(16).toString("hex");
    this.tempDir = options.tempDir ?? mkdtempSync(join(tmpdir(), "support-sla-run-"));
    this.ownsTempDir = options.tempDir === undefined;
    this.databaseUrl = options.databaseUrl ?? `sqlite:${join(this.tempDir, "app.db")}`;
    this.child = undefined;
  }

  /** Starts `node dist/main.js` and resolves once GET /healthz answers 200. */
  static async start(options) {
    requireBuilt();
    const app = new AppProcess(options, await freePort());
    live.add(app);
    try {
      await app.#spawn();
    } catch (error) {
      await app.stop();
      throw error;
    }
    options.github.setWebhookTarget({ url: app.webhookUrl, secret: app.secret });
    return app;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  get webhookUrl() {
    return `${this.url}${WEBHOOK_PATH}`;
  }

  get running() {
    return this.child !== undefined && this.#exited === null;
  }

  output() {
    return this.#output;
  }

  /** The app's output without pino's multi-line payload dumps, for error messages. */
  condensedOutput(lines = 60) {
    return this.#output
      .split("\n")
      .filter((line) => !/^\s{8,}/.test(line))
      .slice(-lines)
      .join("\n");
  }

  env() {
    const env = {};
    for (const [k, v] of Object.entries(process.env)) if (!FOREIGN_ENV.some((re) => re.test(k))) env[k] = v;
    const { github, slack, pagerDuty, generatePrivateKey } = this.options;
    Object.assign(env, {
      APP_ID: String(github.appId),
      PRIVATE_KEY: generatePrivateKey(),
      WEBHOOK_SECRET: this.secret,
      PORT: String(this.port),
      HOST: "127.0.0.1",
      GHE_HOST: `127.0.0.1:${github.port}`,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: this.options.logLevel ?? "warn",
      DATABASE_URL: this.databaseUrl,
      SUPPORT_SLA_INSTANCE: this.options.instance ?? `run-${randomUUID().slice(0, 8)}`,
    });
    if (slack) env.SLACK_WEBHOOK_URL = slack.webhookUrl;
    if (pagerDuty) {
      env.PAGERDUTY_ROUTING_KEY = ROUTING_KEY;
      env.PAGERDUTY_EVENTS_URL = pagerDuty.eventsUrl;
    }
    for (const [k, v] of Object.entries(this.options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  async #spawn() {
    const child = spawn(process.execPath, [BUILT_MAIN], {
      cwd: ROOT,
      env: this.env(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    const append = (chunk) => {
      this.#output += chunk.toString("utf8");
      if (this.#output.length > OUTPUT_LIMIT) this.#output = this.#output.slice(-OUTPUT_LIMIT);
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);
    this.#exit = new Promise((done) => {
      child.once("exit", (code, signal) => {
        this.#exited = { code, signal };
        done(this.#exited);
      });
      child.once("error", (error) => {
        this.#exited = { code: null, signal: null, error: error.message };
        done(this.#exited);
      });
    });
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 30_000);
    let last = "no answer yet";
    while (Date.now() < deadline) {
      if (this.#exited) {
        throw new Error(
          `the app exited before it was ready (${JSON.stringify(this.#exited)})\n${this.condensedOutput()}`,
        );
      }
      try {
        const res = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) });
        last = `GET /healthz: ${res.status} ${await res.text()}`;
        if (res.ok) return;
      } catch (error) {
        last = error.message;
      }
      await sleep(50);
    }
    throw new Error(`the app did not become ready (${last})\n${this.condensedOutput()}`);
  }

  /** GET /metrics, as text. */
  async metrics() {
    const res = await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
    return await res.text();
  }

  /** SIGTERM (graceful), then SIGKILL after `timeoutMs`; removes the temp dir it made. Safe to call twice. */
  async stop(timeoutMs = 5_000) {
    if (this.running) {
      this.child.kill("SIGTERM");
      const done = await Promise.race([this.#exit, sleep(timeoutMs).then(() => null)]);
      if (!done) {
        this.child.kill("SIGKILL");
        await this.#exit;
      }
    }
    live.delete(this);
    if (this.ownsTempDir) rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** Runs `cleanup` once on SIGINT/SIGTERM (then exits 130/143) or when `main` ends; returns main's exit code. */
export async function runMain(main, cleanup) {
  let cleaned = false;
  const clean = async () => {
    if (cleaned) return;
    cleaned = true;
    await cleanup().catch((error) => console.error(`clean-up failed: ${error.message}`));
  };
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ]) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the app and the stand-ins`);
      clean().finally(() => process.exit(code));
    });
  }
  let code = 0;
  try {
    code = (await main()) ?? 0;
  } catch (error) {
    console.error(`\nFAILED: ${error.message ?? error}`);
    code = 1;
  }
  await clean();
  return code;
}

// ---- issue forms -------------------------------------------------------------------------------

/** The shipped forms: file name → { text, form } (parsed with the app's own parser). */
export async function shippedForms() {
  const { parseIssueForm } = await importBuilt(`${DIST}/domain/forms/form.js`);
  const out = {};
  for (const file of readdirSync(FORMS_DIR).sort()) {
    const text = readFileSync(join(FORMS_DIR, file), "utf8");
    const parsed = parseIssueForm(text);
    out[file] = { text, form: parsed.ok ? parsed.form : null };
  }
  return out;
}

function renderField(field, answer) {
  const empty = answer === undefined || answer.length === 0;
  switch (field.type) {
    case "checkboxes": {
      const ticked = Array.isArray(answer) ? answer : answer ? [answer] : [];
      return field.options.map((o) => `- [${ticked.includes(o.label) ? "X" : " "}] ${o.label}`).join("\n");
    }
    case "dropdown":
      return empty ? "_No response_" : Array.isArray(answer) ? answer.join(", ") : answer;
    case "textarea": {
      if (empty) return "_No response_";
      const text = Array.isArray(answer) ? answer.join("\n") : answer;
      return field.render === null ? text : `\`\`\`${field.render}\n${text}\n\`\`\``;
    }
    default:
      return empty ? "_No response_" : Array.isArray(answer) ? answer.join(" ") : answer;
  }
}

/** The issue body GitHub writes when a form is submitted: `### Label`, blank line, answer (by field id). */
export function renderBody(form, answers) {
  return form.fields.map((f) => `### ${f.label}\n\n${renderField(f, answers[f.id ?? f.label])}\n\n`).join("");
}

/**
 * A repo in the GitHub stand-in with the shipped forms, optionally a `.github/support-sla.yml`,
 * and the labels given (as a repo set up by `support-sla init` and an earlier intake would have).
 */
export function seedRepo(gh, forms, owner, repo, { config, labels = [] } = {}) {
  gh.addRepo(owner, repo);
  for (const [file, { text }] of Object.entries(forms)) {
    gh.setFile(owner, repo, `.github/ISSUE_TEMPLATE/${file}`, text);
  }
  if (config !== undefined) gh.setFile(owner, repo, ".github/support-sla.yml", config);
  for (const label of labels) gh.addLabel(owner, repo, label);
}

/** Every label the app owns under the default policy, with its colour and description. */
export async function defaultLabels() {
  const { defaultPolicy } = await importBuilt(`${DIST}/config/load.js`);
  const { ownedLabels } = await importBuilt(`${DIST}/github/labels.js`);
  return ownedLabels(defaultPolicy());
}

/** Points a payload at another installation (the stand-in builds every payload for its default one). */
export function forInstallation(payload, installationId) {
  return {
    ...payload,
    installation: {
      id: installationId,
      node_id: Buffer.from(`Installation${installationId}`).toString("base64"),
    },
  };
}

// ---- numbers -----------------------------------------------------------------------------------

/** Nearest-rank percentile of an unsorted list of numbers (q in 0..1); NaN when empty. */
export function percentile(values, q) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Parses `--name value` / `--name=value` flags into numbers or strings, with defaults; rejects unknown ones. */
export function parseFlags(argv, defaults, usage) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") {
      console.log(usage);
      process.exit(0);
    }
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const key = match?.[1]?.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!match || !key || !(key in defaults)) {
      console.error(`unknown argument ${JSON.stringify(arg)}\n${usage}`);
      process.exit(2);
    }
    const raw = match[2] ?? argv[++i];
    if (raw === undefined) {
      console.error(`--${match[1]} needs a value\n${usage}`);
      process.exit(2);
    }
    if (typeof defaults[key] === "number") {
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) {
        console.error(`--${match[1]} must be a non-negative number, got ${JSON.stringify(raw)}`);
        process.exit(2);
      }
      out[key] = n;
    } else out[key] = raw;
  }
  return out;
}

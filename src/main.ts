#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { Probot, ProbotOctokit } from "probot";
import { PAGERDUTY_WEBHOOK_PATH, pagerDutyEndpoint } from "./channels/pagerduty-endpoint.js";
import { createSlackApi } from "./channels/slack-client.js";
import { SLACK_COMMANDS_PATH, slackEndpoint } from "./channels/slack-endpoint.js";
import { shippedFiles } from "./cli/init.js";
import { parseIssueForm } from "./domain/forms/form.js";
import { UNPACED_THROTTLE_GROUPS, WritePacer, writePacing } from "./github/octokit.js";
import { type RepoForm, RepoSetupCache } from "./github/repo-setup.js";
import { fetchWithTimeout } from "./github/request-timeout.js";
import { TeamMembership } from "./github/team-members.js";
import { type AppDeps, CalendarCache, type Runtime } from "./handlers/deps.js";
import { KeyedMutex } from "./helpers/keyed-mutex.js";
import { createApp, RECEIVED_EVENTS } from "./index.js";
import { createNotifiers } from "./notify/index.js";
import { createFailpoint } from "./runtime/failpoints.js";
import { createLogger } from "./runtime/logger.js";
import { githubMetricsPlugin, Metrics } from "./runtime/metrics.js";
import { registrationHandler } from "./runtime/registration.js";
import {
  describeDatabase,
  readServerSettings,
  type ServerSettings,
  StartupError,
} from "./runtime/settings.js";
import {
  ByteBudget,
  type InboundEndpointOptions,
  MAX_BUFFERED_BYTES,
  webhookEndpoint,
} from "./runtime/webhook-endpoint.js";
import { openStore, type Store } from "./store/db.js";
import { releaseLeasesOf } from "./store/recovery.js";

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<boolean | undefined> | boolean | undefined;

/** The forms shipped with the app, used for repos that have none of their own. */
function shippedForms(): RepoForm[] {
  const dir = fileURLToPath(new URL("../.github/", import.meta.url));
  return shippedFiles()
    .filter((f) => f.startsWith("ISSUE_TEMPLATE/") && !/config\.ya?ml$/.test(f))
    .flatMap((f) => {
      const parsed = parseIssueForm(readFileSync(`${dir}${f}`, "utf8"));
      return parsed.ok ? [{ file: f.slice("ISSUE_TEMPLATE/".length), form: parsed.form }] : [];
    });
}

type ThrottleOptions = Record<string, unknown>;

/**
 * Probot's Octokit, counting requests for /metrics, and retrying (twice) when GitHub asks to
 * slow down: a secondary rate limit with `retry-after` delays an effect, it does not lose it.
 * Each request times out after GITHUB_REQUEST_TIMEOUT_MS (30 s) on the wire (`fetchWithTimeout`).
 */
function octokitClass(metrics: Metrics, throttle: boolean) {
  const retryTwice = (
    after: number,
    options: { method?: string; url?: string },
    octokit: { log: { warn(fields: object, msg: string): void } },
    retryCount: number,
  ) => {
    const retry = retryCount < 2;
    octokit.log.warn(
      { method: options.method, route: options.url, retryAfterSeconds: after, retryCount, retry },
      retry ? "GitHub rate limit: request waits, then is retried" : "GitHub rate limit: request given up",
    );
    return retry;
  };
  // GitHub's write pacing per installation, comments yielding to labels (see WritePacer); the
  // throttling plugin keeps handling rate limits but no longer queues writes itself.
  const plugins = throttle
    ? [githubMetricsPlugin(metrics), writePacing(new WritePacer())]
    : [githubMetricsPlugin(metrics)];
  return ProbotOctokit.plugin(...(plugins as never[])).defaults(
    (options: {
      throttle?: ThrottleOptions;
      request?: { fetch?: typeof fetch } & Record<string, unknown>;
    }) => ({
      ...options,
      // Every request to GitHub ends within GITHUB_REQUEST_TIMEOUT_MS on the wire (time queued by
      // the throttling plugin not counted): one hanging connection never holds a loop's slot.
      request: { ...options.request, fetch: fetchWithTimeout(options.request?.fetch) },
      throttle: {
        ...options.throttle,
        onSecondaryRateLimit: retryTwice,
        onRateLimit: retryTwice,
        // Off only against a local stand-in (benchmarks): GitHub itself needs writes spaced out.
        ...(throttle ? UNPACED_THROTTLE_GROUPS : { enabled: false }),
      },
    }),
  );
}

/** One line on stderr and exit 1: what an operator reads when the server cannot start. */
function fail(message: string): never {
  process.stderr.write(`support-sla: ${message}\n`);
  process.exit(1);
}

/** `.env` in the working directory (the registration writes it), without overriding the environment. */
function loadDotEnv(cwd: string): void {
  const path = join(cwd, ".env");
  if (!existsSync(path)) return;
  let values: Record<string, string>;
  try {
    values = parseEnv(readFileSync(path, "utf8")) as Record<string, string>;
  } catch (error) {
    fail(`.env: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  for (const [key, value] of Object.entries(values)) {
    if (process.env[key] === undefined) process.env[key] = value;
  }
}

const cwd = process.cwd();
loadDotEnv(cwd);
const env = process.env;
let settings: ServerSettings;
try {
  settings = readServerSettings(env, { cwd, isTerminal: Boolean(process.stdout.isTTY) });
} catch (error) {
  if (error instanceof StartupError) fail(error.message);
  throw error;
}
const log = await createLogger({ level: settings.logLevel, format: settings.logFormat });

// The port first: a second instance on a busy port exits here, before it touches the store (and
// so before it could free the running instance's leases).
let handlers: Handler[] = [];
let ready: () => void = () => undefined;
const started = new Promise<void>((done) => {
  ready = done;
});
const server = createServer((req, res) => {
  void (async () => {
    await started;
    try {
      for (const handler of handlers) if (await handler(req, res)) return;
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    } catch (error) {
      log.error(
        { path: (req.url ?? "").split("?")[0], err: error instanceof Error ? error.message : String(error) },
        "request failed",
      );
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    }
  })();
});
await new Promise<void>((listening) => {
  server.once("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE") {
      fail(
        `PORT: ${settings.host}:${settings.port} is already in use (is support-sla already running?); set PORT to another port`,
      );
    }
    fail(`HOST/PORT: cannot listen on ${settings.host}:${settings.port} (${error.code ?? error.message})`);
  });
  server.listen(settings.port, settings.host, () => listening());
});
const address = server.address();
const port = typeof address === "object" && address ? address.port : settings.port;
const listeningOn = `http://${typeof address === "object" && address?.family === "IPv6" ? `[${address.address}]` : settings.host}:${port}`;
const ping: Handler = (req, res) => {
  if ((req.url ?? "").split("?")[0] !== "/ping") return false;
  res.writeHead(200, { "content-type": "text/plain" }).end("PONG");
  return true;
};

let stop: () => Promise<void> = async () => undefined;
const credentials = settings.credentials;
if (!credentials) {
  handlers = [ping, registrationHandler({ settings, cwd, log })];
  ready();
  log.info(
    { listening: listeningOn, publicUrl: settings.publicUrl, webhookProxyUrl: settings.webhookProxyUrl },
    `support-sla is not registered yet (no APP_ID): open ${settings.publicUrl ?? listeningOn} to register it on GitHub`,
  );
} else {
  const clock = { now: () => Date.now() };
  const metrics = new Metrics();
  let store: Store;
  try {
    store = await openStore(settings.databaseUrl, cwd, {
      checkpoint: "background",
      onCheckpointFailure: (message) =>
        log.warn(
          { err: message },
          "the SQLite checkpoint thread failed: SQLite checkpoints in the app's own commits until it succeeds again",
        ),
      onCheckpointRecovered: () =>
        log.info("the SQLite checkpoint thread succeeds again: the app's commits no longer checkpoint"),
    });
  } catch (error) {
    fail(
      `DATABASE_URL: cannot open ${describeDatabase(settings.databaseUrl, cwd)} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  // One name per running instance: the same after a restart on the same host and port (so the new
  // process frees what its killed predecessor had claimed), different for every other replica.
  await releaseLeasesOf(store, settings.instance);
  const deps: AppDeps = {
    store,
    clock,
    calendars: new CalendarCache(),
    issueLocks: new KeyedMutex(),
    setups: new RepoSetupCache({ ttlMs: 10 * 60_000, fallbackForms: shippedForms(), now: clock.now }),
    owner: settings.instance,
    notifiers: createNotifiers(
      {
        SLACK_WEBHOOK_URL: env.SLACK_WEBHOOK_URL,
        PAGERDUTY_ROUTING_KEY: env.PAGERDUTY_ROUTING_KEY,
        PAGERDUTY_EVENTS_URL: env.PAGERDUTY_EVENTS_URL,
      },
      { log },
    ),
    teams: new TeamMembership(10 * 60_000, clock.now),
    metrics,
    failpoint: createFailpoint(env.SUPPORT_SLA_FAILPOINT),
    autostart: true,
    channelsEnabled: Boolean(
      settings.channels.pagerDutyWebhookSecret || settings.channels.slackSigningSecret,
    ),
    slackApi: settings.channels.slackBotToken
      ? createSlackApi({ token: settings.channels.slackBotToken, apiUrl: settings.channels.slackApiUrl })
      : null,
  };
  const probot = new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    secret: credentials.webhookSecret,
    baseUrl: settings.githubApiUrl,
    log,
    Octokit: octokitClass(
      metrics,
      env.SUPPORT_SLA_GITHUB_THROTTLE !== "off",
    ) as unknown as typeof ProbotOctokit,
  });
  let runtime: Runtime | undefined;
  const runtimeHandlers: Handler[] = [];
  await probot.load(
    createApp(deps, (r) => {
      runtime = r;
    }),
    {
      cwd,
      addHandler: (handler) => {
        runtimeHandlers.push(handler as Handler);
      },
    },
  );
  const accept = runtime?.accept;
  if (!accept || !runtime) throw new Error("the app did not start its runtime");
  const started = runtime;
  // Bodies held in memory at once, across the GitHub, PagerDuty and Slack endpoints.
  const budget = new ByteBudget(MAX_BUFFERED_BYTES);
  // What the PagerDuty and Slack endpoints share: the inbox, the body budget, the log, store health.
  const inbound: InboundEndpointOptions = {
    deps,
    kick: () => started.inbox.kick(),
    budget,
    log,
    onStoreFailure: (error) => started.storeHealth.reportFailure(error),
  };
  const { pagerDutyWebhookSecret, slackSigningSecret } = settings.channels;
  const channelHandlers: Handler[] = [
    ...(pagerDutyWebhookSecret ? [pagerDutyEndpoint({ ...inbound, secret: pagerDutyWebhookSecret })] : []),
    ...(slackSigningSecret ? [slackEndpoint({ ...inbound, signingSecret: slackSigningSecret })] : []),
  ];
  handlers = [
    ...channelHandlers,
    webhookEndpoint({
      budget,
      path: settings.webhookPath,
      secret: credentials.webhookSecret,
      accept,
      log,
      // An unsigned request names whatever event it likes: only GitHub's names become metric labels.
      onRefused: (reason, event) =>
        metrics.webhooks.inc({
          event: RECEIVED_EVENTS.has(event) ? event : "other",
          outcome: `refused: ${reason}`,
        }),
    }),
    ping,
    ...runtimeHandlers,
  ];
  let proxy: { stop(): Promise<void> } | undefined;
  if (settings.webhookProxyUrl) {
    // Forward the proxy channel (a local trial) to this server's own webhook endpoint.
    const { SmeeClient } = await import("smee-client");
    const local = typeof address === "object" && address ? address : null;
    const targetHost =
      !local || local.address === "0.0.0.0" || local.address === "::"
        ? "127.0.0.1"
        : local.family === "IPv6"
          ? `[${local.address}]`
          : local.address;
    const proxyLog = log.child({ component: "webhook-proxy" });
    // The client reconnects every few seconds while the channel is down: one warn when it goes
    // down, one info when it is back, the repeats at debug.
    let down = false;
    const smee = new SmeeClient({
      source: settings.webhookProxyUrl,
      target: `http://${targetHost}:${port}${settings.webhookPath}`,
      logger: {
        info: (...args: unknown[]) => {
          const message = String(args[0]);
          if (message.startsWith("Connected")) down = false;
          proxyLog.info({ proxy: settings.webhookProxyUrl }, message);
        },
        error: (...args: unknown[]) => {
          const detail = args[1] as { message?: string; code?: string | number } | undefined;
          const fields = { proxy: settings.webhookProxyUrl, detail: detail?.message ?? detail?.code ?? null };
          if (down) proxyLog.debug(fields, String(args[0]));
          else proxyLog.warn(fields, `webhook proxy: ${String(args[0])}; reconnecting`);
          down = true;
        },
      } as unknown as Pick<Console, "info" | "error">,
    });
    proxy = smee;
    smee.start().catch((error: unknown) => {
      proxyLog.warn(
        { proxy: settings.webhookProxyUrl, err: error instanceof Error ? error.message : String(error) },
        "webhook proxy channel not reachable: no webhooks arrive through it until it is",
      );
    });
  }
  ready();
  log.info(
    {
      database: describeDatabase(settings.databaseUrl, cwd),
      slack: settings.slackConfigured ? "configured" : "off",
      pagerduty: settings.pagerDutyConfigured ? "configured" : "off",
      pagerdutyWebhooks: settings.channels.pagerDutyWebhookSecret ? PAGERDUTY_WEBHOOK_PATH : "off",
      slackCommands: settings.channels.slackSigningSecret ? SLACK_COMMANDS_PATH : "off",
      instance: settings.instance,
      webhookPath: settings.webhookPath,
      webhookProxyUrl: settings.webhookProxyUrl,
      listening: listeningOn,
      appId: credentials.appId,
    },
    "support-sla running",
  );
  stop = async () => {
    await proxy?.stop().catch(() => undefined);
    await runtime?.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
  };
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    server.close();
    server.closeAllConnections();
    await stop();
    process.exit(0);
  });
}

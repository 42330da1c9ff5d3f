import { createPrivateKey } from "node:crypto";
import { hostname } from "node:os";
import { getPrivateKey } from "@probot/get-private-key";
import { DEFAULT_DATABASE_URL } from "../store/db.js";

/** Probot's default webhook path (`@octokit/webhooks`), where GitHub delivers events. */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

/** How the server logs: JSON lines, or Probot's pretty format for a person at a terminal. */
export type LogFormat = "json" | "pretty";

/** GitHub App credentials; present once the app is registered. */
export interface AppCredentials {
  appId: number;
  /** PEM text (PKCS#1 or PKCS#8), already checked to parse as a private key. */
  privateKey: string;
  webhookSecret: string;
}

/**
 * Everything the server reads from its environment, checked before anything starts. `credentials`
 * null means the app is not registered yet: the server serves the registration page only.
 */
export interface ServerSettings {
  credentials: AppCredentials | null;
  host: string;
  port: number;
  webhookPath: string;
  /** The app's public base URL without a trailing slash (`PUBLIC_URL`), or null. */
  publicUrl: string | null;
  /** A webhook proxy channel (`WEBHOOK_PROXY_URL`, e.g. https://smee.io/abc), or null. */
  webhookProxyUrl: string | null;
  /** REST API base URL: https://api.github.com, or `GHE_PROTOCOL://GHE_HOST/api/v3`. */
  githubApiUrl: string;
  /** Web base URL where apps are registered: https://github.com or the GHE host. */
  githubWebUrl: string;
  /** Organisation to register the app under (`GH_ORG`), or null for the user's account. */
  githubOrg: string | null;
  databaseUrl: string;
  /** This running instance's name for leases (`SUPPORT_SLA_INSTANCE`, default `host:port`). */
  instance: string;
  logLevel: string;
  logFormat: LogFormat;
  slackConfigured: boolean;
  pagerDutyConfigured: boolean;
  /** Inbound channels (issue 13); each secret null when its variable is unset (the endpoint is off). */
  channels: ChannelSettings;
}

/** Secrets and addresses of the inbound channels, from the environment only. */
export interface ChannelSettings {
  /**
   * `PAGERDUTY_WEBHOOK_SECRET`: the signing secret of each v3 webhook subscription that sends to
   * this server, comma-separated, entries trimmed (`pagerDutyWebhookSecret`).
   */
  pagerDutyWebhookSecret: string | null;
  /** `SLACK_SIGNING_SECRET`: the Slack app's signing secret. */
  slackSigningSecret: string | null;
  /** `SLACK_BOT_TOKEN`: the Slack app's bot token (`xoxb-…`), for thread replies. */
  slackBotToken: string | null;
  /** `SLACK_API_URL`: Slack's Web API base, ending in `/` (default https://slack.com/api/). */
  slackApiUrl: string;
}

export const DEFAULT_SLACK_API_URL = "https://slack.com/api/";

/** A setting that keeps the server from starting; `message` is one line that names the variable. */
export class StartupError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "StartupError";
  }
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function httpUrl(variable: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StartupError(
      variable,
      `"${raw}" is not a URL; give the full address, e.g. https://sla.example.com`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new StartupError(variable, `must be an http(s) URL, got ${url.protocol}`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * Reads the private key the way Probot does (`PRIVATE_KEY` as PEM, base64 or with `\n` escapes;
 * `PRIVATE_KEY_PATH`; else the one `*.pem` file in `cwd`) and checks that it parses.
 * @throws StartupError naming PRIVATE_KEY or PRIVATE_KEY_PATH when it is missing, unreadable or invalid.
 */
function readPrivateKey(env: NodeJS.ProcessEnv, cwd: string): string {
  const variable = nonEmpty(env.PRIVATE_KEY) ? "PRIVATE_KEY" : "PRIVATE_KEY_PATH";
  const path = nonEmpty(env.PRIVATE_KEY_PATH);
  let pem: string | null;
  try {
    pem = getPrivateKey({
      env: { ...env, PRIVATE_KEY: nonEmpty(env.PRIVATE_KEY), PRIVATE_KEY_PATH: path },
      cwd,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (variable === "PRIVATE_KEY_PATH" && path) {
      throw new StartupError(
        variable,
        `cannot read the private key file ${env.PRIVATE_KEY_PATH}${code ? ` (${code})` : " (no such file)"}`,
      );
    }
    if (variable === "PRIVATE_KEY") {
      throw new StartupError(
        variable,
        "is not a PEM private key (-----BEGIN ... PRIVATE KEY-----), nor base64 of one",
      );
    }
    throw new StartupError(
      "PRIVATE_KEY_PATH",
      `cannot read a *.pem file in ${cwd}${code ? ` (${code})` : ""}`,
    );
  }
  if (!pem?.trim()) {
    if (variable === "PRIVATE_KEY_PATH" && path) {
      throw new StartupError(variable, `the private key file ${path} is empty`);
    }
    throw new StartupError(
      "PRIVATE_KEY",
      "APP_ID is set but no private key is: set PRIVATE_KEY (the .pem contents) or PRIVATE_KEY_PATH (its file)",
    );
  }
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw new StartupError(
      variable,
      "does not hold a valid private key (the PEM does not parse); download a new one from the app's settings",
    );
  }
  // GitHub signs app JWTs with RS256 only, so an app's private key is an RSA key
  // (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app).
  if (type !== "rsa") {
    throw new StartupError(
      variable,
      `holds ${type ? `an ${type}` : "an unknown"} key, not the RSA key GitHub gives a GitHub App; download the app's private key from its settings`,
    );
  }
  return pem;
}

/**
 * Reads and checks the server's environment (Probot's variables plus ours; see README
 * "Environment"). Pure apart from reading the private key file.
 * @param isTerminal whether stdout is a terminal (pretty logs by default there, JSON lines elsewhere).
 * @throws StartupError with one line naming the variable, for any value the server cannot start with.
 */
export function readServerSettings(
  env: NodeJS.ProcessEnv,
  options: { cwd: string; isTerminal: boolean },
): ServerSettings {
  const rawPort = nonEmpty(env.PORT) ?? "3000";
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65_535) {
    throw new StartupError("PORT", `"${rawPort}" is not a port number (0-65535)`);
  }
  const host = nonEmpty(env.HOST) ?? "localhost";
  const webhookPath = nonEmpty(env.WEBHOOK_PATH) ?? DEFAULT_WEBHOOK_PATH;
  if (!webhookPath.startsWith("/")) {
    throw new StartupError("WEBHOOK_PATH", `must start with "/", got "${webhookPath}"`);
  }

  let credentials: AppCredentials | null = null;
  const rawAppId = nonEmpty(env.APP_ID);
  if (rawAppId) {
    if (!/^\d+$/.test(rawAppId) || Number(rawAppId) <= 0 || !Number.isSafeInteger(Number(rawAppId))) {
      throw new StartupError("APP_ID", `"${rawAppId}" is not a GitHub App id (a positive number)`);
    }
    const privateKey = readPrivateKey(env, options.cwd);
    const webhookSecret = nonEmpty(env.WEBHOOK_SECRET);
    if (!webhookSecret) {
      throw new StartupError(
        "WEBHOOK_SECRET",
        "is not set: without it anyone could forge webhooks; copy it from the app's settings",
      );
    }
    credentials = { appId: Number(rawAppId), privateKey, webhookSecret };
  } else if (nonEmpty(env.PRIVATE_KEY) || nonEmpty(env.PRIVATE_KEY_PATH)) {
    throw new StartupError("APP_ID", "is not set but a private key is: set APP_ID to the app's id");
  }

  const logLevel = (nonEmpty(env.LOG_LEVEL) ?? "info").toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new StartupError("LOG_LEVEL", `"${env.LOG_LEVEL}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  const rawFormat = nonEmpty(env.LOG_FORMAT)?.toLowerCase();
  if (rawFormat && rawFormat !== "json" && rawFormat !== "pretty") {
    throw new StartupError("LOG_FORMAT", `"${env.LOG_FORMAT}" is not json or pretty`);
  }
  const logFormat: LogFormat =
    (rawFormat as LogFormat | undefined) ?? (options.isTerminal ? "pretty" : "json");

  for (const variable of ["SLACK_WEBHOOK_URL", "PAGERDUTY_EVENTS_URL", "SLACK_API_URL"] as const) {
    const raw = nonEmpty(env[variable]);
    if (raw) httpUrl(variable, raw);
  }
  const gheHost = nonEmpty(env.GHE_HOST);
  const gheProtocol = nonEmpty(env.GHE_PROTOCOL) ?? "https";
  const publicUrl = nonEmpty(env.PUBLIC_URL);
  const proxyUrl = nonEmpty(env.WEBHOOK_PROXY_URL);
  return {
    credentials,
    host,
    port,
    webhookPath,
    publicUrl: publicUrl ? httpUrl("PUBLIC_URL", publicUrl) : null,
    webhookProxyUrl: proxyUrl ? httpUrl("WEBHOOK_PROXY_URL", proxyUrl) : null,
    githubApiUrl: gheHost ? `${gheProtocol}://${gheHost}/api/v3` : "https://api.github.com",
    githubWebUrl: gheHost ? `${gheProtocol}://${gheHost}` : "https://github.com",
    githubOrg: nonEmpty(env.GH_ORG) ?? null,
    databaseUrl: nonEmpty(env.DATABASE_URL) ?? DEFAULT_DATABASE_URL,
    instance: nonEmpty(env.SUPPORT_SLA_INSTANCE) ?? `${hostname()}:${port}`,
    logLevel,
    logFormat,
    slackConfigured: Boolean(nonEmpty(env.SLACK_WEBHOOK_URL)),
    pagerDutyConfigured: Boolean(nonEmpty(env.PAGERDUTY_ROUTING_KEY)),
    channels: {
      pagerDutyWebhookSecret: pagerDutyWebhookSecret(env.PAGERDUTY_WEBHOOK_SECRET),
      slackSigningSecret: nonEmpty(env.SLACK_SIGNING_SECRET) ?? null,
      slackBotToken: nonEmpty(env.SLACK_BOT_TOKEN) ?? null,
      slackApiUrl: (nonEmpty(env.SLACK_API_URL) ?? DEFAULT_SLACK_API_URL).replace(/\/*$/, "/"),
    },
  };
}

/**
 * PAGERDUTY_WEBHOOK_SECRET: null when unset or blank (the endpoint is off); otherwise its
 * comma-separated secrets, each trimmed, joined by `,`. PagerDuty makes one signing secret per
 * webhook subscription ("Verifying Signatures", https://developer.pagerduty.com/docs/verifying-signatures)
 * and an admin without account scope needs one subscription per service, hence several.
 * Throws a `StartupError` on a blank entry (`a,,b`, a trailing comma): it is a pasting mistake
 * that would otherwise go unnoticed. The message never quotes a secret.
 */
export function pagerDutyWebhookSecret(raw: string | undefined): string | null {
  const value = nonEmpty(raw);
  if (!value) return null;
  const entries = value.split(",").map((s) => s.trim());
  const blank = entries.findIndex((s) => s.length === 0);
  if (blank >= 0) {
    throw new StartupError(
      "PAGERDUTY_WEBHOOK_SECRET",
      `entry ${blank + 1} of ${entries.length} is blank: list one signing secret per webhook subscription, separated by single commas`,
    );
  }
  return entries.join(",");
}

/**
 * Where the data lives, for the start-up line: `sqlite:/abs/path` or `postgresql://host:port/db`,
 * never a user name or password.
 */
export function describeDatabase(databaseUrl: string, cwd: string): string {
  const sqlite = /^sqlite:(.*)$/.exec(databaseUrl);
  if (sqlite) {
    const path = sqlite[1] ?? "";
    return path === ":memory:" || path.startsWith("/") ? `sqlite:${path}` : `sqlite:${cwd}/${path}`;
  }
  try {
    const url = new URL(databaseUrl);
    const scheme = /^postgres(ql)?:$/.test(url.protocol) ? "postgresql:" : url.protocol;
    return `${scheme}//${url.host}${url.pathname}`;
  } catch {
    return "unparseable DATABASE_URL";
  }
}

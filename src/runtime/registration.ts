import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { parse as parseYaml } from "yaml";
import type { ServerSettings } from "./settings.js";

/** The manifest shipped beside dist/ in the package (not read from the working directory). */
export const SHIPPED_MANIFEST = fileURLToPath(new URL("../../app.yml", import.meta.url));

/**
 * A GitHub App manifest as GitHub's "Registering a GitHub App from a manifest" page describes it
 * (https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest).
 */
export interface AppManifest {
  name?: string;
  url: string;
  hook_attributes: { url: string; active?: boolean };
  redirect_url: string;
  description?: string;
  public?: boolean;
  default_events?: string[];
  default_permissions?: Record<string, string>;
  [key: string]: unknown;
}

/** Where GitHub must send webhooks, and why that address was chosen (shown on the page). */
export interface WebhookTarget {
  url: string;
  source: "WEBHOOK_PROXY_URL" | "PUBLIC_URL" | "this page's address";
  /** A reason GitHub cannot reach it (a loopback or private address), or null. */
  warning: string | null;
}

/**
 * Picks the webhook URL written into the app's settings at registration: the proxy channel for a
 * local trial (`WEBHOOK_PROXY_URL`), else `PUBLIC_URL` + the webhook path, else the address the
 * registration page was opened on + the webhook path.
 */
export function webhookTarget(settings: ServerSettings, pageBaseUrl: string): WebhookTarget {
  const unreachable = (url: string) => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
    return (
      /^(localhost|127\.|0\.0\.0\.0|::1?$|10\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.|f[cd][0-9a-f]{2}:)/i.test(
        host,
      ) || /\.(local|localhost|internal)$/i.test(host)
    );
  };
  const advice =
    "set WEBHOOK_PROXY_URL (a https://smee.io channel, for a local trial) or PUBLIC_URL (the server's public https address) and restart";
  if (settings.webhookProxyUrl) {
    const url = settings.webhookProxyUrl;
    return {
      url,
      source: "WEBHOOK_PROXY_URL",
      warning: unreachable(url) ? `GitHub cannot deliver webhooks to ${url}: ${advice}` : null,
    };
  }
  const base = settings.publicUrl ?? pageBaseUrl;
  const url = `${base}${settings.webhookPath}`;
  const warning = unreachable(base)
    ? `GitHub cannot deliver webhooks to ${url}: ${advice}`
    : base.startsWith("http:")
      ? `${url} is plain http: GitHub delivers to it, but payloads and signatures cross the network unencrypted; put the app behind TLS and use an https PUBLIC_URL`
      : null;
  return { url, source: settings.publicUrl ? "PUBLIC_URL" : "this page's address", warning };
}

/**
 * The manifest posted to GitHub: `app.yml` with the webhook URL and the redirect back to this server
 * filled in. Keys set in app.yml win, except `hook_attributes.url` and `redirect_url`, which only
 * this server can know.
 * @throws Error when app.yml is not a YAML mapping.
 */
export function buildManifest(appYml: string, target: WebhookTarget, baseUrl: string): AppManifest {
  const parsed = parseYaml(appYml) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("app.yml is not a YAML mapping");
  }
  const yml = parsed as Record<string, unknown>;
  const hook = (yml.hook_attributes ?? {}) as Record<string, unknown>;
  return {
    ...yml,
    url: typeof yml.url === "string" ? yml.url : baseUrl,
    hook_attributes: { ...hook, url: target.url, active: hook.active !== false },
    redirect_url: `${baseUrl}/probot/setup`,
  };
}

/** Escapes text for an HTML attribute or element. */
function html(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The address the browser used to open this page (behind a proxy: X-Forwarded-Proto/Host). */
function requestBaseUrl(req: IncomingMessage): string {
  const first = (value: string | string[] | undefined) =>
    (Array.isArray(value) ? value[0] : value)?.split(",")[0]?.trim();
  const proto = first(req.headers["x-forwarded-proto"]) === "https" ? "https" : "http";
  const host = first(req.headers["x-forwarded-host"]) ?? req.headers.host ?? "localhost";
  return `${proto}://${host}`;
}

/**
 * Writes `values` into the `.env` file at `path`, keeping the other variables in it, readable by
 * the owner only (it holds the private key). Values are written double-quoted with `\n` escapes,
 * the form `util.parseEnv` (and dotenv) read back.
 */
export function updateEnvFile(path: string, values: Record<string, string>): void {
  const current = (existsSync(path) ? parseEnv(readFileSync(path, "utf8")) : {}) as Record<string, string>;
  const merged: Record<string, string> = { ...current, ...values };
  const text = Object.entries(merged)
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`)
    .join("\n");
  writeFileSync(path, `${text}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** What GitHub returns from `POST /app-manifests/{code}/conversions` (the fields we keep). */
interface Conversion {
  id: number;
  slug?: string;
  html_url: string;
  pem: string;
  webhook_secret: string | null;
  client_id?: string;
  client_secret?: string;
}

export interface RegistrationOptions {
  settings: ServerSettings;
  /** The folder whose `.env` receives the credentials (the working directory). */
  cwd: string;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  fetch?: typeof fetch;
  appYmlPath?: string;
}

/**
 * The registration flow of an app with no APP_ID yet (GitHub's manifest flow): `GET /` (or
 * `/probot`) shows a page whose button posts the manifest to GitHub; GitHub sends the browser back
 * to `/probot/setup?code=…&state=…`, where the code is exchanged for the app's id, private key and
 * webhook secret (`POST /app-manifests/{code}/conversions`), written to `.env`.
 * Returns a request handler: true when it answered the request.
 */
export function registrationHandler(
  options: RegistrationOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const { settings, log } = options;
  const doFetch = options.fetch ?? fetch;
  const appYml = readFileSync(options.appYmlPath ?? SHIPPED_MANIFEST, "utf8");
  /** One `state` per view of the page (GitHub hands it back): good once, for an hour, in the browser that got its cookie. */
  const states = new Map<string, number>();
  let registered: Conversion | null = null;
  let registering = false;
  const newState = () => {
    const now = Date.now();
    for (const [k, expires] of states) if (expires < now || states.size > 100) states.delete(k);
    const state = randomBytes(16).toString("hex");
    states.set(state, now + 3_600_000);
    return state;
  };
  const createUrl = (state: string) =>
    `${settings.githubWebUrl}${settings.githubOrg ? `/organizations/${encodeURIComponent(settings.githubOrg)}` : ""}/settings/apps/new?state=${state}`;
  const cookieOf = (req: IncomingMessage) =>
    /(?:^|;\s*)support_sla_registration=([0-9a-f]{32})/.exec(req.headers.cookie ?? "")?.[1] ?? null;

  const page = (
    res: ServerResponse,
    status: number,
    title: string,
    body: string,
    headers: Record<string, string> = {},
  ) => {
    res
      .writeHead(status, {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        ...headers,
      })
      .end(
        `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title></head>` +
          `<body style="font-family:sans-serif;max-width:46rem;margin:3rem auto;line-height:1.5">` +
          `<h1>${html(title)}</h1>${body}</body></html>`,
      );
    return true;
  };

  return async (req, res) => {
    const [path, query = ""] = (req.url ?? "/").split("?");
    if (req.method !== "GET") return false;
    if (path === "/" || path === "/probot") {
      if (registered) {
        return page(
          res,
          200,
          "support-sla is registered",
          `<p>Restart the server (<code>npm start</code>) to run it.</p>`,
        );
      }
      const base = settings.publicUrl ?? requestBaseUrl(req);
      const target = webhookTarget(settings, base);
      const manifest = buildManifest(appYml, target, base);
      const warning = target.warning ? `<p><strong>Warning:</strong> ${html(target.warning)}</p>` : "";
      const state = newState();
      const secure = base.startsWith("https:") ? "; Secure" : "";
      return page(
        res,
        200,
        "Register support-sla on GitHub",
        `<p>This creates a GitHub App from this server's manifest. GitHub will send its webhooks to ` +
          `<code>${html(target.url)}</code> (from ${html(target.source)}).</p>${warning}` +
          `<form action="${html(createUrl(state))}" method="post">` +
          `<input type="hidden" name="manifest" value="${html(JSON.stringify(manifest))}">` +
          `<button type="submit">Register GitHub App</button></form>`,
        {
          // SameSite=Lax: sent on GitHub's redirect back (a top-level GET), not on other sites' requests.
          "set-cookie": `support_sla_registration=${state}; Path=/probot; HttpOnly; SameSite=Lax; Max-Age=3600${secure}`,
        },
      );
    }
    if (path === "/probot/setup") {
      const params = new URLSearchParams(query);
      const code = params.get("code");
      const state = params.get("state") ?? "";
      if (registered || registering) {
        log.warn({ reason: "already registered" }, "registration callback refused");
        return page(
          res,
          409,
          "Already registered",
          "<p>This server has registered its app already. Restart it (<code>npm start</code>) to run it.</p>",
        );
      }
      const expires = states.get(state);
      if (
        !code ||
        !/^[\w-]{1,100}$/.test(code) ||
        !expires ||
        expires < Date.now() ||
        cookieOf(req) !== state
      ) {
        log.warn(
          {
            reason: !code
              ? "no code"
              : !expires || expires < Date.now()
                ? "state unknown, used or expired"
                : "state not issued to this browser",
          },
          "registration callback refused",
        );
        return page(
          res,
          400,
          "Registration not completed",
          '<p>The link is missing its code or was not started from this server. Open <a href="/">the registration page</a> again.</p>',
        );
      }
      states.delete(state);
      registering = true;
      let response: Response;
      try {
        response = await doFetch(`${settings.githubApiUrl}/app-manifests/${code}/conversions`, {
          method: "POST",
          headers: { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
          signal: AbortSignal.timeout(30_000),
        });
      } finally {
        registering = false;
      }
      if (response.status !== 201) {
        log.warn({ status: response.status }, "GitHub refused the registration code");
        return page(
          res,
          502,
          "Registration not completed",
          `<p>GitHub answered ${response.status} to the registration code (codes expire after an hour). Open <a href="/">the registration page</a> again.</p>`,
        );
      }
      const app = (await response.json()) as Conversion;
      const values: Record<string, string> = {
        APP_ID: String(app.id),
        PRIVATE_KEY: app.pem,
        WEBHOOK_SECRET: app.webhook_secret ?? "",
      };
      if (app.client_id) values.GITHUB_CLIENT_ID = app.client_id;
      if (app.client_secret) values.GITHUB_CLIENT_SECRET = app.client_secret;
      if (settings.webhookProxyUrl) values.WEBHOOK_PROXY_URL = settings.webhookProxyUrl;
      const envPath = join(options.cwd, ".env");
      updateEnvFile(envPath, values);
      registered = app;
      log.info(
        { appId: app.id, slug: app.slug, env: envPath },
        "GitHub App registered: credentials written; restart the server to run it",
      );
      res.writeHead(302, { location: `${app.html_url}/installations/new` }).end();
      return true;
    }
    return false;
  };
}

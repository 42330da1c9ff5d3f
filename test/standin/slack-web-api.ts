import { createHmac } from "node:crypto";
import { type StandInReply, type StandInRequest, StandInServer } from "./http.js";

/*
 * Slack's side of the `@help` channel (issue 13):
 * - the Web API methods the app calls, at SLACK_API_URL, answering as the methods' reference pages
 *   show: `chat.postMessage` (https://api.slack.com/methods/chat.postMessage: `{ok, channel, ts,
 *   message: {type: "message", subtype: "bot_message", text, user, bot_id, ts, thread_ts?}}`) and
 *   `chat.getPermalink` (https://api.slack.com/methods/chat.getPermalink: `{ok, channel,
 *   permalink}`, with `?thread_ts=…&cid=…` when the message is a reply in a thread). Like Slack:
 *   HTTP 200 with `{ok: true, …}` or `{ok: false, error}` (`not_authed`, `invalid_auth`,
 *   `channel_not_found`), arguments form-encoded or JSON, the bot token as `Authorization: Bearer`.
 * - requests as Slack sends them to the app, form-encoded and signed per "Verifying requests from
 *   Slack" (https://api.slack.com/authentication/verifying-requests-from-slack): `X-Slack-Signature:
 *   v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>">` and `X-Slack-Request-Timestamp`.
 *   - slash commands: the fields of "Enabling interactivity with Slash commands"
 *     (https://api.slack.com/interactivity/slash-commands#app_command_handling) and of Bolt's
 *     `SlashCommand` type (https://docs.slack.dev/tools/bolt-js/reference/interfaces/SlashCommand);
 *   - message shortcuts: one `payload` field of JSON type `message_action`, as "Shortcuts
 *     payloads" (https://api.slack.com/reference/interaction-payloads/shortcuts) and Bolt's
 *     `MessageShortcut` type (https://docs.slack.dev/tools/bolt-js/reference/interfaces/MessageShortcut)
 *     describe it: `token`, `action_ts`, `team`, `channel`, `user` (`id`, `name`, `username`,
 *     `team_id`), `message_ts` and the whole `message`.
 */

/** The bot user and bot id the stand-in's messages are posted as. */
const BOT = { user: "U0SUPPORTBOT", bot_id: "B0SUPPORT" };

export interface SlackPosted {
  channel: string;
  text: string;
  ts: string;
  thread_ts: string | null;
}

export class SlackWebApiStandIn extends StandInServer {
  #posted: SlackPosted[] = [];
  #seq = 0;
  #failures: Array<{
    method: string | null;
    status: number;
    body: unknown;
    headers: Record<string, string>;
  }> = [];
  #calls: string[] = [];

  constructor(private readonly token: string) {
    super();
  }

  /** For SLACK_API_URL (ends in `/`, as the SDK's default does). */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** Messages posted by the app, oldest first. */
  posted(): SlackPosted[] {
    return structuredClone(this.#posted);
  }

  /**
   * The next `count` Web API calls fail with HTTP `status` (Slack's edge when it is down: 503, or
   * 429 with `Retry-After`), or with HTTP 200 `{ok: false, error}` when `error` is given. Nothing
   * is posted by a failed call. `method` limits the failures to calls of that method.
   */
  failNext(
    count: number,
    failure: { status?: number; error?: string; retryAfterS?: number; method?: string },
  ): void {
    for (let i = 0; i < count; i++) {
      this.#failures.push({
        method: failure.method ?? null,
        status: failure.status ?? 200,
        body: failure.error ? { ok: false, error: failure.error } : "upstream unavailable",
        headers: failure.retryAfterS === undefined ? {} : { "retry-after": String(failure.retryAfterS) },
      });
    }
  }

  /** Every Web API method called, failed calls included, oldest first. */
  calls(): string[] {
    return [...this.#calls];
  }

  /** Replies in one thread. */
  thread(channel: string, ts: string): SlackPosted[] {
    return this.posted().filter((m) => m.channel === channel && m.thread_ts === ts);
  }

  protected handle(req: StandInRequest): StandInReply {
    const method = req.path.replace(/^\/api\//, "");
    const route = `POST /api/${method}`;
    if (req.method !== "POST")
      return { status: 405, body: { ok: false, error: "method_not_allowed" }, route: null };
    this.#calls.push(method);
    const at = this.#failures.findIndex((f) => f.method === null || f.method === method);
    const failure = at >= 0 ? this.#failures.splice(at, 1)[0] : undefined;
    if (failure) return { status: failure.status, body: failure.body, headers: failure.headers, route };
    const auth = String(req.headers.authorization ?? "");
    if (!auth) return { status: 200, body: { ok: false, error: "not_authed" }, route };
    if (auth !== `Bearer ${this.token}`)
      return { status: 200, body: { ok: false, error: "invalid_auth" }, route };
    const args: Record<string, string> =
      typeof req.body === "object" && req.body !== null
        ? Object.fromEntries(
            Object.entries(req.body as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          )
        : Object.fromEntries(new URLSearchParams(req.rawBody));
    if (!args.channel) return { status: 200, body: { ok: false, error: "channel_not_found" }, route };
    if (method === "chat.postMessage") {
      if (!args.text) return { status: 200, body: { ok: false, error: "no_text" }, route };
      this.#seq += 1;
      const ts = `${Math.floor(Date.now() / 1000)}.${String(this.#seq).padStart(6, "0")}`;
      this.#posted.push({ channel: args.channel, text: args.text, ts, thread_ts: args.thread_ts ?? null });
      const message = {
        type: "message",
        subtype: "bot_message",
        text: args.text,
        ...BOT,
        ts,
        ...(args.thread_ts ? { thread_ts: args.thread_ts } : {}),
      };
      return { status: 200, body: { ok: true, channel: args.channel, ts, message }, route };
    }
    if (method === "chat.getPermalink") {
      const ts = args.message_ts ?? "";
      const reply = this.#posted.find((m) => m.channel === args.channel && m.ts === ts && m.thread_ts);
      const thread = reply?.thread_ts ? `?thread_ts=${reply.thread_ts}&cid=${args.channel}` : "";
      return {
        status: 200,
        body: {
          ok: true,
          channel: args.channel,
          permalink: `https://acme.slack.com/archives/${args.channel}/p${ts.replace(".", "")}${thread}`,
        },
        route,
      };
    }
    return { status: 200, body: { ok: false, error: "unknown_method" }, route };
  }
}

/** `v0=<hex>` for `body` sent at `timestamp` (seconds). */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SlackCommandSpec {
  channelId: string;
  text: string;
  userId?: string;
  userName?: string;
  triggerId?: string;
}

/** A slash command's form fields, as "Enabling interactivity with Slash commands" lists them. */
export function slashCommandBody(spec: SlackCommandSpec): string {
  return new URLSearchParams({
    token: "deprecated-verification-token",
    team_id: "T0001",
    team_domain: "acme",
    channel_id: spec.channelId,
    channel_name: "help",
    user_id: spec.userId ?? "U0CUSTOMER",
    user_name: spec.userName ?? "carol",
    command: "/support",
    text: spec.text,
    api_app_id: "A0SUPPORT",
    response_url: "https://hooks.slack.com/commands/T0001/1/abc",
    is_enterprise_install: "false",
    trigger_id: spec.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.0123456789abcdef`,
  }).toString();
}

/** A message shortcut (`message_action` payload) on one message. */
export function messageShortcutBody(spec: {
  channelId: string;
  ts: string;
  text: string;
  userName?: string;
}): string {
  const name = spec.userName ?? "carol";
  const payload = {
    type: "message_action",
    token: "deprecated-verification-token",
    action_ts: `${Math.floor(Date.now() / 1000)}.000100`,
    callback_id: "open_support_issue",
    trigger_id: `${Date.now()}.1.shortcut`,
    response_url: "https://hooks.slack.com/app/T0001/1/abc",
    team: { id: "T0001", domain: "acme" },
    channel: { id: spec.channelId, name: "help" },
    user: { id: "U0CUSTOMER", name, username: name, team_id: "T0001" },
    message_ts: spec.ts,
    message: { type: "message", user: "U0CUSTOMER", ts: spec.ts, text: spec.text, team: "T0001" },
    is_enterprise_install: false,
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/**
 * POSTs a signed request to the app as Slack does. `signature: null` sends none; `timestamp`
 * defaults to now, `timestamp: null` sends no timestamp header (the signature is then made over
 * now's).
 */
export async function sendSlack(
  url: string,
  secret: string,
  body: string,
  options: { timestamp?: number | null; signature?: string | null } = {},
): Promise<{ status: number; json: Record<string, unknown> | null; text: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  if (options.timestamp !== null) headers["x-slack-request-timestamp"] = String(timestamp);
  const signature =
    options.signature === undefined ? slackSignature(secret, timestamp, body) : options.signature;
  if (signature !== null) headers["x-slack-signature"] = signature;
  const res = await fetch(url, { method: "POST", headers, body });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

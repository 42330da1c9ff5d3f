import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
// Slack's own verification (v0 HMAC over `v0:<timestamp>:<body>`, timestamps older than five
// minutes refused), as @slack/bolt exports it from its index; imported from its module so that
// the server does not load the whole of Bolt (its HTTP receivers) at start.
import { verifySlackRequest } from "@slack/bolt/dist/receivers/verify-request.js";
import {
  header,
  type InboundEndpointOptions,
  MAX_WEBHOOK_BYTES,
  mediaType,
  readBody,
  writeRefusal,
} from "../runtime/webhook-endpoint.js";
import { enqueueDelivery } from "../store/tracking-store.js";
import { lookupChannel } from "./claims.js";
import { readSlackRequest, type SlackRequest, slackSourceId } from "./slack-request.js";

export const SLACK_COMMANDS_PATH = "/api/slack/commands";
/** The inbox's event name for Slack requests (dispatch routes it to the channel handler). */
export const SLACK_INBOX_EVENT = "slack";

export type SlackRefusal =
  | "method not allowed"
  | "unsupported content type"
  | "missing headers"
  | "malformed timestamp"
  | "payload too large"
  | "too many large bodies at once"
  | "stale timestamp"
  | "signature does not match"
  | "not a command or shortcut";

/** What the inbox row of a Slack request holds (`payload`). */
export interface SlackInboxPayload {
  source: "slack";
  repository: { owner: { login: string }; name: string };
  target: { repo: string; installationId: number };
  request: SlackRequest;
  /**
   * When the endpoint received the request (epoch ms): the clock starts no later than this.
   * Absent in rows queued before it was recorded (then: first handling).
   */
  receivedAt?: number;
}

export interface SlackEndpointOptions extends InboundEndpointOptions {
  /** SLACK_SIGNING_SECRET. */
  signingSecret: string;
}

/** The longest unsigned body read, to see whether it is Slack's `ssl_check` (bytes). */
const SSL_CHECK_MAX_BYTES = 1024;

/** How far a request's timestamp may be from now, either way (seconds): five minutes. */
export const SLACK_TIMESTAMP_WINDOW_S = 5 * 60;

/**
 * Whether a request timestamp (`X-Slack-Request-Timestamp`, epoch seconds) is more than five
 * minutes from `nowMs` (epoch ms), in the past or in the future: such a request is refused as a
 * possible replay. Rule: "Verifying requests from Slack"
 * (https://api.slack.com/authentication/verifying-requests-from-slack); both directions as Slack's
 * Python SDK `SignatureVerifier.is_valid` does (`abs(now - timestamp) > 60 * 5`).
 */
export function isOutsideWindow(timestampS: number, nowMs: number): boolean {
  return Math.abs(Math.floor(nowMs / 1000) - timestampS) > SLACK_TIMESTAMP_WINDOW_S;
}

/**
 * Whether a form body is Slack's SSL check of a command URL (`ssl_check=1`): Slack sends it,
 * unsigned, to verify the certificate, and wants a 200 ("Enabling interactivity with Slash
 * commands", https://api.slack.com/interactivity/slash-commands); Bolt answers it the same way,
 * before any signature check (`HTTPModuleFunctions.parseAndVerifyHTTPRequest` in @slack/bolt).
 */
export function isSslCheck(body: string): boolean {
  return new URLSearchParams(body).get("ssl_check") === "1";
}

/** Slack shows a command's response body to the requester only (`response_type: ephemeral`). */
function ephemeral(res: ServerResponse, text: string): boolean {
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(`${JSON.stringify({ response_type: "ephemeral", text })}\n`);
  return true;
}

/**
 * `POST /api/slack/commands`: slash commands and message shortcuts. The body is read within the
 * shared cap and budget, then verified with Slack's SDK (`verifySlackRequest` of @slack/bolt:
 * "Verifying requests from Slack", https://api.slack.com/authentication/verifying-requests-from-slack):
 * an unsigned, forged or stale request (over five minutes away from now, either way:
 * `isOutsideWindow`) gets 401 and one warn line, nothing stored. Slack's unsigned `ssl_check=1`
 * gets 200 with an empty body and no log line (`isSslCheck`). A request from a channel no repo claims gets an ephemeral "not mapped" answer, one info
 * line, nothing stored. Otherwise it goes to the durable inbox under `slack:<team:channel:ts or
 * trigger>` and Slack gets an ephemeral acknowledgement at once (Slack wants one within 3 s);
 * the thread reply follows from the inbox.
 */
export function slackEndpoint(
  options: SlackEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const { log } = options;
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== SLACK_COMMANDS_PATH) return false;
    const refuse = (status: number, reason: SlackRefusal) => {
      log.warn({ channel: "slack", reason }, "slack request refused");
      return writeRefusal(res, status, reason);
    };
    if (req.method !== "POST") return refuse(405, "method not allowed");
    if (mediaType(req) !== "application/x-www-form-urlencoded")
      return refuse(415, "unsupported content type");
    const signature = header(req, "x-slack-signature");
    const rawTimestamp = header(req, "x-slack-request-timestamp")?.trim();
    // Present but not whole epoch seconds (`1796057204.9`, `-1`, `1e9`): refused as what it is.
    if (rawTimestamp !== undefined && rawTimestamp !== "" && !/^\d{1,12}$/.test(rawTimestamp))
      return refuse(401, "malformed timestamp");
    const signed = Boolean(signature) && rawTimestamp !== undefined && /^\d{1,12}$/.test(rawTimestamp);
    const timestamp = signed ? Number(rawTimestamp) : 0;
    // Stale (or from the future) before anything is read: such a request costs nothing.
    if (signed && isOutsideWindow(timestamp, options.deps.clock.now())) return refuse(401, "stale timestamp");
    // An unsigned request is read only as far as Slack's ssl_check can be: a few bytes.
    const limit = signed ? maxBytes : SSL_CHECK_MAX_BYTES;
    if (Number(header(req, "content-length") ?? "0") > limit)
      return refuse(signed ? 413 : 401, signed ? "payload too large" : "missing headers");
    const read = await readBody(req, limit, options.budget);
    options.budget.give(read.held);
    if ("refused" in read) {
      if (!signed && read.refused === "too large") return refuse(401, "missing headers");
      return read.refused === "busy"
        ? refuse(503, "too many large bodies at once")
        : refuse(413, "payload too large");
    }
    const body = read.body.toString("utf8");
    if (isSslCheck(body)) {
      // Slack checking the certificate of the command URL: 200 and nothing else.
      res.writeHead(200).end();
      return true;
    }
    if (!signed || !signature) return refuse(401, "missing headers");
    // The window (both ways) was checked above; Bolt's own check only looks back.
    try {
      verifySlackRequest({
        signingSecret: options.signingSecret,
        body,
        headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
        nowMilliseconds: options.deps.clock.now(),
      });
    } catch (error) {
      return refuse(401, /stale/.test(String(error)) ? "stale timestamp" : "signature does not match");
    }
    const receivedAt = options.deps.clock.now();
    const request = readSlackRequest(body, timestamp);
    if ("problem" in request) return refuse(400, "not a command or shortcut");
    const sourceId = slackSourceId(request);
    const fields = { channel: "slack", slackChannel: request.channelId.slice(0, 40), kind: request.kind };
    try {
      const found = await lookupChannel(options.deps, "slack", request.channelId.slice(0, 40));
      if (found.status !== "mapped") {
        const why =
          found.status === "conflict"
            ? `this channel is claimed by ${found.repos.length} repositories (${found.repos.join(", ")}); one of them must remove it from channels.slack.channels`
            : "no support repository claims this channel (channels.slack.channels in its .github/support-sla.yml)";
        log.info(fields, `slack request not mapped: ${why}`);
        return ephemeral(res, `Not mapped: ${why}. Nothing was opened.`);
      }
      const [owner = "", name = ""] = found.repo.split("/");
      const payload: SlackInboxPayload = {
        source: "slack",
        repository: { owner: { login: owner }, name },
        target: { repo: found.repo, installationId: found.installationId },
        request,
        receivedAt,
      };
      const fresh = await enqueueDelivery(options.deps.store, {
        // The inbox key holds 64 characters; a trigger id may be longer: a digest of the source id.
        deliveryId: `slack:${createHash("sha256").update(sourceId).digest("hex").slice(0, 48)}`,
        event: SLACK_INBOX_EVENT,
        installationId: found.installationId,
        payload,
        now: options.deps.clock.now(),
      });
      if (!fresh) log.info({ ...fields, repo: found.repo }, "slack request already received: ignored");
      options.kick();
      return ephemeral(
        res,
        fresh
          ? `Opening a support issue in ${found.repo}; the link and the deadline follow in the thread.`
          : "This request is already being handled.",
      );
    } catch (error) {
      options.onStoreFailure?.(error);
      log.error(
        { ...fields, err: error instanceof Error ? error.message : String(error) },
        "slack request not stored",
      );
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(`${JSON.stringify({ error: "not stored" })}\n`);
      return true;
    }
  };
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";
import type { AppDeps } from "../handlers/deps.js";

/**
 * GitHub caps webhook payloads at 25 MB and does not deliver larger ones
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap).
 */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

/** Bytes of request bodies held in memory at once across requests, by default (64 MB). */
export const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** One verified delivery, as GitHub's headers and body describe it. */
export interface Delivery {
  /** `X-GitHub-Delivery`. */
  id: string;
  /** `X-GitHub-Event`, e.g. `issues`. */
  name: string;
  payload: Record<string, unknown>;
}

/** Why a request was refused; logged at warn with the delivery id and event, never the body. */
export type Refusal =
  | "method not allowed"
  | "unsupported content type"
  | "missing headers"
  | "payload too large"
  | "signature does not match"
  | "body is not JSON"
  | "too many large bodies at once";

export interface WebhookEndpointOptions {
  path: string;
  secret: string;
  /** Stores the delivery (durable inbox); a throw answers 500 so that GitHub shows it failed. */
  accept: (delivery: Delivery) => Promise<void>;
  log: {
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  };
  onRefused?: (reason: Refusal, event: string) => void;
  maxBytes?: number;
  /**
   * Bytes of request bodies held in memory at once, across all requests (default 64 MB): past it a
   * body is refused with 503 and `Retry-After`, so that a burst of large requests, signed or not,
   * cannot grow the process's memory.
   */
  maxBufferedBytes?: number;
  /** A budget shared with other endpoints; default a budget of `maxBufferedBytes` of its own. */
  budget?: ByteBudget;
}

/**
 * Bytes of bodies held in memory right now, shared by the requests of one endpoint (or, given as
 * `budget`, of several: the PagerDuty and Slack endpoints share the GitHub endpoint's).
 */
export class ByteBudget {
  used = 0;
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used -= n;
  }
}

/**
 * What every inbound endpoint beside GitHub's (PagerDuty, Slack) is given: the store and clock to
 * queue a verified request in the inbox, the inbox's wake-up, the shared in-flight body budget,
 * its body cap (bytes), a logger and the store health watcher's hook.
 */
export interface InboundEndpointOptions {
  deps: Pick<AppDeps, "store" | "clock">;
  /** The inbox has work: wake its loop. */
  kick: () => void;
  /** Shared with the other endpoints (bodies held in memory at once). */
  budget: ByteBudget;
  /** The largest body accepted, bytes (413 beyond). */
  maxBytes?: number;
  log: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
    debug(obj: object, msg: string): void;
  };
  /** A store write failed (the store health watcher hears of it). */
  onStoreFailure?: (error: unknown) => void;
}

/**
 * Answers a refused request: `status` with `{"error": reason}`, the connection closed after the
 * answer (whatever the client still sends is not read), and `Retry-After: 5` on a 503. Returns true
 * (the request was handled), for `return writeRefusal(…)` in an endpoint.
 */
export function writeRefusal(res: ServerResponse, status: number, reason: string): true {
  const retry = status === 503 ? { "retry-after": "5" } : {};
  res.writeHead(status, { "content-type": "application/json", connection: "close", ...retry });
  res.end(`${JSON.stringify({ error: reason })}\n`);
  return true;
}

/** The request's media type, lower case, without parameters (`application/json; charset=…` → `application/json`). */
export function mediaType(req: IncomingMessage): string | undefined {
  return (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
}

/** One request header as a string: the first value when Node gives a list; undefined when absent. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Reads the body, giving up as soon as it passes `limit` bytes ("too large") or the shared budget
 * has no room for the next chunk ("busy"): nothing larger is buffered. The caller gives back
 * `held` bytes to the budget once it is done with the body.
 */
export async function readBody(
  req: IncomingMessage,
  limit: number,
  budget: ByteBudget,
): Promise<{ body: Buffer; held: number } | { refused: "too large" | "busy"; held: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const n = (chunk as Buffer).length;
    if (size + n > limit) return { refused: "too large", held: size };
    if (!budget.take(n)) return { refused: "busy", held: size };
    size += n;
    chunks.push(chunk as Buffer);
  }
  return { body: Buffer.concat(chunks), held: size };
}

/**
 * The GitHub webhook endpoint: checks the headers GitHub sends
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers), refuses
 * bodies over GitHub's 25 MB cap before buffering them (413), verifies `X-Hub-Signature-256`
 * (HMAC-SHA256 of the raw body with the webhook secret,
 * https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries), then hands
 * the delivery to `accept`. A refused request costs one warn line with the delivery id, the event
 * and the reason: never the body, never a stack trace.
 * Returns a request handler: true when it answered the request.
 */
export function webhookEndpoint(
  options: WebhookEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const maxBytes = options.maxBytes ?? MAX_WEBHOOK_BYTES;
  const budget = options.budget ?? new ByteBudget(options.maxBufferedBytes ?? MAX_BUFFERED_BYTES);
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== options.path) return false;
    // Header values are the sender's: cut them short before they reach a log line or a metric.
    const delivery = header(req, "x-github-delivery")?.slice(0, 100) ?? null;
    const event = header(req, "x-github-event")?.slice(0, 64) ?? null;
    const refuse = (status: number, reason: Refusal, extra: Record<string, unknown> = {}) => {
      options.log.warn({ delivery, event, reason, ...extra }, "webhook refused");
      options.onRefused?.(reason, event ?? "unknown");
      return writeRefusal(res, status, reason);
    };
    if (req.method !== "POST") return refuse(405, "method not allowed", { method: req.method });
    if (mediaType(req) !== "application/json") return refuse(415, "unsupported content type");
    const signature = header(req, "x-hub-signature-256");
    const missing = [
      ["x-github-event", event],
      ["x-github-delivery", delivery],
      ["x-hub-signature-256", signature],
    ]
      .filter(([, v]) => !v)
      .map(([k]) => k);
    if (missing.length > 0) return refuse(400, "missing headers", { missing });
    const declared = Number(header(req, "content-length") ?? "0");
    if (declared > maxBytes) return refuse(413, "payload too large", { bytes: declared });
    const read = await readBody(req, maxBytes, budget);
    if ("refused" in read) {
      budget.give(read.held);
      return read.refused === "busy"
        ? refuse(503, "too many large bodies at once")
        : refuse(413, "payload too large");
    }
    let text: string;
    try {
      text = read.body.toString("utf8");
    } finally {
      budget.give(read.held);
    }
    const valid = await verify(options.secret, text, signature as string).catch(() => false);
    if (!valid) return refuse(401, "signature does not match");
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return refuse(400, "body is not JSON");
    }
    if (!payload || typeof payload !== "object" || Array.isArray(payload)) {
      return refuse(400, "body is not JSON");
    }
    try {
      await options.accept({
        id: delivery as string,
        name: event as string,
        payload: payload as Record<string, unknown>,
      });
    } catch (error) {
      options.log.error(
        { delivery, event, err: error instanceof Error ? error.message : String(error) },
        "webhook not stored: GitHub shows it as failed; reconciliation picks the issue up later",
      );
      res
        .writeHead(500, { "content-type": "application/json" })
        .end(`${JSON.stringify({ error: "not stored" })}\n`);
      return true;
    }
    options.log.debug({ delivery, event }, "webhook received");
    res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    return true;
  };
}

import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@octokit/webhooks-methods";

/**
 * GitHub caps webhook payloads at 25 MB and does not deliver larger ones
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap).
 */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

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
  | "body is not JSON";

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
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the body, giving up (null) as soon as it passes `limit` bytes: nothing larger is buffered. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
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
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== options.path) return false;
    const delivery = header(req, "x-github-delivery") ?? null;
    const event = header(req, "x-github-event") ?? null;
    const refuse = (status: number, reason: Refusal, extra: Record<string, unknown> = {}) => {
      options.log.warn({ delivery, event, reason, ...extra }, "webhook refused");
      options.onRefused?.(reason, event ?? "unknown");
      // Stop reading what the client still sends; the connection is closed after the answer.
      res.writeHead(status, { "content-type": "application/json", connection: "close" });
      res.end(`${JSON.stringify({ error: reason })}\n`);
      return true;
    };
    if (req.method !== "POST") return refuse(405, "method not allowed", { method: req.method });
    const type = (header(req, "content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") return refuse(415, "unsupported content type");
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
    const body = await readBody(req, maxBytes);
    if (!body) return refuse(413, "payload too large");
    const text = body.toString("utf8");
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

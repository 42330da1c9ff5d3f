import { createHmac, randomUUID } from "node:crypto";

/** The `x-hub-signature-256` value GitHub sends for this exact body: `sha256=` + HMAC-SHA256 hex. */
export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

export interface SendWebhookOptions {
  /** The event name (`x-github-event`), e.g. `issues`. */
  name: string;
  /** The delivery GUID (`x-github-delivery`); a random UUID when omitted. */
  id?: string;
  /** An object (serialised once, and that exact text is signed) or an already serialised body. */
  payload: unknown;
  secret: string;
  /** Omitted: signed with `secret`. A string: sent as is (e.g. a wrong one). null: no signature header. */
  signature?: string | null;
  /** Extra headers, e.g. `x-github-hook-installation-target-id`. */
  headers?: Record<string, string>;
  /** Gives up after this many ms (default 15 s). */
  timeoutMs?: number;
}

export interface WebhookResponse {
  status: number;
  body: string;
}

/** POSTs one delivery the way GitHub does (to e.g. `http://127.0.0.1:PORT/api/github/webhooks`). */
export async function sendWebhook(url: string, options: SendWebhookOptions): Promise<WebhookResponse> {
  const body = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/standin",
    "x-github-event": options.name,
    "x-github-delivery": options.id ?? randomUUID(),
    ...options.headers,
  };
  if (options.signature === undefined) headers["x-hub-signature-256"] = signPayload(options.secret, body);
  else if (options.signature !== null) headers["x-hub-signature-256"] = options.signature;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  return { status: response.status, body: await response.text() };
}

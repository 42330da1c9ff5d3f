import { createHmac, randomUUID } from "node:crypto";
/** The `x-hub-signature-256` value GitHub sends for this exact body: `sha256=` + HMAC-SHA256 hex. */
export function signPayload(secret, body) {
  return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}
/** POSTs one delivery the way GitHub does (to e.g. `http://127.0.0.1:PORT/api/github/webhooks`). */
export async function sendWebhook(url, options) {
  const body = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  const headers = {
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

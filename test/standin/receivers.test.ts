import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, createProbot, Probot } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKeyPair, generatePrivateKey } from "./keys.js";
import { PagerDutyStandIn, SlackStandIn } from "./receivers.js";
import { sendWebhook, signPayload } from "./webhook.js";

describe("SlackStandIn", () => {
  const slack = new SlackStandIn();
  beforeAll(() => slack.start().then(() => undefined));
  afterAll(() => slack.stop());

  const post = (body: string) =>
    fetch(slack.webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body });

  it("answers 200 ok and records accepted messages; failNext answers Slack's error strings", async () => {
    slack.failNext(429, 1);
    slack.failNext(500, 1);
    const limited = await post('{"text":"a"}');
    expect([limited.status, limited.headers.get("retry-after"), await limited.text()]).toEqual([
      429,
      "1",
      "rate_limited",
    ]);
    expect((await post('{"text":"a"}')).status).toBe(500);
    const ok = await post('{"text":"breached: acme/web#1"}');
    expect([ok.status, await ok.text()]).toEqual([200, "ok"]);
    expect((await post("not json")).status).toBe(400);
    expect((await post('{"nothing":1}')).status).toBe(400);
    expect(slack.messages()).toEqual([{ text: "breached: acme/web#1" }]);
    expect(slack.requests().map((r) => r.status)).toEqual([429, 500, 200, 400, 400]);
    expect(slack.pendingFaults()).toBe(0);
  });
});

describe("PagerDutyStandIn", () => {
  const pd = new PagerDutyStandIn();
  beforeAll(() => pd.start().then(() => undefined));
  afterAll(() => pd.stop());

  const enqueue = async (event: object) => {
    const res = await fetch(pd.eventsUrl, { method: "POST", body: JSON.stringify(event) });
    return {
      status: res.status,
      body: (await res.json().catch(() => null)) as Record<string, unknown> | null,
    };
  };
  const trigger = {
    routing_key: "r".repeat(32),
    event_action: "trigger",
    dedup_key: "acme/web#1",
    payload: { summary: "Production down: acme/web#1", source: "support-sla", severity: "critical" },
  };

  it("accepts Events API v2 events with 202 and dedups triggers per dedup_key", async () => {
    expect(await enqueue(trigger)).toEqual({
      status: 202,
      body: { status: "success", message: "Event processed", dedup_key: "acme/web#1" },
    });
    expect((await enqueue(trigger)).status).toBe(202);
    const generated = await enqueue({ ...trigger, dedup_key: undefined });
    expect(generated.body?.dedup_key).toMatch(/^[0-9a-f]{32}$/);
    expect(pd.events()).toHaveLength(3);
    expect(pd.incidents().find((i) => i.dedup_key === "acme/web#1")).toMatchObject({
      status: "triggered",
      events: 2,
    });
  });

  it("rejects invalid events with 400 and fails on demand", async () => {
    const bad = await enqueue({ routing_key: "k", event_action: "trigger", payload: { summary: "x" } });
    expect(bad.status).toBe(400);
    expect(bad.body?.errors).toEqual([
      "'payload.source' is missing or blank",
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    ]);
    pd.failNext(503, 1);
    expect((await enqueue(trigger)).status).toBe(503);
    expect(pd.pendingFaults()).toBe(0);
    expect(pd.events()).toHaveLength(3);
    expect((await fetch(`${pd.url}/v1/other`, { method: "POST" })).status).toBe(404);
    expect(pd.unmatched()).toHaveLength(1);
  });
});

describe("signPayload / sendWebhook against a real Probot", () => {
  const SECRET = "topsecret";
  let server: Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    const probot = new Probot({
      appId: 1,
      privateKey: generatePrivateKey(),
      secret: SECRET,
      logLevel: "fatal",
    });
    const middleware = await createNodeMiddleware(
      (app) => {
        app.on("issues.opened", async (context) => {
          seen.push(context.id);
        });
      },
      { probot },
    );
    server = createServer((req, res) => {
      void middleware(req, res, () => res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("signs like GitHub: sha256= HMAC-SHA256 hex of the exact body", () => {
    const body = '{"action":"opened"}';
    expect(signPayload(SECRET, body)).toBe(
      `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`,
    );
  });

  it("is accepted when signed, rejected with a wrong or missing signature", async () => {
    const payload = {
      action: "opened",
      issue: { number: 1 },
      repository: { name: "web", owner: { login: "acme" } },
    };
    const ok = await sendWebhook(url, { name: "issues", id: "d-1", payload, secret: SECRET });
    expect(ok.status).toBe(200);
    expect(seen).toEqual(["d-1"]);
    const wrong = await sendWebhook(url, { name: "issues", id: "d-2", payload, secret: "other" });
    const missing = await sendWebhook(url, {
      name: "issues",
      id: "d-3",
      payload,
      secret: SECRET,
      signature: null,
    });
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(seen).toEqual(["d-1"]);
  });
});

describe("generatePrivateKey", () => {
  it("is one PKCS#1 key per process, loadable from PRIVATE_KEY (with escaped newlines) and able to sign app JWTs", async () => {
    const pem = generatePrivateKey();
    expect(pem).toContain("-----BEGIN RSA PRIVATE KEY-----");
    expect(generatePrivateKey()).toBe(pem);
    expect(generateKeyPair().privateKeyPkcs8).toContain("-----BEGIN PRIVATE KEY-----");
    // createProbot reads the key through @probot/get-private-key, as `npm start` does.
    const probot = createProbot({
      env: { APP_ID: "7", PRIVATE_KEY: pem.replace(/\n/g, "\\n"), LOG_LEVEL: "fatal" },
    });
    const appOctokit = await probot.auth();
    const { token } = (await appOctokit.auth({ type: "app" })) as { token: string };
    expect(token.split(".")).toHaveLength(3);
  });
});

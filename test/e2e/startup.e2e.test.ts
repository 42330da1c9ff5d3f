import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import SQLite from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { generatePrivateKey } from "../standin/keys.js";
import { signPayload } from "../standin/webhook.js";
import { BUILT_MAIN, freePort, requireBuiltApp, settle, waitFor } from "./harness.js";
import { problemBody, World } from "./world.js";

/** Starting the built server as an operator does: bad credentials, a busy port, the logs it prints. */

const OWNER = "acme";
const tmp = mkdtempSync(join(tmpdir(), "support-sla-startup-"));
const children: ChildProcess[] = [];
let worlds: World[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  await Promise.allSettled(worlds.map((w) => w.stop()));
  worlds = [];
}, 30_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Started {
  child: ChildProcess;
  exited: Promise<number | null>;
  output(): string;
  lines(): string[];
}

/** `node dist/main.js` with exactly `env` (plus PATH), in `cwd`. */
function startMain(env: Record<string, string>, cwd = tmp): Started {
  requireBuiltApp();
  const child = spawn(process.execPath, [BUILT_MAIN], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return {
    child,
    exited,
    output: () => output,
    lines: () => output.split("\n").filter((l) => l.trim() !== ""),
  };
}

async function newWorld(): Promise<World> {
  requireBuiltApp();
  const w = new World();
  worlds.push(w);
  return await w.start();
}

describe("bad credentials: exit 1 with one line that names the variable, never the registration page", () => {
  const key = join(tmp, "keys", "good.pem");
  mkdirSync(join(tmp, "keys"));
  writeFileSync(key, generatePrivateKey());
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      "no private key at all",
      { APP_ID: "12", WEBHOOK_SECRET: "s" },
      /^support-sla: PRIVATE_KEY: APP_ID is set but no private key/,
    ],
    [
      "PRIVATE_KEY_PATH to a missing file",
      { APP_ID: "12", WEBHOOK_SECRET: "s", PRIVATE_KEY_PATH: join(tmp, "nope.pem") },
      /^support-sla: PRIVATE_KEY_PATH: cannot read the private key file .*nope\.pem/,
    ],
    [
      "PRIVATE_KEY_PATH to something unreadable (a folder)",
      { APP_ID: "12", WEBHOOK_SECRET: "s", PRIVATE_KEY_PATH: tmp },
      /^support-sla: PRIVATE_KEY_PATH: cannot read the private key file .* \(EISDIR\)/,
    ],
    [
      "PRIVATE_KEY that is not PEM",
      { APP_ID: "12", WEBHOOK_SECRET: "s", PRIVATE_KEY: "not a key" },
      /^support-sla: PRIVATE_KEY: is not a PEM private key/,
    ],
    [
      "PRIVATE_KEY with PEM armour around garbage",
      {
        APP_ID: "12",
        WEBHOOK_SECRET: "s",
        PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
      },
      /^support-sla: PRIVATE_KEY: does not hold a valid private key/,
    ],
    [
      "no WEBHOOK_SECRET",
      { APP_ID: "12", PRIVATE_KEY_PATH: key },
      /^support-sla: WEBHOOK_SECRET: is not set/,
    ],
    [
      "an APP_ID that is not a number",
      { APP_ID: "my-app", PRIVATE_KEY_PATH: key, WEBHOOK_SECRET: "s" },
      /^support-sla: APP_ID: /,
    ],
    [
      "an EC key (GitHub App keys are RSA)",
      {
        APP_ID: "12",
        WEBHOOK_SECRET: "s",
        PRIVATE_KEY: generateKeyPairSync("ec", { namedCurve: "prime256v1" })
          .privateKey.export({ type: "pkcs8", format: "pem" })
          .toString(),
      },
      /^support-sla: PRIVATE_KEY: holds an ec key, not the RSA key/,
    ],
    [
      "a SLACK_WEBHOOK_URL that is not a URL",
      { APP_ID: "12", WEBHOOK_SECRET: "s", PRIVATE_KEY_PATH: key, SLACK_WEBHOOK_URL: "notaurl" },
      /^support-sla: SLACK_WEBHOOK_URL: "notaurl" is not a URL/,
    ],
  ];
  for (const [what, env, expected] of cases) {
    it(what, async () => {
      const port = await freePort();
      // In a folder without *.pem files: Probot's key lookup would take the one *.pem it finds there.
      const empty = mkdtempSync(join(tmp, "empty-"));
      const app = startMain({ ...env, PORT: String(port), HOST: "127.0.0.1" }, empty);
      expect(await app.exited).toBe(1);
      expect(app.lines()).toEqual([expect.stringMatching(expected)]);
      expect(app.output()).not.toMatch(/Register GitHub App|\bat .*\.js:\d+/);
    });
  }
});

describe("a second instance on a busy port", () => {
  it("exits with one line and leaves the running instance's inbox attempts and lease owners untouched", async () => {
    const world = await newWorld();
    world.gh.addRepo(OWNER, "portal");
    const first = await world.startApp({ env: { SUPPORT_SLA_INSTANCE: "replica-a" } });
    const sqlitePath = first.sqlitePath as string;
    // Work the running instance holds right now: a delivery it has claimed, tried once, leased for a while.
    const db = new SQLite(sqlitePath);
    const inFlight = Date.now() + 10 * 60_000;
    db.prepare(
      `insert into inbox (delivery_id, event, installation_id, payload, received_at, attempts, available_at, lease_owner, lease_until)
       values ('held-1', 'issues', 1, '{}', ?, 1, ?, 'replica-a', ?)`,
    ).run(Date.now(), Date.now(), inFlight);
    const snapshot = () => ({
      inbox: db
        .prepare(
          "select delivery_id, attempts, lease_owner, lease_until, done_at from inbox order by delivery_id",
        )
        .all(),
      leases: db.prepare("select * from leases order by 1").all(),
      tracked: db.prepare("select * from tracked_issues order by 1").all(),
    });
    const before = snapshot();

    const second = startMain({
      APP_ID: String(world.gh.appId),
      PRIVATE_KEY: generatePrivateKey(),
      WEBHOOK_SECRET: first.secret,
      HOST: "127.0.0.1",
      PORT: String(first.port),
      DATABASE_URL: first.databaseUrl,
      SUPPORT_SLA_INSTANCE: "replica-a",
      GHE_HOST: `127.0.0.1:${world.gh.port}`,
      GHE_PROTOCOL: "http",
    });
    expect(await second.exited).toBe(1);
    expect(second.lines()).toEqual([
      expect.stringMatching(
        /^support-sla: PORT: 127\.0\.0\.1:\d+ is already in use .*set PORT to another port$/,
      ),
    ]);
    await settle(500);
    expect(snapshot()).toEqual(before);
    db.close();
    expect(first.running).toBe(true);
  });
});

describe("logs an operator can read", () => {
  it("JSON lines when the output is not a terminal; one start-up line says what runs, without the password", async () => {
    const world = await newWorld();
    const port = await freePort();
    const app = startMain({
      APP_ID: String(world.gh.appId),
      PRIVATE_KEY: generatePrivateKey(),
      WEBHOOK_SECRET: "s",
      HOST: "127.0.0.1",
      PORT: String(port),
      GHE_HOST: `127.0.0.1:${world.gh.port}`,
      GHE_PROTOCOL: "http",
      DATABASE_URL: `sqlite:${join(tmp, "startup-line.db")}`,
      SLACK_WEBHOOK_URL: world.slack.webhookUrl,
      SUPPORT_SLA_INSTANCE: "blue-1",
    });
    const line = await waitFor(() => app.lines().find((l) => l.includes("support-sla running")), {
      diagnostics: app.output,
    });
    for (const l of app.lines()) expect(() => JSON.parse(l), l).not.toThrow();
    expect(JSON.parse(line)).toMatchObject({
      level: 30,
      msg: "support-sla running",
      database: `sqlite:${join(tmp, "startup-line.db")}`,
      slack: "configured",
      pagerduty: "off",
      instance: "blue-1",
      webhookPath: "/api/github/webhooks",
    });
    expect(app.output()).not.toContain(world.slack.webhookUrl);
  });

  it("a webhook with a bad signature costs exactly one warn line, with the delivery, the event and the reason, and no payload", async () => {
    const world = await newWorld();
    world.gh.addRepo(OWNER, "portal");
    const app = await world.startApp({ logLevel: "info" });
    await settle(1_000);
    const issue = world.gh.createIssue(OWNER, "portal", {
      title: "Checkout down, customer code WOMBAT-7731",
      body: problemBody({ impact: "Private note WOMBAT-7731" }),
      user: "customer1",
    });
    const payload = world.gh.issueEvent("opened", OWNER, "portal", issue.number as number);
    const linesBefore = app.output().split("\n").length;
    const r = await app.send("issues", payload, { id: "bad-sig-1", secret: "not-the-secret" });
    expect(r.status).toBe(401);
    await settle(500);
    const after = app
      .output()
      .split("\n")
      .slice(linesBefore - 1)
      .filter((l) => l.trim() !== "");
    expect(after).toHaveLength(1);
    expect(JSON.parse(after[0] as string)).toMatchObject({
      level: 40,
      msg: "webhook refused",
      delivery: "bad-sig-1",
      event: "issues",
      reason: "signature does not match",
    });
    expect(app.output()).not.toContain("WOMBAT-7731");
  });
});

describe("a local trial through a webhook proxy channel (WEBHOOK_PROXY_URL)", () => {
  it("deliveries published on the channel reach the app and are applied", async () => {
    const world = await newWorld();
    world.seedRepo(OWNER, "proxied");
    // The channel: a loopback server-sent-events stream shaped like smee.io's (headers and body as JSON).
    const streams: ServerResponse[] = [];
    const channel = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(": connected\n\n");
      streams.push(res);
    });
    await new Promise<void>((done) => channel.listen(0, "127.0.0.1", () => done()));
    const channelUrl = `http://127.0.0.1:${(channel.address() as { port: number }).port}/AbC123`;
    try {
      const app = await world.startApp({
        env: { WEBHOOK_PROXY_URL: channelUrl },
        registerWebhook: false,
        logLevel: "info",
      });
      await waitFor(() => streams.length > 0, {
        message: "the app to connect to the channel",
        diagnostics: () => app.output(),
      });
      const { number } = world.openIssue(OWNER, "proxied", {});
      const payload = world.gh.issueEvent("opened", OWNER, "proxied", number);
      const body = JSON.stringify(payload);
      const message = {
        "x-github-event": "issues",
        "x-github-delivery": "via-proxy-1",
        "x-hub-signature-256": signPayload(app.secret, body),
        body: payload,
        query: {},
        timestamp: Date.now(),
      };
      for (const s of streams) s.write(`data: ${JSON.stringify(message)}\n\n`);
      await world.waitFor(() => world.intakeComments(OWNER, "proxied", number).length === 1, {
        message: "the intake comment of the issue delivered through the proxy",
      });
    } finally {
      for (const s of streams) s.end();
      channel.closeAllConnections();
      await new Promise<void>((done) => channel.close(() => done()));
    }
  });
});

describe("registration (no APP_ID yet)", () => {
  it("writes PUBLIC_URL into the manifest's webhook URL, and the code GitHub returns into .env", async () => {
    const world = await newWorld();
    const cwd = join(tmp, "register");
    mkdirSync(cwd, { recursive: true });
    const port = await freePort();
    const app = startMain(
      {
        HOST: "127.0.0.1",
        PORT: String(port),
        PUBLIC_URL: "https://sla.example.com/",
        GHE_HOST: `127.0.0.1:${world.gh.port}`,
        GHE_PROTOCOL: "http",
      },
      cwd,
    );
    await waitFor(() => app.lines().some((l) => l.includes("not registered yet")), {
      diagnostics: app.output,
    });
    const opened = await fetch(`http://127.0.0.1:${port}/`);
    const cookie = (opened.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(cookie).toMatch(/^support_sla_registration=[0-9a-f]{32}$/);
    const page = await opened.text();
    const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
    const manifest = JSON.parse(decode(/name="manifest" value="([^"]*)"/.exec(page)?.[1] ?? "null"));
    expect(manifest.hook_attributes.url).toBe("https://sla.example.com/api/github/webhooks");
    expect(manifest.redirect_url).toBe("https://sla.example.com/probot/setup");
    expect(manifest.default_events).toEqual(["issues", "issue_comment", "push"]);
    const action = decode(/<form action="([^"]*)"/.exec(page)?.[1] ?? "");
    expect(action).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${world.gh.port}/settings/apps/new\\?state=[0-9a-f]+$`),
    );
    const state = new URL(action).searchParams.get("state");
    const callback = (code: string, st: string | null, withCookie: boolean) =>
      fetch(`http://127.0.0.1:${port}/probot/setup?code=${code}&state=${st}`, {
        redirect: "manual",
        headers: withCookie ? { cookie } : {},
      });

    // GitHub sends the browser back with a code. A wrong state, or the right one from another
    // browser (no cookie), is refused and writes nothing.
    const pem = generatePrivateKey();
    const code = world.gh.manifestCode({ pem, webhook_secret: "from-github" });
    expect((await callback(code, "wrong", true)).status).toBe(400);
    expect((await callback(code, state, false)).status).toBe(400);
    const done = await callback(code, state, true);
    expect(done.status).toBe(302);
    expect(done.headers.get("location")).toMatch(/\/installations\/new$/);
    // Once registered, no other callback can replace the credentials.
    const other = world.gh.manifestCode({ pem: generatePrivateKey(), webhook_secret: "someone-else" });
    expect((await callback(other, state, true)).status).toBe(409);
    const env = parseEnv(readFileSync(join(cwd, ".env"), "utf8"));
    expect(env).toMatchObject({
      APP_ID: String(world.gh.appId),
      WEBHOOK_SECRET: "from-github",
      PRIVATE_KEY: pem,
    });
  });
});

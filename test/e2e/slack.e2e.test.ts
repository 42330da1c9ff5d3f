import { afterEach, describe, expect, it } from "vitest";
import type { Json } from "../standin/github-shapes.js";
import {
  messageShortcutBody,
  SlackWebApiStandIn,
  sendSlack,
  slackSignature,
  slashCommandBody,
} from "../standin/slack-web-api.js";
import { type AppProcess, requireBuiltApp, settle } from "./harness.js";
import { problemBody, sqliteRows, World } from "./world.js";

/**
 * Slack → GitHub (issue 13) end to end: the built server, signed slash commands and message
 * shortcuts to `POST /api/slack/commands`, thread replies through a Slack Web API stand-in
 * (SLACK_API_URL, SLACK_BOT_TOKEN), the GitHub stand-in.
 */

const OWNER = "acme";
const REPO = "portal";
const CHANNEL = "C0123ABCD";
const SECRET = "slack-signing-secret-e2e";
const TOKEN = "xoxb-e2e-standin-token";
const SETTLE_MS = 3_000;

const CONFIG = ["channels:", "  slack:", `    channels: ["${CHANNEL}"]`, ""].join("\n");

let worlds: World[] = [];
let apis: SlackWebApiStandIn[] = [];

afterEach(async () => {
  await Promise.allSettled(worlds.map((w) => w.stop()));
  await Promise.allSettled(apis.map((a) => a.stop()));
  worlds = [];
  apis = [];
}, 30_000);

async function setup(): Promise<{ w: World; app: AppProcess; api: SlackWebApiStandIn; url: string }> {
  requireBuiltApp();
  const w = new World();
  worlds.push(w);
  await w.start();
  const api = new SlackWebApiStandIn(TOKEN);
  apis.push(api);
  await api.start();
  w.seedRepo(OWNER, REPO, { config: CONFIG });
  const app = await w.startApp({
    logLevel: "info",
    env: {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_API_URL: api.apiUrl,
      LOG_FORMAT: "json",
    },
  });
  await w.waitFor(() => app.output().includes("channel index rebuilt"), { message: "the channel index" });
  return { w, app, api, url: `${app.url}/api/slack/commands` };
}

function issues(w: World): Json[] {
  const out: Json[] = [];
  for (let n = 1; ; n++) {
    const issue = w.gh.issue(OWNER, REPO, n);
    if (!issue) return out;
    out.push(issue);
  }
}

function logLines(app: AppProcess, msg: RegExp): Array<Record<string, unknown>> {
  return app
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => msg.test(String(l.msg)));
}

describe("Slack requests open Urgent issues", { timeout: 60_000 }, () => {
  it("a slash command opens an Urgent issue, replies in its thread with the deadline, and relays the first team reply once", async () => {
    const { w, app, api, url } = await setup();
    const sentAt = Math.floor(Date.now() / 1000) - 30;
    const res = await sendSlack(
      url,
      SECRET,
      slashCommandBody({ channelId: CHANNEL, text: "problem checkout returns 503 for everyone" }),
      { timestamp: sentAt },
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json?.response_type).toBe("ephemeral");

    const issue = await w.waitFor(() => issues(w)[0], { message: "the issue opened from Slack" });
    const n = issue.number as number;
    const [root] = await w.waitFor(() => (api.posted().length >= 2 ? api.posted() : null), {
      message: "the thread root and the thread reply",
    });
    if (!root) throw new Error("no root message");
    const [reply] = api.thread(CHANNEL, root.ts);
    expect(root.thread_ts).toBeNull();
    expect(root.text).toContain("carol asked for help: checkout returns 503 for everyone");
    expect(reply?.text).toMatch(
      new RegExp(
        `^Support issue <${issue.html_url}\\|${OWNER}/${REPO}#${n}> is open \\(Urgent\\)\\. First response due \\*.+\\*\\.`,
      ),
    );
    // The problem form's fields were not given in Slack: marked incomplete, and the reply says which.
    // Never its Priority field: the channel sets the priority (Urgent), and the type came with the command.
    expect(reply?.text?.split("\n")[1]).toBe(
      "It is marked incomplete: please add on GitHub *Affected service*, *What happens?*, *Since when?*, *Impact on end users*.",
    );
    expect(w.labels(OWNER, REPO, n).sort()).toEqual([
      "intake: incomplete",
      "priority: urgent",
      "type: problem",
    ]);
    expect(String(issue.title)).toBe("[Slack]: checkout returns 503 for everyone");
    expect(String(issue.body)).toContain("carol (Slack user `U0CUSTOMER`)");
    expect(String(issue.body)).toContain(
      `https://acme.slack.com/archives/${CHANNEL}/p${root.ts.replace(".", "")}`,
    );
    const [intake] = await w.waitFor(() => {
      const found = w.intakeComments(OWNER, REPO, n);
      return found.length === 1 ? found : null;
    });
    expect(intake?.body).toContain("- **Affected service**: ");
    expect(intake?.body).not.toContain("- **Priority**");
    const [row] = (sqliteRows(app.sqlitePath as string).tracked_issues ?? []) as Array<
      Record<string, unknown>
    >;
    expect(row?.created_at).toBe(sentAt * 1000);
    expect(row?.priority).toBe("urgent");

    // The first team reply on GitHub goes to the thread, once; a second reply does not.
    const comment = w.gh.addComment(OWNER, REPO, n, {
      body: "We are on it: the load balancer lost its pool.",
      user: { login: "alice", type: "User" },
      author_association: "MEMBER",
    });
    await app.send("issue_comment", w.gh.commentEvent("created", OWNER, REPO, comment.id as number));
    await app.send("issue_comment", w.gh.commentEvent("created", OWNER, REPO, comment.id as number));
    const second = w.gh.addComment(OWNER, REPO, n, {
      body: "Fixed now.",
      user: { login: "bob", type: "User" },
      author_association: "MEMBER",
    });
    await app.send("issue_comment", w.gh.commentEvent("created", OWNER, REPO, second.id as number));
    await w.waitFor(() => api.thread(CHANNEL, root.ts).length === 2, { message: "the relayed first reply" });
    await settle(SETTLE_MS);
    const thread = api.thread(CHANNEL, root.ts);
    expect(thread).toHaveLength(2);
    expect(thread[1]?.text).toMatch(/^First response on GitHub from \*alice\*/);
    expect(thread[1]?.text).toContain("the load balancer lost its pool");
    expect(issues(w)).toHaveLength(1);
  });

  it("a message shortcut opens one issue clocked from the message, and replies in the message's thread", async () => {
    const { w, app, api, url } = await setup();
    const ts = `${Math.floor(Date.now() / 1000) - 120}.000200`;
    const body = messageShortcutBody({
      channelId: CHANNEL,
      ts,
      text: "@help the VPN is down for the whole office",
    });
    expect((await sendSlack(url, SECRET, body)).status).toBe(200);
    // The same message sent twice (two people using the shortcut): one issue.
    expect((await sendSlack(url, SECRET, body)).status).toBe(200);
    const issue = await w.waitFor(() => issues(w)[0]);
    await w.waitFor(() => api.thread(CHANNEL, ts).length === 1, { message: "the thread reply" });
    await settle(SETTLE_MS);
    expect(issues(w)).toHaveLength(1);
    expect(api.posted()).toHaveLength(1);
    expect(api.thread(CHANNEL, ts)[0]?.text).toContain(`#${issue.number}`);
    const [row] = (sqliteRows(app.sqlitePath as string).tracked_issues ?? []) as Array<
      Record<string, unknown>
    >;
    expect(row?.created_at).toBe(Math.floor(Number(ts) * 1000));
    expect(String(issue.body)).not.toMatch(/@help/); // quoted text never pings
  });

  it("a request that fills the form's fields opens a complete issue", async () => {
    const { w, api, url } = await setup();
    const text = `problem ${problemBody()}`;
    await sendSlack(url, SECRET, slashCommandBody({ channelId: CHANNEL, text }));
    const issue = await w.waitFor(() => issues(w)[0]);
    await w.waitFor(() => api.posted().length === 2);
    expect(w.labels(OWNER, REPO, issue.number as number)).not.toContain("intake: incomplete");
    expect(api.posted()[1]?.text).not.toContain("incomplete");
  });
});

describe("refused and unmapped Slack requests", { timeout: 60_000 }, () => {
  it("unsigned, forged and stale requests get 401, one warn line each, nothing stored, nothing sent", async () => {
    const { w, app, api, url } = await setup();
    const body = slashCommandBody({ channelId: CHANNEL, text: "private words" });
    const now = Math.floor(Date.now() / 1000);
    const unsigned = await sendSlack(url, SECRET, body, { signature: null });
    const forged = await sendSlack(url, SECRET, body, { signature: slackSignature("wrong", now, body) });
    const staleAt = now - 6 * 60;
    const stale = await sendSlack(url, SECRET, body, {
      timestamp: staleAt,
      signature: slackSignature(SECRET, staleAt, body),
    });
    expect([unsigned.status, forged.status, stale.status]).toEqual([401, 401, 401]);
    await settle(SETTLE_MS);
    expect(issues(w)).toEqual([]);
    expect(api.posted()).toEqual([]);
    const tables = sqliteRows(app.sqlitePath as string);
    expect(tables.inbox).toEqual([]);
    expect(tables.channel_links).toEqual([]);
    expect(logLines(app, /slack request refused/).map((l) => l.reason)).toEqual([
      "missing headers",
      "signature does not match",
      "stale timestamp",
    ]);
    expect(app.output()).not.toContain("private words");
  });

  it("a channel no repo claims gets an ephemeral 'not mapped' answer, one log line, nothing stored", async () => {
    const { w, app, api, url } = await setup();
    const res = await sendSlack(url, SECRET, slashCommandBody({ channelId: "C0OTHER99", text: "help" }));
    expect(res.status).toBe(200);
    expect(res.json?.response_type).toBe("ephemeral");
    expect(String(res.json?.text)).toMatch(/^Not mapped: no support repository claims this channel/);
    await settle(SETTLE_MS);
    expect(issues(w)).toEqual([]);
    expect(api.posted()).toEqual([]);
    expect(logLines(app, /not mapped/)).toHaveLength(1);
    expect(sqliteRows(app.sqlitePath as string).inbox).toEqual([]);
  });
});

describe("Slack's Web API failing for a while", { timeout: 90_000 }, () => {
  it("503 twice on the first post, then 503 and 429 on the relay: root, thread reply and relay each land once", async () => {
    const { w, app, api, url } = await setup();
    api.failNext(2, { status: 503 });
    const res = await sendSlack(url, SECRET, slashCommandBody({ channelId: CHANNEL, text: "login fails" }));
    expect(res.status).toBe(200);

    const posted = await w.waitFor(() => (api.posted().length >= 2 ? api.posted() : null), {
      message: "the thread root and the thread reply, after Slack came back",
      timeoutMs: 40_000,
    });
    const [root] = posted;
    if (!root) throw new Error("no root message");
    const issue = await w.waitFor(() => issues(w)[0]);
    const n = issue.number as number;
    expect(root.thread_ts).toBeNull();
    expect(api.thread(CHANNEL, root.ts)).toHaveLength(1);
    expect(api.thread(CHANNEL, root.ts)[0]?.text).toContain(`${OWNER}/${REPO}#${n}`);
    expect(String(issue.body)).toContain(`p${root.ts.replace(".", "")}`); // the permalink made it

    // Each failed try: one warn line naming the effect, the channel and the HTTP status, no stack;
    // never "may have been delivered" (an answer means Slack posted nothing).
    const failed = logLines(app, /^slack effect failed; the next attempt sends it$/);
    expect(failed.map((l) => [l.level, l.effect, l.channel, l.status])).toEqual([
      [40, "root", "slack", 503],
      [40, "root", "slack", 503],
    ]);
    expect(failed.every((l) => (l.error as { stack?: unknown }).stack === undefined)).toBe(true);
    expect(logLines(app, /may have been delivered/)).toEqual([]);

    api.failNext(1, { status: 503 });
    api.failNext(1, { status: 429, retryAfterS: 1 });
    const comment = w.gh.addComment(OWNER, REPO, n, {
      body: "Looking at the login service now.",
      user: { login: "alice", type: "User" },
      author_association: "MEMBER",
    });
    await app.send("issue_comment", w.gh.commentEvent("created", OWNER, REPO, comment.id as number));
    await w.waitFor(() => api.thread(CHANNEL, root.ts).length === 2, {
      message: "the relayed first reply, after Slack came back",
      timeoutMs: 40_000,
    });
    await settle(SETTLE_MS);
    expect(api.thread(CHANNEL, root.ts)).toHaveLength(2);
    expect(api.thread(CHANNEL, root.ts)[1]?.text).toMatch(/^First response on GitHub from \*alice\*/);
    expect(api.posted()).toHaveLength(3);
    const relayFailures = logLines(app, /^slack effect failed; the next attempt sends it$/).filter(
      (l) => l.effect === "first-reply",
    );
    expect(relayFailures.map((l) => [l.issue, l.status])).toEqual([
      [`${OWNER}/${REPO}#${n}`, 503],
      [`${OWNER}/${REPO}#${n}`, 429],
    ]);
    expect(relayFailures[1]?.retryAfterMs).toBe(1_000);
    expect(issues(w)).toHaveLength(1);
  });

  it("a reply Slack refuses for good (channel_not_found): one warn line with the effect, the code and the issue; the issue stays open and tracked", async () => {
    const { w, app, api, url } = await setup();
    const ts = `${Math.floor(Date.now() / 1000) - 60}.000300`;
    api.failNext(1, { method: "chat.postMessage", error: "channel_not_found" });
    await sendSlack(url, SECRET, messageShortcutBody({ channelId: CHANNEL, ts, text: "printer on fire" }));
    const issue = await w.waitFor(() => issues(w)[0]);
    const n = issue.number as number;
    await w.waitFor(() => logLines(app, /slack effect refused/).length > 0, { message: "the refusal line" });
    await settle(SETTLE_MS);
    const refused = logLines(app, /slack effect refused/);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      level: 40,
      effect: "reply",
      channel: "slack",
      issue: `${OWNER}/${REPO}#${n}`,
    });
    const error = (refused[0]?.error ?? {}) as { message?: string; stack?: unknown };
    expect(error.message).toContain("channel_not_found");
    expect(error.stack).toBeUndefined();
    expect(api.calls().filter((m) => m === "chat.postMessage")).toHaveLength(1); // never sent again
    expect(logLines(app, /delivery failed/)).toEqual([]);
    const [row] = (sqliteRows(app.sqlitePath as string).tracked_issues ?? []) as Array<
      Record<string, unknown>
    >;
    expect(row?.number).toBe(n);
  });
});

describe("Slack's own checks of the command URL, and odd timestamps", { timeout: 60_000 }, () => {
  it("ssl_check=1 (unsigned) gets 200 with an empty body, no log line, nothing stored", async () => {
    const { app, url } = await setup();
    const res = await sendSlack(url, SECRET, "ssl_check=1&token=deprecated-verification-token", {
      signature: null,
      timestamp: null,
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe("");
    await settle(1_000);
    expect(logLines(app, /slack request/)).toEqual([]);
    expect(sqliteRows(app.sqlitePath as string).inbox).toEqual([]);
  });

  it("a timestamp over five minutes in the future is refused as stale; a signature without a timestamp as missing headers", async () => {
    const { w, app, api, url } = await setup();
    const body = slashCommandBody({ channelId: CHANNEL, text: "hello" });
    const future = Math.floor(Date.now() / 1000) + 6 * 60;
    const ahead = await sendSlack(url, SECRET, body, {
      timestamp: future,
      signature: slackSignature(SECRET, future, body),
    });
    const noTimestamp = await sendSlack(url, SECRET, body, { timestamp: null });
    expect([ahead.status, noTimestamp.status]).toEqual([401, 401]);
    await settle(SETTLE_MS);
    expect(logLines(app, /slack request refused/).map((l) => l.reason)).toEqual([
      "stale timestamp",
      "missing headers",
    ]);
    expect(issues(w)).toEqual([]);
    expect(api.posted()).toEqual([]);
    expect(sqliteRows(app.sqlitePath as string).inbox).toEqual([]);
  });
});

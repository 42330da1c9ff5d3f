import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createSlackApi, slackFailure } from "../../src/channels/slack-client.js";
import { EffectFailedError, retryAfterOf } from "../../src/outbox/index.js";

/**
 * The Slack Web API client classifies each failure by Slack's rules (issue 13, inbound channel):
 * an HTTP 5xx/429 answer or a refused connection means nothing was posted (retry, honouring
 * Retry-After); `ok: false` with a code like channel_not_found is permanent; a timeout may have
 * posted. Checked against a real HTTP server speaking as Slack's Web API does.
 */

let servers: Server[] = [];

afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

/** A Web API answering each call with the next of `answers`; records the methods called. */
async function slackApi(
  answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>,
): Promise<{ url: string; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    calls.push((req.url ?? "").replace(/^\/api\//, ""));
    req.resume();
    req.on("end", () => {
      const answer = answers.shift() ?? { status: 500, body: "no answer left" };
      res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/`, calls };
}

async function failureOf(promise: Promise<unknown>): Promise<EffectFailedError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EffectFailedError);
  return error as EffectFailedError;
}

describe("createSlackApi: failures as the outbox reads them", () => {
  it("HTTP 503 from Slack: not posted, retry", async () => {
    const { url, calls } = await slackApi([{ status: 503, body: "upstream unavailable" }]);
    const api = createSlackApi({ token: "xoxb-test", apiUrl: url });
    const error = await failureOf(api.postMessage({ channel: "C0123ABCD", text: "hello" }));
    expect(error.channel).toBe("slack");
    expect(error.result).toMatchObject({ failure: "retry", status: 503 });
    expect(error.message).toBe("slack notification failed: slack chat.postMessage answered 503");
    expect(calls).toEqual(["chat.postMessage"]); // one try: the inbox retries, not the SDK
  });

  it("HTTP 429 with Retry-After: retry no sooner than Slack asked", async () => {
    const { url } = await slackApi([
      { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": "7" } },
    ]);
    const api = createSlackApi({ token: "xoxb-test", apiUrl: url });
    const error = await failureOf(api.postMessage({ channel: "C0123ABCD", text: "hello" }));
    expect(error.result).toMatchObject({ failure: "retry", status: 429 });
    expect(retryAfterOf(error)).toBe(7_000);
  });

  it("ok:false channel_not_found: permanent, named by Slack's code", async () => {
    const { url } = await slackApi([{ status: 200, body: { ok: false, error: "channel_not_found" } }]);
    const api = createSlackApi({ token: "xoxb-test", apiUrl: url });
    const error = await failureOf(api.postMessage({ channel: "C0GONE", text: "hello" }));
    expect(error.result).toMatchObject({ failure: "permanent" });
    expect(error.result.error).toBe("slack chat.postMessage refused: channel_not_found");
  });

  it("ok:false ratelimited (HTTP 200): retry", async () => {
    const { url } = await slackApi([{ status: 200, body: { ok: false, error: "ratelimited" } }]);
    const api = createSlackApi({ token: "xoxb-test", apiUrl: url });
    const error = await failureOf(api.permalink("C0123ABCD", "1.000100"));
    expect(error.result).toMatchObject({ failure: "retry" });
  });

  it("a refused connection: not posted, retry", async () => {
    const { url } = await slackApi([]);
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    servers = [];
    const api = createSlackApi({ token: "xoxb-test", apiUrl: url });
    const error = await failureOf(api.postMessage({ channel: "C0123ABCD", text: "hello" }));
    expect(error.result).toMatchObject({ failure: "retry" });
    expect(error.result.error).toBe("slack chat.postMessage request failed (ECONNREFUSED)");
  });

  it("a success returns the message's ts", async () => {
    const { url } = await slackApi([
      { status: 200, body: { ok: true, channel: "C0123ABCD", ts: "1.000200" } },
    ]);
    const api = createSlackApi({ token: "xoxb-test", apiUrl: url });
    await expect(api.postMessage({ channel: "C0123ABCD", text: "hello" })).resolves.toEqual({
      ts: "1.000200",
    });
  });
});

describe("slackFailure", () => {
  it("internal_error and fatal_error may have posted (Slack: 'some aspect of the operation succeeded')", () => {
    for (const code of ["internal_error", "fatal_error"]) {
      const failure = slackFailure("chat.postMessage", {
        code: "slack_webapi_platform_error",
        data: { ok: false, error: code },
      });
      expect(failure.failure).toBe("unknown");
    }
  });

  it("a timeout may have posted; an HTTP 404 (SLACK_API_URL not Slack's) is permanent", () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(
      slackFailure("chat.postMessage", { code: "slack_webapi_request_error", original: timeout }).failure,
    ).toBe("unknown");
    expect(
      slackFailure("chat.postMessage", { code: "slack_webapi_http_error", statusCode: 404, headers: {} })
        .failure,
    ).toBe("permanent");
  });
});

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { REDACTED, redact, urlSecrets } from "../../src/notify/redact.js";
import {
  backoffDelay,
  parseRetryAfter,
  postJsonWithRetry,
  type RetryOptions,
} from "../../src/notify/retry.js";
import { captureLog, closedPortUrl, recordingSleep, type StandIn, startStandIn } from "./stand-in.js";

describe("backoffDelay", () => {
  const base = { baseDelayMs: 1_000, maxDelayMs: 30_000 };

  it("doubles each retry, with half of each step random", () => {
    const low = [1, 2, 3, 4].map((n) => backoffDelay(n, { ...base, random: () => 0 }));
    const high = [1, 2, 3, 4].map((n) => backoffDelay(n, { ...base, random: () => 0.999_999 }));
    expect(low).toEqual([500, 1_000, 2_000, 4_000]);
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("never exceeds the cap", () => {
    expect(backoffDelay(20, { ...base, random: () => 0.999_999 })).toBe(30_000);
    expect(backoffDelay(20, { ...base, random: () => 0 })).toBe(15_000);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2026, 10, 27, 12, 0, 0);

  it("reads delta-seconds", () => {
    expect(parseRetryAfter("7", now)).toBe(7_000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
  });

  it("reads an HTTP date relative to now", () => {
    expect(parseRetryAfter("Fri, 27 Nov 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Fri, 27 Nov 2026 11:00:00 GMT", now)).toBe(0);
  });

  it("ignores what it cannot read", () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-5", now)).toBeUndefined();
  });
});

describe("redact", () => {
  it("hides every secret, plain and URL-encoded, longest first", () => {
    const url = "https://hooks.slack.com/services/T000/B000/XXXXsecret";
    const text = `failed ${url} then /services/T000/B000/XXXXsecret and ${encodeURIComponent(url)}`;
    const out = redact(text, urlSecrets(url));
    expect(out).toBe(`failed ${REDACTED} then ${REDACTED} and ${REDACTED}`);
  });

  it("ignores empty secrets and keeps the public host", () => {
    expect(redact("abc", [""])).toBe("abc");
    expect(urlSecrets("https://hooks.slack.com/")).toEqual(["https://hooks.slack.com/"]);
  });
});

describe("postJsonWithRetry against a local server", () => {
  let server: StandIn;
  const secret = "s3cr3t-path-token-0123456789";
  beforeEach(async () => {
    server = await startStandIn();
  });
  afterEach(async () => {
    expect(server.pending()).toBe(0);
    expect(server.unexpected()).toBe(0);
    await server.close();
  });

  const post = (overrides: { body?: unknown; retry?: RetryOptions } = {}) => {
    const { sleep, delays } = recordingSleep();
    const captured = captureLog();
    const result = postJsonWithRetry({
      service: "test",
      url: `${server.url}/hook/${secret}`,
      body: "body" in overrides ? overrides.body : { hello: "world" },
      secrets: [secret],
      log: captured.log,
      retry: { sleep, random: () => 0, ...overrides.retry },
    });
    return { result, delays, captured };
  };

  it("POSTs JSON and reports one attempt on 2xx", async () => {
    server.reply({ status: 200, body: "ok" });
    const { result, delays } = post();
    expect(await result).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(delays).toEqual([]);
    const [req] = server.received;
    expect(req?.method).toBe("POST");
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req?.body ?? "")).toEqual({ hello: "world" });
  });

  it("retries 500 and 503 with growing backoff, then succeeds", async () => {
    server.reply({ status: 500 }, { status: 503 }, { status: 200 });
    const { result, delays } = post();
    expect(await result).toEqual({ ok: true, attempts: 3, status: 200 });
    expect(delays).toEqual([500, 1_000]);
    expect(server.received).toHaveLength(3);
  });

  it("gives up after the configured attempts with the last status", async () => {
    server.reply({ status: 502 }, { status: 502 }, { status: 502 });
    const { result, delays } = post({ retry: { attempts: 3 } });
    const outcome = await result;
    expect(outcome).toMatchObject({ ok: false, attempts: 3, status: 502 });
    expect(outcome.error).toContain("test answered 502");
    expect(delays).toHaveLength(2);
  });

  it("waits exactly what Retry-After asks", async () => {
    server.reply({ status: 429, headers: { "retry-after": "7" } }, { status: 200 });
    const { result, delays } = post();
    expect(await result).toEqual({ ok: true, attempts: 2, status: 200 });
    expect(delays).toEqual([7_000]);
  });

  it("stops when Retry-After is longer than the limit", async () => {
    server.reply({ status: 429, headers: { "retry-after": "3600" } });
    const { result, delays } = post();
    const outcome = await result;
    expect(outcome).toMatchObject({ ok: false, attempts: 1, status: 429 });
    expect(outcome.error).toContain("retry after 3600s");
    expect(delays).toEqual([]);
  });

  it("does not retry other 4xx, and redacts a secret the server echoes", async () => {
    server.reply({ status: 404, body: `no such hook /hook/${secret}` });
    const { result, delays, captured } = post();
    const outcome = await result;
    expect(outcome).toEqual({
      ok: false,
      attempts: 1,
      status: 404,
      error: `test answered 404: no such hook /hook/${REDACTED}`,
      failure: "permanent",
    });
    expect(delays).toEqual([]);
    expect(captured.dump()).not.toContain(secret);
  });

  it("treats a redirect as a failure instead of following it", async () => {
    server.reply({ status: 302, headers: { location: "/elsewhere" } });
    const outcome = await post().result;
    expect(outcome).toMatchObject({ ok: false, attempts: 1, status: 302 });
  });

  it("times a silent server out per attempt and retries", async () => {
    server.reply({ status: 0, hang: true }, { status: 200 });
    const { result, delays } = post({ retry: { timeoutMs: 100 } });
    expect(await result).toEqual({ ok: true, attempts: 2, status: 200 });
    expect(delays).toEqual([500]);
  });

  it("reports a timeout on the last attempt without throwing", async () => {
    server.reply({ status: 0, hang: true }, { status: 0, hang: true });
    const { result, captured } = post({ retry: { timeoutMs: 100, attempts: 2 } });
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(2);
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toContain("(timeout)");
    expect(captured.calls.at(-1)?.obj).toMatchObject({ service: "test", code: "timeout" });
  });

  it("returns a failure, not an exception, for a body JSON cannot encode", async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const outcome = await post({ body: circular }).result;
    expect(outcome).toMatchObject({ ok: false, attempts: 0 });
    expect(server.received).toHaveLength(0);
  });
});

describe("postJsonWithRetry on a closed port", () => {
  it("retries connection errors, then reports failure without throwing or leaking the URL", async () => {
    const secret = "closed-port-secret-token-42";
    const url = await closedPortUrl(`/hook/${secret}`);
    const { sleep, delays } = recordingSleep();
    const captured = captureLog();
    const outcome = await postJsonWithRetry({
      service: "test",
      url,
      body: {},
      secrets: urlSecrets(url),
      log: captured.log,
      retry: { sleep, random: () => 0, attempts: 4 },
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(4);
    expect(outcome.status).toBeUndefined();
    expect(outcome.error).toContain("ECONNREFUSED");
    expect(outcome.error).not.toContain(secret);
    expect(delays).toEqual([500, 1_000, 2_000]);
    expect(captured.calls.map((c) => c.level)).toEqual(["warn", "warn", "warn", "warn"]);
    expect(captured.dump()).not.toContain(secret);
  });
});

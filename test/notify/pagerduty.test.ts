import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildPagerDutyEvent,
  createPagerDutyNotifier,
  dedupKey,
  PAGERDUTY_EVENTS_URL,
  type PagerDutyEvent,
  type PagerDutyIssue,
} from "../../src/notify/pagerduty.js";
import { captureLog, closedPortUrl, recordingSleep, type StandIn, startStandIn } from "./stand-in.js";

const ROUTING_KEY = "R0UT1NGk3ySECRETabcdef0123456789";
const ISSUE: PagerDutyIssue = {
  repo: "acme/desk",
  number: 12,
  title: "Checkout returns 500",
  url: "https://github.com/acme/desk/issues/12",
};
const ACCEPTED = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };

describe("dedupKey", () => {
  it("is stable per issue and per cycle, and ignores everything else", () => {
    expect(dedupKey(ISSUE)).toBe("support-sla:acme/desk#12");
    expect(dedupKey({ ...ISSUE, title: "renamed", url: "https://elsewhere" } as PagerDutyIssue)).toBe(
      dedupKey(ISSUE),
    );
    expect(dedupKey({ ...ISSUE, cycle: 2 })).toBe("support-sla:acme/desk#12:cycle-2");
    expect(dedupKey({ ...ISSUE, cycle: 2 })).not.toBe(dedupKey({ ...ISSUE, cycle: 3 }));
    expect(dedupKey({ ...ISSUE, number: 13 })).not.toBe(dedupKey(ISSUE));
  });
});

describe("buildPagerDutyEvent", () => {
  it("builds a trigger with payload and a link to the issue", () => {
    const event = buildPagerDutyEvent(ROUTING_KEY, "trigger", ISSUE, {
      summary: "Production down: acme/desk#12",
      severity: "critical",
      customDetails: { priority: "production-down", deadline: "2026-11-27T15:30:00.000Z" },
    });
    expect(event).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: "support-sla:acme/desk#12",
      payload: {
        summary: "Production down: acme/desk#12",
        source: "support-sla",
        severity: "critical",
        component: "acme/desk",
        custom_details: { priority: "production-down", deadline: "2026-11-27T15:30:00.000Z" },
      },
      links: [{ href: ISSUE.url, text: "acme/desk#12 Checkout returns 500" }],
    });
  });

  it("caps the summary at 1024 characters and never sends an empty one", () => {
    const long = buildPagerDutyEvent(ROUTING_KEY, "trigger", ISSUE, {
      summary: "x".repeat(2_000),
      severity: "error",
    });
    expect(long.payload?.summary).toHaveLength(1_024);
    expect(long.payload?.summary.endsWith("…")).toBe(true);
    const blank = buildPagerDutyEvent(ROUTING_KEY, "trigger", ISSUE, { summary: "  ", severity: "info" });
    expect(blank.payload?.summary).toBe("acme/desk#12 Checkout returns 500");
  });

  it("sends acknowledge and resolve with the same key and no payload", () => {
    for (const action of ["acknowledge", "resolve"] as const) {
      expect(buildPagerDutyEvent(ROUTING_KEY, action, ISSUE)).toEqual({
        routing_key: ROUTING_KEY,
        event_action: action,
        dedup_key: "support-sla:acme/desk#12",
      });
    }
  });
});

describe("createPagerDutyNotifier against a local Events API stand-in", () => {
  let server: StandIn;
  beforeEach(async () => {
    server = await startStandIn();
  });
  afterEach(async () => {
    expect(server.pending()).toBe(0);
    expect(server.unexpected()).toBe(0);
    await server.close();
  });

  const notifier = () => {
    const captured = captureLog();
    const { sleep, delays } = recordingSleep();
    const pagerduty = createPagerDutyNotifier({
      routingKey: ROUTING_KEY,
      eventsUrl: `${server.url}/v2/enqueue`,
      log: captured.log,
      retry: { sleep, random: () => 0 },
    });
    return { pagerduty, captured, delays };
  };
  const bodies = () => server.received.map((r) => JSON.parse(r.body) as PagerDutyEvent);

  it("triggers, acknowledges and resolves one incident under one dedup key", async () => {
    server.reply(ACCEPTED, ACCEPTED, ACCEPTED, ACCEPTED);
    const { pagerduty } = notifier();
    const details = { type: "problem" };
    expect(await pagerduty.trigger(ISSUE, "SLA breached: acme/desk#12", "error", details)).toEqual({
      ok: true,
      attempts: 1,
      status: 202,
    });
    // A redelivered breach, e.g. from a second replica: same key, so PagerDuty merges it.
    await pagerduty.trigger({ ...ISSUE }, "SLA breached: acme/desk#12", "error", details);
    expect((await pagerduty.acknowledge(ISSUE)).ok).toBe(true);
    expect((await pagerduty.resolve(ISSUE)).ok).toBe(true);

    expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual(Array(4).fill("POST /v2/enqueue"));
    const [first, second, ack, resolve] = bodies();
    expect(first?.payload).toMatchObject({
      severity: "error",
      source: "support-sla",
      custom_details: details,
    });
    expect(second).toEqual(first);
    expect(ack).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "acknowledge",
      dedup_key: first?.dedup_key,
    });
    expect(resolve).toEqual({
      routing_key: ROUTING_KEY,
      event_action: "resolve",
      dedup_key: first?.dedup_key,
    });
  });

  it("retries 500 and 502, then counts the attempts to the 202", async () => {
    server.reply({ status: 500 }, { status: 502 }, ACCEPTED);
    const { pagerduty, delays } = notifier();
    expect(await pagerduty.trigger(ISSUE, "s", "critical")).toEqual({ ok: true, attempts: 3, status: 202 });
    expect(delays).toEqual([500, 1_000]);
    const [a, b, c] = bodies();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it("honours Retry-After on 429", async () => {
    server.reply({ status: 429, headers: { "retry-after": "12" } }, ACCEPTED);
    const { pagerduty, delays } = notifier();
    expect(await pagerduty.resolve(ISSUE)).toEqual({ ok: true, attempts: 2, status: 202 });
    expect(delays).toEqual([12_000]);
  });

  it("does not retry a 400 and reports PagerDuty's reason", async () => {
    server.reply({
      status: 400,
      body: '{"status":"invalid event","message":"Event object is invalid","errors":["Length of \'routing_key\' is incorrect"]}',
    });
    const { pagerduty, delays } = notifier();
    const result = await pagerduty.trigger(ISSUE, "s", "warning");
    expect(result).toMatchObject({ ok: false, attempts: 1, status: 400 });
    expect(result.error).toContain("Event object is invalid");
    expect(delays).toEqual([]);
  });

  it("never lets the routing key reach a log or a result, even when the server echoes it", async () => {
    server.reply(
      { status: 500, body: `backend failed for ${ROUTING_KEY}` },
      { status: 400, body: `{"message":"unknown routing key ${ROUTING_KEY}"}` },
    );
    const { pagerduty, captured } = notifier();
    const result = await pagerduty.trigger(ISSUE, "s", "critical");
    expect(result).toMatchObject({ ok: false, attempts: 2, status: 400 });
    expect(result.error).toContain("[redacted]");
    for (const text of [captured.dump(), JSON.stringify(result)]) expect(text).not.toContain(ROUTING_KEY);
    expect(captured.calls.map((c) => [c.level, c.msg, c.obj])).toEqual([
      [
        "warn",
        "pagerduty notification failed; retrying",
        { issue: "acme/desk#12", service: "pagerduty", attempts: 1, status: 500, delayMs: 500 },
      ],
      [
        "warn",
        "pagerduty notification failed",
        { issue: "acme/desk#12", service: "pagerduty", attempts: 2, status: 400 },
      ],
    ]);
  });

  it("returns a failure instead of throwing when custom details cannot be encoded", async () => {
    const { pagerduty } = notifier();
    const result = await pagerduty.trigger(ISSUE, "s", "critical", { big: 1n });
    expect(result).toMatchObject({ ok: false, attempts: 0 });
    expect(server.received).toHaveLength(0);
  });
});

describe("createPagerDutyNotifier on a closed port", () => {
  it("retries, then reports failure without throwing or leaking the key", async () => {
    const captured = captureLog();
    const { sleep, delays } = recordingSleep();
    const pagerduty = createPagerDutyNotifier({
      routingKey: ROUTING_KEY,
      eventsUrl: await closedPortUrl("/v2/enqueue"),
      log: captured.log,
      retry: { sleep, random: () => 0, attempts: 3 },
    });
    const result = await pagerduty.trigger(ISSUE, "s", "critical");
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect(result.status).toBeUndefined();
    expect(result.error).toContain("ECONNREFUSED");
    expect(delays).toEqual([500, 1_000]);
    expect(captured.calls.at(-1)?.obj).toEqual({
      issue: "acme/desk#12",
      service: "pagerduty",
      attempts: 3,
      code: "ECONNREFUSED",
    });
    expect(`${captured.dump()} ${JSON.stringify(result)}`).not.toContain(ROUTING_KEY);
  });
});

describe("createPagerDutyNotifier configuration", () => {
  it("defaults to PagerDuty's Events API v2 endpoint", () => {
    expect(PAGERDUTY_EVENTS_URL).toBe("https://events.pagerduty.com/v2/enqueue");
  });

  it("rejects a blank key or a malformed URL at start-up without echoing them", () => {
    expect(() => createPagerDutyNotifier({ routingKey: " " })).toThrow(/PAGERDUTY_ROUTING_KEY is empty/);
    const attempt = () => createPagerDutyNotifier({ routingKey: ROUTING_KEY, eventsUrl: "nope" });
    expect(attempt).toThrow(/PAGERDUTY_EVENTS_URL is not an http\(s\) URL/);
    expect(attempt).not.toThrow(ROUTING_KEY);
  });
});

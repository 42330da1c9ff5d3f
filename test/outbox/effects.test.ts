import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPagerDutyNotifier } from "../../src/notify/pagerduty.js";
import type { DeliveryResult } from "../../src/notify/retry.js";
import { createSlackNotifier, type SlaNotice } from "../../src/notify/slack.js";
import {
  deliver,
  EFFECT_GIVE_UP_AFTER_MS,
  EffectFailedError,
  retryAfterOf,
  runEffect,
} from "../../src/outbox/effects.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { openStore, type Store } from "../../src/store/db.js";
import { getEffect } from "../../src/store/tracking-store.js";
import { closedPortUrl, type StandIn, startStandIn } from "../notify/stand-in.js";

/**
 * The outbox (issue 10, kinds 1-2): an effect is `done` only once confirmed; a failure is logged
 * at warn with the issue, counted, recorded, and thrown so the caller's delivery or escalation is
 * retried; Slack stays at most once where a retry could double a message.
 */

const KEY = "acme/desk#12:c1:page";
const T0 = Date.UTC(2026, 10, 30, 8, 0);

let store: Store;
let now = T0;
let metrics: Metrics;
let lines: Array<{ level: "warn" | "error"; obj: Record<string, unknown>; msg: string }>;

const log = {
  warn: (obj: object, msg: string) =>
    void lines.push({ level: "warn", obj: obj as Record<string, unknown>, msg }),
  error: (obj: object, msg: string) =>
    void lines.push({ level: "error", obj: obj as Record<string, unknown>, msg }),
};

function deps() {
  return { store, clock: { now: () => now }, metrics, failpoint: () => {} };
}

async function counter(channel: string, outcome: string): Promise<number> {
  const metric = await metrics.effectFailures.get();
  return metric.values.find((v) => v.labels.channel === channel && v.labels.outcome === outcome)?.value ?? 0;
}

const failure = (overrides: Partial<DeliveryResult>): DeliveryResult => ({
  ok: false,
  attempts: 1,
  status: 429,
  error: "pagerduty answered 429",
  failure: "retry",
  ...overrides,
});

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
  now = T0;
  metrics = new Metrics();
  lines = [];
});

afterEach(async () => {
  await store.close();
});

describe("runEffect", () => {
  it("a refused page is not recorded as sent: it is logged, counted, thrown, and the next attempt sends it", async () => {
    let sent = 0;
    const page = (result: DeliveryResult) => () =>
      deliver("pagerduty", async () => {
        sent++;
        return result;
      });

    await expect(
      runEffect(deps(), KEY, "rerun", page(failure({ retryAfterMs: 5_000 })), { channel: "pagerduty", log }),
    ).rejects.toBeInstanceOf(EffectFailedError);
    expect((await getEffect(store, KEY))?.status).toBe("retry");
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        obj: expect.objectContaining({
          issue: "acme/desk#12",
          channel: "pagerduty",
          status: 429,
          retryAfterMs: 5_000,
        }),
      }),
    ]);
    expect(await counter("pagerduty", "retry")).toBe(1);

    // Sooner than Retry-After: nothing is sent, the caller is told how long to wait.
    now += 1_000;
    const early = await runEffect(deps(), KEY, "rerun", page({ ok: true, attempts: 1, status: 202 }), {
      channel: "pagerduty",
      log,
    }).catch((error: unknown) => error);
    expect(retryAfterOf(early)).toBe(4_000);
    expect(sent).toBe(1);

    now += 4_000;
    expect(
      await runEffect(deps(), KEY, "rerun", page({ ok: true, attempts: 1, status: 202 }), {
        channel: "pagerduty",
        log,
      }),
    ).toBe(true);
    expect(sent).toBe(2);
    expect((await getEffect(store, KEY))?.status).toBe("done");
    // Done is done: a later attempt sends nothing.
    expect(
      await runEffect(deps(), KEY, "rerun", page({ ok: true, attempts: 1 }), { channel: "pagerduty", log }),
    ).toBe(false);
    expect(sent).toBe(2);
  });

  it("a Slack message that may have landed (a timeout) is never sent again, and the failure is still logged and counted", async () => {
    let sent = 0;
    const post = () =>
      deliver("slack", async () => {
        sent++;
        return failure({ status: undefined, error: "slack request failed (timeout)", failure: "unknown" });
      });
    expect(
      await runEffect(deps(), "acme/desk#12:c1:breach-slack", "skip", post, { channel: "slack", log }),
    ).toBe(false);
    expect(
      await runEffect(deps(), "acme/desk#12:c1:breach-slack", "skip", post, { channel: "slack", log }),
    ).toBe(false);
    expect(sent).toBe(1);
    expect(await counter("slack", "unknown")).toBe(1);
    expect(lines[0]).toMatchObject({ level: "warn", obj: { issue: "acme/desk#12", channel: "slack" } });
  });

  it("a Slack message that never landed (refused, 5xx, 429) is sent again by the next attempt", async () => {
    const results = [failure({ status: 503, failure: "retry" }), { ok: true, attempts: 1, status: 200 }];
    let sent = 0;
    const post = () =>
      deliver("slack", async () => {
        sent++;
        return results.shift() as DeliveryResult;
      });
    await expect(
      runEffect(deps(), "acme/desk#12:c1:at-risk-slack", "skip", post, { channel: "slack", log }),
    ).rejects.toThrow();
    expect(
      await runEffect(deps(), "acme/desk#12:c1:at-risk-slack", "skip", post, { channel: "slack", log }),
    ).toBe(true);
    expect(sent).toBe(2);
  });

  it("gives up, at error, on a permanent refusal and once the retry limit has passed", async () => {
    const refused = () => deliver("pagerduty", async () => failure({ status: 400, failure: "permanent" }));
    expect(await runEffect(deps(), KEY, "rerun", refused, { channel: "pagerduty", log })).toBe(false);
    expect((await getEffect(store, KEY))?.status).toBe("failed");
    expect(lines.at(-1)).toMatchObject({ level: "error", obj: { issue: "acme/desk#12" } });

    const key = "acme/desk#13:c1:page";
    const throttled = () => deliver("pagerduty", async () => failure({}));
    await expect(runEffect(deps(), key, "rerun", throttled, { channel: "pagerduty", log })).rejects.toThrow();
    now += EFFECT_GIVE_UP_AFTER_MS;
    expect(await runEffect(deps(), key, "rerun", throttled, { channel: "pagerduty", log })).toBe(false);
    expect((await getEffect(store, key))?.status).toBe("failed");
    expect(await counter("pagerduty", "given-up")).toBe(2);
  });
});

describe("what a failed request means for a retry", () => {
  let server: StandIn | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const notice: SlaNotice = {
    kind: "breached",
    issue: {
      repo: "acme/desk",
      number: 12,
      title: "VPN down",
      url: "https://github.com/acme/desk/issues/12",
    },
    typeLabel: "type: problem",
    priorityLabel: "priority: urgent",
    deadline: T0,
    timezone: "Europe/Brussels",
  };

  it("Slack: connection refused never landed; a timeout may have, and is not retried in process", async () => {
    const refused = createSlackNotifier({
      webhookUrl: await closedPortUrl(),
      retry: { attempts: 3, sleep: async () => {} },
    });
    expect(await refused.notify(notice)).toMatchObject({ ok: false, failure: "retry" });

    server = await startStandIn();
    server.reply({ status: 200, hang: true });
    const slow = createSlackNotifier({
      webhookUrl: `${server.url}/services/T/B/x`,
      retry: { attempts: 3, timeoutMs: 200, sleep: async () => {} },
    });
    expect(await slow.notify(notice)).toMatchObject({ ok: false, failure: "unknown" });
    expect(server.received).toHaveLength(1);
  });

  it("PagerDuty: a 429 with Retry-After longer than the in-process limit comes back with it, for the store to wait", async () => {
    server = await startStandIn();
    server.reply({ status: 429, headers: { "retry-after": "120" }, body: "{}" });
    const pd = createPagerDutyNotifier({
      routingKey: "k".repeat(32),
      eventsUrl: `${server.url}/v2/enqueue`,
      retry: { attempts: 1 },
    });
    expect(
      await pd.trigger({ repo: "acme/desk", number: 12, url: "https://x" }, "down", "critical"),
    ).toMatchObject({
      ok: false,
      status: 429,
      failure: "retry",
      retryAfterMs: 120_000,
    });
  });
});

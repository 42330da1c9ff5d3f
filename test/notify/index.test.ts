import { afterEach, describe, expect, it } from "vitest";
import { createNotifiers } from "../../src/notify/index.js";
import { captureLog, recordingSleep, type StandIn, startStandIn } from "./stand-in.js";

const ISSUE = {
  repo: "acme/desk",
  number: 3,
  title: "Add Bob",
  url: "https://github.com/acme/desk/issues/3",
};

describe("createNotifiers", () => {
  let server: StandIn | undefined;
  afterEach(async () => {
    if (!server) return;
    expect(server.pending()).toBe(0);
    expect(server.unexpected()).toBe(0);
    await server.close();
    server = undefined;
  });

  it("returns null for every channel that is unset or blank", () => {
    expect(createNotifiers({})).toEqual({ slack: null, pagerduty: null });
    expect(createNotifiers({ SLACK_WEBHOOK_URL: "  ", PAGERDUTY_ROUTING_KEY: "" })).toEqual({
      slack: null,
      pagerduty: null,
    });
  });

  it("reads only the env object it is given, never process.env", () => {
    const saved = process.env.SLACK_WEBHOOK_URL;
    process.env.SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T/B/from-process-env";
    try {
      expect(createNotifiers({}).slack).toBeNull();
    } finally {
      if (saved === undefined) delete process.env.SLACK_WEBHOOK_URL;
      else process.env.SLACK_WEBHOOK_URL = saved;
    }
  });

  it("wires both channels to the configured endpoints and keeps the secrets out of the logs", async () => {
    server = await startStandIn();
    server.reply({ status: 200, body: "ok" }, { status: 202, body: "{}" });
    const captured = captureLog();
    const { sleep } = recordingSleep();
    const webhookUrl = `${server.url}/services/T1/B1/slackSecretToken99`;
    const routingKey = "pdRoutingKeySecret00000000000000";
    const { slack, pagerduty } = createNotifiers(
      {
        SLACK_WEBHOOK_URL: webhookUrl,
        PAGERDUTY_ROUTING_KEY: routingKey,
        PAGERDUTY_EVENTS_URL: `${server.url}/pd`,
      },
      { log: captured.log, retry: { sleep } },
    );

    const slackResult = await slack?.notify({
      kind: "at-risk",
      issue: ISSUE,
      typeLabel: "type: add/remove user",
      priorityLabel: "priority: normal",
      deadline: Date.UTC(2026, 10, 30, 16, 0),
      timezone: "Europe/Brussels",
    });
    const pdResult = await pagerduty?.trigger(ISSUE, "at risk", "warning");

    expect(slackResult).toEqual({ ok: true, attempts: 1, status: 200 });
    expect(pdResult).toEqual({ ok: true, attempts: 1, status: 202 });
    expect(server.received.map((r) => r.path)).toEqual(["/services/T1/B1/slackSecretToken99", "/pd"]);
    expect(captured.calls[0]).toEqual({
      level: "info",
      obj: { slack: true, pagerduty: true },
      msg: "notification channels configured",
    });
    expect(captured.dump()).not.toContain("slackSecretToken99");
    expect(captured.dump()).not.toContain(routingKey);
  });

  it("falls back to PagerDuty's endpoint when PAGERDUTY_EVENTS_URL is blank", async () => {
    const urls: string[] = [];
    // An injected fetch, so the default endpoint is observed without leaving the machine.
    const fakeFetch: typeof fetch = async (input) => {
      urls.push(String(input));
      return new Response(null, { status: 202 });
    };
    const { pagerduty } = createNotifiers(
      { PAGERDUTY_ROUTING_KEY: "k".repeat(32), PAGERDUTY_EVENTS_URL: "" },
      { fetch: fakeFetch },
    );
    expect(await pagerduty?.resolve(ISSUE)).toEqual({ ok: true, attempts: 1, status: 202 });
    expect(urls).toEqual(["https://events.pagerduty.com/v2/enqueue"]);
  });

  it("refuses a malformed Slack URL at start-up, naming the variable but not its value", () => {
    let message = "";
    try {
      createNotifiers({ SLACK_WEBHOOK_URL: "not a url/secret-bit" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^SLACK_WEBHOOK_URL is not an http\(s\) URL/);
    expect(message).not.toContain("secret-bit");
  });
});

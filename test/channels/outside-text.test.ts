import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  acknowledgedComment,
  incidentIssueBody,
  noMarkup,
  noteComment,
  quoteBlock,
} from "../../src/channels/messages.js";
import { pagerDutyEndpoint } from "../../src/channels/pagerduty-endpoint.js";
import { readPagerDutyEvent, signPagerDutyBody } from "../../src/channels/pagerduty-event.js";
import { incidentClockStart } from "../../src/channels/pagerduty-handler.js";
import { slackEndpoint } from "../../src/channels/slack-endpoint.js";
import { slackIssueBody } from "../../src/channels/slack-handler.js";
import { readSlackRequest, slackClockStart } from "../../src/channels/slack-request.js";
import { breachMarker } from "../../src/domain/sla/messages.js";
import { AppIdentity } from "../../src/github/app-identity.js";
import { ByteBudget } from "../../src/runtime/webhook-endpoint.js";
import { incident, triggered, webhookEvent } from "../standin/pagerduty-webhooks.js";

/**
 * What the inbound channels take from outside (PagerDuty, Slack) and what they make of it
 * (issue 13, tester's findings): no hidden marker relayed into the app's own text, no clock started
 * in the future, no signed event dropped without a trace, a malformed Slack timestamp named so.
 */

const BREACH = breachMarker(1);
const HOSTILE = `${BREACH}\nall good <!-- support-sla:intake -->`;
const NOW_MS = Date.UTC(2026, 10, 30, 8, 0);
const DAY_MS = 86_400_000;

describe("outside text written into GitHub carries no HTML comment (so no hidden marker)", () => {
  it("a PagerDuty note: the comment shows the text but holds no '<!--'", () => {
    const body = noteComment(HOSTILE, "alice");
    expect(body).not.toContain("<!--");
    expect(body).not.toContain(BREACH);
    expect(body).toContain("&lt;!-- support-sla:breach cycle=1 -->");
    expect(body).toContain("> all good");
    expect(quoteBlock("a < b")).toBe("> a &lt; b");
  });

  it("incident title, service name and id, urgency in the issue body; the acknowledging user", () => {
    const body = incidentIssueBody({
      id: "PT4KHLK",
      title: HOSTILE,
      url: "https://acme.pagerduty.com/incidents/PT4KHLK",
      service: `<!-- support-sla:breach cycle=2 --> Phone line`,
      serviceId: "<!--x-->",
      urgency: "<!--high-->",
      createdAtMs: NOW_MS,
      timezone: "Europe/Brussels",
    });
    // The app's own marker of the incident stays, once, on the first line; nothing else opens a comment.
    expect(body.split("<!--")).toHaveLength(2);
    expect(body.startsWith("<!-- support-sla:pagerduty-incident:PT4KHLK -->\n")).toBe(true);
    expect(acknowledgedComment("pagerduty:<!--P1-->", NOW_MS, "UTC", false)).not.toContain("<!--");
  });

  it("a Slack request's text and requester name in the issue body", () => {
    const body = slackIssueBody("T1:C1:1.2", {
      channel: "C1",
      threadTs: "1.2",
      requester: { id: "U1", name: "<!-- support-sla:breach cycle=1 -->Bob" },
      permalink: null,
      text: HOSTILE,
    });
    expect(body.split("<!--")).toHaveLength(2);
    expect(body.startsWith("<!-- support-sla:slack-request:T1:C1:1.2 -->\n")).toBe(true);
    expect(body).toContain("all good");
    expect(noMarkup("<b>&lt;")).toBe("&lt;b>&lt;");
  });

  it("the app's note comment holding the breach marker is not taken for the app's breach comment", async () => {
    const self = new AppIdentity(async () => ({ id: 7, slug: "support-sla" }));
    const note = { body: noteComment(HOSTILE, null), user: { login: "support-sla[bot]", type: "Bot" } };
    expect(await self.wrote(note)).toBe(true);
    expect(await self.marked(note, BREACH)).toBe(false);
  });
});

describe("clocks never start in the future", () => {
  it("a PagerDuty incident created 30 days ahead starts when the app received it", () => {
    const ahead = new Date(NOW_MS + 30 * DAY_MS).toISOString();
    expect(incidentClockStart({ created_at: ahead }, NOW_MS)).toBe(NOW_MS);
    const before = new Date(NOW_MS - 60_000).toISOString();
    expect(incidentClockStart({ created_at: before }, NOW_MS)).toBe(NOW_MS - 60_000);
  });

  it("a Slack message ts 30 days ahead starts when the app received it; a past one at its ts", () => {
    const shortcut = (ts: string) => {
      const payload = {
        type: "message_action",
        team: { id: "T1" },
        channel: { id: "C1" },
        user: { id: "U1", name: "bob" },
        message: { ts, text: "help" },
        trigger_id: "tr",
      };
      const read = readSlackRequest(`payload=${encodeURIComponent(JSON.stringify(payload))}`, NOW_MS / 1000);
      if ("problem" in read) throw new Error(read.problem);
      return read;
    };
    expect(slackClockStart(shortcut(`${(NOW_MS + 30 * DAY_MS) / 1000}.000100`), NOW_MS)).toBe(NOW_MS);
    expect(slackClockStart(shortcut(`${(NOW_MS - 90_000) / 1000}.000100`), NOW_MS)).toBe(NOW_MS - 90_000);
  });
});

describe("signed PagerDuty events the app cannot read", () => {
  it("names what is unreadable; an unreadable created_at gives way to occurred_at", () => {
    const noService = triggered(incident());
    (noService.event.data as Record<string, unknown>).service = null;
    expect(readPagerDutyEvent(noService)).toMatchObject({
      eventType: "incident.triggered",
      unreadable: ["data.service.id"],
    });
    const noData = webhookEvent("incident.triggered", {});
    delete (noData.event as Record<string, unknown>).data;
    expect(readPagerDutyEvent(noData)).toMatchObject({ unreadable: ["data"] });
    expect(readPagerDutyEvent(webhookEvent("service.updated", { id: "P1" }))).toMatchObject({
      unreadable: [],
    });

    const occurredAt = new Date(NOW_MS).toISOString();
    const badCreated = triggered(incident({ createdAt: "yesterday-ish" }), { occurredAt });
    const read = readPagerDutyEvent(badCreated);
    if (!("event" in read)) throw new Error(`not read: ${read.ignored}`);
    expect(read.createdAtFrom).toBe("occurred_at");
    expect(read.event.event_type === "incident.triggered" && read.event.data.created_at).toBe(occurredAt);

    const neither = triggered(incident({ createdAt: "soon" }), { occurredAt: "later" });
    expect(readPagerDutyEvent(neither)).toMatchObject({ unreadable: ["occurred_at", "data.created_at"] });
  });
});

/** One endpoint on a local port, with its log lines. */
let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

type Line = { level: string; obj: Record<string, unknown>; msg: string };
async function serve(
  make: (options: ReturnType<typeof endpointOptions>) => (req: never, res: never) => Promise<boolean>,
): Promise<{ url: string; lines: Line[] }> {
  const lines: Line[] = [];
  const options = endpointOptions(lines);
  const handle = make(options);
  server = createServer((req, res) => {
    void handle(req as never, res as never).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines };
}

function endpointOptions(lines: Line[]) {
  const at = (level: string) => (obj: object, msg: string) =>
    void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return {
    // Nothing in these tests reaches the store: a read of it fails the test.
    deps: { store: {} as never, clock: { now: () => Date.now() } as never },
    kick: () => {},
    budget: new ByteBudget(10 * 1024 * 1024),
    log: { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") },
  };
}

describe("the endpoints' refusals and warnings", () => {
  it("PagerDuty: a signed incident without a service is 202 ignored and one warn line naming the field, no text", async () => {
    const { url, lines } = await serve((o) => pagerDutyEndpoint({ ...o, secret: "s3cret" }));
    const event = triggered(incident({ id: "PSECRET", title: "Customer Jane's card 4111 declined" }));
    (event.event.data as Record<string, unknown>).service = null;
    const body = JSON.stringify(event);
    const res = await fetch(`${url}/api/pagerduty/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-pagerduty-signature": signPagerDutyBody(body, "s3cret"),
      },
      body,
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: "ignored" });
    expect(lines.map((l) => [l.level, l.msg])).toEqual([["warn", "pagerduty event unreadable: ignored"]]);
    expect(lines[0]?.obj).toEqual({
      channel: "pagerduty",
      eventId: event.event.id,
      eventType: "incident.triggered",
      unreadable: ["data.service.id"],
    });
    expect(JSON.stringify(lines)).not.toMatch(/Jane|4111/);
  });

  it("PagerDuty: an event type the app does not act on stays at debug", async () => {
    const { url, lines } = await serve((o) => pagerDutyEndpoint({ ...o, secret: "s3cret" }));
    const body = JSON.stringify(webhookEvent("service.updated", { id: "P1" }));
    const res = await fetch(`${url}/api/pagerduty/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-pagerduty-signature": signPagerDutyBody(body, "s3cret"),
      },
      body,
    });
    expect(res.status).toBe(202);
    expect(lines.map((l) => l.level)).toEqual(["debug"]);
  });

  it("Slack: a present but malformed timestamp is 401 'malformed timestamp'; an absent one stays 'missing headers'", async () => {
    const { url, lines } = await serve((o) => slackEndpoint({ ...o, signingSecret: "s" }));
    const send = (timestamp?: string) =>
      fetch(`${url}/api/slack/commands`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-signature": "v0=00",
          ...(timestamp === undefined ? {} : { "x-slack-request-timestamp": timestamp }),
        },
        body: "command=%2Fsupport&text=help",
      });
    for (const ts of ["1796057204.9", "-1", "1e9"]) {
      const res = await send(ts);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: "malformed timestamp" });
    }
    const res = await send();
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "missing headers" });
    expect(lines.map((l) => l.obj.reason)).toEqual([
      "malformed timestamp",
      "malformed timestamp",
      "malformed timestamp",
      "missing headers",
    ]);
  });
});

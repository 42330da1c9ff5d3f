import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createSlackNotifier,
  escapeSlack,
  formatDeadline,
  renderSlackMessage,
  type SlackMessage,
  type SlaNotice,
} from "../../src/notify/slack.js";
import { captureLog, closedPortUrl, recordingSleep, type StandIn, startStandIn } from "./stand-in.js";

// 2026-11-30 09:30 in Brussels (CET, UTC+1).
const DEADLINE = Date.UTC(2026, 10, 30, 8, 30);
const SECRET_PATH = "/services/T0SECRET/B0SECRET/hUnTeR2webhookToken";

const notice = (overrides: Partial<SlaNotice> = {}): SlaNotice => ({
  kind: "breached",
  issue: { repo: "acme/desk", number: 12, title: "VPN down", url: "https://github.com/acme/desk/issues/12" },
  typeLabel: "type: problem",
  priorityLabel: "priority: urgent",
  deadline: DEADLINE,
  timezone: "Europe/Brussels",
  ...overrides,
});

describe("renderSlackMessage", () => {
  it("links the issue and states type, priority and the deadline in the repo's zone and UTC", () => {
    const message = renderSlackMessage(notice());
    expect(message.text).toBe(
      ":rotating_light: *SLA breached*: <https://github.com/acme/desk/issues/12|acme/desk#12 VPN down>\n" +
        "type: problem · priority: urgent · first response was due " +
        "Mon 30 Nov 2026, 09:30 CET (2026-11-30 08:30 UTC)",
    );
    expect(message.blocks).toEqual([
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: ":rotating_light: *SLA breached*: <https://github.com/acme/desk/issues/12|acme/desk#12 VPN down>",
        },
      },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Type*\ntype: problem" },
          { type: "mrkdwn", text: "*Priority*\npriority: urgent" },
          { type: "mrkdwn", text: "*Deadline (Europe/Brussels)*\nMon 30 Nov 2026, 09:30 CET" },
          { type: "mrkdwn", text: "*Deadline (UTC)*\n2026-11-30 08:30 UTC" },
        ],
      },
    ]);
  });

  it.each([
    ["at-risk", ":warning: *SLA at risk*", "first response due"],
    ["production-down", ":fire: *On-call paged*", "first response due"],
    ["met", ":white_check_mark: *First response sent*", "first response was due"],
  ] as const)("words a %s notice", (kind, headline, due) => {
    const { text } = renderSlackMessage(notice({ kind }));
    expect(text.startsWith(headline)).toBe(true);
    expect(text).toContain(due);
  });

  it("escapes &, < and > in titles, labels and extra text so nothing can close the link or mention", () => {
    const message = renderSlackMessage(
      notice({
        issue: {
          repo: "acme/desk",
          number: 7,
          title: "R&D <b>down</b> > <!channel>|<https://evil.example|click>",
          url: "https://github.com/acme/desk/issues/7",
        },
        typeLabel: "type: <other>",
        text: "ping <!here> & <@U123>",
      }),
    );
    expect(message.text).toContain(
      "<https://github.com/acme/desk/issues/7|acme/desk#7 R&amp;D &lt;b&gt;down&lt;/b&gt; &gt; " +
        "&lt;!channel&gt;|&lt;https://evil.example|click&gt;>",
    );
    expect(message.text).toContain("type: &lt;other&gt;");
    expect(message.text).toContain("ping &lt;!here&gt; &amp; &lt;@U123&gt;");
    expect(message.blocks?.at(-1)).toEqual({
      type: "context",
      elements: [{ type: "mrkdwn", text: "ping &lt;!here&gt; &amp; &lt;@U123&gt;" }],
    });
    expect(JSON.stringify(message)).not.toMatch(/<!(channel|here)/);
  });

  it("keeps a URL from ending the link early", () => {
    const { text } = renderSlackMessage(
      notice({ issue: { repo: "a/b", number: 1, title: "t", url: "https://x.test/a|b>c&d" } }),
    );
    expect(text).toContain("<https://x.test/a%7Cb%3Ec&amp;d|a/b#1 t>");
  });

  it("keeps long extra text under Slack's limits without splitting an entity", () => {
    const message = renderSlackMessage(notice({ text: "&".repeat(5_000) }));
    const context = message.blocks?.at(-1);
    const text = context?.type === "context" ? (context.elements[0]?.text ?? "") : "";
    expect(text.length).toBeLessThanOrEqual(2_000);
    expect(text).toMatch(/^(&amp;)+…$/);
  });

  it("still renders with an unknown time zone, in UTC only", () => {
    const { text, blocks } = renderSlackMessage(notice({ timezone: "Mars/Olympus" }));
    expect(text).toContain("first response was due 2026-11-30 08:30 UTC");
    expect(JSON.stringify(blocks)).toContain("unknown time zone");
  });
});

describe("formatDeadline", () => {
  it("does not depend on the host zone and shows seconds only when there are some", () => {
    expect(formatDeadline(Date.UTC(2026, 6, 1, 22, 15), "America/New_York")).toEqual({
      local: "Wed 1 Jul 2026, 18:15 EDT",
      utc: "2026-07-01 22:15 UTC",
    });
    expect(formatDeadline(Date.UTC(2026, 0, 2, 0, 0, 30), "Asia/Tokyo")).toEqual({
      local: "Fri 2 Jan 2026, 09:00:30 GMT+9",
      utc: "2026-01-02 00:00:30 UTC",
    });
  });
});

describe("escapeSlack", () => {
  it("escapes the ampersand first, so entities are not double-escaped", () => {
    expect(escapeSlack("a & <b> &lt;")).toBe("a &amp; &lt;b&gt; &amp;lt;");
  });
});

describe("createSlackNotifier against a local Slack stand-in", () => {
  let server: StandIn;
  let webhookUrl: string;
  beforeEach(async () => {
    server = await startStandIn();
    webhookUrl = `${server.url}${SECRET_PATH}`;
  });
  afterEach(async () => {
    expect(server.pending()).toBe(0);
    expect(server.unexpected()).toBe(0);
    await server.close();
  });

  const notifier = (attempts = 5) => {
    const captured = captureLog();
    const { sleep, delays } = recordingSleep();
    const slack = createSlackNotifier({
      webhookUrl,
      log: captured.log,
      retry: { sleep, random: () => 0, attempts },
    });
    return { slack, captured, delays };
  };

  it("posts the rendered message to the webhook URL", async () => {
    server.reply({ status: 200, body: "ok" });
    const { slack, captured } = notifier();
    expect(await slack.notify(notice())).toEqual({ ok: true, attempts: 1, status: 200 });
    const [req] = server.received;
    expect(req?.path).toBe(SECRET_PATH);
    expect(req?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req?.body ?? "") as SlackMessage).toEqual(renderSlackMessage(notice()));
    expect(captured.calls).toEqual([
      {
        level: "info",
        obj: { issue: "acme/desk#12", service: "slack", status: 200, attempts: 1 },
        msg: "slack notification delivered",
      },
    ]);
  });

  it("retries a 500, then succeeds", async () => {
    server.reply({ status: 500, body: "internal_error" }, { status: 200, body: "ok" });
    const { slack, delays } = notifier();
    expect(await slack.notify(notice())).toEqual({ ok: true, attempts: 2, status: 200 });
    expect(delays).toEqual([500]);
    expect(server.received[0]?.body).toBe(server.received[1]?.body);
  });

  it("honours Retry-After on 429", async () => {
    server.reply({ status: 429, headers: { "retry-after": "3" }, body: "rate_limited" }, { status: 200 });
    const { slack, delays } = notifier();
    expect(await slack.notify(notice())).toEqual({ ok: true, attempts: 2, status: 200 });
    expect(delays).toEqual([3_000]);
  });

  it("does not retry a 400 and reports Slack's reason", async () => {
    server.reply({ status: 400, body: "invalid_payload" });
    const { slack, delays } = notifier();
    expect(await slack.notify(notice())).toEqual({
      ok: false,
      attempts: 1,
      status: 400,
      error: "slack answered 400: invalid_payload",
      failure: "permanent",
    });
    expect(delays).toEqual([]);
  });

  it("never lets the webhook URL reach a log or a result, whatever happens", async () => {
    server.reply(
      { status: 503, body: `upstream ${webhookUrl} unavailable` },
      { status: 404, body: `no_service for ${SECRET_PATH}` },
    );
    const { slack, captured } = notifier();
    const result = await slack.notify(notice());
    expect(result).toMatchObject({ ok: false, attempts: 2, status: 404 });
    for (const text of [captured.dump(), JSON.stringify(result)]) {
      expect(text).not.toContain(SECRET_PATH);
      expect(text).not.toContain("hUnTeR2webhookToken");
    }
    expect(captured.calls.every((c) => c.msg.startsWith("slack "))).toBe(true);
    expect(captured.calls.map((c) => c.obj)).toEqual([
      { issue: "acme/desk#12", service: "slack", attempts: 1, status: 503, delayMs: 500 },
      { issue: "acme/desk#12", service: "slack", attempts: 2, status: 404 },
    ]);
  });

  it("logs to the caller's logger when one is given (already bound to the issue), never the title", async () => {
    server.reply({ status: 503, body: "busy" }, { status: 200, body: "ok" });
    const { slack, captured } = notifier();
    const perCall = captureLog();
    expect(await slack.notify(notice(), perCall.log)).toMatchObject({ ok: true, attempts: 2 });
    expect(captured.calls).toEqual([]);
    expect(perCall.calls.map((c) => [c.level, c.obj])).toEqual([
      ["warn", { service: "slack", attempts: 1, status: 503, delayMs: 500 }],
      ["info", { service: "slack", attempts: 2, status: 200 }],
    ]);
    expect(perCall.dump()).not.toContain("VPN down");
  });
});

describe("createSlackNotifier on a closed port", () => {
  it("retries, then reports failure without throwing or leaking the URL", async () => {
    const webhookUrl = await closedPortUrl(SECRET_PATH);
    const captured = captureLog();
    const { sleep, delays } = recordingSleep();
    const slack = createSlackNotifier({ webhookUrl, log: captured.log, retry: { sleep, random: () => 0 } });
    const result = await slack.notify(notice());
    expect(result).toMatchObject({ ok: false, attempts: 5 });
    expect(result.error).toContain("ECONNREFUSED");
    expect(delays).toEqual([500, 1_000, 2_000, 4_000]);
    expect(`${captured.dump()} ${JSON.stringify(result)}`).not.toContain("hUnTeR2webhookToken");
  });
});

describe("createSlackNotifier configuration", () => {
  it("rejects a malformed URL at start-up without echoing it", () => {
    const bad = "hooks.slack.com/services/T0/B0/sekrit";
    expect(() => createSlackNotifier({ webhookUrl: bad })).toThrow(
      /SLACK_WEBHOOK_URL is not an http\(s\) URL/,
    );
    expect(() => createSlackNotifier({ webhookUrl: bad })).not.toThrow(/sekrit/);
  });
});

/*
 * Slack's inbound requests, as Slack publishes them:
 * - slash commands arrive form-encoded (`team_id`, `channel_id`, `user_id`, `user_name`,
 *   `command`, `text`, `response_url`, `trigger_id`, …): "Enabling interactivity with Slash
 *   commands", https://api.slack.com/interactivity/slash-commands;
 * - a message shortcut arrives form-encoded with one `payload` field holding JSON of type
 *   `message_action` (`team`, `channel`, `user`, `message` with its `ts`, `response_url`,
 *   `trigger_id`): "Handling user interaction", https://api.slack.com/interactivity/handling and
 *   https://api.slack.com/reference/interaction-payloads/shortcuts.
 */

/** One request to open an issue, from a slash command or a message shortcut. */
export interface SlackRequest {
  kind: "command" | "shortcut";
  teamId: string;
  teamDomain: string | null;
  channelId: string;
  userId: string;
  /** The requester's Slack name, as Slack sent it. */
  userName: string;
  /** The command's text, or the message's text. */
  text: string;
  /** The message's `ts` (shortcut), or null (a command has no message of its own). */
  messageTs: string | null;
  triggerId: string;
  responseUrl: string | null;
  /** `X-Slack-Request-Timestamp`, seconds. */
  requestTs: number;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");

/**
 * The request in a verified form body, or `{ problem }` when it is neither a slash command nor a
 * message shortcut with the fields the app needs. Never throws.
 */
export function readSlackRequest(body: string, requestTs: number): SlackRequest | { problem: string } {
  const form = new URLSearchParams(body);
  const payloadText = form.get("payload");
  if (payloadText !== null) {
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(payloadText) as Record<string, unknown>;
    } catch {
      return { problem: "payload is not JSON" };
    }
    if (payload.type !== "message_action")
      return { problem: `unsupported payload type ${str(payload.type).slice(0, 40)}` };
    const team = (payload.team ?? {}) as Record<string, unknown>;
    const channel = (payload.channel ?? {}) as Record<string, unknown>;
    const user = (payload.user ?? {}) as Record<string, unknown>;
    const message = (payload.message ?? {}) as Record<string, unknown>;
    const ts = str(message.ts) || str(payload.message_ts);
    if (!str(team.id) || !str(channel.id) || !str(user.id) || !/^\d+\.\d+$/.test(ts)) {
      return { problem: "shortcut without its team, channel, user or message" };
    }
    return {
      kind: "shortcut",
      teamId: str(team.id),
      teamDomain: str(team.domain) || null,
      channelId: str(channel.id),
      userId: str(user.id),
      userName: str(user.name) || str(user.username) || str(user.id),
      text: str(message.text),
      messageTs: ts,
      triggerId: str(payload.trigger_id),
      responseUrl: str(payload.response_url) || null,
      requestTs,
    };
  }
  const teamId = form.get("team_id") ?? "";
  const channelId = form.get("channel_id") ?? "";
  const userId = form.get("user_id") ?? "";
  const triggerId = form.get("trigger_id") ?? "";
  if (!form.get("command") || !teamId || !channelId || !userId || !triggerId) {
    return { problem: "neither a slash command nor a message shortcut" };
  }
  return {
    kind: "command",
    teamId,
    teamDomain: form.get("team_domain"),
    channelId,
    userId,
    userName: form.get("user_name") || userId,
    text: form.get("text") ?? "",
    messageTs: null,
    triggerId,
    responseUrl: form.get("response_url"),
    requestTs,
  };
}

/** The request's identity: the same message opens one issue; each command is its own request. */
export function slackSourceId(request: SlackRequest): string {
  const what = request.messageTs ?? request.triggerId;
  return `${request.teamId}:${request.channelId}:${what}`.slice(0, 200);
}

/**
 * When the clock starts (epoch ms): the message's ts for a shortcut, the request's time for a
 * command, but never later than `receivedAtMs`, when the app received the request (epoch ms): a
 * message ts in the future does not start the clock in the future.
 */
export function slackClockStart(request: SlackRequest, receivedAtMs: number): number {
  const stated = request.messageTs ? Math.floor(Number(request.messageTs) * 1000) : request.requestTs * 1000;
  return Number.isFinite(stated) ? Math.min(stated, receivedAtMs) : receivedAtMs;
}

/**
 * A command's optional type argument: its first word when it names a type key (`/support problem
 * checkout is down`), and the text without it. Otherwise no type and the whole text.
 */
export function splitTypeArgument(text: string, typeKeys: string[]): { type: string | null; text: string } {
  const match = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
  const first = match?.[1]?.toLowerCase();
  if (first && typeKeys.includes(first)) return { type: first, text: match?.[2] ?? "" };
  return { type: null, text: text.trim() };
}

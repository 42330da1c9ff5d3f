import { ErrorCode, type Logger, LogLevel, WebClient } from "@slack/web-api";
import { type DeliveryResult, NOT_SENT_CODES } from "../notify/retry.js";
import { EffectFailedError } from "../outbox/index.js";

/** The part of Slack's Web API the Slack channel uses (issue 13). */
export interface SlackApi {
  /**
   * `chat.postMessage` (https://api.slack.com/methods/chat.postMessage): a message in `channel`,
   * in the thread of `threadTs` when given. Returns the new message's `ts`. Throws an
   * `EffectFailedError` (channel `slack`) classified by `slackFailure` on an error answer or a
   * network failure, so the outbox knows whether the message may be sent again.
   */
  postMessage(message: { channel: string; text: string; threadTs?: string | null }): Promise<{ ts: string }>;
  /**
   * `chat.getPermalink` (https://api.slack.com/methods/chat.getPermalink): the message's link.
   * Throws an `EffectFailedError` classified by `slackFailure`, as `postMessage` does.
   */
  permalink(channel: string, ts: string): Promise<string>;
}

/**
 * Slack `ok: false` error codes that mean "try again later" rather than "this request is wrong"
 * (the Errors table of https://api.slack.com/methods/chat.postMessage):
 * - not posted, safe to send again: `ratelimited` (honour Retry-After), `service_unavailable`,
 *   `request_timeout` (the POST data arrived missing or truncated);
 * - may have landed ("It's possible some aspect of the operation succeeded before the error was
 *   raised"): `internal_error`, `fatal_error`.
 * Every other code (`invalid_auth`, `not_authed`, `channel_not_found`, `not_in_channel`,
 * `is_archived`, `msg_too_long`…) is the same answer next time: permanent.
 */
const SLACK_RETRY_CODES = new Set(["ratelimited", "service_unavailable", "request_timeout"]);
const SLACK_MAYBE_LANDED_CODES = new Set(["internal_error", "fatal_error"]);

/** A network error's code (ECONNREFUSED…), looking through `cause`; `timeout` for an aborted try. */
function networkCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    if ((e as { name?: unknown }).name === "TimeoutError" || (e as { name?: unknown }).name === "AbortError")
      return "timeout";
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && !code.startsWith("slack_webapi_")) return code;
    e = (e as { original?: unknown; cause?: unknown }).original ?? (e as { cause?: unknown }).cause;
  }
  return "unknown";
}

/**
 * What a failed Web API call means for a later try, by the rules the outbound Slack notifier
 * follows (`postJsonWithRetry` in src/notify/retry.ts) and Slack's own error codes. `method` is
 * the Web API method (`chat.postMessage`); the result's `error` names it and Slack's error code
 * (or the HTTP status, or the network code), never the message text or the token.
 * - an HTTP answer 408, 429 or 5xx (`WebAPIHTTPError`, `WebAPIRateLimitedError`): Slack refused the
 *   request, nothing was posted: `retry`, with the Retry-After (seconds → ms) when sent;
 * - a network error raised before the request left (`NOT_SENT_CODES`: refused connection, DNS):
 *   `retry`; any other (a timeout, a reset): `unknown`, it may have been posted;
 * - `ok: false` (`WebAPIPlatformError`): see `SLACK_RETRY_CODES`; otherwise `permanent`;
 * - any other HTTP status: `permanent` (Slack's Web API uses only 200 and 429, so another status
 *   means SLACK_API_URL does not point at it).
 */
export function slackFailure(method: string, error: unknown): DeliveryResult {
  const e = error as {
    code?: unknown;
    statusCode?: unknown;
    headers?: Record<string, string>;
    retryAfter?: unknown;
    data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
  } | null;
  const base = { ok: false as const, attempts: 1 };
  const seconds = (value: unknown) =>
    typeof value === "number" && Number.isFinite(value) && value >= 0
      ? { retryAfterMs: value * 1_000 }
      : typeof value === "string" && /^\d+$/.test(value.trim())
        ? { retryAfterMs: Number(value.trim()) * 1_000 }
        : {};
  switch (e?.code) {
    case ErrorCode.RateLimitedError:
      return {
        ...base,
        status: 429,
        failure: "retry",
        error: `slack ${method} answered 429 (rate limited)`,
        ...seconds(e.retryAfter),
      };
    case ErrorCode.HTTPError: {
      const status = typeof e.statusCode === "number" ? e.statusCode : 0;
      const transient = status === 408 || status === 429 || status >= 500;
      return {
        ...base,
        status,
        failure: transient ? "retry" : "permanent",
        error: `slack ${method} answered ${status}`,
        ...(transient ? seconds(e.headers?.["retry-after"]) : {}),
      };
    }
    case ErrorCode.PlatformError: {
      const code = typeof e.data?.error === "string" ? e.data.error.slice(0, 100) : "unknown_error";
      const failure = SLACK_RETRY_CODES.has(code)
        ? "retry"
        : SLACK_MAYBE_LANDED_CODES.has(code)
          ? "unknown"
          : "permanent";
      return {
        ...base,
        status: 200,
        failure,
        error: `slack ${method} refused: ${code}`,
        ...(failure === "retry" ? seconds(e.data?.response_metadata?.retryAfter) : {}),
      };
    }
    default: {
      const code = networkCode(error);
      return {
        ...base,
        failure: NOT_SENT_CODES.has(code) ? "retry" : "unknown",
        error: `slack ${method} request failed (${code})`,
      };
    }
  }
}

/** The SDK's own logger, silenced: its lines would bypass ours (and their redaction). */
const silent: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

/**
 * The Web API through Slack's own SDK (`@slack/web-api` WebClient), at `apiUrl` (SLACK_API_URL,
 * default https://slack.com/api/) with the bot token (SLACK_BOT_TOKEN). One try per call (10 s
 * timeout), no SDK retries: a failed call throws an `EffectFailedError` (`slackFailure`), which
 * the outbox records and rethrows when a later try may send it, so the inbox retries the delivery
 * with its own backoff and never sooner than Slack's Retry-After, as for every other effect.
 */
export function createSlackApi(options: { token: string; apiUrl: string }): SlackApi {
  const client = new WebClient(options.token, {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logger: silent,
  });
  const call = async <T>(method: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new EffectFailedError("slack", slackFailure(method, error));
    }
  };
  return {
    async postMessage({ channel, text, threadTs }) {
      const result = await call("chat.postMessage", () =>
        client.chat.postMessage({
          channel,
          text,
          ...(threadTs ? { thread_ts: threadTs } : {}),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      if (!result.ts) {
        // Posted (ok: true) but no ts to thread on: sending again would double it.
        throw new EffectFailedError("slack", {
          ok: false,
          attempts: 1,
          status: 200,
          failure: "unknown",
          error: "slack chat.postMessage answered without a ts",
        });
      }
      return { ts: result.ts };
    },
    async permalink(channel, ts) {
      const result = await call("chat.getPermalink", () =>
        client.chat.getPermalink({ channel, message_ts: ts }),
      );
      if (!result.permalink) {
        throw new EffectFailedError("slack", {
          ok: false,
          attempts: 1,
          status: 200,
          failure: "permanent",
          error: "slack chat.getPermalink answered without a permalink",
        });
      }
      return result.permalink;
    },
  };
}

import { setTimeout as delay } from "node:timers/promises";
import { issueKey } from "../helpers/issue-log.js";
import { redact } from "./redact.js";

/** The part of a pino logger this module uses; Probot's `app.log` fits. */
export interface NotifyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * How one notification went. Never thrown: a Slack or PagerDuty outage must not stop the GitHub
 * side of an escalation. `error` is safe to log (secrets are redacted).
 */
export interface DeliveryResult {
  ok: boolean;
  /** HTTP requests made, 0 when the message could not even be built. */
  attempts: number;
  /** Status of the last response, absent when no response arrived (network error, timeout). */
  status?: number;
  error?: string;
  /**
   * On failure, what a later try may do (the outbox reads it):
   * - `retry`: the request did not land (connection refused, DNS, a 408/429/5xx answer: the
   *   receiver refused it): safe to send again, also for a message that must not be doubled.
   * - `unknown`: the request may have landed (a timeout or a connection dropped after it was
   *   sent): an idempotent event (PagerDuty's dedup_key) is sent again, a Slack message is not.
   * - `permanent`: the receiver rejected the message (another 4xx); the same message fails again.
   */
  failure?: "retry" | "unknown" | "permanent";
  /** On a 429/503 with `Retry-After`: how long the receiver asked us to wait, ms (RFC 9110 §10.2.3). */
  retryAfterMs?: number;
}

export interface RetryOptions {
  /** Total tries, the first included. Default 5. */
  attempts?: number;
  /** Backoff before the second try; doubles each time. Default 1 s. */
  baseDelayMs?: number;
  /** Ceiling of one backoff delay. Default 30 s. */
  maxDelayMs?: number;
  /** A Retry-After longer than this ends the retries instead of holding a worker. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Per-try limit, covering connect, request and response body. Default 10 s. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), like Math.random. */
  random?: () => number;
  /** Epoch ms; only used to read a Retry-After given as an HTTP date. */
  now?: () => number;
  /**
   * Retry in process after a failure that may have landed (a timeout, a dropped connection).
   * Default true; false for a message that must not be doubled (a Slack post): it is then left
   * to the caller.
   */
  retryUnknown?: boolean;
}

export const RETRY_DEFAULTS = {
  attempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 10_000,
} as const;

/**
 * Delay before retry number `retry` (1 = the wait after the first failure): exponential with
 * "equal jitter", half fixed and half random, so replicas that failed together spread out while
 * each still waits at least half the step.
 */
export function backoffDelay(
  retry: number,
  options: { baseDelayMs: number; maxDelayMs: number; random: () => number },
): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + (options.random() * step) / 2);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value == null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  // Every HTTP-date form starts with the day name; without that check V8 reads "-5" as a year.
  const at = /^[A-Za-z]{3}/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface JsonPost {
  /** Appears in logs and errors: "slack", "pagerduty". */
  service: string;
  url: string;
  body: unknown;
  /** Hidden from every error message this returns. */
  secrets: readonly string[];
  fetch?: typeof fetch;
  retry?: RetryOptions;
  log?: NotifyLogger;
}

type Outcome =
  | { kind: "ok"; status: number }
  | { kind: "permanent"; status?: number; error: string }
  | {
      kind: "retry";
      status?: number;
      code?: string;
      error: string;
      retryAfterMs?: number;
      /** False when the request may have reached the receiver (no answer after it was sent). */
      notLanded: boolean;
    };

/**
 * Network errors raised before a single byte of the request could reach the receiver: no
 * connection was made. Anything else without an answer (a timeout, a reset) may have landed.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
]);

const noopLog: NotifyLogger = { info() {}, warn() {} };

/** `log` with `fields` on every line (the issue a notification is about). */
export function withFields(log: NotifyLogger, fields: object): NotifyLogger {
  return {
    info: (obj, msg) => log.info({ ...fields, ...obj }, msg),
    warn: (obj, msg) => log.warn({ ...fields, ...obj }, msg),
  };
}

/**
 * The logger for one notification about `issue`: the caller's (already bound to the issue, e.g.
 * the handler's `log.child({ issue })`), else the notifier's own with `issue` added to each line.
 */
export function notificationLog(
  perCall: NotifyLogger | undefined,
  fallback: NotifyLogger | undefined,
  issue: { repo: string; number: number },
): NotifyLogger | undefined {
  if (perCall) return perCall;
  return fallback ? withFields(fallback, { issue: issueKey(issue) }) : undefined;
}

/**
 * POSTs a JSON body, retrying 408, 429, 5xx, network errors and timeouts; any other non-2xx is
 * the receiver rejecting the message, which a retry would not change. Never throws.
 */
export async function postJsonWithRetry(post: JsonPost): Promise<DeliveryResult> {
  const { service, secrets } = post;
  const log = post.log ?? noopLog;
  const options = resolveOptions(post.retry);
  const fail = (
    attempts: number,
    error: string,
    status?: number,
    outcome?: Exclude<Outcome, { kind: "ok" }>,
  ): DeliveryResult => ({
    ok: false,
    attempts,
    ...(status === undefined ? {} : { status }),
    error: redact(error, secrets),
    failure: !outcome || outcome.kind === "permanent" ? "permanent" : outcome.notLanded ? "retry" : "unknown",
    ...(outcome?.kind === "retry" && outcome.retryAfterMs !== undefined
      ? { retryAfterMs: outcome.retryAfterMs }
      : {}),
  });

  let body: string;
  try {
    body = JSON.stringify(post.body);
  } catch (err) {
    log.warn({ service }, `${service} notification not sent: message could not be serialised`);
    return fail(0, `${service} message could not be serialised: ${errorMessage(err)}`);
  }

  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(post, body, options);
    if (outcome.kind === "ok") {
      log.info({ service, status: outcome.status, attempts: attempt }, `${service} notification delivered`);
      return { ok: true, attempts: attempt, status: outcome.status };
    }
    const details = {
      service,
      attempts: attempt,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      ...(outcome.kind === "retry" && outcome.code ? { code: outcome.code } : {}),
    };
    if (outcome.kind === "permanent" || attempt >= options.attempts) {
      log.warn(details, `${service} notification failed`);
      return fail(attempt, outcome.error, outcome.status, outcome);
    }
    if (!outcome.notLanded && !options.retryUnknown) {
      // It may have landed: only the caller (the outbox) knows whether sending again is safe.
      log.warn(details, `${service} notification failed; it may have been delivered`);
      return fail(attempt, outcome.error, outcome.status, outcome);
    }
    if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > options.maxRetryAfterMs) {
      log.warn({ ...details, retryAfterMs: outcome.retryAfterMs }, `${service} notification failed`);
      const seconds = Math.ceil(outcome.retryAfterMs / 1_000);
      const limit = Math.ceil(options.maxRetryAfterMs / 1_000);
      return fail(
        attempt,
        `${outcome.error}; ${service} asked to retry after ${seconds}s, longer than the ${limit}s limit (retry.maxRetryAfterMs)`,
        outcome.status,
        outcome,
      );
    }
    const waitMs = outcome.retryAfterMs ?? backoffDelay(attempt, options);
    log.warn({ ...details, delayMs: waitMs }, `${service} notification failed; retrying`);
    await options.sleep(waitMs);
  }
}

type ResolvedOptions = Required<RetryOptions>;

function resolveOptions(retry: RetryOptions | undefined): ResolvedOptions {
  return {
    attempts: Math.max(1, Math.floor(retry?.attempts ?? RETRY_DEFAULTS.attempts)),
    baseDelayMs: retry?.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs,
    maxDelayMs: retry?.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs,
    maxRetryAfterMs: retry?.maxRetryAfterMs ?? RETRY_DEFAULTS.maxRetryAfterMs,
    timeoutMs: retry?.timeoutMs ?? RETRY_DEFAULTS.timeoutMs,
    sleep: retry?.sleep ?? ((ms) => delay(ms)),
    random: retry?.random ?? Math.random,
    now: retry?.now ?? Date.now,
    retryUnknown: retry?.retryUnknown ?? true,
  };
}

async function attemptOnce(post: JsonPost, body: string, options: ResolvedOptions): Promise<Outcome> {
  const { service } = post;
  const doFetch = post.fetch ?? fetch;
  const signal = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  try {
    response = await doFetch(post.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      // A redirected POST comes back as a GET; a 200 from wherever it lands is not a delivery.
      redirect: "manual",
      signal,
    });
  } catch (err) {
    const code = errorCode(err);
    return {
      kind: "retry",
      code,
      notLanded: NOT_SENT_CODES.has(code),
      error: `${service} request failed: ${errorMessage(err)} (${code})`,
    };
  }

  const { status } = response;
  if (status >= 200 && status < 300) {
    await response.body?.cancel().catch(() => undefined);
    return { kind: "ok", status };
  }
  const snippet = await response
    .text()
    .then((text) => text.trim().slice(0, 300))
    .catch(() => "");
  const error = `${service} answered ${status}${snippet ? `: ${snippet}` : ""}`;
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"), options.now());
    // An answer means the receiver refused the request: Slack posts nothing on a non-2xx answer
    // (https://api.slack.com/messaging/webhooks#handling_errors), PagerDuty asks for a retry on
    // 429 and 5xx (https://developer.pagerduty.com/docs/events-api-v2-overview#response-codes--retry-logic).
    return {
      kind: "retry",
      status,
      error,
      notLanded: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  return { kind: "permanent", status, error };
}

function errorCode(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "timeout";
    const cause = (err as { cause?: { code?: unknown } }).cause;
    if (typeof cause?.code === "string") return cause.code;
    const own = (err as { code?: unknown }).code;
    if (typeof own === "string") return own;
    return err.name;
  }
  return "unknown";
}

function errorMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : "";
  return `${err.message}${cause}`;
}

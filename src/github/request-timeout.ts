/**
 * Longest time one GitHub API request may take on the wire, in milliseconds (epoch-independent):
 * from sending it to the last byte of the response body. GitHub itself ends a request it takes
 * more than 10 seconds to process with a timeout and a "Server Error"
 * (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts), so a
 * request still open after 30 s is a connection that hangs, not GitHub working.
 */
export const GITHUB_REQUEST_TIMEOUT_MS = 30_000;

/**
 * A request to GitHub that took longer than its timeout. `code` is `ETIMEDOUT`, so the logs'
 * `error` field carries `code: "ETIMEDOUT"`; Octokit wraps it in a `RequestError` of status 500
 * (its status for "no answer"), which the inbox and the scheduler retry with their backoff.
 */
export class GitHubTimeoutError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "ETIMEDOUT";
  constructor(readonly timeoutMs: number) {
    super(
      `GitHub did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
    );
  }
}

const TIMED = Symbol("support-sla.timed-fetch");

/** Statuses whose response has no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Wraps `fetch` (Octokit's `request.fetch` option, https://github.com/octokit/request.js#request,
 * type `RequestRequestOptions.fetch` in @octokit/types) so each call fails with a
 * `GitHubTimeoutError` after `timeoutMs`: connecting, sending, waiting for the answer and reading
 * its whole body. The body is read here, under the timeout, and handed on buffered: Octokit reads
 * it later and quietly turns a body that fails half-way into `""`, which would pass a cut-off
 * answer for a good one. Octokit calls `fetch` only when the request goes on the wire, after the
 * throttling plugin's queue, so time spent waiting there (write spacing, a rate limit) does not
 * count. A caller's own `signal` still aborts the request. Wrapping an already wrapped fetch
 * returns it unchanged.
 *
 * @param base the fetch to wrap (default `globalThis.fetch`)
 * @param timeoutMs milliseconds; must be positive
 */
export function fetchWithTimeout(
  base: typeof fetch = globalThis.fetch,
  timeoutMs: number = GITHUB_REQUEST_TIMEOUT_MS,
): typeof fetch {
  if ((base as { [TIMED]?: true })[TIMED]) return base;
  const timed = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new GitHubTimeoutError(timeoutMs)), timeoutMs);
    timer.unref();
    const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    try {
      const response = await base(input, { ...init, signal });
      const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
      const buffered = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
      Object.defineProperty(buffered, "url", { value: response.url });
      return buffered;
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  Object.defineProperty(timed, TIMED, { value: true });
  return timed as typeof fetch;
}

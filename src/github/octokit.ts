import type { Context, Logger } from "probot";

/** The authenticated installation client Probot hands to each event (REST, paginate, config plugin). */
export type GitHub = Context["octokit"];

export interface IssueRef {
  owner: string;
  repo: string;
  issue_number: number;
}

export function httpStatus(error: unknown): number | undefined {
  return typeof error === "object" && error !== null ? (error as { status?: number }).status : undefined;
}

const failingFast = new WeakSet<object>();

/**
 * Turns off @octokit/plugin-retry's own retries on this client (`request.retries = 0`, the
 * plugin's per-request setting), so a 5xx fails the work at once instead of after quiet waits of
 * 1, 4 and 9 s per request (and more: the plugin keeps its retry count on the client's shared
 * request options, so requests failing together lengthen each other's waits). The inbox and the
 * scheduler retry the whole piece of work with their own backoff, and log each failed attempt
 * with its issue and the time of the next one. Rate limits are not affected: the throttling
 * plugin still waits those out. Idempotent per client.
 */
export function failFast<T extends GitHub>(gh: T): T {
  if (failingFast.has(gh)) return gh;
  failingFast.add(gh);
  gh.hook.before("request", (options) => {
    // A copy: the object Octokit passes is shared by every request of the client.
    options.request = { ...options.request, retries: 0 } as typeof options.request;
  });
  return gh;
}

/**
 * Sends the client's own log lines (Probot's `GitHub request: …` at debug, the throttling and
 * auth plugins' warnings) to `log`, as `name: "github"` like Probot does: lines about work on an
 * issue then carry the issue key too.
 */
export function logTo<T extends GitHub>(gh: T, log: Logger): T {
  (gh as { log: unknown }).log = log.child({ name: "github" });
  return gh;
}

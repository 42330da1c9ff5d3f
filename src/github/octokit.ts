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

/**
 * GitHub's pacing of writes, per installation ("Best practices for using the REST API",
 * https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api):
 * "make requests serially instead of concurrently … implement a queue system for requests", and
 * for POST, PATCH, PUT and DELETE requests "wait at least one second between each request", to
 * stay clear of the secondary rate limits. Milliseconds between the starts of two writes.
 */
export const WRITE_SPACING_MS = 1_000;

/**
 * Milliseconds between the starts of two content-creating writes (a comment, an issue). GitHub
 * caps content-generating requests at 80 a minute and 500 an hour ("Rate limits for the REST
 * API", About secondary rate limits,
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits);
 * 3 s is the spacing @octokit/plugin-throttling applies to them, which the app used before.
 */
export const CONTENT_SPACING_MS = 3_000;

/**
 * How a request is paced: `read` (GET, HEAD: not paced here), `cheap` (a write that creates no
 * content: labels, a comment edited, an issue closed), `content` (a POST that creates content and
 * notifies people: a comment, an issue, a pull request, a review, a release).
 */
export type WriteClass = "read" | "cheap" | "content";

/** Paths whose POST creates content (the routes @octokit/plugin-throttling paces as such, in short). */
const CONTENT_PATH =
  /\/(comments|replies|reviews|issues|pulls|releases|discussions|invitations|sub_issues?)$/;

/** The class of a request by its method and URL (a route template `/repos/{owner}/…` or a path). */
export function writeClassOf(method: string, url: string): WriteClass {
  const verb = method.toUpperCase();
  if (verb === "GET" || verb === "HEAD") return "read";
  const path = url.split("?")[0] ?? "";
  return verb === "POST" && CONTENT_PATH.test(path) ? "content" : "cheap";
}

interface PacedJob {
  send: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** One installation's writes: a queue per class, one write at a time, the spacing kept. */
interface Lane {
  cheap: PacedJob[];
  content: PacedJob[];
  busy: boolean;
  lastWriteAt: number;
  lastContentAt: number;
  timer: NodeJS.Timeout | null;
}

/**
 * GitHub's write pacing per installation, as a priority queue: one write at a time, starts at least
 * `WRITE_SPACING_MS` apart, content-creating writes at least `CONTENT_SPACING_MS` apart; and a
 * cheap write (a label) always goes before a queued comment, so the cheap signals of one issue
 * never wait behind another issue's comment. Comments keep their order among themselves, as
 * cheap writes do. A comment waits only while cheap writes are queued; the scheduler holds few
 * escalations per installation at once (its per-installation slots), so that wait is short.
 *
 * `key` is the installation (Probot's throttle id). Reads are not paced.
 */
export class WritePacer {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly options: { writeSpacingMs?: number; contentSpacingMs?: number; now?: () => number } = {},
  ) {}

  /** Runs `send` when the installation's pacing lets a write of `kind` start; resolves with its result. */
  schedule<T>(key: string, kind: "cheap" | "content", send: () => Promise<T>): Promise<T> {
    const lane = this.lane(key);
    return new Promise<T>((resolve, reject) => {
      lane[kind].push({ send, resolve: resolve as (value: unknown) => void, reject });
      this.pump(key, lane);
    });
  }

  /** Writes waiting for `key` (the installation), by class. */
  queued(key: string): { cheap: number; content: number } {
    const lane = this.lanes.get(key);
    return { cheap: lane?.cheap.length ?? 0, content: lane?.content.length ?? 0 };
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = {
        cheap: [],
        content: [],
        busy: false,
        lastWriteAt: Number.NEGATIVE_INFINITY,
        lastContentAt: Number.NEGATIVE_INFINITY,
        timer: null,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private pump(key: string, lane: Lane): void {
    if (lane.busy) return;
    if (lane.timer) {
      clearTimeout(lane.timer);
      lane.timer = null;
    }
    const kind = lane.cheap.length > 0 ? "cheap" : lane.content.length > 0 ? "content" : null;
    if (kind === null) return;
    const writeAt = lane.lastWriteAt + (this.options.writeSpacingMs ?? WRITE_SPACING_MS);
    const startAt =
      kind === "cheap"
        ? writeAt
        : Math.max(writeAt, lane.lastContentAt + (this.options.contentSpacingMs ?? CONTENT_SPACING_MS));
    const now = this.now();
    if (startAt > now) {
      lane.timer = setTimeout(() => {
        lane.timer = null;
        this.pump(key, lane);
      }, startAt - now);
      return;
    }
    const job = lane[kind].shift() as PacedJob;
    lane.busy = true;
    lane.lastWriteAt = now;
    if (kind === "content") lane.lastContentAt = now;
    void Promise.resolve()
      .then(job.send)
      .then(job.resolve, job.reject)
      .finally(() => {
        lane.busy = false;
        this.pump(key, lane);
      });
  }
}

/**
 * An Octokit plugin that paces the client's writes through `pacer`, keyed by the client's
 * installation (the `throttle.id` Probot gives each installation client; `app` for the app's own
 * client). Added after Probot's plugins, it wraps them: a write waits here before the throttling
 * plugin sees it, so that plugin's own write queues must be turned off (`UNPACED_THROTTLE_GROUPS`)
 * or they would space the writes a second time, first come first served.
 */
export function writePacing(pacer: WritePacer) {
  return (
    octokit: {
      hook: {
        wrap(
          name: "request",
          fn: (
            request: (o: object) => Promise<unknown>,
            o: { method: string; url: string },
          ) => Promise<unknown>,
        ): void;
      };
    },
    options: { throttle?: { id?: string } },
  ) => {
    const key = options.throttle?.id ?? "app";
    octokit.hook.wrap("request", (request, o) => {
      const kind = writeClassOf(o.method, o.url);
      return kind === "read" ? request(o) : pacer.schedule(key, kind, () => request(o));
    });
  };
}

/** A throttling-plugin group that lets every job through at once (its `key(id).schedule(options, fn, …args)`). */
const passThrough = {
  key: () => ({
    schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => fn(...args)),
  }),
};

/**
 * `throttle` options for @octokit/plugin-throttling that turn off its write and content queues
 * (`write`, `notifications`: first come first served) where `writePacing` paces writes instead;
 * its rate-limit handling (retry after `retry-after`) stays on.
 */
export const UNPACED_THROTTLE_GROUPS = { write: passThrough, notifications: passThrough } as const;

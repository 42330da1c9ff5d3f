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
 * GitHub's ceilings on content-generating requests (a comment, an issue, …): "No more than 80
 * content-generating requests per minute and no more than 500 content-generating requests per
 * hour are allowed" ("Rate limits for the REST API", About secondary rate limits,
 * https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits).
 * The pacer keeps each installation's content writes within both windows, on top of the one
 * second between any two writes. `windowMs` in milliseconds.
 */
export const CONTENT_LIMITS: readonly { max: number; windowMs: number }[] = [
  { max: 80, windowMs: 60_000 },
  { max: 500, windowMs: 3_600_000 },
];

/**
 * How a request is paced: `read` (GET, HEAD: not paced here), `cheap` (a write that creates no
 * content: labels, a comment edited, an issue closed), `content` (a POST that creates content and
 * notifies people: a comment, an issue, a pull request, a review, a release).
 */
export type WriteClass = "read" | "cheap" | "content";

/** Paths whose POST creates content (the routes @octokit/plugin-throttling paces as such, in short). */
const CONTENT_PATH =
  /\/(comments|replies|reviews|issues|pulls|releases|discussions|invitations|sub_issues?)$/;

/** `POST /app/installations/{installation_id}/access_tokens`, as a route template or a path. */
const ACCESS_TOKEN_PATH = /^\/app\/installations\/[^/]+\/access_tokens$/;

/**
 * The class of a request by its method and URL (a route template `/repos/{owner}/…` or a path).
 * An installation token request ("Create an installation access token for an app",
 * https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app) is the
 * app authenticating, not a write to a repository: it is not paced (`read`), or every
 * installation's first request would queue behind the others' in the app's one lane.
 */
export function writeClassOf(method: string, url: string): WriteClass {
  const verb = method.toUpperCase();
  if (verb === "GET" || verb === "HEAD") return "read";
  const path = url.split("?")[0] ?? "";
  if (verb === "POST" && ACCESS_TOKEN_PATH.test(path)) return "read";
  return verb === "POST" && CONTENT_PATH.test(path) ? "content" : "cheap";
}

/** How a write asks to be paced (see `PacedRequestOptions`). */
export interface PaceOptions {
  /** Lower goes first among queued writes of its class; default 0. */
  rank?: number;
  /** Called when the write's turn comes, before it is sent; a rejection means it is not sent. */
  beforeSend?: () => Promise<void>;
}

interface PacedJob {
  send: () => Promise<unknown>;
  rank: number;
  beforeSend: (() => Promise<void>) | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
}

/** One installation's writes: a queue per class, one write at a time, the spacing kept. */
interface Lane {
  cheap: PacedJob[];
  content: PacedJob[];
  busy: boolean;
  lastWriteAt: number;
  /** Starts (epoch ms) of the latest content writes, oldest first: as many as the largest limit. */
  contentStarts: number[];
  timer: NodeJS.Timeout | null;
}

/**
 * GitHub's write pacing per installation, as a priority queue: one write at a time, starts at least
 * `WRITE_SPACING_MS` apart, content-creating writes within `CONTENT_LIMITS` (80 a minute, 500 an
 * hour); and a cheap write (a label) always goes before a queued comment, so the cheap signals of
 * one issue never wait behind another issue's comment. Comments keep their order among
 * themselves, as cheap writes do. A comment waits while cheap writes are queued; the scheduler
 * queues a firing's comment apart from its labels (the comment loop), so nothing waits for it.
 *
 * `key` is the installation (Probot's throttle id). Reads are not paced.
 */
export class WritePacer {
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly options: {
      writeSpacingMs?: number;
      contentLimits?: readonly { max: number; windowMs: number }[];
      now?: () => number;
    } = {},
  ) {}

  /**
   * Runs `send` when the installation's pacing lets a write of `kind` start (queued writes of a
   * class go by `rank`, then in order); resolves with its result. `beforeSend` runs first when the
   * turn comes (its time counts before the write's start); if it rejects, `send` never runs and
   * the returned promise rejects with its error.
   */
  schedule<T>(
    key: string,
    kind: "cheap" | "content",
    send: () => Promise<T>,
    pace: PaceOptions = {},
  ): Promise<T> {
    const lane = this.lane(key);
    return new Promise<T>((resolve, reject) => {
      const job: PacedJob = {
        send,
        rank: pace.rank ?? 0,
        beforeSend: pace.beforeSend,
        resolve: resolve as (value: unknown) => void,
        reject,
      };
      const queue = lane[kind];
      // After every queued job of the same or a lower rank: stable within a rank.
      const at = queue.findIndex((queued) => queued.rank > job.rank);
      if (at === -1) queue.push(job);
      else queue.splice(at, 0, job);
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
        contentStarts: [],
        timer: null,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private contentLimits(): readonly { max: number; windowMs: number }[] {
    return this.options.contentLimits ?? CONTENT_LIMITS;
  }

  /** The earliest start (epoch ms) of the lane's next content write that keeps every window's limit. */
  private contentAllowedAt(lane: Lane): number {
    let at = Number.NEGATIVE_INFINITY;
    for (const { max, windowMs } of this.contentLimits()) {
      // The window holds `max` starts already: the next may start once the oldest of them leaves it.
      const oldest = lane.contentStarts[lane.contentStarts.length - max];
      if (oldest !== undefined) at = Math.max(at, oldest + windowMs);
    }
    return at;
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
    const startAt = kind === "cheap" ? writeAt : Math.max(writeAt, this.contentAllowedAt(lane));
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
    void this.run(job, kind, lane).finally(() => {
      lane.busy = false;
      this.pump(key, lane);
    });
  }

  /** Runs one job: its `beforeSend`, then the write, whose start (after `beforeSend`) the spacing counts from. */
  private async run(job: PacedJob, kind: "cheap" | "content", lane: Lane): Promise<void> {
    try {
      await job.beforeSend?.();
    } catch (error) {
      job.reject(error);
      return;
    }
    const start = this.now();
    lane.lastWriteAt = start;
    if (kind === "content") {
      lane.contentStarts.push(start);
      const keep = Math.max(...this.contentLimits().map((l) => l.max));
      if (lane.contentStarts.length > keep) lane.contentStarts.splice(0, lane.contentStarts.length - keep);
    }
    try {
      job.resolve(await job.send());
    } catch (error) {
      job.reject(error);
    }
  }
}

/**
 * Request options (`request: { beforeSend, paceRank }`) the pacing understands. `beforeSend`:
 * called when the write's turn comes, just before it is sent; a rejection means the write is not
 * sent, and the caller's request rejects with it (a queued comment renews its lease there, so a
 * process that lost it never sends it: see postQueuedComment). `paceRank`: the write's place among
 * the installation's queued writes of its class, lower first (the issue's priority rank: see
 * `pacedAt`). Without the pacing neither is used.
 */
export interface PacedRequestOptions {
  beforeSend?: () => Promise<void>;
  paceRank?: number;
}

/**
 * Gives every write of this client the pacing rank `rank` (`request.paceRank`): the scheduler's
 * client for an issue of priority rank 0 (the most urgent) gets its labels and comments out
 * before queued ones of a less urgent issue of the same installation. Returns `gh`.
 */
export function pacedAt<T extends GitHub>(gh: T, rank: number): T {
  gh.hook.before("request", (options) => {
    options.request = { ...options.request, paceRank: rank } as typeof options.request;
  });
  return gh;
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
      if (kind === "read") return request(o);
      const paced = (o as { request?: PacedRequestOptions }).request;
      return pacer.schedule(key, kind, () => request(o), {
        ...(paced?.paceRank !== undefined ? { rank: paced.paceRank } : {}),
        ...(paced?.beforeSend ? { beforeSend: paced.beforeSend } : {}),
      });
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

import { randomBytes, randomUUID } from "node:crypto";
import { appRoutes } from "./github-app-routes.js";
import { type Handler, json, type RouteDef, repoRoutes } from "./github-routes.js";
import {
  type Json,
  renderComment,
  renderIssue,
  renderRepo,
  toUserRec,
  type UserRec,
  type UserSpec,
} from "./github-shapes.js";
import {
  type CommentSeed,
  type DeliverySeed,
  GitHubState,
  type IssueSeed,
  type LabelSeed,
  type WebhookEvent,
  type WebhookTarget,
} from "./github-state.js";
import {
  type CompiledRoute,
  compileRoute,
  matchRoute,
  type RecordedRequest,
  type StandInReply,
  type StandInRequest,
  StandInServer,
} from "./http.js";

export type {
  CommentSeed,
  DeliverySeed,
  IssueSeed,
  LabelSeed,
  WebhookEvent,
  WebhookTarget,
} from "./github-state.js";
export type { RecordedRequest, RequestFilter } from "./http.js";

export interface GitHubStandInOptions {
  /** Default 1. */
  appId?: number;
  /** Default `support-sla`; the bot user is `${slug}[bot]`. */
  appSlug?: string;
  appName?: string;
  /** The id put in webhook payloads built by `issueEvent`/`commentEvent`. Default 1. */
  installationId?: number;
  /** The clock for created_at/updated_at of things created through the API. Default: wall clock. */
  now?: () => number | Date;
}

export interface FaultSpec {
  method?: string;
  /**
   * Matched against the percent-decoded path without `/api/v3`, e.g. `/repos/acme/web/issues/1/comments`.
   * A string is a route pattern: exact, or with `:param` / `:rest*` segments.
   */
  pathPattern: RegExp | string;
  status: number;
  /** Default 1. */
  times?: number;
  /** `retry-after` on 403-secondary and 429 (default 1); the `x-ratelimit-reset` offset on primary limits. */
  retryAfterSeconds?: number;
  /** 403 only: answer as GitHub does for a secondary rate limit. */
  secondaryRateLimit?: boolean;
  /** 403 only: answer as a primary rate limit (`x-ratelimit-remaining: 0`). */
  primaryRateLimit?: boolean;
  /** Replaces the default body. */
  body?: unknown;
  /**
   * Holds the request this many milliseconds before answering with `status` (a connection that
   * hangs); `releaseHangs()` and `stop()` end the wait early. The client may give up first.
   */
  hangMs?: number;
}

/** A request a `hangMs` fault is holding. */
export interface HeldRequest {
  method: string;
  /** Percent-decoded path without `/api/v3`. */
  path: string;
  /** Wall-clock time the hold began (ms since epoch). */
  since: number;
}

interface Fault {
  spec: FaultSpec;
  left: number;
  route: CompiledRoute | null;
}

const API_PREFIX = "/api/v3";
const SECONDARY =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.";
const SECONDARY_DOCS =
  "https://docs.github.com/rest/overview/resources-in-the-rest-api#secondary-rate-limits";

/** An in-memory subset of GitHub's REST API under `/api/v3`, for the app run as a child process. */
export class GitHubStandIn extends StandInServer {
  readonly appId: number;
  readonly installationId: number;
  readonly #state: GitHubState;
  readonly #routes: Array<{ method: string; route: CompiledRoute; handler: Handler; auth?: "jwt" | "none" }>;
  #faults: Fault[] = [];
  #held = new Map<number, { request: HeldRequest; release: () => void }>();
  #heldSeq = 0;
  #rateRemaining = 5000;

  constructor(options: GitHubStandInOptions = {}) {
    super();
    this.appId = options.appId ?? 1;
    this.installationId = options.installationId ?? 1;
    const now = options.now ?? (() => Date.now());
    this.#state = new GitHubState({
      appId: this.appId,
      slug: options.appSlug ?? "support-sla",
      name: options.appName ?? "Support SLA",
      installationId: this.installationId,
      now: () => Number(now()),
      base: () => this.url,
    });
    this.#routes = [...repoRoutes, ...appRoutes].map(([method, pattern, handler, auth]: RouteDef) => ({
      method,
      route: compileRoute(pattern),
      handler,
      ...(auth ? { auth } : {}),
    }));
  }

  /** Octokit's `baseUrl`: `http://127.0.0.1:PORT/api/v3`. */
  get apiUrl(): string {
    return `${this.url}${API_PREFIX}`;
  }

  /** Probot's environment for this stand-in (GHE_HOST, GHE_PROTOCOL, APP_ID). */
  env(): Record<string, string> {
    return { GHE_HOST: `127.0.0.1:${this.port}`, GHE_PROTOCOL: "http", APP_ID: String(this.appId) };
  }

  /** The app's bot account, author of everything written with an installation token. */
  get botUser(): Json {
    return { login: this.#state.bot.login, type: "Bot", id: this.#state.bot.id };
  }

  // ---- seeding ------------------------------------------------------------------------------------

  addRepo(
    owner: string,
    repo: string,
    opts: { private?: boolean; ownerType?: "User" | "Organization" } = {},
  ): Json {
    return renderRepo(this.#state.ensureRepo(owner, repo, opts), this.#state.urls);
  }

  setFile(owner: string, repo: string, path: string, text: string, ref = "main"): void {
    const r = this.#state.ensureRepo(owner, repo);
    const files = r.files.get(ref) ?? new Map<string, string>();
    files.set(path.replace(/^\/+/, ""), text);
    r.files.set(ref, files);
  }

  deleteFile(owner: string, repo: string, path: string, ref = "main"): void {
    this.#state.repo(owner, repo)?.files.get(ref)?.delete(path.replace(/^\/+/, ""));
  }

  /** Lets `?ref=<alias>` (e.g. a commit sha from a push payload) read the files of `ref`. */
  aliasRef(owner: string, repo: string, alias: string, ref: string): void {
    this.#state.ensureRepo(owner, repo).refAliases.set(alias, ref);
  }

  addLabel(owner: string, repo: string, label: LabelSeed): Json {
    const r = this.#state.ensureRepo(owner, repo);
    return this.#state.labelJson(r, this.#state.addLabel(r, label));
  }

  createIssue(owner: string, repo: string, seed: IssueSeed): Json {
    const r = this.#state.ensureRepo(owner, repo);
    return renderIssue(r, this.#state.createIssue(r, seed), this.#state.urls);
  }

  addComment(owner: string, repo: string, issueNumber: number, seed: CommentSeed): Json {
    const r = this.#state.repo(owner, repo);
    const issue = r?.issues.get(issueNumber);
    if (!r || !issue) throw new Error(`no issue ${owner}/${repo}#${issueNumber}: createIssue first`);
    return renderComment(r, this.#state.addComment(r, issue, seed), this.#state.urls);
  }

  addTeamMember(org: string, slug: string, login: string): void {
    const key = `${org}/${slug}`.toLowerCase();
    const members = this.#state.teams.get(key) ?? new Set<string>();
    members.add(login.toLowerCase());
    this.#state.teams.set(key, members);
  }

  /** admin | maintain | write | triage | read | none; unknown users read as `read`. */
  setPermission(owner: string, repo: string, login: string, permission: string): void {
    this.#state.ensureRepo(owner, repo).permissions.set(login.toLowerCase(), permission);
  }

  /** Requests with this token act as `user` (e.g. an engineer's PAT); every other token acts as the bot. */
  setTokenUser(token: string, user: UserSpec | string): void {
    this.#state.tokenUsers.set(token, toUserRec(user));
  }

  addDelivery(seed: DeliverySeed): Json {
    const { payload: _p, requestHeaders: _h, responseBody: _b, ...item } = this.#state.addDelivery(seed);
    return item;
  }

  // ---- state --------------------------------------------------------------------------------------

  issue(owner: string, repo: string, n: number): Json | undefined {
    const r = this.#state.repo(owner, repo);
    const issue = r?.issues.get(n);
    return r && issue ? renderIssue(r, issue, this.#state.urls) : undefined;
  }

  /** Label names on the issue, in the order they were added. */
  issueLabels(owner: string, repo: string, n: number): string[] {
    return [...(this.#state.repo(owner, repo)?.issues.get(n)?.labels ?? [])];
  }

  comments(owner: string, repo: string, n: number): Json[] {
    const r = this.#state.repo(owner, repo);
    return r ? this.#state.commentsOf(r, n).map((c) => renderComment(r, c, this.#state.urls)) : [];
  }

  labels(owner: string, repo: string): Json[] {
    const r = this.#state.repo(owner, repo);
    return r ? r.labels.map((l) => this.#state.labelJson(r, l)) : [];
  }

  checkRuns(owner: string, repo: string): Json[] {
    return structuredClone(this.#state.repo(owner, repo)?.checkRuns ?? []);
  }

  /** Webhook deliveries, newest first, with the payload each carried. */
  deliveries(): Json[] {
    return structuredClone(this.#state.deliveries) as unknown as Json[];
  }

  /** Delivery ids redelivery was requested for (POST /app/hook/deliveries/:id/attempts), in order. */
  redeliveryAttempts(): number[] {
    return [...this.#state.redeliveryAttempts];
  }

  /** Installation tokens handed out so far. */
  issuedTokens(): string[] {
    return [...this.#state.issuedTokens.keys()];
  }

  // ---- log ----------------------------------------------------------------------------------------

  /** Every non-GET request except installation-token creation: what the app changed (or tried to). */
  writes(): RecordedRequest[] {
    return this.requests(
      (r) =>
        r.method !== "GET" &&
        r.method !== "HEAD" &&
        !/^\/app\/installations\/[^/]+\/access_tokens$/.test(r.path),
    );
  }

  // ---- faults -------------------------------------------------------------------------------------

  /** The next `times` requests matching get `status` instead of the normal answer. */
  failNext(spec: FaultSpec): void {
    const route = typeof spec.pathPattern === "string" ? compileRoute(spec.pathPattern) : null;
    this.#faults.push({ spec, left: spec.times ?? 1, route });
  }

  /** Faults not yet consumed: a test should usually end with none. */
  pendingFaults(): Array<FaultSpec & { left: number }> {
    return this.#faults.filter((f) => f.left > 0).map((f) => ({ ...f.spec, left: f.left }));
  }

  clearFaults(): void {
    this.#faults = [];
  }

  /** Requests a `hangMs` fault is holding right now, oldest first. */
  heldRequests(): HeldRequest[] {
    return [...this.#held.values()].map((h) => ({ ...h.request }));
  }

  /** Ends every hold now: each held request gets its fault's answer (if the client still listens). */
  releaseHangs(): void {
    for (const { release } of [...this.#held.values()]) release();
  }

  override async stop(): Promise<void> {
    this.releaseHangs();
    await super.stop();
  }

  /**
   * What GitHub does when an admin confirms a manifest registration: a one-time `code` (valid for
   * `POST /app-manifests/{code}/conversions`) whose conversion returns this PEM and webhook secret.
   */
  manifestCode(conversion: { pem: string; webhook_secret: string }): string {
    const code = `code${Math.random().toString(36).slice(2, 12)}`;
    this.#state.manifestCodes.set(code, {
      client_id: "Iv1.standin",
      client_secret: "standin-client-secret",
      ...conversion,
    });
    return code;
  }

  // ---- webhooks -----------------------------------------------------------------------------------

  /**
   * Where `deliver`, redeliveries and (with autoDeliver) API-caused events are POSTed, e.g.
   * `{url: "http://127.0.0.1:3000/api/github/webhooks", secret}`.
   */
  setWebhookTarget(target: WebhookTarget | null, opts: { autoDeliver?: boolean } = {}): void {
    this.#state.target = target;
    this.#state.autoDeliver = opts.autoDeliver ?? false;
  }

  /** An `issues` payload for the stored issue, as GitHub would send it now. */
  issueEvent(
    action: string,
    owner: string,
    repo: string,
    n: number,
    extra: { sender?: UserSpec | string } & Json = {},
  ) {
    const r = this.#state.repo(owner, repo);
    const issue = r?.issues.get(n);
    if (!r || !issue) throw new Error(`no issue ${owner}/${repo}#${n}`);
    const { sender, ...rest } = extra;
    const label =
      typeof rest.label === "string" ? this.addLabel(owner, repo, { name: rest.label }) : rest.label;
    const by = sender ? toUserRec(sender as UserSpec | string) : issue.user;
    return this.#state.issuePayload(action, r, issue, by, { ...rest, ...(label ? { label } : {}) });
  }

  /** An `issue_comment` payload for a stored comment (the sender defaults to its author). */
  commentEvent(
    action: string,
    owner: string,
    repo: string,
    commentId: number,
    extra: { sender?: UserSpec | string } & Json = {},
  ) {
    const r = this.#state.repo(owner, repo);
    const comment = r?.comments.get(commentId);
    if (!r || !comment) throw new Error(`no comment ${commentId} in ${owner}/${repo}`);
    const { sender, ...rest } = extra;
    const by: UserRec = sender ? toUserRec(sender as UserSpec | string) : comment.user;
    return this.#state.commentPayload(action, r, comment, by, rest);
  }

  /** Signs and POSTs one event to the webhook target and records it as a delivery (so it can be redelivered). */
  async deliver(name: string, payload: Json, opts: { guid?: string } = {}) {
    const record = await this.#state.deliver({ name, guid: opts.guid ?? randomUUID(), payload }, false);
    return {
      status: record.status_code,
      body: record.responseBody ?? "",
      deliveryId: record.id,
      guid: record.guid,
    };
  }

  /** Webhooks the API calls so far would have triggered (labeled, unlabeled, closed, comment created...). */
  apiEvents(): WebhookEvent[] {
    return structuredClone(this.#state.emitted);
  }

  /** Waits until queued deliveries (auto-delivered events, redeliveries) have been attempted. */
  idle(): Promise<void> {
    return this.#state.idle();
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  protected override routePath(rawPath: string): string {
    return rawPath.startsWith(`${API_PREFIX}/`) ? rawPath.slice(API_PREFIX.length) : rawPath;
  }

  protected override commonHeaders(_req: StandInRequest): Record<string, string> {
    this.#rateRemaining = Math.max(1, this.#rateRemaining - 1);
    return {
      "x-github-request-id": requestId(),
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(this.#rateRemaining),
      "x-ratelimit-used": String(5000 - this.#rateRemaining),
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-resource": "core",
    };
  }

  protected handle(req: StandInRequest): StandInReply | Promise<StandInReply> {
    if (!req.rawPath.startsWith(`${API_PREFIX}/`)) {
      return json(404, { message: `Not Found (the API lives under ${API_PREFIX})` });
    }
    const taken = this.#takeFault(req);
    if (taken?.hangMs !== undefined) return this.#hold(req, taken.hangMs, taken.reply);
    if (taken) return { ...taken.reply, fault: true };
    for (const { method, route, handler, auth } of this.#routes) {
      if (method !== req.method) continue;
      const params = matchRoute(route, req.encodedPath);
      if (!params) continue;
      const denied = this.#checkAuth(req, auth);
      if (denied) return { ...denied, route: route.pattern };
      if (req.badJson) return { ...json(400, { message: "Problems parsing JSON" }), route: route.pattern };
      const reply = handler({ req, params, actor: this.#actor(req), state: this.#state });
      return { ...reply, route: route.pattern };
    }
    return json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  }

  #actor(req: StandInRequest): UserRec {
    const token = /^(?:token|bearer)\s+(.+)$/i.exec(String(req.headers.authorization ?? ""))?.[1];
    return (token && this.#state.tokenUsers.get(token)) || this.#state.bot;
  }

  #checkAuth(req: StandInRequest, auth: "jwt" | "none" | undefined): StandInReply | null {
    if (auth === "none") return null;
    const header = String(req.headers.authorization ?? "");
    if (auth === "jwt" && !/^bearer\s+\S+\.\S+\.\S+$/i.test(header)) {
      return json(401, {
        message: "A JSON web token could not be decoded",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      });
    }
    if (!header && req.method !== "GET") {
      return json(401, {
        message: "Requires authentication",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      });
    }
    return null;
  }

  /** Answers `reply` after `ms`, or at `releaseHangs()`/`stop()`, whichever comes first. */
  #hold(req: StandInRequest, ms: number, reply: StandInReply): Promise<StandInReply> {
    const id = ++this.#heldSeq;
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.#held.delete(id);
        resolve({ ...reply, fault: true });
      };
      const timer = setTimeout(release, ms);
      this.#held.set(id, { request: { method: req.method, path: req.path, since: Date.now() }, release });
    });
  }

  #takeFault(req: StandInRequest): { reply: StandInReply; hangMs?: number } | null {
    const fault = this.#faults.find(
      (f) =>
        f.left > 0 &&
        (!f.spec.method || f.spec.method.toUpperCase() === req.method) &&
        (f.route
          ? (matchRoute(f.route, req.path) ?? matchRoute(f.route, req.encodedPath)) !== null
          : regexTest(f.spec.pathPattern as RegExp, req.path)),
    );
    if (!fault) return null;
    fault.left -= 1;
    return {
      reply: faultReply(fault.spec),
      ...(fault.spec.hangMs !== undefined ? { hangMs: fault.spec.hangMs } : {}),
    };
  }
}

function faultReply(spec: FaultSpec): StandInReply {
  const retryAfter = String(spec.retryAfterSeconds ?? 1);
  const custom = spec.body !== undefined;
  if (spec.status === 429 || (spec.status === 403 && spec.secondaryRateLimit)) {
    const body = custom ? spec.body : { message: SECONDARY, documentation_url: SECONDARY_DOCS };
    return json(spec.status, body, { "retry-after": retryAfter });
  }
  if (spec.status === 403 && spec.primaryRateLimit) {
    const reset = String(Math.floor(Date.now() / 1000) + (spec.retryAfterSeconds ?? 1));
    const body = custom
      ? spec.body
      : {
          message: "API rate limit exceeded for installation.",
          documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        };
    return json(403, body, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset });
  }
  if (spec.status === 502 || spec.status === 504) {
    const html = `<html><head><title>Unicorn! · GitHub</title></head><body><h1>${spec.status} Server Error</h1><p>We had issues producing the response to your request.</p></body></html>`;
    return json(
      spec.status,
      custom ? spec.body : html,
      custom ? undefined : { "content-type": "text/html; charset=utf-8" },
    );
  }
  if (spec.status === 403) {
    return json(
      403,
      custom
        ? spec.body
        : {
            message: "Resource not accessible by integration",
            documentation_url: "https://docs.github.com/rest",
          },
    );
  }
  return json(spec.status, custom ? spec.body : { message: "Server Error" });
}

function regexTest(pattern: RegExp, path: string): boolean {
  pattern.lastIndex = 0; // a /g or /y pattern must not remember the previous request
  return pattern.test(path);
}

function requestId(): string {
  const hex = (n: number) => randomBytes(n).toString("hex").toUpperCase();
  return `${hex(2)}:${hex(2)}:${hex(3)}:${hex(3)}:${hex(4)}`;
}

import { randomUUID } from "node:crypto";
import {
  type CommentRec,
  findLabel,
  type IssueRec,
  type Json,
  type LabelRec,
  nodeId,
  type RepoRec,
  renderComment,
  renderIssue,
  renderLabel,
  renderRepo,
  renderUser,
  timestamp,
  toUserRec,
  Urls,
  type UserRec,
  type UserSpec,
} from "./github-shapes.js";
import { sendWebhook } from "./webhook.js";

export interface IssueSeed {
  title: string;
  body?: string | null;
  /** Default `{login: "customer", type: "User"}`. */
  user?: UserSpec | string;
  /** Unknown names are created in the repo with colour `ededed`, as GitHub does. */
  labels?: string[];
  /** ISO instant; default: the stand-in's clock. */
  created_at?: string;
  state?: "open" | "closed";
  number?: number;
  /** Default: derived (repo owner → OWNER, team member of the owner org → MEMBER, write access → COLLABORATOR, else NONE). */
  author_association?: string;
  assignees?: string[];
}

export interface CommentSeed {
  body: string;
  user?: UserSpec | string;
  author_association?: string;
  created_at?: string;
}

export interface LabelSeed {
  name: string;
  color?: string;
  description?: string | null;
}

export interface DeliverySeed {
  id?: number;
  guid?: string;
  delivered_at?: string;
  redelivery?: boolean;
  duration?: number;
  /** e.g. `OK`, `Invalid HTTP Response: 500`, `failed to connect`. */
  status?: string;
  status_code?: number;
  event: string;
  action?: string | null;
  installation_id?: number | null;
  repository_id?: number | null;
  throttled_at?: string | null;
  /** The payload a redelivery sends again (when a webhook target is set). */
  payload?: Json;
}

export interface DeliveryRec extends Required<Omit<DeliverySeed, "payload">> {
  payload: Json | null;
  requestHeaders: Record<string, string> | null;
  responseBody: string | null;
}

/** A webhook GitHub would have sent because of an API call (or `deliver`). */
export interface WebhookEvent {
  name: string;
  guid: string;
  payload: Json;
}

export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface StateOptions {
  appId: number;
  slug: string;
  name: string;
  installationId: number;
  now: () => number;
  base: () => string;
}

/** All in-memory GitHub data, plus the rules that keep it consistent. Routes and the facade share it. */
export class GitHubState {
  readonly urls: Urls;
  readonly bot: UserRec;
  readonly repos = new Map<string, RepoRec>();
  /** `org/slug` (lower case) → lower-cased logins. */
  readonly teams = new Map<string, Set<string>>();
  /** Tokens that act as a given user; any other token acts as the app's bot. */
  readonly tokenUsers = new Map<string, UserRec>();
  readonly issuedTokens = new Map<string, number>();
  /** Codes GitHub hands back after a manifest registration → what their conversion returns. */
  readonly manifestCodes = new Map<
    string,
    { pem: string; webhook_secret: string; client_id: string; client_secret: string }
  >();
  readonly deliveries: DeliveryRec[] = [];
  readonly redeliveryAttempts: number[] = [];
  readonly emitted: WebhookEvent[] = [];
  target: WebhookTarget | null = null;
  autoDeliver = false;
  #nextId = 100_000;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly options: StateOptions) {
    this.urls = new Urls(options.base);
    this.bot = { login: `${options.slug}[bot]`, type: "Bot", id: 41_000_000 + options.appId };
  }

  now(): string {
    return timestamp(this.options.now());
  }

  nextId(): number {
    this.#nextId += 1;
    return this.#nextId;
  }

  repo(owner: string, name: string): RepoRec | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  ensureRepo(
    owner: string,
    name: string,
    opts: { private?: boolean; ownerType?: "User" | "Organization" } = {},
  ) {
    const key = `${owner}/${name}`.toLowerCase();
    let repo = this.repos.get(key);
    if (!repo) {
      repo = {
        id: this.nextId(),
        owner: toUserRec({ login: owner, type: opts.ownerType ?? "Organization" }),
        name,
        private: opts.private ?? true,
        defaultBranch: "main",
        createdAt: this.now(),
        files: new Map(),
        refAliases: new Map(),
        labels: [],
        issues: new Map(),
        comments: new Map(),
        nextIssueNumber: 1,
        permissions: new Map(),
        checkRuns: [],
      };
      this.repos.set(key, repo);
    }
    return repo;
  }

  /** The files of a ref: a branch name, `refs/heads/x`, an alias (e.g. a sha), else the default branch. */
  filesAt(repo: RepoRec, ref: string | undefined): Map<string, string> | undefined {
    const name = ref?.replace(/^refs\/heads\//, "");
    const resolved = name === undefined ? repo.defaultBranch : (repo.refAliases.get(name) ?? name);
    return repo.files.get(resolved) ?? repo.files.get(repo.defaultBranch);
  }

  addLabel(repo: RepoRec, seed: LabelSeed): LabelRec {
    const existing = findLabel(repo, seed.name);
    if (existing) return existing;
    const label: LabelRec = {
      id: this.nextId(),
      name: seed.name,
      color: (seed.color ?? "ededed").replace(/^#/, "").toLowerCase(),
      description: seed.description ?? null,
      default: false,
    };
    repo.labels.push(label);
    return label;
  }

  isTeamMemberOf(org: string, login: string): boolean {
    const prefix = `${org.toLowerCase()}/`;
    for (const [key, members] of this.teams) {
      if (key.startsWith(prefix) && members.has(login.toLowerCase())) return true;
    }
    return false;
  }

  association(repo: RepoRec, user: UserRec): string {
    if (user.type === "Bot") return "NONE";
    if (user.login.toLowerCase() === repo.owner.login.toLowerCase()) return "OWNER";
    if (this.isTeamMemberOf(repo.owner.login, user.login)) return "MEMBER";
    const perm = repo.permissions.get(user.login.toLowerCase());
    if (perm && ["admin", "maintain", "write", "triage"].includes(perm)) return "COLLABORATOR";
    return "NONE";
  }

  createIssue(repo: RepoRec, seed: IssueSeed, actor?: UserRec): IssueRec {
    const user = actor ?? toUserRec(seed.user ?? { login: "customer", type: "User" });
    const number = seed.number ?? repo.nextIssueNumber;
    if (repo.issues.has(number)) throw new Error(`issue #${number} already exists in ${repo.name}`);
    repo.nextIssueNumber = Math.max(repo.nextIssueNumber, number + 1);
    const created = seed.created_at ? timestamp(Date.parse(seed.created_at)) : this.now();
    const issue: IssueRec = {
      id: this.nextId(),
      number,
      title: seed.title,
      body: seed.body ?? null,
      user,
      labels: [],
      state: seed.state ?? "open",
      state_reason: seed.state === "closed" ? "completed" : null,
      created_at: created,
      updated_at: created,
      closed_at: seed.state === "closed" ? created : null,
      closed_by: null,
      author_association: seed.author_association ?? this.association(repo, user),
      assignees: (seed.assignees ?? []).map((login) => toUserRec(login)),
    };
    for (const name of seed.labels ?? []) issue.labels.push(this.addLabel(repo, { name }).name);
    repo.issues.set(number, issue);
    return issue;
  }

  addComment(repo: RepoRec, issue: IssueRec, seed: CommentSeed, actor?: UserRec): CommentRec {
    const user = actor ?? toUserRec(seed.user ?? { login: "customer", type: "User" });
    const created = seed.created_at ? timestamp(Date.parse(seed.created_at)) : this.now();
    const comment: CommentRec = {
      id: this.nextId(),
      issueNumber: issue.number,
      body: seed.body,
      user,
      author_association: seed.author_association ?? this.association(repo, user),
      created_at: created,
      updated_at: created,
    };
    repo.comments.set(comment.id, comment);
    if (created > issue.updated_at) issue.updated_at = created;
    return comment;
  }

  commentsOf(repo: RepoRec, number: number): CommentRec[] {
    return [...repo.comments.values()].filter((c) => c.issueNumber === number).sort((a, b) => a.id - b.id);
  }

  /** Adds names to an issue (creating unknown repo labels); returns the labels newly on it. */
  addIssueLabels(repo: RepoRec, issue: IssueRec, names: string[]): LabelRec[] {
    const added: LabelRec[] = [];
    for (const name of names) {
      const label = this.addLabel(repo, { name });
      if (issue.labels.some((n) => n.toLowerCase() === label.name.toLowerCase())) continue;
      issue.labels.push(label.name);
      added.push(label);
    }
    if (added.length > 0) issue.updated_at = this.now();
    return added;
  }

  removeIssueLabel(issue: IssueRec, name: string): boolean {
    const before = issue.labels.length;
    issue.labels = issue.labels.filter((n) => n.toLowerCase() !== name.toLowerCase());
    if (issue.labels.length === before) return false;
    issue.updated_at = this.now();
    return true;
  }

  installation(account: UserRec): Json {
    return {
      id: this.options.installationId,
      account: renderUser(account, this.urls),
      repository_selection: "all",
      access_tokens_url: this.urls.api(`/app/installations/${this.options.installationId}/access_tokens`),
      repositories_url: this.urls.api("/installation/repositories"),
      html_url: this.urls.html(
        `/organizations/${account.login}/settings/installations/${this.options.installationId}`,
      ),
      app_id: this.options.appId,
      app_slug: this.options.slug,
      target_id: account.id,
      target_type: account.type === "User" ? "User" : "Organization",
      permissions: PERMISSIONS,
      events: EVENTS,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      single_file_name: null,
      suspended_at: null,
    };
  }

  // ---- webhooks GitHub sends back -------------------------------------------------------------

  issuePayload(action: string, repo: RepoRec, issue: IssueRec, sender: UserRec, extra: Json = {}): Json {
    return {
      action,
      issue: renderIssue(repo, issue, this.urls),
      ...extra,
      repository: renderRepo(repo, this.urls),
      ...(repo.owner.type === "Organization"
        ? { organization: { login: repo.owner.login, id: repo.owner.id } }
        : {}),
      sender: renderUser(sender, this.urls),
      installation: {
        id: this.options.installationId,
        node_id: nodeId("Installation", this.options.installationId),
      },
    };
  }

  commentPayload(
    action: string,
    repo: RepoRec,
    comment: CommentRec,
    sender: UserRec,
    extra: Json = {},
  ): Json {
    const issue = repo.issues.get(comment.issueNumber);
    if (!issue) throw new Error(`comment ${comment.id} has no issue`);
    return {
      ...this.issuePayload(action, repo, issue, sender, extra),
      comment: renderComment(repo, comment, this.urls),
    };
  }

  labelJson(repo: RepoRec, label: LabelRec): Json {
    return renderLabel(repo, label, this.urls);
  }

  /** Records an event caused by an API call; delivers it when auto-delivery is on. */
  emit(name: string, payload: Json): void {
    const event = { name, guid: randomUUID(), payload };
    this.emitted.push(event);
    if (this.autoDeliver && this.target) this.enqueue(() => this.deliver(event, false));
  }

  enqueue(task: () => Promise<unknown>): void {
    this.#queue = this.#queue.then(task, task).catch(() => undefined);
  }

  /** Resolves when every queued delivery has been attempted. */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.#queue;
      await seen;
    } while (seen !== this.#queue);
  }

  /** Sends one event to the target and records the attempt in the deliveries list. */
  async deliver(event: WebhookEvent, redelivery: boolean): Promise<DeliveryRec> {
    const target = this.target;
    if (!target) throw new Error("no webhook target: call setWebhookTarget({url, secret}) first");
    const started = Date.now();
    const headers = {
      "x-github-hook-id": "1",
      "x-github-hook-installation-target-type": "integration",
      "x-github-hook-installation-target-id": String(this.options.appId),
    };
    let status_code = 502;
    let status = "failed to connect";
    let responseBody: string | null = null;
    try {
      const res = await sendWebhook(target.url, {
        name: event.name,
        id: event.guid,
        payload: event.payload,
        ...target,
        headers,
      });
      status_code = res.status;
      status = res.status >= 200 && res.status < 300 ? "OK" : `Invalid HTTP Response: ${res.status}`;
      responseBody = res.body;
    } catch {
      // recorded as a failed delivery, as GitHub does
    }
    const payload = event.payload;
    const repo = payload.repository as { id?: number } | undefined;
    const record: DeliveryRec = {
      id: this.nextId(),
      guid: event.guid,
      delivered_at: this.now(),
      redelivery,
      duration: (Date.now() - started) / 1000,
      status,
      status_code,
      event: event.name,
      action: typeof payload.action === "string" ? payload.action : null,
      installation_id: this.options.installationId,
      repository_id: repo?.id ?? null,
      throttled_at: null,
      payload,
      requestHeaders: { "x-github-event": event.name, "x-github-delivery": event.guid, ...headers },
      responseBody,
    };
    this.deliveries.unshift(record);
    return record;
  }

  addDelivery(seed: DeliverySeed): DeliveryRec {
    const record: DeliveryRec = {
      id: seed.id ?? this.nextId(),
      guid: seed.guid ?? randomUUID(),
      delivered_at: seed.delivered_at ?? this.now(),
      redelivery: seed.redelivery ?? false,
      duration: seed.duration ?? 0.05,
      status:
        seed.status ??
        (seed.status_code === undefined || seed.status_code < 300 ? "OK" : "Invalid HTTP Response"),
      status_code: seed.status_code ?? 200,
      event: seed.event,
      action: seed.action ?? null,
      installation_id: seed.installation_id ?? this.options.installationId,
      repository_id: seed.repository_id ?? null,
      throttled_at: seed.throttled_at ?? null,
      payload: seed.payload ?? null,
      requestHeaders: null,
      responseBody: null,
    };
    this.deliveries.unshift(record);
    this.deliveries.sort((a, b) => b.delivered_at.localeCompare(a.delivered_at) || b.id - a.id);
    return record;
  }
}

export const PERMISSIONS = {
  issues: "write",
  contents: "read",
  metadata: "read",
  checks: "write",
  members: "read",
};
export const EVENTS = ["issues", "issue_comment", "push", "installation"];

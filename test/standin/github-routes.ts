import { createHash } from "node:crypto";
import {
  blobSha,
  type CommentRec,
  findLabel,
  type IssueRec,
  type Json,
  type RepoRec,
  renderComment,
  renderIssue,
  renderRepo,
  type UserRec,
} from "./github-shapes.js";
import type { GitHubState } from "./github-state.js";
import type { StandInReply, StandInRequest } from "./http.js";

export interface RouteContext {
  req: StandInRequest;
  params: Record<string, string>;
  /** Who the request acts as: a user registered for its token, else the app's bot. */
  actor: UserRec;
  state: GitHubState;
}

export type Handler = (c: RouteContext) => StandInReply;

/** `jwt`: GitHub's app-level endpoints, which only accept the app's JWT as a bearer token. */
/** `auth`: "jwt" needs the app's JWT, "none" is called without credentials (the manifest conversion). */
export type RouteDef = [method: string, pattern: string, handler: Handler, auth?: "jwt" | "none"];

const DOCS = "https://docs.github.com/rest";
const MAX_BODY = 65_536;

export function json(status: number, body?: unknown, headers?: Record<string, string>): StandInReply {
  return { status, body, ...(headers ? { headers } : {}) };
}

export function notFound(): StandInReply {
  return json(404, { message: "Not Found", documentation_url: DOCS, status: "404" });
}

export function validationFailed(errors: Json[], message = "Validation Failed"): StandInReply {
  return json(422, { message, errors, documentation_url: DOCS, status: "422" });
}

/** `?per_page` (default 30, max 100) and `?page`, with a Link header that keeps the other query params. */
export function paginate<T>(c: RouteContext, items: T[], render: (item: T) => unknown): StandInReply {
  const perPage = Math.min(100, Math.max(1, Number(c.req.query.per_page) || 30));
  const page = Math.max(1, Number(c.req.query.page) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const url = new URL(c.req.url.href);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(p));
    return `<${url.href}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < last) links.push(link(page + 1, "next"), link(last, "last"));
  if (page > 1) links.push(link(1, "first"));
  const slice = items.slice((page - 1) * perPage, page * perPage).map(render);
  return json(200, slice, links.length > 0 ? { link: links.join(", ") } : undefined);
}

function repoOf(c: RouteContext): RepoRec | undefined {
  return c.state.repo(c.params.owner ?? "", c.params.repo ?? "");
}

function issueOf(c: RouteContext): { repo: RepoRec; issue: IssueRec } | undefined {
  const repo = repoOf(c);
  const issue = repo?.issues.get(Number(c.params.number));
  return repo && issue ? { repo, issue } : undefined;
}

function body(c: RouteContext): Record<string, unknown> {
  const b = c.req.body;
  return typeof b === "object" && b !== null && !Array.isArray(b) ? (b as Record<string, unknown>) : {};
}

function labelNames(value: unknown): string[] | null {
  const list = Array.isArray(value) ? value : null;
  if (!list) return null;
  return list.map((v) => (typeof v === "string" ? v : String((v as { name?: unknown })?.name ?? "")));
}

function tooLong(resource: string, field: string, text: unknown): StandInReply | null {
  if (typeof text !== "string" || text.length <= MAX_BODY) return null;
  const message = `${field} is too long (maximum is ${MAX_BODY} characters)`;
  return validationFailed([{ resource, code: "custom", field, message }]);
}

// ---- contents -------------------------------------------------------------------------------------

function etagMatches(c: RouteContext, etag: string): boolean {
  const header = String(c.req.headers["if-none-match"] ?? "");
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || strip(t) === strip(etag));
}

/**
 * `GET /repos/{owner}/{repo}/git/ref/heads/{branch}` ("Get a reference",
 * https://docs.github.com/en/rest/git/refs#get-a-reference): `{ref, node_id, url, object: {type,
 * sha, url}}` for a branch that has files. Its head sha is the last sha aliased to the branch
 * (`aliasRef`), else one derived from the repo and branch names. Other refs: 404.
 */
function getGitRef(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  const name = /^heads\/(.+)$/.exec(c.params.ref ?? "")?.[1];
  if (!repo || !name || !repo.files.has(name)) return notFound();
  const aliases = [...repo.refAliases].filter(([, target]) => target === name).map(([alias]) => alias);
  const sha =
    aliases.at(-1) ??
    createHash("sha1").update(`${repo.owner.login}/${repo.name}@${name}`.toLowerCase()).digest("hex");
  const base = `/repos/${repo.owner.login}/${repo.name}/git`;
  return json(200, {
    ref: `refs/heads/${name}`,
    node_id: Buffer.from(`Ref:${repo.id}:${name}`).toString("base64"),
    url: c.state.urls.api(`${base}/refs/heads/${name}`),
    object: { type: "commit", sha, url: c.state.urls.api(`${base}/commits/${sha}`) },
  });
}

function getContents(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  const files = repo && c.state.filesAt(repo, c.req.query.ref);
  if (!repo || !files) return notFound();
  const path = (c.params.path ?? "").replace(/^\/+|\/+$/g, "");
  const raw = /vnd\.github(?:\.[\w-]+)*\.raw\b/i.test(String(c.req.headers.accept ?? ""));
  const ref = c.req.query.ref ?? repo.defaultBranch;
  const text = files.get(path);
  if (text !== undefined) {
    const sha = blobSha(text);
    const etag = `W/"${raw ? "raw-" : ""}${sha}"`;
    if (etagMatches(c, etag)) return json(304, undefined, { etag });
    if (raw)
      return json(200, text, {
        etag,
        "content-type": "text/plain; charset=utf-8",
        "x-github-media-type": "github.v3; param=raw",
      });
    const content = Buffer.from(text, "utf8").toString("base64").replace(/.{60}/g, "$&\n");
    const entry = contentEntry(c, repo, path, sha, "file", Buffer.byteLength(text), ref);
    return json(200, { ...entry, content, encoding: "base64" }, { etag });
  }
  const prefix = path === "" ? "" : `${path}/`;
  const children = new Map<string, "file" | "dir">();
  for (const p of files.keys()) {
    if (!p.startsWith(prefix)) continue;
    const rest = p.slice(prefix.length).split("/");
    children.set(rest[0] as string, rest.length > 1 ? "dir" : "file");
  }
  if (children.size === 0) return notFound();
  const entries = [...children.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, type]) => {
      const full = `${prefix}${name}`;
      const fileText = files.get(full);
      const sha = fileText !== undefined ? blobSha(fileText) : treeSha(files, `${full}/`);
      return contentEntry(
        c,
        repo,
        full,
        sha,
        type,
        fileText === undefined ? 0 : Buffer.byteLength(fileText),
        ref,
      );
    });
  const etag = `W/"${createHash("sha1").update(JSON.stringify(entries)).digest("hex")}"`;
  if (etagMatches(c, etag)) return json(304, undefined, { etag });
  return json(200, entries, { etag });
}

function treeSha(files: Map<string, string>, prefix: string): string {
  const hash = createHash("sha1");
  for (const [p, t] of [...files.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (p.startsWith(prefix)) hash.update(`${p}\0${blobSha(t)}\0`);
  }
  return hash.digest("hex");
}

function contentEntry(
  c: RouteContext,
  repo: RepoRec,
  path: string,
  sha: string,
  type: string,
  size: number,
  ref: string,
) {
  const urls = c.state.urls;
  const name = path.split("/").pop() ?? path;
  const self = urls.api(
    `/repos/${repo.owner.login}/${repo.name}/contents/${path}?ref=${encodeURIComponent(ref)}`,
  );
  const git = urls.api(
    `/repos/${repo.owner.login}/${repo.name}/git/${type === "dir" ? "trees" : "blobs"}/${sha}`,
  );
  const html = urls.html(
    `/${repo.owner.login}/${repo.name}/${type === "dir" ? "tree" : "blob"}/${ref}/${path}`,
  );
  return {
    type,
    name,
    path,
    sha,
    size,
    url: self,
    html_url: html,
    git_url: git,
    download_url: type === "file" ? urls.html(`/${repo.owner.login}/${repo.name}/raw/${ref}/${path}`) : null,
    _links: { self, git, html },
  };
}

// ---- labels ---------------------------------------------------------------------------------------

function createLabel(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  if (!repo) return notFound();
  const { name, color, description } = body(c);
  if (typeof name !== "string" || name.trim() === "") {
    return validationFailed([{ resource: "Label", code: "missing_field", field: "name" }]);
  }
  const hex = typeof color === "string" ? color.replace(/^#/, "") : "ededed";
  if (!/^[0-9a-f]{6}$/i.test(hex))
    return validationFailed([{ resource: "Label", code: "invalid", field: "color" }]);
  if (findLabel(repo, name))
    return validationFailed([{ resource: "Label", code: "already_exists", field: "name" }]);
  const label = c.state.addLabel(repo, {
    name,
    color: hex,
    description: typeof description === "string" ? description : null,
  });
  return json(201, c.state.labelJson(repo, label));
}

function updateLabel(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  const label = repo && findLabel(repo, c.params.name ?? "");
  if (!repo || !label) return notFound();
  const { new_name, color, description } = body(c);
  if (typeof new_name === "string" && new_name !== label.name) {
    for (const issue of repo.issues.values()) {
      issue.labels = issue.labels.map((n) => (n.toLowerCase() === label.name.toLowerCase() ? new_name : n));
    }
    label.name = new_name;
  }
  if (typeof color === "string") label.color = color.replace(/^#/, "").toLowerCase();
  if (typeof description === "string" || description === null) label.description = description;
  return json(200, c.state.labelJson(repo, label));
}

function deleteLabel(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  const label = repo && findLabel(repo, c.params.name ?? "");
  if (!repo || !label) return notFound();
  repo.labels = repo.labels.filter((l) => l !== label);
  for (const issue of repo.issues.values()) c.state.removeIssueLabel(issue, label.name);
  return json(204);
}

function issueLabelsReply(c: RouteContext, repo: RepoRec, issue: IssueRec, status = 200): StandInReply {
  const labels = renderIssue(repo, issue, c.state.urls).labels;
  return json(status, labels);
}

function addIssueLabels(c: RouteContext, replace: boolean): StandInReply {
  const found = issueOf(c);
  if (!found) return notFound();
  const names = labelNames(Array.isArray(c.req.body) ? c.req.body : body(c).labels);
  if (!names || names.some((n) => n.trim() === "")) {
    return validationFailed([{ resource: "Label", code: "invalid", field: "labels" }]);
  }
  const { repo, issue } = found;
  if (replace) {
    for (const name of [...issue.labels]) {
      if (!names.some((n) => n.toLowerCase() === name.toLowerCase()))
        removeLabelEmitting(c, repo, issue, name);
    }
  }
  for (const label of c.state.addIssueLabels(repo, issue, names)) {
    c.state.emit(
      "issues",
      c.state.issuePayload("labeled", repo, issue, c.actor, { label: c.state.labelJson(repo, label) }),
    );
  }
  return issueLabelsReply(c, repo, issue);
}

function removeLabelEmitting(c: RouteContext, repo: RepoRec, issue: IssueRec, name: string): boolean {
  const label = findLabel(repo, name);
  if (!c.state.removeIssueLabel(issue, name)) return false;
  const extra = label ? { label: c.state.labelJson(repo, label) } : {};
  c.state.emit("issues", c.state.issuePayload("unlabeled", repo, issue, c.actor, extra));
  return true;
}

function removeIssueLabel(c: RouteContext): StandInReply {
  const found = issueOf(c);
  if (!found) return notFound();
  if (!removeLabelEmitting(c, found.repo, found.issue, c.params.name ?? "")) {
    return json(404, { message: "Label does not exist", documentation_url: DOCS, status: "404" });
  }
  return issueLabelsReply(c, found.repo, found.issue);
}

// ---- issues ---------------------------------------------------------------------------------------

function listIssues(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  if (!repo) return notFound();
  const q = c.req.query;
  const state = q.state ?? "open";
  const wanted = (q.labels ?? "")
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const sortKey = q.sort === "updated" ? "updated_at" : "created_at";
  const asc = q.direction === "asc";
  const issues = [...repo.issues.values()]
    .filter((i) => state === "all" || i.state === state)
    .filter((i) => wanted.every((w) => i.labels.some((n) => n.toLowerCase() === w)))
    .filter((i) => !q.creator || i.user.login.toLowerCase() === q.creator.toLowerCase())
    .filter((i) => !q.since || i.updated_at >= q.since)
    .sort((a, b) => (asc ? 1 : -1) * (a[sortKey].localeCompare(b[sortKey]) || a.number - b.number));
  return paginate(c, issues, (i) => renderIssue(repo, i, c.state.urls));
}

function createIssue(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  if (!repo) return notFound();
  const b = body(c);
  if (typeof b.title !== "string" || b.title === "") {
    return validationFailed([{ resource: "Issue", code: "missing_field", field: "title" }]);
  }
  const long = tooLong("Issue", "body", b.body);
  if (long) return long;
  const issue = c.state.createIssue(
    repo,
    { title: b.title, body: typeof b.body === "string" ? b.body : null, labels: labelNames(b.labels) ?? [] },
    c.actor,
  );
  c.state.emit("issues", c.state.issuePayload("opened", repo, issue, c.actor));
  for (const name of issue.labels) {
    const label = findLabel(repo, name);
    if (label)
      c.state.emit(
        "issues",
        c.state.issuePayload("labeled", repo, issue, c.actor, { label: c.state.labelJson(repo, label) }),
      );
  }
  return json(201, renderIssue(repo, issue, c.state.urls));
}

function updateIssue(c: RouteContext): StandInReply {
  const found = issueOf(c);
  if (!found) return notFound();
  const { repo, issue } = found;
  const b = body(c);
  const long = tooLong("Issue", "body", b.body);
  if (long) return long;
  if (b.state !== undefined && b.state !== "open" && b.state !== "closed") {
    return validationFailed([{ resource: "Issue", code: "invalid", field: "state" }]);
  }
  const changes: Json = {};
  if (typeof b.title === "string" && b.title !== issue.title) {
    changes.title = { from: issue.title };
    issue.title = b.title;
  }
  if ((typeof b.body === "string" || b.body === null) && b.body !== issue.body) {
    changes.body = { from: issue.body ?? "" };
    issue.body = b.body;
  }
  if (Object.keys(changes).length > 0) {
    issue.updated_at = c.state.now();
    c.state.emit("issues", c.state.issuePayload("edited", repo, issue, c.actor, { changes }));
  }
  const names = labelNames(b.labels);
  if (names) {
    for (const name of [...issue.labels]) {
      if (!names.some((n) => n.toLowerCase() === name.toLowerCase()))
        removeLabelEmitting(c, repo, issue, name);
    }
    for (const label of c.state.addIssueLabels(repo, issue, names)) {
      c.state.emit(
        "issues",
        c.state.issuePayload("labeled", repo, issue, c.actor, { label: c.state.labelJson(repo, label) }),
      );
    }
  }
  if (b.state !== undefined && b.state !== issue.state) {
    const now = c.state.now();
    issue.state = b.state as "open" | "closed";
    issue.updated_at = now;
    issue.closed_at = issue.state === "closed" ? now : null;
    issue.closed_by = issue.state === "closed" ? c.actor : null;
    const reason = typeof b.state_reason === "string" ? b.state_reason : "completed";
    issue.state_reason = issue.state === "closed" ? reason : "reopened";
    c.state.emit(
      "issues",
      c.state.issuePayload(issue.state === "closed" ? "closed" : "reopened", repo, issue, c.actor),
    );
  }
  return json(200, renderIssue(repo, issue, c.state.urls));
}

// ---- comments -------------------------------------------------------------------------------------

function commentOf(c: RouteContext): { repo: RepoRec; comment: CommentRec } | undefined {
  const repo = repoOf(c);
  const comment = repo?.comments.get(Number(c.params.id));
  return repo && comment ? { repo, comment } : undefined;
}

function listComments(c: RouteContext): StandInReply {
  const found = issueOf(c);
  if (!found) return notFound();
  const since = c.req.query.since;
  const all = c.state
    .commentsOf(found.repo, found.issue.number)
    .filter((x) => !since || x.updated_at >= since);
  return paginate(c, all, (x) => renderComment(found.repo, x, c.state.urls));
}

function createComment(c: RouteContext): StandInReply {
  const found = issueOf(c);
  if (!found) return notFound();
  const text = body(c).body;
  if (typeof text !== "string" || text === "") {
    return validationFailed([{ resource: "IssueComment", code: "missing_field", field: "body" }]);
  }
  const long = tooLong("IssueComment", "body", text);
  if (long) return long;
  const comment = c.state.addComment(found.repo, found.issue, { body: text }, c.actor);
  c.state.emit("issue_comment", c.state.commentPayload("created", found.repo, comment, c.actor));
  return json(201, renderComment(found.repo, comment, c.state.urls));
}

function updateComment(c: RouteContext): StandInReply {
  const found = commentOf(c);
  if (!found) return notFound();
  const text = body(c).body;
  if (typeof text !== "string" || text === "") {
    return validationFailed([{ resource: "IssueComment", code: "missing_field", field: "body" }]);
  }
  const long = tooLong("IssueComment", "body", text);
  if (long) return long;
  const from = found.comment.body;
  found.comment.body = text;
  found.comment.updated_at = c.state.now();
  const changes = { body: { from } };
  c.state.emit(
    "issue_comment",
    c.state.commentPayload("edited", found.repo, found.comment, c.actor, { changes }),
  );
  return json(200, renderComment(found.repo, found.comment, c.state.urls));
}

function deleteComment(c: RouteContext): StandInReply {
  const found = commentOf(c);
  if (!found) return notFound();
  const payload = c.state.commentPayload("deleted", found.repo, found.comment, c.actor);
  found.repo.comments.delete(found.comment.id);
  c.state.emit("issue_comment", payload);
  return json(204);
}

export const repoRoutes: RouteDef[] = [
  [
    "GET",
    "/repos/:owner/:repo",
    (c) => {
      const repo = repoOf(c);
      return repo ? json(200, renderRepo(repo, c.state.urls)) : notFound();
    },
  ],
  ["GET", "/repos/:owner/:repo/contents/:path*", getContents],
  ["GET", "/repos/:owner/:repo/git/ref/:ref*", getGitRef],
  ["GET", "/repos/:owner/:repo/contents", getContents],
  [
    "GET",
    "/repos/:owner/:repo/labels",
    (c) => {
      const repo = repoOf(c);
      return repo ? paginate(c, repo.labels, (l) => c.state.labelJson(repo, l)) : notFound();
    },
  ],
  ["POST", "/repos/:owner/:repo/labels", createLabel],
  [
    "GET",
    "/repos/:owner/:repo/labels/:name",
    (c) => {
      const repo = repoOf(c);
      const label = repo && findLabel(repo, c.params.name ?? "");
      return repo && label ? json(200, c.state.labelJson(repo, label)) : notFound();
    },
  ],
  ["PATCH", "/repos/:owner/:repo/labels/:name", updateLabel],
  ["DELETE", "/repos/:owner/:repo/labels/:name", deleteLabel],
  ["GET", "/repos/:owner/:repo/issues", listIssues],
  ["POST", "/repos/:owner/:repo/issues", createIssue],
  [
    "GET",
    "/repos/:owner/:repo/issues/comments/:id",
    (c) => {
      const found = commentOf(c);
      return found ? json(200, renderComment(found.repo, found.comment, c.state.urls)) : notFound();
    },
  ],
  ["PATCH", "/repos/:owner/:repo/issues/comments/:id", updateComment],
  ["DELETE", "/repos/:owner/:repo/issues/comments/:id", deleteComment],
  [
    "GET",
    "/repos/:owner/:repo/issues/:number",
    (c) => {
      const found = issueOf(c);
      return found ? json(200, renderIssue(found.repo, found.issue, c.state.urls)) : notFound();
    },
  ],
  ["PATCH", "/repos/:owner/:repo/issues/:number", updateIssue],
  [
    "GET",
    "/repos/:owner/:repo/issues/:number/labels",
    (c) => {
      const found = issueOf(c);
      return found ? issueLabelsReply(c, found.repo, found.issue) : notFound();
    },
  ],
  ["POST", "/repos/:owner/:repo/issues/:number/labels", (c) => addIssueLabels(c, false)],
  ["PUT", "/repos/:owner/:repo/issues/:number/labels", (c) => addIssueLabels(c, true)],
  [
    "DELETE",
    "/repos/:owner/:repo/issues/:number/labels",
    (c) => {
      const found = issueOf(c);
      if (!found) return notFound();
      for (const name of [...found.issue.labels]) removeLabelEmitting(c, found.repo, found.issue, name);
      return json(204);
    },
  ],
  ["DELETE", "/repos/:owner/:repo/issues/:number/labels/:name", removeIssueLabel],
  ["GET", "/repos/:owner/:repo/issues/:number/comments", listComments],
  ["POST", "/repos/:owner/:repo/issues/:number/comments", createComment],
];

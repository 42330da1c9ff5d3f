import { createHash } from "node:crypto";
/** URLs point back at the stand-in, so links Octokit follows (pagination) stay local. */
export class Urls {
  base;
  constructor(base) {
    this.base = base;
  }
  api(path) {
    return `${this.base()}/api/v3${path}`;
  }
  html(path) {
    return `${this.base()}${path}`;
  }
}
export function timestamp(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
/** Stable per-login ids, so the same user looks the same across runs. */
export function userId(login) {
  const digest = createHash("sha1").update(login.toLowerCase()).digest();
  return 1_000_000 + (digest.readUInt32BE(0) % 90_000_000);
}
export function nodeId(kind, id) {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString("base64");
}
/** The blob sha git would give this text. */
export function blobSha(text) {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}
export function toUserRec(spec) {
  const s = typeof spec === "string" ? { login: spec } : spec;
  const type = s.type ?? (/\[bot\]$/i.test(s.login) ? "Bot" : "User");
  return { login: s.login, type, id: s.id ?? userId(s.login) };
}
export function renderUser(u, urls) {
  const api = urls.api(`/users/${u.login}`);
  return {
    login: u.login,
    id: u.id,
    node_id: nodeId(u.type === "Bot" ? "Bot" : u.type === "Organization" ? "Organization" : "User", u.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${u.id}?v=4`,
    gravatar_id: "",
    url: api,
    html_url: urls.html(`/${u.login}`),
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type: u.type,
    user_view_type: "public",
    site_admin: false,
  };
}
function repoPath(repo) {
  return `/repos/${repo.owner.login}/${repo.name}`;
}
export function renderLabel(repo, l, urls) {
  return {
    id: l.id,
    node_id: nodeId("Label", l.id),
    url: urls.api(`${repoPath(repo)}/labels/${encodeURIComponent(l.name)}`),
    name: l.name,
    color: l.color,
    default: l.default,
    description: l.description,
  };
}
export function findLabel(repo, name) {
  const key = name.toLowerCase();
  return repo.labels.find((l) => l.name.toLowerCase() === key);
}
export function renderIssue(repo, i, urls) {
  const api = urls.api(`${repoPath(repo)}/issues/${i.number}`);
  const comments = [...repo.comments.values()].filter((c) => c.issueNumber === i.number).length;
  const labels = i.labels.map((name) => findLabel(repo, name)).filter((l) => l !== undefined);
  return {
    url: api,
    repository_url: urls.api(repoPath(repo)),
    labels_url: `${api}/labels{/name}`,
    comments_url: `${api}/comments`,
    events_url: `${api}/events`,
    html_url: urls.html(`/${repo.owner.login}/${repo.name}/issues/${i.number}`),
    id: i.id,
    node_id: nodeId("Issue", i.id),
    number: i.number,
    title: i.title,
    user: renderUser(i.user, urls),
    labels: labels.map((l) => renderLabel(repo, l, urls)),
    state: i.state,
    locked: false,
    assignee: i.assignees[0] ? renderUser(i.assignees[0], urls) : null,
    assignees: i.assignees.map((a) => renderUser(a, urls)),
    milestone: null,
    comments,
    created_at: i.created_at,
    updated_at: i.updated_at,
    closed_at: i.closed_at,
    closed_by: i.closed_by ? renderUser(i.closed_by, urls) : null,
    author_association: i.author_association,
    active_lock_reason: null,
    body: i.body,
    reactions: emptyReactions(`${api}/reactions`),
    timeline_url: `${api}/timeline`,
    performed_via_github_app: null,
    state_reason: i.state_reason,
  };
}
export function renderComment(repo, c, urls) {
  const api = urls.api(`${repoPath(repo)}/issues/comments/${c.id}`);
  return {
    url: api,
    html_url: urls.html(`/${repo.owner.login}/${repo.name}/issues/${c.issueNumber}#issuecomment-${c.id}`),
    issue_url: urls.api(`${repoPath(repo)}/issues/${c.issueNumber}`),
    id: c.id,
    node_id: nodeId("IssueComment", c.id),
    user: renderUser(c.user, urls),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.author_association,
    body: c.body,
    reactions: emptyReactions(`${api}/reactions`),
    performed_via_github_app: null,
  };
}
export function renderRepo(repo, urls) {
  const api = urls.api(repoPath(repo));
  const openIssues = [...repo.issues.values()].filter((i) => i.state === "open").length;
  return {
    id: repo.id,
    node_id: nodeId("Repository", repo.id),
    name: repo.name,
    full_name: `${repo.owner.login}/${repo.name}`,
    private: repo.private,
    owner: renderUser(repo.owner, urls),
    html_url: urls.html(`/${repo.owner.login}/${repo.name}`),
    description: null,
    fork: false,
    url: api,
    issues_url: `${api}/issues{/number}`,
    labels_url: `${api}/labels{/name}`,
    contents_url: `${api}/contents/{+path}`,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    has_issues: true,
    archived: false,
    disabled: false,
    visibility: repo.private ? "private" : "public",
    open_issues_count: openIssues,
    open_issues: openIssues,
    default_branch: repo.defaultBranch,
  };
}
function emptyReactions(url) {
  return {
    url,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}

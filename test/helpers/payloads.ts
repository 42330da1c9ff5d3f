import { createRequire } from "node:module";

/** Real webhook payloads from @octokit/webhooks-examples, with the parts a scenario needs replaced. */
// biome-ignore lint/suspicious/noExplicitAny: payloads are JSON fixtures, edited freely per scenario
type Json = Record<string, any>;
const examples = createRequire(import.meta.url)("@octokit/webhooks-examples") as Array<{
  name: string;
  examples: Json[];
}>;

function example(name: string, action?: string): Json {
  const group = examples.find((e) => e.name === name);
  const found = group?.examples.find((e) => action === undefined || e.action === action);
  if (!found) throw new Error(`no ${name}.${action} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

export const OWNER = "acme";
export const REPO = "support";
export const INSTALLATION_ID = 4242;

export interface UserSpec {
  login: string;
  type?: "User" | "Bot";
}

function user(spec: UserSpec, template: Json): Json {
  return { ...template, login: spec.login, type: spec.type ?? "User", id: spec.login.length * 1000 + 7 };
}

function withRepo(payload: Json): Json {
  payload.repository = {
    ...payload.repository,
    name: REPO,
    full_name: `${OWNER}/${REPO}`,
    owner: { ...payload.repository.owner, login: OWNER, type: "Organization" },
    html_url: `https://github.com/${OWNER}/${REPO}`,
    default_branch: "main",
  };
  payload.installation = { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" };
  return payload;
}

export interface IssueSpec {
  number?: number;
  body?: string | null;
  labels?: string[];
  created_at?: string;
  author?: UserSpec;
}

export function issuePayload(
  action: "opened" | "edited" | "reopened" | "labeled",
  spec: IssueSpec,
  extra: { sender?: UserSpec; label?: string; changes?: Json } = {},
): Json {
  const payload = withRepo(example("issues", action));
  const author = spec.author ?? { login: "customer-carla" };
  payload.issue = {
    ...payload.issue,
    number: spec.number ?? 1,
    body: spec.body ?? null,
    labels: (spec.labels ?? []).map((name, i) => ({
      id: i + 1,
      name,
      color: "ededed",
      default: false,
      description: "",
    })),
    created_at: spec.created_at ?? "2026-11-27T15:30:00Z",
    user: user(author, payload.issue.user),
    html_url: `https://github.com/${OWNER}/${REPO}/issues/${spec.number ?? 1}`,
  };
  payload.sender = user(extra.sender ?? author, payload.sender);
  if (action === "labeled")
    payload.label = { id: 99, name: extra.label ?? "", color: "ededed", default: false };
  if (action === "edited") payload.changes = extra.changes ?? { body: { from: "" } };
  return payload;
}

export function pushPayload(spec: { ref?: string; after: string; paths: string[]; repo?: string }): Json {
  const payload = withRepo(example("push"));
  if (spec.repo) {
    payload.repository.name = spec.repo;
    payload.repository.full_name = `${OWNER}/${spec.repo}`;
  }
  payload.repository.owner = { ...payload.repository.owner, name: OWNER, login: OWNER };
  payload.ref = spec.ref ?? "refs/heads/main";
  payload.after = spec.after;
  payload.deleted = false;
  payload.commits = [
    { id: spec.after, message: "update support setup", added: [], removed: [], modified: spec.paths },
  ];
  return payload;
}

/** An `issue_comment.created` payload on the issue of `issue` (built by issuePayload). */
export function commentPayload(
  issue: Json,
  user: UserSpec,
  association: string,
  at: string,
  body = "Looking into it.",
): Json {
  const author = { ...issue.sender, login: user.login, type: user.type ?? "User" };
  return {
    action: "created",
    issue: issue.issue,
    repository: issue.repository,
    installation: issue.installation,
    sender: author,
    comment: {
      id: Math.floor(Math.random() * 1e6),
      body,
      created_at: at,
      updated_at: at,
      user: author,
      author_association: association,
    },
  };
}

import { randomBytes } from "node:crypto";
import {
  json,
  notFound,
  paginate,
  type RouteContext,
  type RouteDef,
  validationFailed,
} from "./github-routes.js";
import { type Json, nodeId, renderRepo, renderUser, timestamp, toUserRec } from "./github-shapes.js";
import { type DeliveryRec, EVENTS, PERMISSIONS } from "./github-state.js";
import type { StandInReply } from "./http.js";

function app(c: RouteContext): Json {
  const { appId, slug, name } = c.state.options;
  const owner = toUserRec({ login: "standin-org", type: "Organization" });
  return {
    id: appId,
    slug,
    node_id: nodeId("App", appId),
    client_id: `Iv1.${appId.toString(16).padStart(16, "0")}`,
    owner: renderUser(owner, c.state.urls),
    name,
    description: "Stand-in app",
    external_url: c.state.urls.html(`/apps/${slug}`),
    html_url: c.state.urls.html(`/apps/${slug}`),
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
    permissions: PERMISSIONS,
    events: EVENTS,
    installations_count: 1,
  };
}

function accessToken(c: RouteContext): StandInReply {
  const token = `ghs_${randomBytes(18).toString("hex")}`;
  c.state.issuedTokens.set(token, Number(c.params.id));
  const expires = timestamp(Date.now() + 3_600_000);
  const b = c.req.body as { permissions?: Json } | undefined;
  return json(201, {
    token,
    expires_at: expires,
    permissions: b?.permissions ?? PERMISSIONS,
    repository_selection: "all",
  });
}

function installationFor(c: RouteContext, login: string | undefined): StandInReply {
  if (!login) return notFound();
  const repo = [...c.state.repos.values()].find((r) => r.owner.login.toLowerCase() === login.toLowerCase());
  if (!repo) return notFound();
  return json(200, c.state.installation(repo.owner));
}

function deliveryItem(d: DeliveryRec): Json {
  const { payload: _p, requestHeaders: _h, responseBody: _b, ...item } = d;
  return item;
}

/** GitHub pages deliveries with an opaque `cursor`; here it is the last id already seen. */
function listDeliveries(c: RouteContext): StandInReply {
  const perPage = Math.min(100, Math.max(1, Number(c.req.query.per_page) || 30));
  const cursor = c.req.query.cursor;
  const after = cursor ? Number(cursor.replace(/^v1_/, "")) : null;
  const all = c.state.deliveries.filter((d) => {
    if (c.req.query.status === "success") return d.status_code >= 200 && d.status_code < 300;
    if (c.req.query.status === "failure") return d.status_code < 200 || d.status_code >= 300;
    return true;
  });
  const start = after === null ? 0 : all.findIndex((d) => d.id === after) + 1;
  const page = all.slice(start, start + perPage);
  const headers: Record<string, string> = {};
  const lastOnPage = page.at(-1);
  if (lastOnPage && start + perPage < all.length) {
    const next = new URL(c.req.url.href);
    next.searchParams.set("per_page", String(perPage));
    next.searchParams.set("cursor", `v1_${lastOnPage.id}`);
    headers.link = `<${next.href}>; rel="next"`;
  }
  return json(200, page.map(deliveryItem), headers);
}

function getDelivery(c: RouteContext): StandInReply {
  const d = c.state.deliveries.find((x) => x.id === Number(c.params.id));
  if (!d) return notFound();
  return json(200, {
    ...deliveryItem(d),
    url: "",
    request: { headers: d.requestHeaders, payload: d.payload },
    response: { headers: null, payload: d.responseBody },
  });
}

function redeliver(c: RouteContext): StandInReply {
  const d = c.state.deliveries.find((x) => x.id === Number(c.params.id));
  if (!d) return notFound();
  c.state.redeliveryAttempts.push(d.id);
  const payload = d.payload;
  if (payload && c.state.target) {
    c.state.enqueue(() => c.state.deliver({ name: d.event, guid: d.guid, payload }, true));
  }
  return json(202, {});
}

function repoOf(c: RouteContext) {
  return c.state.repo(c.params.owner ?? "", c.params.repo ?? "");
}

function createCheckRun(c: RouteContext): StandInReply {
  const repo = repoOf(c);
  if (!repo) return notFound();
  const b = (c.req.body ?? {}) as Json;
  if (typeof b.name !== "string" || typeof b.head_sha !== "string") {
    return validationFailed([{ resource: "CheckRun", code: "missing_field", field: "name/head_sha" }]);
  }
  const output = (b.output ?? {}) as Json;
  // GitHub: summary and text "Maximum length: 65535 characters", enforced on bytes in practice
  // (github/rest-api-description#5399); at most 50 annotations per request.
  for (const field of ["summary", "text"] as const) {
    const value = output[field];
    if (typeof value === "string" && Buffer.byteLength(value, "utf8") > 65_535) {
      const message = `${field} is too long (maximum is 65535 characters)`;
      return validationFailed([{ resource: "CheckRun", code: "custom", field: `output.${field}`, message }]);
    }
  }
  if (Array.isArray(output.annotations) && output.annotations.length > 50) {
    return validationFailed([{ resource: "CheckRun", code: "custom", field: "output.annotations" }]);
  }
  const id = c.state.nextId();
  const now = c.state.now();
  const run: Json = {
    id,
    node_id: nodeId("CheckRun", id),
    head_sha: b.head_sha,
    external_id: b.external_id ?? "",
    url: c.state.urls.api(`/repos/${repo.owner.login}/${repo.name}/check-runs/${id}`),
    html_url: c.state.urls.html(`/${repo.owner.login}/${repo.name}/runs/${id}`),
    details_url: b.details_url ?? null,
    status: b.status ?? (b.conclusion ? "completed" : "queued"),
    conclusion: b.conclusion ?? null,
    started_at: b.started_at ?? now,
    completed_at: b.completed_at ?? (b.conclusion ? now : null),
    output: { title: null, summary: null, text: null, annotations_count: 0, ...output },
    name: b.name,
    app: { id: c.state.options.appId, slug: c.state.options.slug, name: c.state.options.name },
    pull_requests: [],
  };
  repo.checkRuns.push(run);
  return json(201, run);
}

function updateCheckRun(c: RouteContext): StandInReply {
  const run = repoOf(c)?.checkRuns.find((r) => r.id === Number(c.params.id));
  if (!run) return notFound();
  const b = (c.req.body ?? {}) as Json;
  const { output, ...rest } = b;
  Object.assign(run, rest, output ? { output: { ...(run.output as Json), ...(output as Json) } } : {});
  if (b.conclusion && !b.status) run.status = "completed";
  return json(200, run);
}

/**
 * `POST /app-manifests/{code}/conversions`: the last step of registering an app from a manifest
 * (https://docs.github.com/en/rest/apps/apps#create-a-github-app-from-a-manifest). Codes are made
 * with `manifestCode()`; each is good once. Answers 201 with the app's id, PEM and webhook secret.
 */
function manifestConversion(c: RouteContext): StandInReply {
  const code = c.params.code ?? "";
  const conversion = c.state.manifestCodes.get(code);
  if (!conversion) return notFound();
  c.state.manifestCodes.delete(code);
  return json(201, { ...app(c), ...conversion });
}

export const appRoutes: RouteDef[] = [
  ["POST", "/app-manifests/:code/conversions", manifestConversion, "none"],
  ["GET", "/app", (c) => json(200, app(c)), "jwt"],
  [
    "GET",
    "/app/installations",
    (c) => {
      const owners = new Map([...c.state.repos.values()].map((r) => [r.owner.login.toLowerCase(), r.owner]));
      return paginate(c, [...owners.values()], (o) => c.state.installation(o));
    },
    "jwt",
  ],
  [
    "GET",
    "/app/installations/:id",
    (c) => {
      const owner =
        [...c.state.repos.values()][0]?.owner ?? toUserRec({ login: "standin-org", type: "Organization" });
      return json(200, { ...c.state.installation(owner), id: Number(c.params.id) });
    },
    "jwt",
  ],
  ["POST", "/app/installations/:id/access_tokens", accessToken, "jwt"],
  [
    "GET",
    "/repos/:owner/:repo/installation",
    (c) => {
      const repo = repoOf(c);
      return repo ? json(200, c.state.installation(repo.owner)) : notFound();
    },
    "jwt",
  ],
  ["GET", "/orgs/:org/installation", (c) => installationFor(c, c.params.org), "jwt"],
  ["GET", "/users/:user/installation", (c) => installationFor(c, c.params.user), "jwt"],
  ["GET", "/app/hook/deliveries", listDeliveries, "jwt"],
  ["GET", "/app/hook/deliveries/:id", getDelivery, "jwt"],
  ["POST", "/app/hook/deliveries/:id/attempts", redeliver, "jwt"],
  [
    "GET",
    "/installation/repositories",
    (c) => {
      const repos = [...c.state.repos.values()].map((r) => renderRepo(r, c.state.urls));
      return json(200, { total_count: repos.length, repository_selection: "all", repositories: repos });
    },
  ],
  [
    "GET",
    "/rate_limit",
    () => {
      const core = { limit: 5000, used: 1, remaining: 4999, reset: Math.floor(Date.now() / 1000) + 3600 };
      return json(200, { resources: { core }, rate: core });
    },
  ],
  [
    "GET",
    "/orgs/:org/teams/:slug/memberships/:username",
    (c) => {
      const members = c.state.teams.get(`${c.params.org}/${c.params.slug}`.toLowerCase());
      if (!members?.has((c.params.username ?? "").toLowerCase())) return notFound();
      const url = c.state.urls.api(
        `/orgs/${c.params.org}/teams/${c.params.slug}/memberships/${c.params.username}`,
      );
      return json(200, { url, role: "member", state: "active" });
    },
  ],
  [
    "GET",
    "/orgs/:org/members/:username",
    (c) => (c.state.isTeamMemberOf(c.params.org ?? "", c.params.username ?? "") ? json(204) : notFound()),
  ],
  [
    "GET",
    "/repos/:owner/:repo/collaborators/:username/permission",
    (c) => {
      const repo = repoOf(c);
      if (!repo) return notFound();
      const login = c.params.username ?? "";
      const permission = repo.permissions.get(login.toLowerCase()) ?? "read";
      const legacy = permission === "maintain" ? "write" : permission === "triage" ? "read" : permission;
      return json(200, {
        permission: legacy,
        role_name: permission,
        user: renderUser(toUserRec(login), c.state.urls),
      });
    },
  ],
  [
    "GET",
    "/repos/:owner/:repo/collaborators/:username",
    (c) => {
      const perm = repoOf(c)?.permissions.get((c.params.username ?? "").toLowerCase());
      return perm && perm !== "none" && perm !== "read" ? json(204) : notFound();
    },
  ],
  ["POST", "/repos/:owner/:repo/check-runs", createCheckRun],
  ["PATCH", "/repos/:owner/:repo/check-runs/:id", updateCheckRun],
  [
    "GET",
    "/repos/:owner/:repo/commits/:ref/check-runs",
    (c) => {
      const repo = repoOf(c);
      if (!repo) return notFound();
      const runs = repo.checkRuns.filter((r) => r.head_sha === c.params.ref);
      return json(200, { total_count: runs.length, check_runs: runs });
    },
  ],
];

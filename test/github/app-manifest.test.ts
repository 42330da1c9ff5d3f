import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { components } from "@octokit/openapi-types";
import { emitterEventNames } from "@octokit/webhooks";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildManifest, webhookTarget } from "../../src/runtime/registration.js";
import { readServerSettings } from "../../src/runtime/settings.js";

/*
 * app.yml is the GitHub App manifest Probot's setup flow posts to GitHub. GitHub refuses the whole
 * registration when one rule below is broken ("Default events unsupported: installation", "Default
 * events are not supported by permissions: push"), and nothing in the app notices before someone
 * clicks "Create GitHub App". These tests apply GitHub's rules to app.yml instead.
 *
 * Sources, each row below checked against them:
 * [events] https://docs.github.com/en/webhooks/webhook-events-and-payloads
 *   Each event says what a GitHub App needs to subscribe to it, e.g. "To subscribe to this event, a
 *   GitHub App must have at least read-level access for the "Contents" repository permission.", or
 *   "All GitHub Apps receive this event by default. You cannot manually subscribe to this event."
 *   The same text ships in GitHub's OpenAPI description of webhooks (@octokit/openapi-webhooks-types,
 *   installed with Probot): the last describe block checks every quote below against it.
 * [keys] https://docs.github.com/en/enterprise-server@3.3/developers/apps/building-github-apps/creating-a-github-app-using-url-parameters
 *   ("GitHub App permissions" and "GitHub App webhook events" tables): the manifest key of each
 *   permission ("Members" is `members`, "Commit statuses" is `statuses`, ...) and its levels.
 *   Source file: https://github.com/github/docs/blob/1312b68b8af90f2979f272b006ad9b63f8933a69/content/developers/apps/building-github-apps/creating-a-github-app-using-url-parameters.md
 * [permissions] https://docs.github.com/en/apps/creating-github-apps/registering-a-github-app/choosing-permissions-for-a-github-app
 *   and https://docs.github.com/en/rest/authentication/permissions-required-for-github-apps
 * [manifest] https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
 *   (`default_permissions`: "the permission name for the key (for example, issues) and the access
 *   type for the value (for example, write)"; `hook_attributes.url` is required in what is posted).
 */

type Level = "read" | "write" | "admin";
const RANK: Record<Level, number> = { read: 1, write: 2, admin: 3 };

/** GitHub's REST OpenAPI description of an app's permissions: tsc holds the table below to it. */
type AppPermissions = components["schemas"]["app-permissions"];

/**
 * Permission names a manifest may request and the levels GitHub documents for each ([keys]; metadata
 * "Can be `read` or `none`"). `satisfies` makes tsc reject a name or level missing from GitHub's spec.
 */
const PERMISSION_LEVELS = {
  administration: ["read", "write"],
  checks: ["read", "write"],
  contents: ["read", "write"],
  deployments: ["read", "write"],
  issues: ["read", "write"],
  members: ["read", "write"],
  metadata: ["read"],
  organization_administration: ["read", "write"],
  organization_hooks: ["read", "write"],
  organization_plan: ["read"],
  organization_projects: ["read", "write", "admin"],
  organization_user_blocking: ["read", "write"],
  pages: ["read", "write"],
  pull_requests: ["read", "write"],
  repository_hooks: ["read", "write"],
  repository_projects: ["read", "write", "admin"],
  secret_scanning_alerts: ["read", "write"],
  security_events: ["read", "write"],
  single_file: ["read", "write"],
  statuses: ["read", "write"],
  team_discussions: ["read", "write"],
  vulnerability_alerts: ["read"],
} as const satisfies { readonly [K in keyof AppPermissions]?: readonly NonNullable<AppPermissions[K]>[] };

type Permission = keyof typeof PERMISSION_LEVELS;

interface EventRule {
  /** One of these permissions, at `level` or higher, lets an app subscribe. */
  readonly anyOf: readonly Permission[];
  readonly level: Level;
  /** The requirement as [events] words it, quoted. */
  readonly docs: string;
}

const read = (anyOf: readonly Permission[], docs: string): EventRule => ({
  anyOf,
  level: "read",
  docs: `must have at least read-level access for the ${docs}`,
});

/** Event -> permission that backs it, from [events] (names of the permissions from [keys]). */
const EVENT_PERMISSIONS: Readonly<Record<string, EventRule>> = {
  branch_protection_rule: read(["administration"], '"Administration" repository permission'),
  check_run: read(["checks"], '"Checks" repository permission'),
  check_suite: read(["checks"], '"Checks" permission'),
  commit_comment: read(["contents"], '"Contents" repository permission'),
  create: read(["contents"], '"Contents" repository permission'),
  delete: read(["contents"], '"Contents" repository permission'),
  deploy_key: read(["deployments"], '"Deployments" repository permission'),
  deployment: read(["deployments"], '"Deployments" repository permission'),
  deployment_status: read(["deployments"], '"Deployments" repository permission'),
  fork: read(["contents"], '"Contents" repository permission'),
  gollum: read(["contents"], '"Contents" repository permission'),
  issue_comment: read(["issues"], '"Issues" repository permission'),
  issues: read(["issues"], '"Issues" repository permission'),
  label: read(["metadata"], '"Metadata" repository permission'),
  member: read(["members"], '"Members" organization permission'),
  membership: read(["members"], '"Members" organization permission'),
  milestone: read(["issues", "pull_requests"], '"Issues" or "Pull requests" repository permissions'),
  org_block: read(["organization_administration"], '"Administration" organization permission'),
  organization: read(["members"], '"Members" organization permission'),
  page_build: read(["pages"], '"Pages" repository permission'),
  project: read(["repository_projects", "organization_projects"], '"Projects" repository or organization'),
  project_card: read(
    ["repository_projects", "organization_projects"],
    '"Projects" repository or organization',
  ),
  project_column: read(
    ["repository_projects", "organization_projects"],
    '"Projects" repository or organization',
  ),
  public: read(["metadata"], '"Metadata" repository permission'),
  pull_request: read(["pull_requests"], '"Pull requests" repository permission'),
  pull_request_review: read(["pull_requests"], '"Pull requests" repository permission'),
  pull_request_review_comment: read(["pull_requests"], '"Pull requests" repository permission'),
  pull_request_review_thread: read(["pull_requests"], '"Pull requests" repository permission'),
  push: read(["contents"], '"Contents" repository permission'),
  release: read(["contents"], '"Contents" repository permission'),
  repository: read(["metadata"], '"Metadata" repository permission'),
  repository_dispatch: read(["contents"], '"Contents" repository permission'),
  star: read(["metadata"], '"Metadata" repository permission'),
  status: read(["statuses"], '"Commit statuses" repository permission'),
  sub_issues: read(["issues"], '"Issues" repository permissions'),
  team: read(["members"], '"Members" organization permission'),
  team_add: read(["members"], '"Members" organization permission'),
  watch: read(["metadata"], '"Metadata" repository permission'),
};

/** Events every app gets without subscribing, which GitHub refuses in `default_events` ([events]). */
const NOT_SUBSCRIBABLE: Readonly<Record<string, string>> = {
  installation: "You cannot manually subscribe to this event.",
  installation_repositories: "You cannot manually subscribe to this event.",
  github_app_authorization:
    "A GitHub App receives this webhook by default and cannot unsubscribe from this event.",
};

const require = createRequire(import.meta.url);

/** Every webhook event name: the community examples (a devDependency) and Probot's own list, from GitHub's spec. */
const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  ...(require("@octokit/webhooks-examples") as Array<{ name: string }>).map((e) => e.name),
  ...emitterEventNames.map((name) => name.split(".")[0] ?? name),
]);

/** Why GitHub would refuse `manifest`, one line per problem; empty when it follows the rules above. */
function manifestProblems(manifest: unknown): string[] {
  const problems: string[] = [];
  const { default_events: events = [], default_permissions: permissions = {} } = (manifest ?? {}) as Record<
    string,
    unknown
  >;
  if (!Array.isArray(events) || events.some((e) => typeof e !== "string")) {
    return ["default_events must be a list of event names"];
  }
  if (typeof permissions !== "object" || permissions === null || Array.isArray(permissions)) {
    return ["default_permissions must map permission names to levels, e.g. `issues: write`"];
  }
  const granted = permissions as Record<string, unknown>;

  for (const [name, level] of Object.entries(granted)) {
    const levels: readonly string[] | undefined = Object.hasOwn(PERMISSION_LEVELS, name)
      ? PERMISSION_LEVELS[name as Permission]
      : undefined;
    if (!levels) {
      problems.push(`default_permissions: "${name}" is not a GitHub App permission GitHub documents`);
    } else if (typeof level !== "string" || !levels.includes(level)) {
      problems.push(
        `default_permissions: "${name}: ${String(level)}" is not a level GitHub documents for "${name}" (${levels.join(", ")})`,
      );
    }
  }

  for (const event of events as string[]) {
    const automatic = Object.hasOwn(NOT_SUBSCRIBABLE, event) ? NOT_SUBSCRIBABLE[event] : undefined;
    if (automatic) {
      problems.push(
        `default event "${event}" cannot be subscribed to: every GitHub App receives it anyway ("${automatic}")`,
      );
      continue;
    }
    if (!KNOWN_EVENTS.has(event)) {
      problems.push(`default event "${event}" is not a GitHub webhook event name`);
      continue;
    }
    const rule = Object.hasOwn(EVENT_PERMISSIONS, event) ? EVENT_PERMISSIONS[event] : undefined;
    if (!rule) {
      problems.push(
        `default event "${event}" has no permission rule confirmed from GitHub's docs: add its row to EVENT_PERMISSIONS`,
      );
      continue;
    }
    const backed = rule.anyOf.some((p) => {
      const level = granted[p];
      return (
        typeof level === "string" && Object.hasOwn(RANK, level) && RANK[level as Level] >= RANK[rule.level]
      );
    });
    if (!backed) {
      const has = rule.anyOf
        .filter((p) => Object.hasOwn(granted, p))
        .map((p) => `${p}: ${String(granted[p])}`);
      problems.push(
        `default event "${event}" needs the ${rule.anyOf.map((p) => `"${p}"`).join(" or ")} permission ` +
          `at "${rule.level}" or higher (GitHub: an app ${rule.docs}); default_permissions has ` +
          (has.length ? has.join(", ") : `no ${rule.anyOf.map((p) => `"${p}"`).join(" or ")}`),
      );
    }
  }
  return problems;
}

const APP_YML = new URL("../../app.yml", import.meta.url);
const appYmlText = readFileSync(APP_YML, "utf8");
const appYml = parse(appYmlText) as Record<string, unknown>;

describe("app.yml, the manifest Probot's setup flow posts to GitHub", () => {
  it("breaks none of the rules GitHub checks when it registers the app", () => {
    expect(manifestProblems(appYml)).toEqual([]);
  });

  it("subscribes to the events the app handles, with the permissions its handlers need", () => {
    expect(appYml.default_events).toEqual(expect.arrayContaining(["issues", "issue_comment", "push"]));
    expect(appYml.default_permissions).toMatchObject({
      issues: "write",
      contents: "read",
      metadata: "read",
      checks: "write",
      members: "read",
    });
  });

  describe("leaves the webhook URL to the registration, which fills it in", () => {
    const settings = (env: Record<string, string>) =>
      readServerSettings({ ...env }, { cwd: "/nowhere", isTerminal: false });
    /** What the registration page posts to GitHub (src/runtime/registration.ts). */
    function registered(env: Record<string, string>, pageUrl: string) {
      const s = settings(env);
      return buildManifest(appYmlText, webhookTarget(s, s.publicUrl ?? pageUrl), s.publicUrl ?? pageUrl);
    }

    it("has no hook_attributes.url: a fixed URL would send a new app's webhooks nowhere", () => {
      expect((appYml as { hook_attributes?: { url?: unknown } }).hook_attributes?.url).toBeUndefined();
    });

    it("PUBLIC_URL (a server behind a TLS proxy) becomes the webhook URL, with the webhook path", () => {
      const manifest = registered({ PUBLIC_URL: "https://sla.example.com/" }, "http://10.0.0.5:3000");
      expect(manifest.hook_attributes).toEqual({
        url: "https://sla.example.com/api/github/webhooks",
        active: true,
      });
      expect(manifest.redirect_url).toBe("https://sla.example.com/probot/setup");
      expect(manifestProblems(manifest)).toEqual([]);
    });

    it("WEBHOOK_PROXY_URL (a local trial through smee.io) wins over PUBLIC_URL", () => {
      const manifest = registered(
        { WEBHOOK_PROXY_URL: "https://smee.io/support-sla-test", PUBLIC_URL: "https://sla.example.com" },
        "http://localhost:3000",
      );
      expect(manifest.hook_attributes.url).toBe("https://smee.io/support-sla-test");
    });

    it("without either, the page's own address is used, with a warning when GitHub cannot reach it", () => {
      const s = settings({ WEBHOOK_PATH: "/hooks" });
      expect(webhookTarget(s, "https://sla.example.com")).toEqual({
        url: "https://sla.example.com/hooks",
        source: "this page's address",
        warning: null,
      });
      expect(webhookTarget(s, "http://localhost:3000").warning).toMatch(
        /GitHub cannot deliver webhooks to http:\/\/localhost:3000\/hooks: set WEBHOOK_PROXY_URL .* or PUBLIC_URL/,
      );
    });
  });
});

describe("the manifest checker", () => {
  it("accepts the example manifest of GitHub's docs", () => {
    // https://docs.github.com/en/apps/sharing-github-apps/registering-a-github-app-from-a-manifest#examples
    const example = {
      default_permissions: { issues: "write", checks: "write" },
      default_events: ["issues", "issue_comment", "check_suite", "check_run"],
    };
    expect(manifestProblems(example)).toEqual([]);
  });

  it("rejects `installation`, which every app receives and none may subscribe to", () => {
    const problems = manifestProblems({
      default_events: ["issues", "installation"],
      default_permissions: { issues: "write" },
    });
    expect(problems).toEqual([
      expect.stringContaining('default event "installation" cannot be subscribed to'),
    ]);
  });

  it("rejects `installation_repositories` and `github_app_authorization` the same way", () => {
    const problems = manifestProblems({
      default_events: ["installation_repositories", "github_app_authorization"],
      default_permissions: {},
    });
    expect(problems).toEqual([
      expect.stringContaining('"installation_repositories" cannot be subscribed to'),
      expect.stringContaining('"github_app_authorization" cannot be subscribed to'),
    ]);
  });

  it("rejects `push` without the `contents` permission, naming both", () => {
    const problems = manifestProblems({
      default_events: ["issues", "push"],
      default_permissions: { issues: "write", metadata: "read" },
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^default event "push" needs the "contents" permission at "read" or higher .* no "contents"$/,
      ),
    ]);
  });

  it("accepts any one of the permissions the docs allow, at read level or higher", () => {
    expect(
      manifestProblems({ default_events: ["milestone"], default_permissions: { pull_requests: "write" } }),
    ).toEqual([]);
    expect(
      manifestProblems({ default_events: ["milestone"], default_permissions: { contents: "write" } }),
    ).toEqual([expect.stringContaining('needs the "issues" or "pull_requests" permission')]);
  });

  it("rejects an organization event backed only by a repository permission", () => {
    const problems = manifestProblems({
      default_events: ["team"],
      default_permissions: { metadata: "read" },
    });
    expect(problems).toEqual([expect.stringContaining('"team" needs the "members" permission')]);
  });

  it("rejects an event name GitHub does not send, and one the table has no confirmed rule for", () => {
    const problems = manifestProblems({
      default_events: ["issue", "installation_target"],
      default_permissions: { issues: "read" },
    });
    expect(problems).toEqual([
      'default event "issue" is not a GitHub webhook event name',
      expect.stringContaining('"installation_target" has no permission rule confirmed'),
    ]);
  });

  it("rejects unknown permission names and levels", () => {
    const problems = manifestProblems({
      default_events: [],
      default_permissions: { member: "read", metadata: "write", checks: "admin" },
    });
    expect(problems).toEqual([
      'default_permissions: "member" is not a GitHub App permission GitHub documents',
      'default_permissions: "metadata: write" is not a level GitHub documents for "metadata" (read)',
      'default_permissions: "checks: admin" is not a level GitHub documents for "checks" (read, write)',
    ]);
  });
});

describe("the tables, against GitHub's machine-readable webhook spec", () => {
  it("name only webhook events GitHub sends", () => {
    const named = [...Object.keys(EVENT_PERMISSIONS), ...Object.keys(NOT_SUBSCRIBABLE)];
    expect(named.filter((event) => !KNOWN_EVENTS.has(event))).toEqual([]);
  });

  /**
   * Each event's description, per action, from GitHub's OpenAPI description of webhooks as
   * @octokit/openapi-webhooks-types ships it (the text of [events]).
   */
  function specDescriptions(): Map<string, string[]> {
    const webhooksEntry = require.resolve("@octokit/webhooks");
    const typesFile = createRequire(webhooksEntry).resolve("@octokit/openapi-webhooks-types/types.d.ts");
    const source = readFileSync(typesFile, "utf8");
    const start = source.indexOf("export interface webhooks {");
    const block = source.slice(start, source.indexOf("\n}\n", start));
    const byEvent = new Map<string, string[]>();
    // A doc comment (no "*/" inside) right before `post: operations["issues/opened"];`.
    for (const [, comment = "", operation = ""] of block.matchAll(
      /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*post: operations\["([^"]+)"\];/g,
    )) {
      const event = (operation.split("/")[0] ?? "").replaceAll("-", "_");
      const text = comment
        .split("\n")
        .map((line) => line.replace(/^\s*\* ?/, ""))
        .join(" ")
        .replace(/\s+/g, " ");
      byEvent.set(event, [...(byEvent.get(event) ?? []), text]);
    }
    return byEvent;
  }

  it("quote, for every action of every event, what GitHub's spec says an app needs", () => {
    const spec = specDescriptions();
    const rows = [
      ...Object.entries(EVENT_PERMISSIONS).map(([event, rule]) => [event, rule.docs] as const),
      ...Object.entries(NOT_SUBSCRIBABLE),
    ];
    const mismatches = rows.flatMap(([event, quote]) => {
      const texts = spec.get(event);
      if (!texts) return [`${event}: not in the spec`];
      return texts.some((t) => !t.includes(quote)) ? [`${event}: the spec no longer says «${quote}»`] : [];
    });
    expect(mismatches).toEqual([]);
  });
});

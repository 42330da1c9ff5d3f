import { Context } from "probot";
import type { FormDefinition } from "../domain/forms/form.js";
import { headingKey } from "../domain/forms/text.js";
import type { Policy } from "../domain/policy.js";
import type { AppIdentity } from "../github/app-identity.js";
import type { GitHub } from "../github/octokit.js";
import type { RepoSetup, RepoSetupCache } from "../github/repo-setup.js";
import type { HandlerDeps } from "../handlers/deps.js";
import { runIntake } from "../handlers/intake.js";
import { issueRef, withIssueLock } from "../handlers/sla.js";
import type { IssueKey } from "../store/intake-store.js";
import { type ChannelLink, channelLinkOfIssue } from "./store.js";

/*
 * A channel-opened issue goes through the usual intake (labels, the one intake comment with the
 * deadline and the escalation phone, the clock), with three differences:
 * - the clock starts when the incident was created or the Slack message sent (`clock_start`),
 *   not when the issue was opened on GitHub;
 * - its type and priority are the channel's (config), not read from a form's answers; a team
 *   member relabelling it still wins, as on any issue;
 * - an issue opened from a PagerDuty incident does not page PagerDuty at intake: on-call is the
 *   one who was paged. A breach still pages (that incident is matched back, never a new issue).
 */

/** What a channel pins on its issue; `detail` (the link's JSON) tells whether a Slack command gave the type. */
type Pinned = Pick<ChannelLink, "kind" | "type" | "priority"> & Partial<Pick<ChannelLink, "detail">>;

/** Whether the link's type came from the request itself (a Slack command's argument): `typeGiven` in its detail. */
function typeGiven(link: Pinned): boolean {
  if (!link.detail) return false;
  try {
    return (JSON.parse(link.detail) as { typeGiven?: unknown }).typeGiven === true;
  } catch {
    return false;
  }
}

/** A form field's name as the customer reads it, compared without case, markup or spacing. */
function fieldName(field: { id: string | null; label: string }): { id: string; label: string } {
  return { id: (field.id ?? "").toLowerCase(), label: headingKey(field.label).toLowerCase() };
}

/**
 * Whether a channel sets this form field itself, so that its issue never asks for it: the
 * priority field (id `priority`, or labelled "Priority", as intake reads it) always, since the
 * channel's config sets the priority; a type field (id `type`, or labelled "Type" / "Request type")
 * when the request named its type.
 */
export function channelSetsField(field: { id: string | null; label: string }, link: Pinned): boolean {
  const { id, label } = fieldName(field);
  if (id === "priority" || label === "priority") return true;
  return typeGiven(link) && (id === "type" || label === "type" || label === "request type");
}

/** The forms as a channel-opened issue is checked against: without the fields the channel sets. */
export function pinnedForms<F extends { form: FormDefinition }>(forms: readonly F[], link: Pinned): F[] {
  return forms.map((f) => {
    const fields = f.form.fields.filter((field) => !channelSetsField(field, link));
    return fields.length === f.form.fields.length ? f : { ...f, form: { ...f.form, fields } };
  });
}

/** The setup a channel-opened issue is read with: the pinned policy, forms without the channel's fields. */
export function pinnedSetup(setup: RepoSetup, link: Pinned): RepoSetup {
  return { ...setup, policy: pinnedPolicy(setup.policy, link), forms: pinnedForms(setup.forms, link) };
}

const derived = new WeakMap<Policy, Map<string, Policy>>();

/**
 * The policy intake reads for a channel-opened issue: the link's priority is the default and open
 * to every type; for PagerDuty, the type has no form to check (an incident is not a form). The
 * same object for the same policy and link, so per-policy caches (calendars) keep working.
 */
export function pinnedPolicy(policy: Policy, link: Pinned): Policy {
  if (!policy.priorities.some((p) => p.key === link.priority)) return policy;
  const key = `${link.kind}|${link.type}|${link.priority}`;
  let byLink = derived.get(policy);
  if (!byLink) {
    byLink = new Map();
    derived.set(policy, byLink);
  }
  const known = byLink.get(key);
  if (known) return known;
  const pinned: Policy = {
    ...policy,
    calendar: policy.calendar,
    defaultPriority: link.priority,
    priorities: policy.priorities.map((p) => (p.key === link.priority ? { ...p, types: null } : p)),
    types:
      link.kind === "pagerduty"
        ? policy.types.map((t) => (t.key === link.type ? { ...t, form: null } : t))
        : policy.types,
  };
  byLink.set(key, pinned);
  return pinned;
}

/** A setup cache that hands out the pinned setup (everything else as the real cache has it). */
function pinnedSetups(setups: RepoSetupCache, link: Pinned): RepoSetupCache {
  const view = Object.create(setups) as RepoSetupCache;
  view.get = async (gh, r): Promise<RepoSetup> => pinnedSetup(await setups.get(gh, r), link);
  return view;
}

/** The handler deps intake and the close handler use for a channel-opened issue. */
export function channelIntakeDeps(deps: HandlerDeps, link: Pinned): HandlerDeps {
  return {
    ...deps,
    setups: pinnedSetups(deps.setups, link),
    notifiers: link.kind === "pagerduty" ? { ...deps.notifiers, pagerduty: null } : deps.notifiers,
    origin: link.kind,
  };
}

/**
 * Dispatch hook for an `issues` event: when the issue was opened by a channel, the payload's
 * `created_at` becomes the channel's clock start and the deps pin type and priority; any other
 * issue is left as it is. Returns the deps to use.
 */
export async function channelIssueDeps(
  payload: { issue?: object },
  deps: HandlerDeps,
  key: IssueKey,
): Promise<HandlerDeps> {
  const link = await channelLinkOfIssue(deps.store, key);
  if (!link) return deps;
  if (payload.issue) {
    (payload.issue as { created_at?: string }).created_at = new Date(Number(link.clock_start)).toISOString();
  }
  return channelIntakeDeps(deps, link);
}

/** The fields of a GitHub issue (REST shape) intake reads. */
export interface IssueData {
  number: number;
  title: string;
  body?: string | null;
  html_url: string;
  created_at: string;
  updated_at: string;
  state?: string;
  closed_at?: string | null;
  labels?: Array<string | { name?: string }>;
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id?: number } | null;
}

/**
 * The issue an earlier attempt opened for a channel link and did not get to record: listed since
 * shortly before the link was made (`GET /repos/{owner}/{repo}/issues?state=all&since=…`), found by
 * its hidden `marker` in the body, and only when the app itself wrote it (`AppIdentity.marked`), so
 * that a customer's issue quoting the marker can never take the place of the channel's issue.
 * Null when there is none. Throws what the listing or `GET /app` throws (the attempt is retried).
 */
export async function findOpenedIssue(
  gh: GitHub,
  self: AppIdentity,
  link: Pick<ChannelLink, "repo" | "created_at">,
  marker: string,
): Promise<IssueData | null> {
  const ref = issueRef({ repo: link.repo, number: 0 });
  const issues = (await gh.paginate("GET /repos/{owner}/{repo}/issues", {
    owner: ref.owner,
    repo: ref.repo,
    state: "all",
    since: new Date(Number(link.created_at) - 60_000).toISOString(),
    per_page: 100,
  })) as unknown as Array<IssueData & { pull_request?: unknown }>;
  for (const issue of issues) {
    if (issue.pull_request) continue;
    if (await self.marked({ ...issue, body: issue.body ?? null }, marker)) return issue;
  }
  return null;
}

/** The `repository` of a synthetic payload, from the issue's own URL. */
export function repositoryOf(repo: string, issue: Pick<IssueData, "html_url">) {
  const [owner = "", name = ""] = repo.split("/");
  return {
    owner: { login: owner },
    name,
    html_url: issue.html_url.replace(/\/issues\/\d+$/, ""),
  };
}

/**
 * Runs intake on a channel-opened issue right away (GitHub's own `issues.opened`, when it comes,
 * finds the work done), under the issue's lock, as if the issue had been opened at the channel's
 * clock start.
 */
export async function runChannelIntake(
  deps: HandlerDeps,
  gh: Context["octokit"],
  link: ChannelLink,
  issue: IssueData,
): Promise<void> {
  const key = { repo: link.repo, number: issue.number };
  const payload = {
    action: "opened",
    issue: { ...issue, created_at: new Date(Number(link.clock_start)).toISOString() },
    repository: repositoryOf(link.repo, issue),
    installation: { id: Number(link.installation_id) },
    sender: issue.user ?? { login: "", type: "Bot" },
  };
  const context = new Context(
    { id: `${link.kind}:${link.source_id}`, name: "issues", payload } as never,
    gh,
    deps.log,
  ) as Parameters<typeof runIntake>[0];
  await withIssueLock(deps, key, () => runIntake(context, channelIntakeDeps(deps, link), { kind: "opened" }));
}

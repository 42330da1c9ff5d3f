import type { Probot } from "probot";
import type { Policy } from "../domain/policy.js";
import type { AppDeps } from "../handlers/deps.js";
import { describeError } from "../helpers/describe-error.js";
import { repoKey } from "../store/intake-store.js";
import { getMeta, setMeta } from "../store/tracking-store.js";
import {
  type ChannelKind,
  type ClaimKey,
  claimsOf,
  claimsOfRepo,
  claimsOn,
  countClaims,
  pruneClaims,
  replaceRepoClaims,
} from "./store.js";

/*
 * The index of which repo claims which PagerDuty service and Slack channel, across the app's
 * installations (issue 13). A push that touches a repo's config refreshes its claims; every
 * reconciliation run rebuilds the whole index from the repos' configs.
 */

/** What the index says about one service or channel. */
export type ChannelLookup =
  | { status: "mapped"; repo: string; installationId: number }
  | { status: "unmapped" }
  /** Claimed by two repos or more: a config error on each of them; nothing is opened. */
  | { status: "conflict"; repos: string[] };

/** The services and channels a policy claims. */
export function policyClaims(policy: Policy | null | undefined): ClaimKey[] {
  const channels = policy?.channels;
  if (!channels) return [];
  return [
    ...(channels.pagerduty?.services ?? []).map((key) => ({ kind: "pagerduty" as const, key })),
    ...(channels.slack?.channels ?? []).map((key) => ({ kind: "slack" as const, key })),
  ];
}

/** Which repo a service (`pagerduty`) or channel (`slack`) opens issues in. */
export async function lookupChannel(
  deps: Pick<AppDeps, "store">,
  kind: ChannelKind,
  key: string,
): Promise<ChannelLookup> {
  const rows = await claimsOf(deps.store, kind, key);
  const [only] = rows;
  if (!only) return { status: "unmapped" };
  if (rows.length > 1) return { status: "conflict", repos: rows.map((r) => r.repo) };
  return { status: "mapped", repo: only.repo, installationId: Number(only.installation_id) };
}

const WHAT: Record<ChannelKind, { path: string; noun: string }> = {
  pagerduty: { path: "channels.pagerduty.services", noun: "PagerDuty service" },
  slack: { path: "channels.slack.channels", noun: "Slack channel" },
};

/**
 * Problems (`path: message`, as the check run lists them) for the services and channels `policy`
 * claims that another repo already claims. `repo` is the lower-cased `owner/name` being checked.
 */
export async function claimConflicts(
  deps: Pick<AppDeps, "store">,
  repo: string,
  policy: Policy | null,
): Promise<string[]> {
  const claims = policyClaims(policy);
  const problems: string[] = [];
  for (const kind of ["pagerduty", "slack"] as const) {
    const keys = claims.filter((c) => c.kind === kind).map((c) => c.key);
    const others = (await claimsOn(deps.store, kind, keys)).filter((r) => r.repo !== repo);
    for (const key of keys) {
      const elsewhere = others.filter((o) => o.channel_key === key).map((o) => o.repo);
      if (elsewhere.length === 0) continue;
      const index = keys.indexOf(key);
      problems.push(
        `.github/support-sla.yml: ${WHAT[kind].path}[${index}]: ${WHAT[kind].noun} ${key} is also claimed by ${elsewhere.join(", ")}; a ${WHAT[kind].noun} opens issues in one repository only, so none are opened for it until one of the repositories removes it`,
      );
    }
  }
  return problems;
}

/** The services and channels the index holds for `repo` (lower-cased `owner/name`). */
export async function indexedClaims(deps: Pick<AppDeps, "store">, repo: string): Promise<ClaimKey[]> {
  return await claimsOfRepo(deps.store, repo);
}

/** Another repo that claims a service or channel `repo` claims (or claimed): a party to the conflict. */
export interface ClaimPeer {
  /** Lower-cased `owner/name`. */
  repo: string;
  installationId: number;
}

/**
 * The other repos claiming any of `claims` (what `repo` claims now, and claimed before a change),
 * repo order, at most `limit`. Each of them learns of a conflict, or of its end, by its own check
 * run: "a service or channel claimed by two repos is a config error, reported on both repos".
 */
export async function claimPeers(
  deps: Pick<AppDeps, "store">,
  repo: string,
  claims: ClaimKey[],
  limit: number,
): Promise<ClaimPeer[]> {
  const peers = new Map<string, ClaimPeer>();
  for (const kind of ["pagerduty", "slack"] as const) {
    const keys = [...new Set(claims.filter((c) => c.kind === kind).map((c) => c.key))];
    for (const row of await claimsOn(deps.store, kind, keys)) {
      if (row.repo === repo || peers.has(row.repo)) continue;
      peers.set(row.repo, { repo: row.repo, installationId: Number(row.installation_id) });
    }
  }
  return [...peers.values()].sort((a, b) => a.repo.localeCompare(b.repo)).slice(0, limit);
}

/** Records the repo's claims as its (valid) policy lists them; a broken config keeps the last ones. */
export async function refreshRepoClaims(
  deps: Pick<AppDeps, "store" | "clock">,
  repo: string,
  installationId: number,
  policy: Policy,
): Promise<void> {
  await replaceRepoClaims(deps.store, repo, installationId, policyClaims(policy), deps.clock.now());
}

const BUILT_AT = "channel-index:built_at";
/** A replica does not rebuild an index another one rebuilt this recently (they share the store). */
const REBUILD_EVERY_MS = 9 * 60_000;

/**
 * Rebuilds the index from every installed repo's config. Replicas share it: one that finds it
 * rebuilt less than 9 minutes ago leaves it (two starting at once may both rebuild, which only
 * repeats the same writes). A repo that cannot be read keeps its claims; claims of repos no longer
 * seen are dropped, unless an installation or a repo failed (then nothing is pruned this run).
 * Returns the number of claims, or null when it was left as it was.
 */
export async function rebuildChannelIndex(app: Probot, deps: AppDeps): Promise<number | null> {
  const started = deps.clock.now();
  const last = Number((await getMeta(deps.store, BUILT_AT)) ?? Number.NaN);
  if (Number.isFinite(last) && started - last < REBUILD_EVERY_MS && started >= last) return null;
  const appClient = await app.auth();
  const installations = (await appClient.paginate("GET /app/installations", { per_page: 100 })) as Array<{
    id: number;
    suspended_at?: string | null;
  }>;
  const before = await countClaims(deps.store);
  let complete = true;
  for (const installation of installations) {
    if (installation.suspended_at) continue;
    try {
      const gh = await app.auth(installation.id);
      const repos = await gh.paginate("GET /installation/repositories", { per_page: 100 });
      for (const repository of repos) {
        const r = { owner: repository.owner.login, repo: repository.name };
        const key = repoKey(r.owner, r.repo);
        try {
          const setup = await deps.setups.get(gh, r);
          await replaceRepoClaims(deps.store, key, installation.id, policyClaims(setup.policy), started);
        } catch (error) {
          complete = false;
          app.log.warn(
            { repo: key, error: describeError(error) },
            "channel index: config not readable; the repo keeps its claims",
          );
        }
      }
    } catch (error) {
      complete = false;
      app.log.warn(
        { installation: installation.id, error: describeError(error) },
        "channel index: installation not readable; its repos keep their claims",
      );
    }
  }
  if (complete) await pruneClaims(deps.store, started);
  const claims = await countClaims(deps.store);
  // Every 10 minutes: a line at info only when the index changed size (or at start, filled).
  if (claims !== before) app.log.info({ claims, complete }, "channel index rebuilt");
  else app.log.debug({ claims, complete }, "channel index rebuilt");
  if (complete) await setMeta(deps.store, BUILT_AT, String(started));
  return claims;
}

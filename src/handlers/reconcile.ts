import type { Probot } from "probot";
import { getTrackedIssue, repoKey } from "../store/intake-store.js";
import {
  enqueueDelivery,
  getMeta,
  inboxBacklog,
  releaseNamedLease,
  setMeta,
  tryAcquireLease,
} from "../store/tracking-store.js";
import type { AppDeps } from "./deps.js";

const WATERMARK = "reconciled_at";
/** Look back a little before the watermark: GitHub's `since` is on `updated_at`, clocks drift. */
const OVERLAP_MS = 10 * 60_000;

interface IssueLike {
  number: number;
  state: string;
  created_at: string;
  closed_at?: string | null;
  pull_request?: unknown;
}

/**
 * Nothing lost: issues opened or closed while the app was down (or whose delivery failed) are
 * found again by listing each installed repo's issues updated since the last reconciliation, and
 * fed to the inbox as if GitHub had delivered them (`reconcile:` delivery ids, deduplicated like
 * real ones). One replica at a time runs it (a named lease). The first run only sets the watermark:
 * a fresh install has nothing to recover.
 */
export async function reconcile(app: Probot, deps: AppDeps): Promise<{ queued: number } | null> {
  const now = deps.clock.now();
  // Deliveries still waiting in the inbox are not missed ones: look again once it is drained.
  if ((await inboxBacklog(deps.store)) > 0) return null;
  if (!(await tryAcquireLease(deps.store, "reconcile", deps.owner, now, 10 * 60_000))) return null;
  try {
    const last = await getMeta(deps.store, WATERMARK);
    if (last === undefined) {
      await setMeta(deps.store, WATERMARK, String(now));
      return { queued: 0 };
    }
    const since = new Date(Number(last) - OVERLAP_MS).toISOString();
    let queued = 0;
    const appClient = await app.auth();
    const installations = await appClient.paginate("GET /app/installations", { per_page: 100 });
    for (const installation of installations) {
      const gh = await app.auth(installation.id);
      const repos = await gh.paginate("GET /installation/repositories", { per_page: 100 });
      for (const repository of repos) {
        const issues = (await gh.paginate("GET /repos/{owner}/{repo}/issues", {
          owner: repository.owner.login,
          repo: repository.name,
          state: "all",
          since,
          per_page: 100,
        })) as IssueLike[];
        for (const issue of issues) {
          if (issue.pull_request) continue;
          const tracked = await getTrackedIssue(deps.store, {
            repo: repoKey(repository.owner.login, repository.name),
            number: issue.number,
          });
          const action =
            !tracked && issue.state === "open"
              ? "opened"
              : tracked && issue.state === "closed" && tracked.closed_at == null
                ? "closed"
                : null;
          if (!action) continue;
          const fresh = await enqueueDelivery(deps.store, {
            deliveryId:
              `reconcile:${repository.id}:${issue.number}:${action}:${action === "closed" ? issue.closed_at : issue.created_at}`.slice(
                0,
                64,
              ),
            event: "issues",
            installationId: installation.id,
            payload: { action, issue, repository, installation: { id: installation.id } },
            now: deps.clock.now(),
          });
          if (fresh) queued++;
        }
      }
    }
    await setMeta(deps.store, WATERMARK, String(now));
    return { queued };
  } finally {
    await releaseNamedLease(deps.store, "reconcile", deps.owner);
  }
}

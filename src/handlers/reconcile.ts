import type { Probot } from "probot";
import { describeError } from "../helpers/describe-error.js";
import { issueKey } from "../helpers/issue-log.js";
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

export interface ReconcileResult {
  /** Deliveries queued for issues whose webhooks were missed. */
  queued: number;
  /** Installations whose reconciliation failed (each logged at warn with its id). */
  failed: number;
  installations: number;
}

interface InstallationLike {
  id: number;
  account?: { login?: string } | null;
  suspended_at?: string | null;
}

/**
 * Nothing lost: issues opened or closed while the app was down (or whose delivery failed) are
 * found again by listing each installed repo's issues updated since the last reconciliation, and
 * fed to the inbox as if GitHub had delivered them (`reconcile:` delivery ids, deduplicated like
 * real ones). One replica at a time runs it (a named lease). The first run only sets the watermark:
 * a fresh install has nothing to recover.
 *
 * An installation that fails (GitHub down, a repo gone mid-listing) is logged at warn with its id
 * and account and skipped: the others are still reconciled. Each installation keeps its own
 * watermark (`reconciled_at:<id>`, else the run-wide one), moved only when it succeeded, so a
 * failed one is looked at again from the same point next time. Suspended installations are skipped.
 */
export async function reconcile(app: Probot, deps: AppDeps): Promise<ReconcileResult | null> {
  const now = deps.clock.now();
  // Deliveries still waiting in the inbox are not missed ones: look again once it is drained.
  if ((await inboxBacklog(deps.store)) > 0) return null;
  if (!(await tryAcquireLease(deps.store, "reconcile", deps.owner, now, 10 * 60_000))) return null;
  try {
    const last = await getMeta(deps.store, WATERMARK);
    if (last === undefined) {
      await setMeta(deps.store, WATERMARK, String(now));
      return { queued: 0, failed: 0, installations: 0 };
    }
    let queued = 0;
    let failed = 0;
    const appClient = await app.auth();
    const installations = (await appClient.paginate("GET /app/installations", {
      per_page: 100,
    })) as InstallationLike[];
    for (const installation of installations) {
      const log = app.log.child({
        installation: installation.id,
        ...(installation.account?.login ? { account: installation.account.login } : {}),
      });
      if (installation.suspended_at) {
        log.debug("installation suspended: not reconciled");
        continue;
      }
      const key = `${WATERMARK}:${installation.id}`;
      const own = await getMeta(deps.store, key);
      const from = own ?? last;
      const since = new Date(Number(from) - OVERLAP_MS).toISOString();
      let repo: string | undefined;
      try {
        queued += await reconcileInstallation(app, deps, installation, since, (r) => {
          repo = r;
        });
        await setMeta(deps.store, key, String(now));
      } catch (error) {
        failed++;
        // Pin where this installation stands: the run-wide watermark moves on without it.
        if (own === undefined) await setMeta(deps.store, key, from);
        log.warn(
          { ...(repo ? { repo } : {}), since, error: describeError(error) },
          "reconciliation of an installation failed; the others go on, it is tried again on the next run",
        );
      }
    }
    await setMeta(deps.store, WATERMARK, String(now));
    return { queued, failed, installations: installations.length };
  } finally {
    await releaseNamedLease(deps.store, "reconcile", deps.owner);
  }
}

/** Queues the missed issues of one installation's repos; returns how many deliveries were queued. */
async function reconcileInstallation(
  app: Probot,
  deps: AppDeps,
  installation: InstallationLike,
  since: string,
  onRepo: (repo: string) => void,
): Promise<number> {
  let queued = 0;
  const gh = await app.auth(installation.id);
  const repos = await gh.paginate("GET /installation/repositories", { per_page: 100 });
  for (const repository of repos) {
    const repo = repoKey(repository.owner.login, repository.name);
    onRepo(repo);
    const issues = (await gh.paginate("GET /repos/{owner}/{repo}/issues", {
      owner: repository.owner.login,
      repo: repository.name,
      state: "all",
      since,
      per_page: 100,
    })) as IssueLike[];
    for (const issue of issues) {
      if (issue.pull_request) continue;
      const tracked = await getTrackedIssue(deps.store, { repo, number: issue.number });
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
      if (fresh) {
        queued++;
        app.log.debug(
          { installation: installation.id, issue: issueKey({ repo, number: issue.number }), action },
          "reconciliation queued a missed issue",
        );
      }
    }
  }
  return queued;
}

import type { Probot } from "probot";
import { describeError } from "../helpers/describe-error.js";
import { once } from "../outbox/index.js";
import { buildReport } from "../report/aggregate.js";
import { loadReportRows, loadReportTimers } from "../report/query.js";
import { renderWeeklyIssue, weeklyReportDue, weekWindow } from "../report/weekly.js";
import { getMeta, releaseNamedLease, setMeta, tryAcquireLease } from "../store/tracking-store.js";
import type { AppDeps } from "./deps.js";

/**
 * `report.weekly`: last week's SLA report posted as an issue in each repo that asks for it, once
 * per week whatever the number of replicas: a lease per repo, the last posted week in the store,
 * and the issue creation itself behind the outbox. Returns the repos posted to. A repo that fails
 * is logged at warn with its name and skipped: the others still get their report.
 */
export async function postWeeklyReports(app: Probot, deps: AppDeps): Promise<string[]> {
  const repos = await deps.store.db
    .selectFrom("tracked_issues")
    .select(["repo", "installation_id"])
    .distinct()
    .execute();
  const posted: string[] = [];
  const seen = new Set<string>();
  for (const { repo, installation_id } of repos) {
    if (seen.has(repo)) continue;
    seen.add(repo);
    try {
      if (await postWeeklyReport(app, deps, repo, installation_id)) posted.push(repo);
    } catch (error) {
      app.log.warn(
        { repo, installation: installation_id, error: describeError(error) },
        "weekly report of a repo failed; it is tried again later",
      );
    }
  }
  return posted;
}

/** Posts one repo's weekly report when it is due; true when posted. */
async function postWeeklyReport(
  app: Probot,
  deps: AppDeps,
  repo: string,
  installationId: number,
): Promise<boolean> {
  const [owner = "", name = ""] = repo.split("/");
  const gh = await app.auth(installationId);
  const { policy } = await deps.setups.get(gh, { owner, repo: name });
  if (!policy.report.weekly) return false;
  const metaKey = `weekly_report:${repo}`;
  const now = deps.clock.now();
  if (!weeklyReportDue((await getMeta(deps.store, metaKey)) ?? null, now, policy.calendar.timezone))
    return false;
  const lease = `weekly:${repo}`;
  if (!(await tryAcquireLease(deps.store, lease, deps.owner, now, 5 * 60_000))) return false;
  try {
    // Re-read under the lease: another replica may have posted meanwhile.
    const week = weeklyReportDue((await getMeta(deps.store, metaKey)) ?? null, now, policy.calendar.timezone);
    if (!week) return false;
    const window = weekWindow(week, policy.calendar.timezone);
    const rows = await loadReportRows(deps.store, { repo, ...window });
    const timers = await loadReportTimers(deps.store, { repo, ...window });
    const report = buildReport(rows, { repo, ...window, now, policy, timers });
    const issue = renderWeeklyIssue(report, week);
    await once(deps, `${metaKey}:${week}`, "skip", async () => {
      await gh.rest.issues.create({ owner, repo: name, title: issue.title, body: issue.body });
    });
    await setMeta(deps.store, metaKey, week);
    return true;
  } finally {
    await releaseNamedLease(deps.store, lease, deps.owner);
  }
}

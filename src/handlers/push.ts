import type { Context, Logger } from "probot";
import {
  claimConflicts,
  claimPeers,
  indexedClaims,
  policyClaims,
  refreshRepoClaims,
} from "../channels/claims.js";
import type { ClaimKey } from "../channels/store.js";
import type { Policy } from "../domain/policy.js";
import { CONFIG_PATH, FORMS_DIR, readSetupSnapshot } from "../github/repo-setup.js";
import { describeError } from "../helpers/describe-error.js";
import { bound, issueKey, withIssue } from "../helpers/issue-log.js";
import {
  CHECK_RUN_OUTPUT_MAX_BYTES,
  clip,
  fitLines,
  formatCount,
  lazyList,
  utf8Bytes,
} from "../helpers/limits.js";
import { getTrackedIssue, type IssueKey } from "../store/intake-store.js";
import type { HandlerDeps } from "./deps.js";
import { withIssueLock } from "./sla.js";
import { runLifecycle, transitionSummary } from "./timers.js";

export const CHECK_NAME = "support-sla config";
/** One problem line: messages are short; a longer one quotes some input at length. */
const MAX_PROBLEM = 1_000;

/** Paths a push touched, over all its commits. */
function touchedPaths(payload: Context<"push">["payload"]): string[] {
  const paths = new Set<string>();
  for (const c of payload.commits ?? [])
    for (const p of [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]) paths.add(p);
  return [...paths];
}

export function touchesSupportSetup(paths: string[]): boolean {
  return paths.some((p) => p === CONFIG_PATH || p.startsWith(`${FORMS_DIR}/`));
}

/**
 * The check run's output for a list of problems (`path: message`). Title and summary are short;
 * `text` lists the problems one per line, each clipped to 1,000 characters, and ends with
 * "…and N more problems" when the list would pass GitHub's 65,535-byte limit on `output.text`
 * (https://docs.github.com/en/rest/checks/runs#create-a-check-run). No annotations are sent.
 */
export function checkRunOutput(problems: string[]): { title: string; summary: string; text?: string } {
  if (problems.length === 0) {
    return {
      title: "Config and issue forms are valid",
      summary: "No problems found in `.github/support-sla.yml` and `.github/ISSUE_TEMPLATE/`.",
    };
  }
  const count = formatCount(problems.length);
  const items = lazyList(problems.length, (i) => {
    const problem = clip(problems[i] ?? "", MAX_PROBLEM * 2); // before the whitespace pass: bounded work
    return `- \`${clip(problem.replace(/\s+/g, " ").replace(/`/g, "'"), MAX_PROBLEM)}\``;
  });
  const list = fitLines(
    items,
    CHECK_RUN_OUTPUT_MAX_BYTES,
    (n) => `- …and ${formatCount(n)} more problems: run \`support-sla check-config\` to see them all.`,
    { measure: utf8Bytes },
  );
  const summary =
    `${count} problem(s) found. Until they are fixed the app keeps using this repo's last good policy ` +
    "(or the default one). Check locally with `support-sla check-config .github/support-sla.yml --forms .github/ISSUE_TEMPLATE`.";
  return {
    title: `${count} problem(s) in the support-sla setup`,
    summary,
    text: list.join("\n"),
  };
}

/**
 * A push that changes the config or the issue forms gets a check run listing every problem, and
 * on the default branch refreshes the cached setup (a broken config keeps the last good policy).
 */
export async function handlePush(context: Context<"push">, deps: HandlerDeps): Promise<void> {
  const { payload } = context;
  const owner = payload.repository.owner?.login ?? payload.repository.owner?.name ?? "";
  const repo = payload.repository.name;
  if (payload.deleted || /^0+$/.test(payload.after)) {
    context.log.debug("push deletes a ref: nothing to check");
    return;
  }
  if (!touchesSupportSetup(touchedPaths(payload))) {
    context.log.debug("push does not touch the support-sla config or issue forms");
    return;
  }
  const snapshot = await readSetupSnapshot(context.octokit, { owner, repo }, payload.after);
  const onDefaultBranch = payload.ref === `refs/heads/${payload.repository.default_branch}`;
  const channelKey = deps.setups.repoKey({ owner, repo });
  // Issue 13: a service or channel another repo claims is a problem of this config too; the
  // default branch's valid config is what the channel index holds for the repo.
  snapshot.problems.push(...(await claimConflicts(deps, channelKey, snapshot.policy)));
  let claimsTouched: ClaimKey[] = [];
  if (onDefaultBranch && snapshot.policy) {
    claimsTouched = [...(await indexedClaims(deps, channelKey)), ...policyClaims(snapshot.policy)];
    await refreshRepoClaims(deps, channelKey, context.payload.installation?.id ?? 0, snapshot.policy);
  }
  await context.octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: payload.after,
    status: "completed",
    conclusion: snapshot.problems.length === 0 ? "success" : "failure",
    output: checkRunOutput(snapshot.problems),
  });
  if (claimsTouched.length > 0) await recheckClaimPeers(context, deps, channelKey, claimsTouched);
  if (!onDefaultBranch) return;
  if (repo === ".github") deps.setups.invalidateOwner(owner);
  const key = deps.setups.repoKey({ owner, repo });
  const log = bound(context.log, "repo", key);
  const setup = deps.setups.remember(key, snapshot);
  log.info({ problems: snapshot.problems.length }, "support setup refreshed");
  // A broken config changes nothing; a valid one re-plans the timers (unchanged ones stay).
  if (snapshot.policy) await replanRepo(context, deps, key, setup.policy, log);
}

/** Repos re-checked after one push changed a repo's claims: each is a few GitHub reads and one write. */
const MAX_CLAIM_PEERS = 20;

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * Issue 13: "a service or channel claimed by two repos is a config error, reported on both repos".
 * After a valid config of `repo` was pushed to its default branch, every other repo claiming one of
 * the services or channels `repo` claims or claimed until then gets a fresh `support-sla config` check run on
 * its default branch's head, listing its own problems and the conflicts it is now part of, or none
 * once the conflict is gone. The head is read with "Get a repository" (`default_branch`,
 * https://docs.github.com/en/rest/repos/repos#get-a-repository) and "Get a reference"
 * (`GET /repos/{owner}/{repo}/git/ref/heads/{branch}`, https://docs.github.com/en/rest/git/refs#get-a-reference),
 * both under the app's `contents: read`; the check run is "Create a check run"
 * (https://docs.github.com/en/rest/checks/runs#create-a-check-run), `checks: write`. A peer that is
 * gone or no longer readable (403, 404) is skipped with a warning; any other failure is thrown
 * after every peer was tried, so that the push is retried (each run replaces the last on its sha).
 */
async function recheckClaimPeers(
  context: Context<"push">,
  deps: HandlerDeps,
  repo: string,
  claims: ClaimKey[],
): Promise<void> {
  let failure: unknown = null;
  for (const peer of await claimPeers(deps, repo, claims, MAX_CLAIM_PEERS)) {
    // `repo` is the pushed repo already (the inbox's binding): the peer gets its own key.
    const log = context.log.child({ peer: peer.repo });
    try {
      const gh = await deps.auth(peer.installationId);
      const [owner = "", name = ""] = peer.repo.split("/");
      const { data: info } = await gh.rest.repos.get({ owner, repo: name });
      const r = { owner: info.owner.login, repo: info.name };
      const { data: ref } = await gh.rest.git.getRef({ ...r, ref: `heads/${info.default_branch}` });
      const snapshot = await readSetupSnapshot(gh, r, ref.object.sha);
      const problems = [...snapshot.problems, ...(await claimConflicts(deps, peer.repo, snapshot.policy))];
      await gh.rest.checks.create({
        ...r,
        name: CHECK_NAME,
        head_sha: ref.object.sha,
        status: "completed",
        conclusion: problems.length === 0 ? "success" : "failure",
        output: checkRunOutput(problems),
      });
      log.info(
        { problems: problems.length, claimedBy: repo },
        "config check re-run: this repo shares a channel claim with a repo whose config changed",
      );
    } catch (error) {
      const status = statusOf(error);
      if (status === 403 || status === 404) {
        log.warn(
          { error: describeError(error) },
          "config check of a repo sharing a channel claim: not readable",
        );
        continue;
      }
      failure ??= error;
      log.warn({ error: describeError(error) }, "config check of a repo sharing a channel claim failed");
    }
  }
  if (failure !== null) throw failure;
}

/**
 * The issues of `repo` a config change may move: open ones (a metric turned on starts there) and
 * those with a timer still running (a closed issue's post-mortem, a breached first response), by
 * number.
 */
async function issuesToReplan(deps: HandlerDeps, repo: string): Promise<IssueKey[]> {
  return await deps.store.db
    .selectFrom("tracked_issues as i")
    .select(["i.repo", "i.number"])
    .where("i.repo", "=", repo)
    .where((eb) =>
      eb.or([
        eb("i.closed_at", "is", null),
        eb.exists(
          eb
            .selectFrom("timers as t")
            .select("t.metric")
            .whereRef("t.repo", "=", "i.repo")
            .whereRef("t.number", "=", "i.number")
            .where("t.state", "in", ["pending", "at-risk", "breached"]),
        ),
      ]),
    )
    .orderBy("i.number")
    .execute();
}

/**
 * A config change re-plans the timers of the repo's issues (src/domain/timers/lifecycle.ts,
 * `replan`): running timers get the new targets and clocks, metrics turned off are cancelled,
 * metrics turned on start on open issues, and every running timer takes its priority's new rank.
 * The intake comment follows when an update interval started or stopped.
 */
async function replanRepo(
  context: Context<"push">,
  deps: HandlerDeps,
  repo: string,
  policy: Policy,
  log: Logger,
): Promise<void> {
  let moved = 0;
  for (const key of await issuesToReplan(deps, repo)) {
    await withIssueLock(deps, key, async () => {
      const row = await getTrackedIssue(deps.store, key);
      if (!row) return;
      const issueLog = withIssue(log, issueKey(row));
      const scope = { deps, gh: context.octokit, row, policy, log: issueLog };
      const { decision } = await runLifecycle(
        scope,
        { kind: "replan", at: deps.clock.now() },
        { rerank: true },
      );
      if (decision.transitions.length === 0) return;
      moved++;
      issueLog.debug({ timers: transitionSummary(decision) }, "timers re-planned for the new config");
    });
  }
  if (moved > 0) log.info({ moved }, "pending deadlines re-planned for the new config");
}

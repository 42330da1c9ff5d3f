import type { Context, Logger } from "probot";
import type { Policy } from "../config/policy.js";
import { onReplan } from "../domain/sla/clock.js";
import { removeLabel } from "../github/labels.js";
import { CONFIG_PATH, FORMS_DIR, readSetupSnapshot } from "../github/repo-setup.js";
import { bound, issueKey } from "../helpers/issue-log.js";
import {
  CHECK_RUN_OUTPUT_MAX_BYTES,
  clip,
  fitLines,
  formatCount,
  lazyList,
  utf8Bytes,
} from "../helpers/limits.js";
import { getTrackedIssue } from "../store/intake-store.js";
import { pendingForRepo, updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { findPriority, issueRef, withIssueLock } from "./sla.js";
import { toColumns, toSlaRecord } from "./sla-record.js";

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
  await context.octokit.rest.checks.create({
    owner,
    repo,
    name: CHECK_NAME,
    head_sha: payload.after,
    status: "completed",
    conclusion: snapshot.problems.length === 0 ? "success" : "failure",
    output: checkRunOutput(snapshot.problems),
  });
  const onDefaultBranch = payload.ref === `refs/heads/${payload.repository.default_branch}`;
  if (!onDefaultBranch) return;
  if (repo === ".github") deps.setups.invalidateOwner(owner);
  const key = deps.setups.repoKey({ owner, repo });
  const log = bound(context.log, "repo", key);
  const setup = deps.setups.remember(key, snapshot);
  log.info({ problems: snapshot.problems.length }, "support setup refreshed");
  // A broken config changes nothing; a valid one re-plans the running clocks (unchanged ones stay).
  if (snapshot.policy) await replanRepo(context, deps, key, setup.policy, log);
}

/** A config change moves the deadlines of the repo's issues still waiting for a first response. */
async function replanRepo(
  context: Context<"push">,
  deps: HandlerDeps,
  repo: string,
  policy: Policy,
  log: Logger,
): Promise<void> {
  const calendar = deps.calendars.for(policy);
  let moved = 0;
  for (const pending of await pendingForRepo(deps.store, repo)) {
    await withIssueLock(deps, pending, async () => {
      const row = await getTrackedIssue(deps.store, pending);
      if (!row) return;
      const priority = findPriority(policy, row.priority);
      const decision = onReplan(
        toSlaRecord(row),
        priority,
        calendar,
        policy.escalation.warnAt,
        deps.clock.now(),
      );
      if (!decision.replanned || !decision.changed) return;
      if (decision.removeAtRiskLabel) await removeLabel(context.octokit, issueRef(row), policy.labels.atRisk);
      await updateTrackedUnleased(deps.store, row, {
        ...toColumns(decision.patch, row.cycle),
        updated_at: deps.clock.now(),
      });
      moved++;
      log.debug(
        {
          issue: issueKey(row),
          ...(decision.patch.deadlineAt !== undefined
            ? { deadline: new Date(decision.patch.deadlineAt).toISOString() }
            : {}),
        },
        "deadline re-planned for the new config",
      );
    });
  }
  if (moved > 0) {
    deps.kickScheduler?.();
    log.info({ moved }, "pending deadlines re-planned for the new config");
  }
}

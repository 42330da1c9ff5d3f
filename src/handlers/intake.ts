import { createHash } from "node:crypto";
import type { Context } from "probot";
import type { Policy, PriorityPolicy } from "../config/policy.js";
import { computeDeadline } from "../domain/deadline.js";
import { classifyIssue, type IntakeVerdict } from "../domain/forms/classify.js";
import { INTAKE_MARKER, type IntakeView, renderIntakeComment } from "../github/intake-comment.js";
import { applyLabelPlan, planLabels } from "../github/labels.js";
import type { IssueRef } from "../github/octokit.js";
import type { RepoSetup } from "../github/repo-setup.js";
import { upsertStickyComment } from "../github/sticky-comment.js";
import { isBot } from "../helpers/is-bot.js";
import { getTrackedIssue, repoKey, saveTrackedIssue, type TrackedIssue } from "../store/intake-store.js";
import type { AppDeps } from "./deps.js";

type IssuesContext = Context<"issues.opened" | "issues.edited" | "issues.reopened" | "issues.labeled">;

export type IntakeTrigger =
  | { kind: "opened" | "reopened" | "edited" }
  /** A team member put a priority label on the issue. */
  | { kind: "relabelled"; priority: string };

/** The priority to use: the body's, unless a team member relabelled since the body last changed it. */
function resolvePriority(
  verdict: IntakeVerdict,
  previous: TrackedIssue | undefined,
  trigger: IntakeTrigger,
): { priority: string; override: string | null } {
  if (trigger.kind === "relabelled") return { priority: trigger.priority, override: trigger.priority };
  const override = previous?.priority_override ?? null;
  if (override !== null && previous?.body_priority === verdict.priority)
    return { priority: override, override };
  return { priority: verdict.priority, override: null };
}

function formLinks(setup: RepoSetup, htmlUrl: string): IntakeView["formLinks"] {
  return setup.forms.map(({ file, form }) => ({
    name: form.name,
    url: `${htmlUrl}/issues/new?template=${encodeURIComponent(file)}`,
  }));
}

export function pagesAtIntake(priority: PriorityPolicy): boolean {
  return priority.page && priority.clock === "calendar";
}

function buildView(
  policy: Policy,
  verdict: IntakeVerdict,
  priority: PriorityPolicy,
  deadlineMs: number,
  links: IntakeView["formLinks"],
): IntakeView {
  const type = policy.types.find((t) => t.key === verdict.type);
  return {
    typeLabel: type?.label ?? verdict.type,
    priorityLabel: priority.label,
    pagesNow: pagesAtIntake(priority),
    deadlineMs,
    timezone: policy.calendar.timezone,
    intake: verdict.intake,
    errors: verdict.errors.map((e) => ({ label: e.label, message: e.message })),
    notes: verdict.notes,
    formLinks: verdict.matchedBy === "none" ? links : null,
    phone: policy.escalation.phone,
    chat: policy.escalation.chat,
  };
}

/**
 * Classifies one issue and brings GitHub in line with the verdict: the type and priority labels,
 * the intake label, and the one intake comment. Safe to run any number of times.
 */
export async function runIntake(
  context: IssuesContext,
  deps: AppDeps,
  trigger: IntakeTrigger,
): Promise<void> {
  const { issue, repository } = context.payload;
  const ref: IssueRef = { owner: repository.owner.login, repo: repository.name, issue_number: issue.number };
  const key = { repo: repoKey(ref.owner, ref.repo), number: issue.number };
  const log = context.log.child({ issue: `${key.repo}#${key.number}` });

  const setup = await deps.setups.get(context.octokit, { owner: ref.owner, repo: ref.repo });
  const { policy } = setup;
  const labels = (issue.labels ?? []).flatMap((l) => (l ? [typeof l === "string" ? l : l.name] : []));
  const verdict = classifyIssue({ body: issue.body ?? "", labels, forms: setup.forms, policy });
  const previous = await getTrackedIssue(deps.store, key);
  const { priority: priorityKey, override } = resolvePriority(verdict, previous, trigger);
  const priority = policy.priorities.find((p) => p.key === priorityKey) ?? policy.priorities[0];
  if (!priority) throw new Error("policy has no priorities");

  const createdAt = Date.parse(issue.created_at);
  const deadlineAt = computeDeadline(deps.calendars.for(policy), priority, createdAt);
  const typeLabel = policy.types.find((t) => t.key === verdict.type)?.label;
  const desired = [
    typeLabel,
    priority.label,
    verdict.intake === "incomplete" ? policy.labels.incomplete : undefined,
  ].filter((l): l is string => l !== undefined);

  const record: TrackedIssue = {
    repo: key.repo,
    number: key.number,
    installation_id: context.payload.installation?.id ?? 0,
    author: issue.user?.login ?? "",
    type: verdict.type,
    priority: priority.key,
    priority_override: override,
    body_priority: verdict.priority,
    intake: verdict.intake,
    created_at: createdAt,
    deadline_at: deadlineAt,
    intake_comment_id: previous?.intake_comment_id ?? null,
    intake_comment_digest: previous?.intake_comment_digest ?? null,
    updated_at: deps.clock.now(),
  };
  // Claim first: if we crash after posting the comment, the next attempt knows one may exist.
  if (!previous) await saveTrackedIssue(deps.store, record);

  await applyLabelPlan(context.octokit, ref, planLabels(labels, desired, policy), setup.labels);

  const body = renderIntakeComment(
    buildView(policy, verdict, priority, deadlineAt, formLinks(setup, repository.html_url)),
  );
  const digest = createHash("sha256").update(body).digest("hex");
  if (record.intake_comment_id === null || record.intake_comment_digest !== digest) {
    record.intake_comment_id = await upsertStickyComment(context.octokit, ref, INTAKE_MARKER, body, {
      id: record.intake_comment_id,
      mayExist: previous !== undefined,
    });
    record.intake_comment_digest = digest;
  }
  await saveTrackedIssue(deps.store, record);
  log.info(
    {
      type: record.type,
      priority: record.priority,
      intake: record.intake,
      deadline: new Date(deadlineAt).toISOString(),
    },
    "intake applied",
  );
}

/** `issues.labeled`: a team member choosing a priority label re-classifies the issue. */
export function relabelTrigger(context: Context<"issues.labeled">, policy: Policy): IntakeTrigger | null {
  const { label, sender } = context.payload;
  if (!label || isBot(sender)) return null;
  if (policy.team.ignore.some((u) => u.toLowerCase() === sender.login.toLowerCase())) return null;
  const priority = policy.priorities.find((p) => p.label.toLowerCase() === label.name.toLowerCase());
  // Only people with triage access or more can label issues on GitHub, so a human labeller is on the team.
  return priority ? { kind: "relabelled", priority: priority.key } : null;
}

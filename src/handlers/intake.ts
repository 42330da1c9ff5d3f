import { createHash } from "node:crypto";
import type { Context } from "probot";
import { planWithFallback } from "../config/fallback.js";
import type { BusinessCalendar } from "../domain/business-hours.js";
import { classifyIssue, type FormFile, type IntakeVerdict } from "../domain/forms/classify.js";
import { headingKey } from "../domain/forms/text.js";
import { fieldKey } from "../domain/forms/validate.js";
import type { Policy, PriorityPolicy } from "../domain/policy.js";
import {
  isRunning,
  onReopen,
  onReplan,
  pagesAtStart as pagesAtIntake,
  type SlaRecord,
  startTracking,
} from "../domain/sla/clock.js";
import {
  INTAKE_MARKER,
  type IntakeFieldError,
  type IntakeView,
  renderIntakeComment,
} from "../github/intake-comment.js";
import { applyLabelPlan, planLabels } from "../github/labels.js";
import type { IssueRef } from "../github/octokit.js";
import type { RepoSetup } from "../github/repo-setup.js";
import { upsertStickyComment } from "../github/sticky-comment.js";
import { isBot } from "../helpers/is-bot.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { deliver } from "../notify/outbox.js";
import {
  getTrackedIssue,
  repoKey,
  saveTrackedIssue,
  type TrackedIssue,
  type TrackedRow,
} from "../store/intake-store.js";
import { getEffect } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { effectKey, findPriority, notice, once, pagerIssue } from "./sla.js";
import { toColumns, toSlaRecord } from "./sla-record.js";

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

/**
 * Which of the form's same-labelled fields each error is about (GitHub lets fields share a label
 * when their ids differ): the comment tells "Details (2nd of 2)" from "Details (1st of 2)".
 */
function fieldErrors(verdict: IntakeVerdict, forms: readonly FormFile[]): IntakeFieldError[] {
  const fields = forms.find((f) => f.file === verdict.form)?.form.fields ?? [];
  return verdict.errors.map(({ field, label, message }) => {
    // The same key the body's sections are matched to labels by: what the customer sees as one name.
    const twins = fields.filter((f) => headingKey(f.label) === headingKey(label));
    const index = twins.findIndex((f) => fieldKey(f) === field);
    return twins.length > 1 && index >= 0
      ? { label, message, position: { index: index + 1, of: twins.length } }
      : { label, message };
  });
}

/**
 * What the intake comment shows for a verdict: the type and priority by the names customers read
 * (`types.<key>.name`, `priorities.<key>.name`), each missing or wrong field once, the notes, and
 * for an issue that matched no form the links to open it again (`links`, one per form).
 */
export function intakeView(
  policy: Policy,
  verdict: IntakeVerdict,
  priority: PriorityPolicy,
  deadlineMs: number,
  pagesNow: boolean,
  forms: readonly FormFile[],
  links: IntakeView["formLinks"],
): IntakeView {
  const type = policy.types.find((t) => t.key === verdict.type);
  return {
    typeName: type?.name ?? verdict.type,
    priorityName: priority.name,
    productionDown: pagesAtIntake(priority),
    pagesNow,
    deadlineMs,
    timezone: policy.calendar.timezone,
    intake: verdict.intake,
    errors: fieldErrors(verdict, forms),
    notes: verdict.notes,
    formLinks: verdict.matchedBy === "none" ? links : null,
    phone: policy.escalation.phone,
    chat: policy.escalation.chat,
  };
}

/** The clock fields of the row after this intake: started, re-planned, or a new cycle on reopen. */
function planClock(
  previous: TrackedRow | undefined,
  trigger: IntakeTrigger,
  policy: Policy,
  priority: PriorityPolicy,
  calendar: BusinessCalendar,
  createdAt: number,
  reopenedAt: number,
  now: number,
): { record: SlaRecord; triggerPage: boolean; removeLabels: string[] } {
  const warnAt = policy.escalation.warnAt;
  if (!previous) {
    const start = startTracking(calendar, priority, createdAt, warnAt);
    // A page at intake opens this cycle's incident: the first team reply acknowledges it.
    // `paged` stays false until the outbox confirms the page (issue 10, kind 1).
    return {
      record: { ...start.record, paged: false },
      triggerPage: start.triggerPage,
      removeLabels: [],
    };
  }
  let record = toSlaRecord(previous);
  const removeLabels: string[] = [];
  let triggerPage = false;
  if (trigger.kind === "reopened") {
    const reopen = onReopen(record, reopenedAt, calendar, priority, warnAt);
    if (reopen.newCycle) {
      record = { ...record, ...reopen.patch, paged: reopen.triggerPage ? false : reopen.patch.paged };
      if (reopen.removeAtRiskLabel) removeLabels.push(policy.labels.atRisk);
      if (reopen.removeBreachedLabel) removeLabels.push(policy.labels.breached);
      triggerPage = reopen.triggerPage;
    }
  }
  const replan = onReplan(record, priority, calendar, warnAt, now);
  if (replan.replanned && replan.changed) {
    record = { ...record, ...replan.patch, paged: record.paged };
    if (replan.removeAtRiskLabel) removeLabels.push(policy.labels.atRisk);
    triggerPage ||= replan.triggerPage;
  } else if (record.priority !== priority.key) {
    record = { ...record, priority: priority.key }; // the clock is over: only the label changes
  }
  // A page this cycle owes and the outbox has not confirmed (an earlier attempt failed, or its row
  // was saved before the page went out): this attempt sends it.
  triggerPage ||= pagesAtIntake(priority) && isRunning(record.state) && !record.paged;
  return { record, triggerPage, removeLabels };
}

/**
 * Classifies one issue and brings GitHub in line with the verdict: the type and priority labels,
 * the intake label, the one intake comment, and the first-response clock (started at creation,
 * re-planned on a priority change, restarted on a reopening without a reply). Safe to run any
 * number of times.
 */
export async function runIntake(
  context: IssuesContext,
  deps: HandlerDeps,
  trigger: IntakeTrigger,
): Promise<void> {
  const { issue, repository } = context.payload;
  const ref: IssueRef = { owner: repository.owner.login, repo: repository.name, issue_number: issue.number };
  const key = { repo: repoKey(ref.owner, ref.repo), number: issue.number };
  const log = withIssue(context.log, issueKey(key));

  const setup = await deps.setups.get(context.octokit, { owner: ref.owner, repo: ref.repo });
  const { policy } = setup;
  const labels = (issue.labels ?? []).flatMap((l) => (l ? [typeof l === "string" ? l : l.name] : []));
  const verdict = classifyIssue({ body: issue.body ?? "", labels, forms: setup.forms, policy });
  const previous = await getTrackedIssue(deps.store, key);
  const { priority: priorityKey, override } = resolvePriority(verdict, previous, trigger);
  const priority = findPriority(policy, priorityKey);
  const now = deps.clock.now();
  const createdAt = Date.parse(issue.created_at);
  // A deadline the engine refuses (beyond its horizon) is a config problem: plan with the default policy.
  const clock = planWithFallback(policy, log, (planning) =>
    planClock(
      previous,
      trigger,
      planning,
      planning === policy ? priority : findPriority(planning, priority.key),
      deps.calendars.for(planning),
      createdAt,
      Date.parse(issue.updated_at),
      now,
    ),
  );
  const { record: sla } = clock;

  const typeLabel = policy.types.find((t) => t.key === verdict.type)?.label;
  const desired = [
    typeLabel,
    priority.label,
    verdict.intake === "incomplete" ? policy.labels.incomplete : undefined,
  ].filter((l): l is string => l !== undefined);

  const row: TrackedIssue = {
    repo: key.repo,
    number: key.number,
    installation_id: context.payload.installation?.id ?? 0,
    author: issue.user?.login ?? "",
    type: verdict.type,
    priority_override: override,
    body_priority: verdict.priority,
    intake: verdict.intake,
    created_at: createdAt,
    intake_comment_id: previous?.intake_comment_id ?? null,
    intake_comment_digest: previous?.intake_comment_digest ?? null,
    title: issue.title,
    html_url: issue.html_url,
    updated_at: now,
    ...(toColumns(sla, sla.cycle) as Pick<TrackedIssue, "priority" | "deadline_at">),
    priority: priority.key,
    deadline_at: sla.deadlineAt,
  };
  // Claim first: if we crash after posting the comment, the next attempt knows one may exist.
  if (!previous) await saveTrackedIssue(deps.store, row);

  const plan = planLabels(labels, desired, policy);
  plan.remove.push(
    ...clock.removeLabels.filter((l) => labels.some((x) => x.toLowerCase() === l.toLowerCase())),
  );
  await applyLabelPlan(context.octokit, ref, plan, setup.labels);

  // The page first: the comment and the Slack notice say "paged" only once the outbox confirmed it.
  // A failed page does not hold up the comment; its error is thrown at the end (the delivery is
  // retried, no sooner than Retry-After) and the retry, seeing the page still owed, sends it.
  const { pagerduty } = deps.notifiers;
  const saved = { ...row, cycle: sla.cycle } as TrackedRow;
  let pageError: unknown;
  if (clock.triggerPage && pagerduty) {
    await once(
      deps,
      effectKey(saved, "page"),
      "rerun",
      () =>
        deliver("pagerduty", () =>
          pagerduty.trigger(
            pagerIssue(saved),
            `${priority.label}: ${key.repo}#${key.number} ${issue.title}`,
            "critical",
            { type: verdict.type, priority: priority.key, deadline: new Date(sla.deadlineAt).toISOString() },
            log,
          ),
        ),
      { channel: "pagerduty", log },
    ).catch((error: unknown) => {
      pageError = error;
    });
    if ((await getEffect(deps.store, effectKey(saved, "page")))?.status === "done") {
      sla.paged = true;
      row.paged_cycle = sla.cycle;
    }
  }
  const pagesNow = pagesAtIntake(priority) && pagerduty !== null && sla.paged && isRunning(sla.state);
  const body = renderIntakeComment({
    ...intakeView(
      policy,
      verdict,
      priority,
      sla.deadlineAt,
      pagesNow,
      setup.forms,
      formLinks(setup, repository.html_url),
    ),
    fromOnCallPage: deps.origin === "pagerduty",
  });
  const digest = createHash("sha256").update(body).digest("hex");
  if (row.intake_comment_id === null || row.intake_comment_digest !== digest) {
    row.intake_comment_id = await upsertStickyComment(
      context.octokit,
      ref,
      INTAKE_MARKER,
      body,
      {
        id: row.intake_comment_id,
        mayExist: previous !== undefined,
      },
      deps.self,
    );
    row.intake_comment_digest = digest;
  }
  const { slack } = deps.notifiers;
  let slackError: unknown;
  // "On-call paged" in Slack only once PagerDuty confirmed it.
  if (clock.triggerPage && slack && sla.paged) {
    await once(
      deps,
      effectKey(saved, "production-down-slack"),
      "skip",
      () => deliver("slack", () => slack.notify(notice(saved, policy, "production-down"), log)),
      { channel: "slack", log },
    ).catch((error: unknown) => {
      slackError = error;
    });
  }
  await saveTrackedIssue(deps.store, row);
  if (pageError !== undefined || slackError !== undefined) throw pageError ?? slackError;
  if (sla.nextDueAt !== null) deps.kickScheduler?.();
  log.info(
    {
      type: row.type,
      priority: row.priority,
      intake: row.intake,
      state: sla.state,
      deadline: new Date(sla.deadlineAt).toISOString(),
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

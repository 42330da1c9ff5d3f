import { createHash } from "node:crypto";
import type { Context, Logger } from "probot";
import { channelIssueDeps } from "../channels/intake.js";
import { planWithFallback } from "../config/fallback.js";
import type { BusinessCalendar } from "../domain/business-hours.js";
import { classifyIssue, type FormFile, type IntakeVerdict } from "../domain/forms/classify.js";
import { headingKey } from "../domain/forms/text.js";
import { fieldKey } from "../domain/forms/validate.js";
import type { Policy, PriorityPolicy } from "../domain/policy.js";
import { pagesAtStart as pagesAtIntake } from "../domain/timers/ladder.js";
import { decideLifecycle, type LifecycleDecision, type LifecycleEvent } from "../domain/timers/lifecycle.js";
import { isFinal, type Timer } from "../domain/timers/timer.js";
import {
  INTAKE_MARKER,
  type IntakeFieldError,
  type IntakeView,
  renderIntakeComment,
} from "../github/intake-comment.js";
import { addLabel, applyLabelPlan, planLabels } from "../github/labels.js";
import type { GitHub, IssueRef } from "../github/octokit.js";
import type { RepoSetup } from "../github/repo-setup.js";
import { upsertStickyComment } from "../github/sticky-comment.js";
import { isBot } from "../helpers/is-bot.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { deliver, effectKey, once } from "../outbox/index.js";
import {
  getTrackedIssue,
  repoKey,
  saveTrackedIssue,
  type TrackedIssue,
  type TrackedRow,
} from "../store/intake-store.js";
import { getTimers } from "../store/timer-store.js";
import { getEffect, updateTrackedUnleased } from "../store/tracking-store.js";
import type { HandlerDeps } from "./deps.js";
import { findPriority, issueRef, notice, pagerIssue } from "./sla.js";
import { patchDecision, transitionSummary, writeDecision } from "./timers.js";

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
 * for an issue that matched no form the links to open it again (`links`, one per form), and
 * while an update interval runs when the next update is due (`nextUpdateMs`, epoch ms).
 */
export function intakeView(
  policy: Policy,
  verdict: IntakeVerdict,
  priority: PriorityPolicy,
  deadlineMs: number,
  pagesNow: boolean,
  forms: readonly FormFile[],
  links: IntakeView["formLinks"],
  nextUpdateMs: number | null = null,
): IntakeView {
  const type = policy.types.find((t) => t.key === verdict.type);
  return {
    typeName: type?.name ?? verdict.type,
    priorityName: priority.name,
    productionDown: pagesAtIntake(priority),
    pagesNow,
    deadlineMs,
    nextUpdateMs,
    timezone: policy.calendar.timezone,
    intake: verdict.intake,
    errors: fieldErrors(verdict, forms),
    notes: verdict.notes,
    formLinks: verdict.matchedBy === "none" ? links : null,
    phone: policy.escalation.phone,
    chat: policy.escalation.chat,
  };
}

/** The first-response timer of a decision's timers (intake always has one). */
function firstResponse(timers: readonly Timer[]): Timer {
  const found = timers.find((t) => t.metric === "first_response");
  if (!found) throw new Error("the issue has no first-response timer after intake");
  return found;
}

/** The update interval running now, if any: the intake comment says when the next update is due. */
export function nextUpdateAt(timers: readonly Timer[]): number | null {
  const updates = timers.find((t) => t.metric === "updates");
  return updates && !isFinal(updates.state) ? updates.deadlineAt : null;
}

/** The first response still awaits a reply (pending or at risk). */
const awaitsReply = (t: Timer) => t.state === "pending" || t.state === "at-risk";

/**
 * The timers after this intake (src/domain/timers/lifecycle.ts): started at the issue's creation
 * for a new issue; for a known one, the reopening (a new first-response cycle without a reply, the
 * resolution resumed) and then the priority and config as they are now (re-planned, turned on or
 * off).
 */
function planTimers(
  known: boolean,
  timers: readonly Timer[],
  trigger: IntakeTrigger,
  policy: Policy,
  priority: PriorityPolicy,
  calendar: BusinessCalendar,
  instants: { createdAt: number; reopenedAt: number; now: number; waiting: boolean },
  open: boolean,
): LifecycleDecision {
  const events: LifecycleEvent[] = [];
  if (!known || !timers.some((t) => t.metric === "first_response")) {
    events.push({ kind: "intake", at: instants.createdAt });
  } else {
    if (trigger.kind === "reopened") {
      events.push({ kind: "reopen", at: instants.reopenedAt, waiting: instants.waiting });
    }
    events.push({ kind: "replan", at: instants.now });
  }
  return decideLifecycle({ policy, priority, calendar, timers, open }, events);
}

/** The labels a decision takes off (those on the issue) and puts back (those not on it). */
function timerLabels(
  decision: LifecycleDecision,
  labels: readonly string[],
): { add: string[]; remove: string[] } {
  const has = (name: string) => labels.some((l) => l.toLowerCase() === name.toLowerCase());
  const last = new Map<string, { name: string; add: boolean }>();
  for (const { effect } of decision.effects) {
    if (effect.kind !== "add-label" && effect.kind !== "remove-label") continue;
    last.delete(effect.label.toLowerCase());
    last.set(effect.label.toLowerCase(), { name: effect.label, add: effect.kind === "add-label" });
  }
  const out = { add: [] as string[], remove: [] as string[] };
  for (const { name, add } of last.values()) {
    if (add && !has(name)) out.add.push(name);
    if (!add && has(name)) out.remove.push(name);
  }
  return out;
}

/**
 * The intake comment's text for an issue: the verdict, the priority, the first-response deadline
 * of its current cycle, whether on-call is paged now, and the next update while an update interval
 * runs. `htmlUrl` is the repository's web address (the form links).
 */
function intakeBody(
  deps: HandlerDeps,
  setup: RepoSetup,
  verdict: IntakeVerdict,
  priority: PriorityPolicy,
  timers: readonly Timer[],
  pagesNow: boolean,
  htmlUrl: string,
): string {
  return renderIntakeComment({
    ...intakeView(
      setup.policy,
      verdict,
      priority,
      firstResponse(timers).deadlineAt ?? 0,
      pagesNow,
      setup.forms,
      formLinks(setup, htmlUrl),
      nextUpdateAt(timers),
    ),
    fromOnCallPage: deps.origin === "pagerduty",
    awaitingReply: awaitsReply(firstResponse(timers)),
  });
}

const digestOf = (body: string) => createHash("sha256").update(body).digest("hex");

/**
 * Classifies one issue and brings GitHub in line with the verdict: the type and priority labels,
 * the intake label, the one intake comment, and the issue's timers (started at creation,
 * re-planned on a priority or config change, a new first-response cycle and the resolution
 * resumed on a reopening). Safe to run any number of times.
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
  const reopenedAt = Date.parse(issue.updated_at);
  const before = previous ? await getTimers(deps.store, key) : [];
  const open = (issue as { state?: string }).state !== "closed";
  // A deadline the engine refuses (beyond its horizon) is a config problem: plan with the default policy.
  const planned = planWithFallback(policy, log, (planning) => {
    const planningPriority = planning === policy ? priority : findPriority(planning, priority.key);
    const calendar = deps.calendars.for(planning);
    const decision = planTimers(
      previous !== undefined,
      before,
      trigger,
      planning,
      planningPriority,
      calendar,
      {
        createdAt,
        reopenedAt,
        now,
        waiting: labels.some((l) => l.toLowerCase() === planning.labels.waiting.toLowerCase()),
      },
      open,
    );
    return { decision, policy: planning, priority: planningPriority, calendar };
  });
  const { decision } = planned;
  let first = firstResponse(decision.timers);

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
    priority: priority.key,
    priority_override: override,
    body_priority: verdict.priority,
    intake: verdict.intake,
    created_at: createdAt,
    deadline_at: first.deadlineAt ?? previous?.deadline_at ?? createdAt,
    intake_comment_id: previous?.intake_comment_id ?? null,
    intake_comment_digest: previous?.intake_comment_digest ?? null,
    title: issue.title,
    html_url: issue.html_url,
    updated_at: now,
    // The scheduler claims timers, never this row (the timers' projection keeps it NULL).
    next_due_at: null,
    // A reopening after the close: the issue is open again.
    ...(trigger.kind === "reopened" && previous?.closed_at != null && reopenedAt >= previous.closed_at
      ? { closed_at: null }
      : {}),
  };
  const scope = { policy: planned.policy, priority: planned.priority, calendar: planned.calendar };
  // Rows claim first: if we crash after posting the comment, the next attempt knows one may exist.
  let written = false;
  if (!previous) {
    await saveTrackedIssue(deps.store, row);
    await writeDecision(deps, row, decision, scope);
    written = true;
  }

  const plan = planLabels(labels, desired, policy);
  const timerLabelPlan = timerLabels(decision, labels);
  plan.remove.push(...timerLabelPlan.remove);
  await applyLabelPlan(context.octokit, ref, plan, setup.labels);
  for (const name of timerLabelPlan.add) await addLabel(context.octokit, ref, name);

  // The page first: the comment and the Slack notice say "paged" only once the outbox confirmed it.
  // A failed page does not hold up the comment; its error is thrown at the end (the delivery is
  // retried, no sooner than Retry-After) and the retry, seeing the page still owed, sends it. A
  // page is owed while the first response of a paging priority awaits its reply and none is open.
  const { pagerduty } = deps.notifiers;
  const saved = { ...row, cycle: first.cycle } as TrackedRow;
  const triggerPage = pagesAtIntake(priority) && awaitsReply(first) && !first.paged;
  const pagedAtClaim = first.paged;
  let paged = first.paged;
  let pageError: unknown;
  if (triggerPage && pagerduty) {
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
            {
              type: verdict.type,
              priority: priority.key,
              deadline: new Date(first.deadlineAt ?? row.deadline_at).toISOString(),
            },
            log,
          ),
        ),
      { channel: "pagerduty", log },
    ).catch((error: unknown) => {
      pageError = error;
    });
    if ((await getEffect(deps.store, effectKey(saved, "page")))?.status === "done") {
      paged = true;
      patchDecision(decision, first, { paged: true });
      first = firstResponse(decision.timers);
    }
  }
  const pagesNow = pagesAtIntake(priority) && pagerduty !== null && paged && awaitsReply(first);
  const body = intakeBody(deps, setup, verdict, priority, decision.timers, pagesNow, repository.html_url);
  const digest = digestOf(body);
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
  if (triggerPage && slack && paged) {
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
  if (!written) {
    // A priority change moves every running timer to the new priority's rank.
    await writeDecision(deps, row, decision, scope, priority.key !== previous?.priority ? before : []);
  } else if (paged && !pagedAtClaim) {
    // Written at the claim already: only the page confirmed since.
    const patch = { paged: true };
    const change = { kind: "update" as const, metric: "first_response" as const, cycle: first.cycle, patch };
    await writeDecision(deps, row, { changes: [change], timers: decision.timers }, scope);
  }
  if (pageError !== undefined || slackError !== undefined) throw pageError ?? slackError;
  log.info(
    {
      type: row.type,
      priority: row.priority,
      intake: row.intake,
      state: first.state === "met" && first.late ? "breached" : first.state,
      deadline: new Date(first.deadlineAt ?? row.deadline_at).toISOString(),
      ...(decision.transitions.length > 0 ? { timers: transitionSummary(decision) } : {}),
    },
    "intake applied",
  );
}

/**
 * Renders the intake comment again after a timer event changed what it says (an update interval
 * reset, started or stopped: the "Next update by …" line), from the issue's `timers` as the event
 * leaves them, and edits it only when its text changed (the stored digest). `issue` is the issue
 * as the event delivered it (body and labels);
 * null reads it from GitHub ("Get an issue", https://docs.github.com/en/rest/issues/issues#get-an-issue).
 * An issue whose intake comment was never posted is left to intake. Throws what GitHub throws.
 */
export async function refreshIntakeComment(
  deps: HandlerDeps,
  gh: GitHub,
  row: TrackedRow,
  issue: IntakeIssue | null,
  log: Logger,
  timers: readonly Timer[],
): Promise<void> {
  if (row.intake_comment_id === null) return;
  const ref = issueRef(row);
  const data = issue ?? ((await gh.rest.issues.get({ ...ref })).data as unknown as IntakeIssue);
  // A channel-opened issue is read with its channel's pinned setup, as intake read it.
  const pinned = await channelIssueDeps({ issue: { ...data } }, deps, row);
  const setup = await pinned.setups.get(gh, { owner: ref.owner, repo: ref.repo });
  const labels = (data.labels ?? []).flatMap((l) => {
    const name = typeof l === "string" ? l : l?.name;
    return name ? [name] : [];
  });
  const verdict = classifyIssue({ body: data.body ?? "", labels, forms: setup.forms, policy: setup.policy });
  const priority = findPriority(setup.policy, row.priority);
  const first = firstResponse(timers);
  const pagesNow =
    pagesAtIntake(priority) && pinned.notifiers.pagerduty !== null && first.paged && awaitsReply(first);
  const repoUrl = row.html_url.replace(/\/issues\/\d+$/, "");
  const body = intakeBody(pinned, setup, verdict, priority, timers, pagesNow, repoUrl);
  const digest = digestOf(body);
  if (row.intake_comment_digest === digest) return;
  const id = await upsertStickyComment(
    gh,
    ref,
    INTAKE_MARKER,
    body,
    { id: row.intake_comment_id, mayExist: true },
    deps.self,
  );
  await updateTrackedUnleased(deps.store, row, {
    intake_comment_id: id,
    intake_comment_digest: digest,
    updated_at: deps.clock.now(),
  });
  log.debug({ nextUpdate: nextUpdateAt(timers) }, "intake comment refreshed");
}

/** The parts of an issue (webhook or REST shape) the intake comment is rendered from. */
export interface IntakeIssue {
  body?: string | null;
  labels?: Array<string | { name?: string } | null>;
  created_at?: string;
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

import type { Policy } from "../domain/policy.js";
import { type GitHub, httpStatus, type IssueRef } from "./octokit.js";

/**
 * A label as the app creates it in a repository. GitHub's rules ("Create a label",
 * https://docs.github.com/en/rest/issues/labels#create-a-label): `name` at most 50 characters,
 * `color` 6 hex digits without `#`, `description` 100 characters or fewer.
 */
export interface LabelDefinition {
  name: string;
  color: string;
  description: string;
}

/** Most characters of a label description ("Create a label": "Must be 100 characters or fewer"). */
export const MAX_LABEL_DESCRIPTION_CHARS = 100;

const lower = (s: string) => s.toLowerCase();

/**
 * The labels team members add by hand and the app reacts to: `labels.waiting` (pauses the
 * resolution clock) and `labels.resolved` when set (meets it). The app creates them in the
 * repository so that they can be picked from the issue's label menu, which lists only labels
 * that exist.
 */
export function teamLabels(policy: Policy): LabelDefinition[] {
  const labels = [
    {
      name: policy.labels.waiting,
      color: "fef2c0",
      description: "Waiting for the customer's answer: the resolution clock is paused",
    },
  ];
  if (policy.labels.resolved !== null) {
    labels.push({
      name: policy.labels.resolved,
      color: "0e8a16",
      description: "Resolved: meets the resolution target, as closing the issue does",
    });
  }
  return labels;
}

/**
 * The labels of `escalation.levels` that are neither `labels.at_risk` nor `labels.breached`, once
 * each (levels may share one), in ladder order.
 */
function levelLabels(policy: Policy): LabelDefinition[] {
  const seen = new Set([policy.labels.atRisk, policy.labels.breached].map(lower));
  const labels: LabelDefinition[] = [];
  for (const level of policy.escalation.levels ?? []) {
    if (level.label === null || seen.has(lower(level.label))) continue;
    seen.add(lower(level.label));
    labels.push({ name: level.label, color: "e99695", description: `SLA escalation level ${level.name}` });
  }
  return labels;
}

/** Every label the app owns under a policy, with the colour and description it creates them with. */
export function ownedLabels(policy: Policy): LabelDefinition[] {
  return [
    ...policy.types.map((t) => ({ name: t.label, color: t.color, description: t.description })),
    ...policy.priorities.map((p) => ({ name: p.label, color: p.color, description: p.description })),
    {
      name: policy.labels.incomplete,
      color: "d93f0b",
      description: "Some required information is missing or wrong",
    },
    { name: policy.labels.atRisk, color: "fbca04", description: "An SLA deadline of this issue is near" },
    {
      name: policy.labels.breached,
      color: "b60205",
      description: "An SLA deadline of this issue has passed",
    },
    ...levelLabels(policy),
    ...teamLabels(policy),
  ];
}

/** The owned definition of the label `name` (without regard to case), or a plain grey one. */
export function labelDefinition(policy: Policy, name: string): LabelDefinition {
  return (
    ownedLabels(policy).find((d) => lower(d.name) === lower(name)) ?? {
      name,
      color: "ededed",
      description: "",
    }
  );
}

export interface LabelPlan {
  add: LabelDefinition[];
  remove: string[];
  /** Labels the repository must have without adding them to the issue: {@link teamLabels}. */
  create: LabelDefinition[];
}

/**
 * Labels to add and remove so that, among the labels this app owns for intake (types, priorities,
 * incomplete), exactly `desired` are on the issue. Labels the app does not own are never touched.
 * The plan also makes sure the repository has the team's labels ({@link teamLabels}).
 */
export function planLabels(current: string[], desired: string[], policy: Policy): LabelPlan {
  const intakeOwned = new Set(
    [
      ...policy.types.map((t) => t.label),
      ...policy.priorities.map((p) => p.label),
      policy.labels.incomplete,
    ].map(lower),
  );
  const currentSet = new Set(current.map(lower));
  const desiredSet = new Set(desired.map(lower));
  const add = desired
    .filter((name) => !currentSet.has(lower(name)))
    .map((name) => labelDefinition(policy, name));
  const remove = current.filter((name) => intakeOwned.has(lower(name)) && !desiredSet.has(lower(name)));
  return { add, remove, create: teamLabels(policy) };
}

/**
 * Creates each of `labels` the repository lacks (`repoLabels`: its label names, lower-cased,
 * updated as labels are made). A 422 answer means the label exists already (made meanwhile by
 * someone, or by another replica): that is what was wanted. Other errors are thrown.
 */
export async function ensureRepoLabels(
  gh: GitHub,
  repo: { owner: string; repo: string },
  labels: readonly LabelDefinition[],
  repoLabels: Set<string>,
): Promise<void> {
  for (const def of labels) {
    if (repoLabels.has(lower(def.name))) continue;
    try {
      await gh.rest.issues.createLabel({ owner: repo.owner, repo: repo.repo, ...def });
    } catch (error) {
      if (httpStatus(error) !== 422) throw error;
    }
    repoLabels.add(lower(def.name));
  }
}

/**
 * Applies a plan: creates the labels the repository lacks first (with colour and description),
 * then one add call, then the removals.
 */
export async function applyLabelPlan(
  gh: GitHub,
  issue: IssueRef,
  plan: LabelPlan,
  repoLabels: Set<string>,
): Promise<void> {
  await ensureRepoLabels(gh, issue, [...plan.add, ...plan.create], repoLabels);
  if (plan.add.length > 0) {
    await gh.rest.issues.addLabels({ ...issue, labels: plan.add.map((d) => d.name) });
  }
  for (const name of plan.remove) await removeLabel(gh, issue, name);
}

export async function addLabel(gh: GitHub, issue: IssueRef, name: string): Promise<void> {
  await gh.rest.issues.addLabels({ ...issue, labels: [name] });
}

/** Removes one label from the issue; one that is already gone is fine. */
export async function removeLabel(gh: GitHub, issue: IssueRef, name: string): Promise<void> {
  try {
    await gh.rest.issues.removeLabel({ ...issue, name });
  } catch (error) {
    if (httpStatus(error) !== 404) throw error;
  }
}

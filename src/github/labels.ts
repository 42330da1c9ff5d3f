import type { Policy } from "../domain/policy.js";
import { type GitHub, httpStatus, type IssueRef } from "./octokit.js";

export interface LabelDefinition {
  name: string;
  color: string;
  description: string;
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
    { name: policy.labels.atRisk, color: "fbca04", description: "First response is due soon" },
    { name: policy.labels.breached, color: "b60205", description: "First response is overdue" },
  ];
}

export interface LabelPlan {
  add: LabelDefinition[];
  remove: string[];
}

/**
 * Labels to add and remove so that, among the labels this app owns for intake (types, priorities,
 * incomplete), exactly `desired` are on the issue. Labels the app does not own are never touched.
 */
export function planLabels(current: string[], desired: string[], policy: Policy): LabelPlan {
  const lower = (s: string) => s.toLowerCase();
  const defs = ownedLabels(policy);
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
    .map(
      (name) => defs.find((d) => lower(d.name) === lower(name)) ?? { name, color: "ededed", description: "" },
    );
  const remove = current.filter((name) => intakeOwned.has(lower(name)) && !desiredSet.has(lower(name)));
  return { add, remove };
}

/** Applies a plan: creates missing repo labels first (with colour and description), then one add call. */
export async function applyLabelPlan(
  gh: GitHub,
  issue: IssueRef,
  plan: LabelPlan,
  repoLabels: Set<string>,
): Promise<void> {
  for (const def of plan.add) {
    if (repoLabels.has(def.name.toLowerCase())) continue;
    try {
      await gh.rest.issues.createLabel({ owner: issue.owner, repo: issue.repo, ...def });
    } catch (error) {
      // 422: someone (or another replica) created it meanwhile; that is what we wanted.
      if (httpStatus(error) !== 422) throw error;
    }
    repoLabels.add(def.name.toLowerCase());
  }
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

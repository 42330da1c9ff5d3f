import { type BusinessCalendar, createCalendar } from "../domain/business-hours.js";
import { formatDuration } from "../domain/duration.js";
import type { Policy, SlaTarget } from "../domain/policy.js";
import type { ReportTarget, Spread } from "./types.js";

/*
 * What the first-response figures (aggregate.ts) and the timed metrics (metrics.ts) share:
 * percentiles, names, target texts and the business calendar.
 */

/** Nearest-rank percentile (`p` a whole percent, 1 … 100): the value at rank ⌈p·n/100⌉ of the sorted values. */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p * sorted.length) / 100));
  return sorted[rank - 1] ?? null;
}

/** Nearest-rank median and p90 of `values` (nulls when there are none). */
export const spread = (values: readonly number[]): Spread => ({
  median: nearestRank(values, 50),
  p90: nearestRank(values, 90),
});

/** The label without its `priority:` / `type:` prefix, capitalised: `priority: production down` → `Production down`. */
export function displayName(label: string): string {
  const bare = label.replace(/^[^:]{1,20}:\s*/, "").trim() || label;
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** `30 min, 24/7`, `1 h business time`, `next business day`. */
export function targetText(target: SlaTarget): string {
  if (target.response.kind === "next-business-day") return "next business day";
  return `${formatDuration(target.response.ms)}${target.clock === "business" ? " business time" : ", 24/7"}`;
}

/** The text of a target nobody recorded (issues tracked before the store kept targets). */
export const NOT_RECORDED = "not recorded";

/**
 * The distinct targets of `targets` (one per issue or timer; null = not recorded), most
 * frequent first (then in order of first appearance), "not recorded" last. `issues` counts the
 * entries under each.
 */
export function trackedTargets(targets: Iterable<SlaTarget | null>): ReportTarget[] {
  const found = new Map<string, ReportTarget>();
  for (const target of targets) {
    const key = target === null ? "" : JSON.stringify(target);
    const entry = found.get(key);
    if (entry) entry.issues++;
    else {
      found.set(key, {
        text: target === null ? NOT_RECORDED : targetText(target),
        response: target?.response ?? null,
        clock: target?.clock ?? null,
        issues: 1,
      });
    }
  }
  const known = [...found.values()].filter((t) => t.response !== null);
  known.sort((a, b) => b.issues - a.issues);
  return [...known, ...[...found.values()].filter((t) => t.response === null)];
}

/** Targets named one by one in the summary before "…and N more targets". */
const MAX_TARGETS_NAMED = 3;

/**
 * One line for a target column: the one target, or each (at most {@link MAX_TARGETS_NAMED}, then
 * "…and N more targets") with its count of `noun`s (`issue`, `timer`); without any, the
 * configured target or `—`.
 */
export function summariseTargets(
  tracked: readonly ReportTarget[],
  configured: string | null,
  noun = "issue",
): string {
  const [only] = tracked;
  if (only === undefined) return configured ?? "—";
  if (tracked.length === 1) return only.text;
  const count = (n: number) => `${n} ${noun}${n === 1 ? "" : "s"}`;
  const named = tracked.slice(0, MAX_TARGETS_NAMED).map((t) => `${t.text} (${count(t.issues)})`);
  const more = tracked.length - named.length;
  return `${named.join("; ")}${more > 0 ? `; …and ${more} more targets` : ""}`;
}

/** The policy's business calendar, or null when it cannot be built (figures needing it are left out). */
export function calendarOf(policy: Policy): BusinessCalendar | null {
  try {
    return createCalendar(policy.calendar);
  } catch {
    return null;
  }
}

export const iso = (ms: number) => new Date(ms).toISOString();

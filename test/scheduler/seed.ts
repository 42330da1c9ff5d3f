import { createCalendar } from "../../src/domain/business-hours.js";
import type { EscalationLevel, Policy } from "../../src/domain/policy.js";
import { ladderFor } from "../../src/domain/timers/ladder.js";
import { type Metric, startTimer, type Timer } from "../../src/domain/timers/timer.js";
import { saveTrackedIssue } from "../../src/store/intake-store.js";
import { getTimers, saveTimers, type TimerRow } from "../../src/store/timer-store.js";
import type { Harness } from "../helpers/harness.js";
import { INSTALLATION_ID, OWNER, REPO } from "../helpers/payloads.js";

export const REPO_KEY = `${OWNER}/${REPO}`;

/** Labels that exist in the test repo (the setup cache's view). */
export const REPO_LABELS = [
  "type: problem",
  "priority: urgent",
  "priority: normal",
  "sla: at risk",
  "sla: breached",
];

/**
 * Makes `policy` the repo's setup in the harness's cache, as if its config had been read: the
 * scheduler then reads no config from GitHub, and the tests need not mock those reads.
 */
export function usePolicy(h: Harness, policy: Policy): void {
  h.setups.remember(
    REPO_KEY,
    { policy, forms: [], problems: [], configFound: true },
    new Set(REPO_LABELS.map((l) => l.toLowerCase())),
  );
}

export interface SeedSpec {
  number: number;
  priority: string;
  metric: Metric;
  /** The timer's start (ISO). */
  startedAt: string;
  /** The issue's creation (ISO); default `startedAt`. */
  createdAt?: string;
  cycle?: number;
  installationId?: number;
}

/**
 * A tracked issue of the test repo with one running timer of `metric`, started at `startedAt`
 * on the priority's target for that metric, planned as the domain plans it; returns the timer.
 */
export async function seedTimer(h: Harness, policy: Policy, spec: SeedSpec): Promise<Timer> {
  const priority = policy.priorities.find((p) => p.key === spec.priority);
  if (!priority) throw new Error(`no priority ${spec.priority}`);
  const target =
    spec.metric === "first_response"
      ? priority.response
      : spec.metric === "next_reply"
        ? priority.nextReply
        : spec.metric === "resolution"
          ? priority.resolution
          : spec.metric === "updates"
            ? priority.updates
            : ({ kind: "duration", ms: policy.postMortem.dueMs } as const);
  if (!target) throw new Error(`${spec.priority} has no ${spec.metric} target`);
  const clock = spec.metric === "post_mortem" ? "calendar" : priority.clock;
  const startedAt = Date.parse(spec.startedAt);
  const createdAt = Date.parse(spec.createdAt ?? spec.startedAt);
  const ladder: EscalationLevel[] = ladderFor(policy, priority, spec.metric);
  const timer = startTimer(
    { metric: spec.metric, cycle: spec.cycle ?? 1, clock, target },
    startedAt,
    createCalendar(policy.calendar),
    ladder,
  );
  const key = { repo: REPO_KEY, number: spec.number };
  await saveTrackedIssue(h.store, {
    ...key,
    installation_id: spec.installationId ?? INSTALLATION_ID,
    author: "customer-carla",
    type: "problem",
    priority: priority.key,
    priority_override: null,
    body_priority: priority.key,
    intake: "valid",
    created_at: createdAt,
    deadline_at: timer.deadlineAt ?? createdAt,
    intake_comment_id: 10,
    intake_comment_digest: null,
    updated_at: createdAt,
    title: `Checkout fails ${spec.number}`,
    html_url: `https://github.com/${REPO_KEY}/issues/${spec.number}`,
    next_due_at: null,
  });
  await saveTimers(
    h.store,
    key,
    [
      {
        kind: "insert",
        timer,
        installationId: spec.installationId ?? INSTALLATION_ID,
        rank: policy.priorities.indexOf(priority),
      },
    ],
    { now: startedAt },
  );
  return timer;
}

/** The issue's current timer of `metric`. */
export async function timerOf(h: Harness, number: number, metric: Metric): Promise<TimerRow | undefined> {
  return (await getTimers(h.store, { repo: REPO_KEY, number })).find((t) => t.metric === metric);
}

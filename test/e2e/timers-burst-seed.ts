import { parseConfig } from "../../src/config/load.js";
import { type BusinessCalendar, createCalendar } from "../../src/domain/business-hours.js";
import type { Policy, PriorityPolicy } from "../../src/domain/policy.js";
import { ladderFor, metricTarget } from "../../src/domain/timers/ladder.js";
import { decideDue, startTimer, type Timer } from "../../src/domain/timers/timer.js";
import { ownedLabels } from "../../src/github/labels.js";
import type { Store } from "../../src/store/db.js";
import { openStore } from "../../src/store/db.js";
import { saveTrackedIssue, type TrackedIssue } from "../../src/store/intake-store.js";
import { saveTimers } from "../../src/store/timer-store.js";
import { INTAKE_MARKER, problemBody, type World } from "./world.js";

/*
 * The close-of-business burst of issue 12, seeded for an end-to-end test (timers-burst.e2e.test.ts):
 * a business calendar that closes at an instant T0 (a whole minute), first-response timers of the
 * shipped priorities that all fall due at T0, and the issues, tracked rows and timers as the app
 * itself would have left them after the at-risk warning. Timers are built with the app's own
 * domain functions (startTimer, decideDue) and written with its own store functions, so what the
 * scheduler reads back is what the app would have stored. (The same ideas as bench/lib/timers.mjs,
 * kept apart from it: the tests do not depend on the benchmarks.)
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;
const WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/** `instant` rounded up to the next whole minute (epoch ms). */
export function ceilMinute(instant: number): number {
  return Math.ceil(instant / MINUTE) * MINUTE;
}

/**
 * `.github/support-sla.yml` whose business calendar closes at `close` (epoch ms, a whole minute):
 * a fixed-offset IANA zone (`Etc/GMT±N`, no daylight saving) in which `close` is 16:MM local,
 * open every day from 08:00 to 16:MM. So a Normal issue opened the day before (next-business-day),
 * an Urgent one opened an hour of business time before and a Production-down one opened 30 minutes
 * before (the shipped targets) all fall due at `close`. `extra` is appended (more YAML keys).
 * IANA's `Etc/GMT-5` is UTC+5 (POSIX sign), hence the inverted sign. Throws when `close` is not a
 * whole minute.
 */
export function closeOfBusinessConfig(close: number, extra: string[] = []): string {
  if (close % MINUTE !== 0) throw new Error("the close of business must be a whole minute");
  const at = new Date(close);
  let offset = 16 - at.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  const timezone = offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  const local = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
  if (!local.startsWith("16:")) throw new Error(`${timezone}: ${at.toISOString()} is ${local}, not 16:MM`);
  return [
    `timezone: ${timezone}`,
    "business_hours:",
    ...WEEK.map((day) => `  ${day}: ["08:00-${local}"]`),
    ...extra,
    "",
  ].join("\n");
}

/** The policy and calendar the app derives from `yaml` (its own config loader). Throws when invalid. */
export function policyOf(yaml: string): { policy: Policy; calendar: BusinessCalendar } {
  const parsed = parseConfig(yaml, { source: "the burst config" });
  if (!parsed.ok) {
    throw new Error(`the burst config is invalid: ${parsed.problems.map((p) => p.message).join("; ")}`);
  }
  return { policy: parsed.policy, calendar: createCalendar(parsed.policy.calendar) };
}

/** The priority `key` of `policy` and its rank (config order, 0 = most urgent). Throws when absent. */
export function priorityOf(policy: Policy, key: string): { priority: PriorityPolicy; rank: number } {
  const rank = policy.priorities.findIndex((p) => p.key === key);
  const priority = policy.priorities[rank];
  if (!priority) throw new Error(`no priority ${key} in the policy`);
  return { priority, rank };
}

/**
 * A first-response timer of `priorityKey` whose deadline is exactly `deadline` (epoch ms), started
 * with the app's `startTimer` at the earliest instant whose deadline is `deadline` (the target
 * before it when that lands on it, else a binary search: next-business-day starts just after the
 * previous close). Then its at-risk level (the ladder's first) fired through the app's
 * `decideDue` at its instant: the timer is `at-risk`, next due at the deadline, where the breach
 * fires. Returns it with the at-risk instant. Throws when the calendar cannot put a deadline there.
 */
export function atRiskTimerDueAt(
  { policy, calendar }: { policy: Policy; calendar: BusinessCalendar },
  priorityKey: string,
  deadline: number,
): { timer: Timer; atRiskAt: number } {
  const { priority } = priorityOf(policy, priorityKey);
  const planned = metricTarget(policy, priority, "first_response");
  if (!planned) throw new Error(`first_response is off for ${priorityKey}`);
  const ladder = ladderFor(policy, priority, "first_response");
  const spec = { metric: "first_response" as const, cycle: 1, clock: planned.clock, target: planned.target };
  const start = (at: number) => startTimer(spec, at, calendar, ladder);
  const guess = planned.target.kind === "duration" ? deadline - planned.target.ms : deadline - 26 * HOUR;
  let timer = start(guess);
  if (timer.deadlineAt !== deadline) {
    // Deadlines grow with the start: the smallest start whose deadline reaches `deadline`.
    let lo = deadline - 10 * 24 * HOUR;
    let hi = deadline;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((start(mid).deadlineAt ?? Number.POSITIVE_INFINITY) >= deadline) hi = mid;
      else lo = mid;
    }
    timer = start(hi);
  }
  if (timer.deadlineAt !== deadline || timer.nextDueAt === null) {
    throw new Error(`no first response of ${priorityKey} falls due at ${new Date(deadline).toISOString()}`);
  }
  const atRiskAt = timer.nextDueAt;
  const decision = decideDue(timer, atRiskAt, calendar, ladder, new Set());
  if (!decision) throw new Error(`${priorityKey}: nothing fires at the at-risk instant`);
  timer = { ...timer, ...decision.patch };
  if (timer.state !== "at-risk" || timer.nextDueAt !== deadline) {
    throw new Error(
      `${priorityKey}: after the at-risk level the timer is ${timer.state}, not due at the deadline`,
    );
  }
  return { timer, atRiskAt };
}

/** One seeded issue of the burst. */
export interface BurstIssue {
  owner: string;
  repo: string;
  number: number;
  priority: string;
  /** The priority's rank (0 = most urgent). */
  rank: number;
  /** Whether the breach pages (the priority's `page`: the default ladder's breach level). */
  pages: boolean;
}

/**
 * Seeds the issues of the burst, one per entry of `plan` (a repo and a priority key, in that
 * order of creation: issue numbers follow it), all in installation `installationId`:
 * - on GitHub: the repos' labels (the app's owned labels, as an installed repo has them), the
 *   issue as the problem form files it (type and priority labels) with `sla: at risk` on, opened
 *   when its timer started, and the app's intake comment;
 * - in the store at `databaseUrl` (opened, migrated, closed): the tracked row and its
 *   first-response timer, at risk and next due at the deadline (`atRiskTimerDueAt`). No incident
 *   was opened yet (the timer is not `paged`): the breach pages for the paging priorities.
 * The repos must exist (`World.seedRepo`). Throws when the store refuses a write.
 */
export async function seedBurst(
  w: World,
  databaseUrl: string,
  options: {
    yaml: string;
    deadline: number;
    installationId: number;
    plan: ReadonlyArray<{ owner: string; repo: string; priority: string }>;
  },
): Promise<BurstIssue[]> {
  const planned = policyOf(options.yaml);
  const { policy } = planned;
  const repos = new Set(options.plan.map((p) => `${p.owner}/${p.repo}`));
  for (const full of repos) {
    const [owner = "", repo = ""] = full.split("/");
    for (const label of ownedLabels(policy)) w.gh.addLabel(owner, repo, label);
  }
  const store: Store = await openStore(databaseUrl);
  const issues: BurstIssue[] = [];
  try {
    for (const { owner, repo, priority: key } of options.plan) {
      const { priority, rank } = priorityOf(policy, key);
      const { timer, atRiskAt } = atRiskTimerDueAt(planned, key, options.deadline);
      const issue = w.gh.createIssue(owner, repo, {
        title: `[Problem]: checkout answers 503 (${priority.name})`,
        body: problemBody({ priority: priority.name }),
        labels: ["type: problem", priority.label, policy.labels.atRisk],
        user: { login: "customer", type: "User" },
        created_at: new Date(timer.startedAt).toISOString(),
      });
      const number = issue.number as number;
      const intake = w.gh.addComment(owner, repo, number, {
        body: `${INTAKE_MARKER}\n**Thanks, your request is registered.**`,
        user: w.gh.botUser as { login: string; type: "Bot" },
        created_at: new Date(timer.startedAt + 2_000).toISOString(),
      });
      const repoKey = `${owner}/${repo}`.toLowerCase();
      const row: TrackedIssue = {
        repo: repoKey,
        number,
        installation_id: options.installationId,
        author: "customer",
        type: "problem",
        priority: key,
        priority_override: null,
        body_priority: key,
        intake: "valid",
        created_at: timer.startedAt,
        deadline_at: options.deadline,
        intake_comment_id: intake.id as number,
        intake_comment_digest: null,
        updated_at: timer.startedAt,
        state: "at-risk",
        cycle: 1,
        cycle_started_at: timer.startedAt,
        at_risk_at: atRiskAt,
        next_due_at: null,
        title: String(issue.title),
        html_url: String(issue.html_url),
      };
      await saveTrackedIssue(store, row);
      const saved = await saveTimers(store, { repo: repoKey, number }, [
        { kind: "insert", timer, installationId: options.installationId, rank, projection: { atRiskAt } },
      ]);
      if (!saved) throw new Error(`the store refused the timer of ${repoKey}#${number}`);
      issues.push({ owner, repo, number, priority: key, rank, pages: priority.page });
    }
  } finally {
    await store.close();
  }
  return issues;
}

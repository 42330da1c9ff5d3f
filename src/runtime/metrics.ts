import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { METRICS } from "../domain/timers/timer.js";

const STATES = ["pending", "at-risk", "breached", "met", "cancelled"] as const;

/** The app's Prometheus metrics, one registry per process, served at GET /metrics. */
export class Metrics {
  readonly registry = new Registry();
  readonly webhooks = new Counter({
    name: "support_sla_webhooks_total",
    help: "Webhook deliveries handled, by event and outcome (handled, duplicate, failed, retried).",
    labelNames: ["event", "outcome"] as const,
    registers: [this.registry],
  });
  readonly deadlines = new Gauge({
    name: "support_sla_deadlines",
    help: "Tracked first-response deadlines by state.",
    labelNames: ["state"] as const,
    registers: [this.registry],
  });
  /**
   * Timers by metric (`first_response`, `next_reply`, `resolution`, `updates`, `post_mortem`) and
   * state (pending, at-risk, breached, met, cancelled), read from the store at each scrape.
   */
  readonly timers = new Gauge({
    name: "support_sla_timers",
    help: "SLA timers by metric and state.",
    labelNames: ["metric", "state"] as const,
    registers: [this.registry],
  });
  /**
   * Escalation comments queued and not yet posted (`queued_comments`), read from the store at each
   * scrape: a firing's labels, Slack and page go at once, its comment waits for its installation's
   * write pacing. A queue that keeps growing means GitHub is refusing or holding the app's writes.
   */
  readonly commentsQueued = new Gauge({
    name: "support_sla_comments_queued",
    help: "Escalation comments queued for posting (the firing's labels, Slack and page already went).",
    registers: [this.registry],
  });
  /** Timers whose target passed unmet, counted when the scheduler escalated the breach, by metric. */
  readonly breaches = new Counter({
    name: "support_sla_breaches_total",
    help: "SLA targets that passed unmet (a breach escalated), by metric.",
    labelNames: ["metric"] as const,
    registers: [this.registry],
  });
  /**
   * Seconds from a ladder level's due instant to its escalation being applied, by metric and
   * transition (`at-risk`, `breach`, `escalate`: a later level or a repeat).
   */
  readonly lateness = new Histogram({
    name: "support_sla_escalation_lateness_seconds",
    help: "How long after its due instant an escalation level (at-risk warning, breach, later level or repeat) was applied, by metric and transition.",
    labelNames: ["metric", "transition"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly githubRequests = new Counter({
    name: "support_sla_github_requests_total",
    help: "Requests made to the GitHub API, by method.",
    labelNames: ["method"] as const,
    registers: [this.registry],
  });
  readonly githubErrors = new Counter({
    name: "support_sla_github_api_errors_total",
    help: "GitHub API requests that failed, by HTTP status (0: no response).",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  /**
   * Failed tries of an outbound effect. `channel`: pagerduty, slack, github. `outcome`: `retry`
   * (it did not land, or is idempotent: a later attempt sends it), `unknown` (it may have landed and
   * must not be doubled: not sent again), `given-up` (refused for good, or the retry limit passed).
   */
  readonly effectFailures = new Counter({
    name: "support_sla_effect_failures_total",
    help: "Failed tries of outbound effects (PagerDuty, Slack, GitHub writes), by channel and outcome (retry, unknown, given-up).",
    labelNames: ["channel", "outcome"] as const,
    registers: [this.registry],
  });

  /**
   * Refreshes the gauges read from the store just before a scrape: `countByState` (first-response
   * deadlines by state) and, when given, `countTimers` (timers by metric and state; every metric ×
   * state pair is written, 0 when the store has none, so a series never lingers at a stale value)
   * and `countQueuedComments` (escalation comments waiting to be posted).
   */
  async render(
    countByState: () => Promise<Record<string, number>>,
    countTimers?: () => Promise<{ metric: string; state: string; count: number }[]>,
    countQueuedComments?: () => Promise<number>,
  ): Promise<string> {
    const [counts, timers, queued] = await Promise.all([
      countByState(),
      countTimers?.(),
      countQueuedComments?.(),
    ]);
    if (queued !== undefined) this.commentsQueued.set(queued);
    for (const state of STATES) this.deadlines.set({ state }, counts[state] ?? 0);
    if (timers) {
      this.timers.reset();
      for (const metric of METRICS) for (const state of STATES) this.timers.set({ metric, state }, 0);
      for (const { metric, state, count } of timers) this.timers.set({ metric, state }, count);
    }
    return this.registry.metrics();
  }
}

interface HookedOctokit {
  hook: {
    before(name: "request", fn: (options: { method: string }) => void): void;
    error(name: "request", fn: (error: { status?: number }) => never | Promise<never>): void;
  };
}

/** An Octokit plugin that counts every GitHub request and failure into `metrics`. */
export function githubMetricsPlugin(metrics: Metrics) {
  return (octokit: HookedOctokit) => {
    octokit.hook.before("request", (options) => {
      metrics.githubRequests.inc({ method: options.method });
    });
    octokit.hook.error("request", (error) => {
      metrics.githubErrors.inc({ status: String(error.status ?? 0) });
      throw error;
    });
  };
}

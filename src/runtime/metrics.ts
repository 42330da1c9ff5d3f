import { Counter, Gauge, Histogram, Registry } from "prom-client";

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
  readonly breaches = new Counter({
    name: "support_sla_breaches_total",
    help: "First-response deadlines that passed without a team response.",
    registers: [this.registry],
  });
  readonly lateness = new Histogram({
    name: "support_sla_escalation_lateness_seconds",
    help: "How long after its due instant an at-risk warning or a breach escalation was applied.",
    labelNames: ["transition"] as const,
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

  /** Refreshes the gauges read from the store just before a scrape. */
  async render(countByState: () => Promise<Record<string, number>>): Promise<string> {
    const counts = await countByState();
    for (const state of ["pending", "at-risk", "breached", "met", "cancelled"])
      this.deadlines.set({ state }, counts[state] ?? 0);
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

import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/runtime/metrics.js";

describe("/metrics", () => {
  it("labels breaches and escalation lateness by metric, and counts timers by metric and state", async () => {
    const metrics = new Metrics();
    metrics.breaches.inc({ metric: "next_reply" });
    metrics.lateness.observe({ metric: "next_reply", transition: "breach" }, 0.3);
    const text = await metrics.render(
      async () => ({ pending: 2 }),
      async () => [
        { metric: "first_response", state: "pending", count: 2 },
        { metric: "resolution", state: "breached", count: 1 },
      ],
    );
    expect(text).toContain('support_sla_breaches_total{metric="next_reply"} 1');
    expect(text).toMatch(
      /support_sla_escalation_lateness_seconds_bucket\{le="0\.5",metric="next_reply",transition="breach"\} 1/,
    );
    expect(text).toContain('support_sla_timers{metric="first_response",state="pending"} 2');
    expect(text).toContain('support_sla_timers{metric="resolution",state="breached"} 1');
    // Every pair is written: a state the store has none of reads 0, not a stale value.
    expect(text).toContain('support_sla_timers{metric="updates",state="at-risk"} 0');
    expect(text).toContain('support_sla_deadlines{state="pending"} 2');
  });
});

import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import { ProbotOctokit, run } from "probot";
import { shippedFiles } from "./cli/init.js";
import { parseIssueForm } from "./domain/forms/form.js";
import { type RepoForm, RepoSetupCache } from "./github/repo-setup.js";
import { TeamMembership } from "./github/team-members.js";
import { type AppDeps, CalendarCache, type Runtime } from "./handlers/deps.js";
import { KeyedMutex } from "./helpers/keyed-mutex.js";
import { createApp } from "./index.js";
import { createNotifiers } from "./notify/index.js";
import { createFailpoint } from "./runtime/failpoints.js";
import { githubMetricsPlugin, Metrics } from "./runtime/metrics.js";
import { DEFAULT_DATABASE_URL, openStore } from "./store/db.js";
import { releaseLeasesOf } from "./store/recovery.js";

/** The forms shipped with the app, used for repos that have none of their own. */
function shippedForms(): RepoForm[] {
  const dir = fileURLToPath(new URL("../.github/", import.meta.url));
  return shippedFiles()
    .filter((f) => f.startsWith("ISSUE_TEMPLATE/") && !/config\.ya?ml$/.test(f))
    .flatMap((f) => {
      const parsed = parseIssueForm(readFileSync(`${dir}${f}`, "utf8"));
      return parsed.ok ? [{ file: f.slice("ISSUE_TEMPLATE/".length), form: parsed.form }] : [];
    });
}

type ThrottleOptions = Record<string, unknown>;

/**
 * Probot's Octokit, counting requests for /metrics, and retrying (twice) when GitHub asks to
 * slow down: a secondary rate limit with `retry-after` delays an effect, it does not lose it.
 */
function octokitClass(metrics: Metrics, throttle: boolean) {
  const retryTwice = (_after: number, _options: unknown, _octokit: unknown, retryCount: number) =>
    retryCount < 2;
  return ProbotOctokit.plugin(githubMetricsPlugin(metrics) as never).defaults(
    (options: { throttle?: ThrottleOptions }) => ({
      ...options,
      throttle: {
        ...options.throttle,
        onSecondaryRateLimit: retryTwice,
        onRateLimit: retryTwice,
        // Off only against a local stand-in (benchmarks): GitHub itself needs writes spaced out.
        ...(throttle ? {} : { enabled: false }),
      },
    }),
  );
}

const env = process.env;
const clock = { now: () => Date.now() };
const metrics = new Metrics();
const store = await openStore(env.DATABASE_URL || DEFAULT_DATABASE_URL);
// One name per running instance: the same after a restart on the same host and port (so the new
// process frees what its killed predecessor had claimed), different for every other replica.
const owner = env.SUPPORT_SLA_INSTANCE || `${hostname()}:${env.PORT || "3000"}`;
await releaseLeasesOf(store, owner);
const deps: AppDeps = {
  store,
  clock,
  calendars: new CalendarCache(),
  issueLocks: new KeyedMutex(),
  setups: new RepoSetupCache({ ttlMs: 10 * 60_000, fallbackForms: shippedForms(), now: clock.now }),
  owner,
  notifiers: createNotifiers({
    SLACK_WEBHOOK_URL: env.SLACK_WEBHOOK_URL,
    PAGERDUTY_ROUTING_KEY: env.PAGERDUTY_ROUTING_KEY,
    PAGERDUTY_EVENTS_URL: env.PAGERDUTY_EVENTS_URL,
  }),
  teams: new TeamMembership(10 * 60_000, clock.now),
  metrics,
  failpoint: createFailpoint(env.SUPPORT_SLA_FAILPOINT),
  autostart: true,
};

let runtime: Runtime | undefined;
const server = await run(
  createApp(deps, (r) => {
    runtime = r;
  }),
  {
    Octokit: octokitClass(
      metrics,
      env.SUPPORT_SLA_GITHUB_THROTTLE !== "off",
    ) as unknown as typeof ProbotOctokit,
  },
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await runtime?.stop().catch(() => undefined);
    await server.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(0);
  });
}

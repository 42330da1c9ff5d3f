import type { Logger } from "probot";
import type { SlackApi } from "../channels/slack-client.js";
import { type BusinessCalendar, createCalendar } from "../domain/business-hours.js";
import type { Policy } from "../domain/policy.js";
import type { AppIdentity } from "../github/app-identity.js";
import type { GitHub } from "../github/octokit.js";
import type { RepoSetupCache } from "../github/repo-setup.js";
import type { TeamMembership } from "../github/team-members.js";
import type { KeyedMutex } from "../helpers/keyed-mutex.js";
import type { Notifiers } from "../notify/index.js";
import type { Metrics } from "../runtime/metrics.js";
import type { StoreHealth } from "../runtime/store-health.js";
import type { DueLoop } from "../scheduler/due-loop.js";
import type { Scheduler } from "../scheduler/index.js";
import type { Store } from "../store/db.js";
import type { InboxRow } from "../store/tracking-store.js";

export interface Clock {
  now(): number;
}

/** One business calendar per policy object: its per-day cache is reused across events. */
export class CalendarCache {
  private readonly calendars = new WeakMap<Policy, BusinessCalendar>();

  for(policy: Policy): BusinessCalendar {
    let calendar = this.calendars.get(policy);
    if (!calendar) {
      calendar = createCalendar(policy.calendar);
      this.calendars.set(policy, calendar);
    }
    return calendar;
  }
}

/** Everything handlers need from the outside world, built once at start-up from the environment. */
export interface AppDeps {
  store: Store;
  setups: RepoSetupCache;
  calendars: CalendarCache;
  clock: Clock;
  /** Serialises work on one issue within this process (the store's issue lease does it across replicas). */
  issueLocks: KeyedMutex;
  /** This process's name in leases: unique per process, so replicas never share one. */
  owner: string;
  notifiers: Notifiers;
  teams: TeamMembership;
  metrics: Metrics;
  /** Test-only crash points (SUPPORT_SLA_FAILPOINT); a no-op in production. */
  failpoint: (name: string) => void;
  /** Start the inbox and scheduler loops (the server); tests drive them by hand. */
  autostart: boolean;
  /** Slack's Web API for thread replies (issue 13: SLACK_BOT_TOKEN set); absent: no replies. */
  slackApi?: SlackApi | null;
  /**
   * An inbound channel endpoint is on (PAGERDUTY_WEBHOOK_SECRET or SLACK_SIGNING_SECRET set):
   * only then is the channel index rebuilt from every repo's config (issue 13).
   */
  channelsEnabled?: boolean;
}

/** What a handler gets besides AppDeps: an authenticated client per installation and the app's log. */
export interface HandlerDeps extends AppDeps {
  auth: (installationId: number) => Promise<GitHub>;
  /** The app's own bot account (from `GET /app`): only its comments carry markers the app trusts. */
  self: AppIdentity;
  log: Logger;
  /** Tells the scheduler a deadline was stored or moved, so it need not wait for its next wake-up. */
  kickScheduler?: () => void;
  /** The inbound channel the issue being handled was opened from (issue 13); absent: GitHub. */
  origin?: "pagerduty" | "slack";
}

export interface Runtime {
  inbox: DueLoop<InboxRow>;
  scheduler: Scheduler;
  /** Finds issues whose webhooks were missed (app down, failed delivery) and queues them. */
  reconcile(): Promise<void>;
  /** Posts the weekly SLA report of each repo with `report.weekly`, once per week. */
  weeklyReports(): Promise<void>;
  /**
   * Takes one verified delivery: an event the app works on is stored in the durable inbox (a
   * repeated delivery id is ignored), an installation change drops cached repo setups, anything
   * else is ignored. Throws when the store refuses the write (the caller answers 500).
   */
  accept(delivery: { id: string; name: string; payload: Record<string, unknown> }): Promise<void>;
  /** Whether the store takes writes (reported by /healthz). */
  storeHealth: StoreHealth;
  stop(): Promise<void>;
}

import { createPagerDutyNotifier, PAGERDUTY_EVENTS_URL, type PagerDutyNotifier } from "./pagerduty.js";
import type { NotifyLogger, RetryOptions } from "./retry.js";
import { createSlackNotifier, type SlackNotifier } from "./slack.js";

export type {
  PagerDutyAction,
  PagerDutyEvent,
  PagerDutyIssue,
  PagerDutyNotifier,
  PagerDutyNotifierOptions,
  PagerDutySeverity,
} from "./pagerduty.js";
export { buildPagerDutyEvent, createPagerDutyNotifier, dedupKey, PAGERDUTY_EVENTS_URL } from "./pagerduty.js";
export { redact } from "./redact.js";
export type { DeliveryResult, NotifyLogger, RetryOptions } from "./retry.js";
export type {
  IssueRef,
  SlackMessage,
  SlackNotifier,
  SlackNotifierOptions,
  SlaNotice,
  SlaNoticeKind,
} from "./slack.js";
export { createSlackNotifier, escapeSlack, formatDeadline, renderSlackMessage } from "./slack.js";

/** The app's environment, as far as notifications go; passed in, never read from process.env here. */
export interface NotifyEnv {
  SLACK_WEBHOOK_URL?: string | undefined;
  PAGERDUTY_ROUTING_KEY?: string | undefined;
  PAGERDUTY_EVENTS_URL?: string | undefined;
}

export interface NotifyDeps {
  fetch?: typeof fetch;
  /** Default `APP_NOTIFY_RETRY`: one try per attempt; the outbox retries through the store. */
  retry?: RetryOptions;
  log?: NotifyLogger;
}

/**
 * The app's notifiers make one request per attempt (10 s timeout) and never sleep in memory:
 * a failure goes back to the outbox, which retries it through the store (the inbox or the
 * scheduler, surviving a restart, no sooner than the receiver's Retry-After). See outbox/effects.ts.
 */
export const APP_NOTIFY_RETRY: RetryOptions = { attempts: 1 };

/** `null` means "not configured": callers skip that channel without a word. */
export interface Notifiers {
  slack: SlackNotifier | null;
  pagerduty: PagerDutyNotifier | null;
}

/**
 * Builds the configured notifiers once at start-up. An unset or blank variable turns its channel
 * off; a malformed one throws here, with the variable's name and not its value, rather than
 * failing quietly on the first breach.
 */
export function createNotifiers(env: NotifyEnv, deps: NotifyDeps = {}): Notifiers {
  const webhookUrl = env.SLACK_WEBHOOK_URL?.trim();
  const routingKey = env.PAGERDUTY_ROUTING_KEY?.trim();
  const eventsUrl = env.PAGERDUTY_EVENTS_URL?.trim() || PAGERDUTY_EVENTS_URL;
  deps = { ...deps, retry: deps.retry ?? APP_NOTIFY_RETRY };
  const notifiers: Notifiers = {
    slack: webhookUrl ? createSlackNotifier({ webhookUrl, ...deps }) : null,
    pagerduty: routingKey ? createPagerDutyNotifier({ routingKey, eventsUrl, ...deps }) : null,
  };
  deps.log?.info(
    { slack: notifiers.slack !== null, pagerduty: notifiers.pagerduty !== null },
    "notification channels configured",
  );
  return notifiers;
}

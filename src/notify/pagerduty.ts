import { neutralizeInvisible } from "../github/markdown.js";
import {
  clip,
  formatCount,
  PAGERDUTY_EVENT_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
  utf8Bytes,
} from "../helpers/limits.js";
import { redact } from "./redact.js";
import {
  type DeliveryResult,
  type NotifyLogger,
  notificationLog,
  postJsonWithRetry,
  type RetryOptions,
} from "./retry.js";
import { isHttpUrl } from "./url.js";

export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";
export type PagerDutyAction = "trigger" | "acknowledge" | "resolve";

/** The issue an incident is about. */
export interface PagerDutyIssue {
  /** "owner/name" */
  repo: string;
  number: number;
  /** The issue's html_url. */
  url: string;
  title?: string;
  /**
   * Which SLA cycle of the issue (e.g. after a reopen), when the caller counts them: each cycle
   * gets its own incident. Omitted, one incident per issue.
   */
  cycle?: number;
}

/** Events API v2 body. */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  payload?: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    component?: string;
    custom_details?: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
}

/**
 * `log`, when given, takes the event's lines (pass a logger bound to the issue); otherwise the
 * notifier's own `log` does, with the `issue` key added.
 */
export interface PagerDutyNotifier {
  trigger(
    issue: PagerDutyIssue,
    summary: string,
    severity: PagerDutySeverity,
    customDetails?: Record<string, unknown>,
    log?: NotifyLogger,
  ): Promise<DeliveryResult>;
  acknowledge(issue: PagerDutyIssue, log?: NotifyLogger): Promise<DeliveryResult>;
  resolve(issue: PagerDutyIssue, log?: NotifyLogger): Promise<DeliveryResult>;
}

export interface PagerDutyNotifierOptions {
  routingKey: string;
  eventsUrl?: string;
  fetch?: typeof fetch;
  retry?: RetryOptions;
  log?: NotifyLogger;
}

export const PAGERDUTY_SOURCE = "support-sla";
/** PagerDuty truncates nothing for us: a longer summary is a 400. */
export const MAX_SUMMARY = PAGERDUTY_SUMMARY_MAX;

/**
 * The same key for every event about one issue (and cycle), so a redelivered breach, a second
 * replica or a restart never opens a second incident, and acknowledge/resolve find the first.
 */
export function dedupKey(issue: Pick<PagerDutyIssue, "repo" | "number" | "cycle">): string {
  const base = `${PAGERDUTY_SOURCE}:${issue.repo}#${issue.number}`;
  return issue.cycle === undefined ? base : `${base}:cycle-${issue.cycle}`;
}

/**
 * The Events API v2 body for one action. Pure. Within PagerDuty's limits by construction
 * (https://developer.pagerduty.com/docs/events-API-v2/trigger-events/): `summary` at most 1,024
 * characters, the link text too, and the whole body at most 512 KB (custom details are shortened,
 * then left out with a note, when they would pass it).
 */
export function buildPagerDutyEvent(
  routingKey: string,
  action: PagerDutyAction,
  issue: PagerDutyIssue,
  trigger?: { summary: string; severity: PagerDutySeverity; customDetails?: Record<string, unknown> },
): PagerDutyEvent {
  const event: PagerDutyEvent = { routing_key: routingKey, event_action: action, dedup_key: dedupKey(issue) };
  if (action !== "trigger" || !trigger) return event;
  const ref = `${issue.repo}#${issue.number}`;
  // Customer text (the issue title) loses its bidirectional controls: they would reorder the page.
  const title = issue.title ? neutralizeInvisible(issue.title) : issue.title;
  // An empty summary is rejected by PagerDuty; an incident with a plain title beats no page.
  const summary = neutralizeInvisible(trigger.summary).trim() || `${ref} ${title ?? ""}`.trim();
  event.payload = {
    summary: truncateSummary(summary),
    source: PAGERDUTY_SOURCE,
    severity: trigger.severity,
    component: issue.repo,
    ...(trigger.customDetails ? { custom_details: trigger.customDetails } : {}),
  };
  event.links = [{ href: issue.url, text: clip(title ? `${ref} ${title}` : ref, MAX_SUMMARY) }];
  return fitEvent(event);
}

/** Custom details, shortened: at most 50 keys, strings of at most 1,000 characters, nesting as JSON text. */
function compactDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(details);
  for (const key of keys.slice(0, 50)) {
    const value = details[key];
    const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
    out[clip(key, 100)] =
      typeof value === "number" || typeof value === "boolean" || value === null ? value : clip(text, 1_000);
  }
  if (keys.length > 50) out.more = `${formatCount(keys.length - 50)} more details left out`;
  return out;
}

/** The event within PagerDuty's 512 KB: custom details shortened, then replaced by a note. */
function fitEvent(event: PagerDutyEvent): PagerDutyEvent {
  const fits = (e: PagerDutyEvent) => utf8Bytes(JSON.stringify(e)) <= PAGERDUTY_EVENT_MAX_BYTES;
  const details = event.payload?.custom_details;
  if (!event.payload || !details || fits(event)) return event;
  const shorter = { ...event, payload: { ...event.payload, custom_details: compactDetails(details) } };
  if (fits(shorter)) return shorter;
  return {
    ...event,
    payload: {
      ...event.payload,
      custom_details: { note: "details left out: the event was over PagerDuty's 512 KB limit" },
    },
  };
}

/** Throws at start-up on a bad key or URL (without quoting them); the methods never throw. */
export function createPagerDutyNotifier(options: PagerDutyNotifierOptions): PagerDutyNotifier {
  const { routingKey } = options;
  const eventsUrl = options.eventsUrl ?? PAGERDUTY_EVENTS_URL;
  if (!routingKey.trim()) {
    throw new Error(
      "PAGERDUTY_ROUTING_KEY is empty: set it to the integration key of an Events API v2 integration, or unset it",
    );
  }
  if (!isHttpUrl(eventsUrl)) {
    throw new Error(
      `PAGERDUTY_EVENTS_URL is not an http(s) URL: unset it to use ${PAGERDUTY_EVENTS_URL}, or point it at a stand-in`,
    );
  }
  const send = (event: PagerDutyEvent, log: NotifyLogger | undefined): Promise<DeliveryResult> =>
    postJsonWithRetry({
      service: "pagerduty",
      url: eventsUrl,
      body: event,
      secrets: [routingKey],
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(log ? { log } : {}),
    });
  // Building the body cannot fail for well-typed input, but a caller's bad data must still
  // come back as a result rather than an exception.
  const guarded = (
    issue: PagerDutyIssue,
    perCallLog: NotifyLogger | undefined,
    build: () => PagerDutyEvent,
  ): Promise<DeliveryResult> => {
    const log = notificationLog(perCallLog, options.log, issue);
    let event: PagerDutyEvent;
    try {
      event = build();
    } catch (err) {
      log?.warn({ service: "pagerduty" }, "pagerduty event not sent: event could not be built");
      return Promise.resolve({
        ok: false,
        attempts: 0,
        error: redact(`pagerduty event could not be built: ${String(err)}`, [routingKey]),
      });
    }
    return send(event, log);
  };

  return {
    trigger: (issue, summary, severity, customDetails, log) =>
      guarded(issue, log, () =>
        buildPagerDutyEvent(routingKey, "trigger", issue, {
          summary,
          severity,
          ...(customDetails ? { customDetails } : {}),
        }),
      ),
    acknowledge: (issue, log) =>
      guarded(issue, log, () => buildPagerDutyEvent(routingKey, "acknowledge", issue)),
    resolve: (issue, log) => guarded(issue, log, () => buildPagerDutyEvent(routingKey, "resolve", issue)),
  };
}

function truncateSummary(summary: string): string {
  // The one place a summary is cut (callers pass it whole): on a character boundary, and without
  // a lone high surrogate a malformed title may end with.
  return clip(summary.replace(/[\uD800-\uDBFF]$/, ""), MAX_SUMMARY);
}

import { createHmac, timingSafeEqual } from "node:crypto";
import { PAGERDUTY_SOURCE } from "../notify/pagerduty.js";

/*
 * PagerDuty v3 webhooks, as published in PagerDuty's developer docs:
 * - "Webhooks Overview" (https://developer.pagerduty.com/docs/webhooks-overview): the payload is
 *   `{event: {id, event_type, resource_type, occurred_at, agent, client, data}}`; `data` is an
 *   `incident` for incident.triggered / acknowledged / resolved, an `incident_note` for
 *   incident.annotated.
 * - "Verifying Signatures" (https://developer.pagerduty.com/docs/verifying-signatures).
 */

/** A reference to a PagerDuty object (`service_reference`, `user_reference`, …). */
export interface PagerDutyReference {
  id: string;
  type?: string;
  summary?: string;
  html_url?: string;
}

/** The `incident` data type of a v3 webhook (fields this app reads). */
export interface PagerDutyIncident {
  id: string;
  type: "incident";
  html_url: string;
  number?: number;
  status?: string;
  /** The dedup key of the alert that opened it (the app's own pages: `support-sla:owner/repo#12…`). */
  incident_key?: string | null;
  created_at: string;
  title: string;
  service: PagerDutyReference;
  urgency?: "high" | "low";
}

/** The `incident_note` data type. */
export interface PagerDutyNote {
  id: string;
  type: "incident_note";
  content: string;
  incident: PagerDutyReference;
}

export type PagerDutyWebhookEvent =
  | (EventEnvelope & {
      event_type: "incident.triggered" | "incident.acknowledged" | "incident.resolved";
      data: PagerDutyIncident;
    })
  | (EventEnvelope & { event_type: "incident.annotated"; data: PagerDutyNote });

interface EventEnvelope {
  /** Unique per event, repeated on every delivery attempt of it. */
  id: string;
  resource_type: string;
  /** ISO 8601. */
  occurred_at: string;
  /** Who or what caused the event: a `user_reference` for a person; null for the system. */
  agent: PagerDutyReference | null;
}

/** The event types the app acts on. */
export const HANDLED_EVENT_TYPES = [
  "incident.triggered",
  "incident.acknowledged",
  "incident.resolved",
  "incident.annotated",
] as const;

/**
 * Whether `header` (`X-PagerDuty-Signature`) holds a valid signature of `body` under `secret`.
 * The header holds one or more comma-separated signatures (several while a secret is being
 * rotated); each `v1=` one is the hex HMAC-SHA256 of the raw body; one match with any of
 * `secret` (one secret, or the list of several subscriptions' secrets) is enough. Compared
 * in constant time. Rule: PagerDuty, "Verifying Signatures",
 * https://developer.pagerduty.com/docs/verifying-signatures.
 */
export function verifyPagerDutySignature(
  secret: string | readonly string[],
  body: Buffer,
  header: string,
): boolean {
  const secrets = typeof secret === "string" ? [secret] : secret;
  const expected = secrets.map((s) => createHmac("sha256", s).update(body).digest());
  const given = header
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.startsWith("v1=") && /^[0-9a-f]{64}$/i.test(s.slice(3)))
    .slice(0, 16)
    .map((s) => Buffer.from(s.slice(3), "hex"));
  // Every pair is compared (no early exit): the time taken does not tell which secret matched.
  let match = false;
  for (const g of given) for (const e of expected) match = timingSafeEqual(g, e) || match;
  return match;
}

/**
 * The secrets in PAGERDUTY_WEBHOOK_SECRET: one per webhook subscription that sends to this server,
 * comma-separated, each trimmed; blank entries are dropped here (settings refuses them at start).
 * PagerDuty makes one signing secret per subscription ("Verifying Signatures",
 * https://developer.pagerduty.com/docs/verifying-signatures), and an admin without account scope
 * needs one subscription per service ("Webhooks Overview",
 * https://developer.pagerduty.com/docs/webhooks-overview).
 */
export function pagerDutySecrets(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The header value PagerDuty would send for `body` under each of `secrets` (stand-ins, tests). */
export function signPagerDutyBody(body: string | Buffer, ...secrets: string[]): string {
  return secrets.map((s) => `v1=${createHmac("sha256", s).update(body).digest("hex")}`).join(",");
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string" && v.length > 0;

const isInstant = (v: unknown): v is string => isString(v) && !Number.isNaN(Date.parse(v));

/** What `readPagerDutyEvent` makes of a verified body. */
export type PagerDutyReading =
  | {
      event: PagerDutyWebhookEvent;
      /**
       * `occurred_at` when the incident's `created_at` was unreadable and the event's
       * `occurred_at` stands in for it (the event's `data.created_at` then holds it); else null.
       */
      createdAtFrom: "occurred_at" | null;
    }
  | {
      /** Why it is not acted on: the event type, or what it lacks. No customer text. */
      ignored: string;
      /** The event id, clipped to 100 characters; null when there is none. */
      eventId: string | null;
      /** The event type, clipped to 64 characters; null when there is none. */
      eventType: string | null;
      /**
       * The fields the app needs and could not read (`event.id`, `data`, `data.service.id`,
       * `occurred_at`, …): empty for an event type the app does not act on (nothing wrong with it).
       */
      unreadable: string[];
    };

/**
 * The event of a parsed v3 webhook body, when it is one the app acts on and has the fields the app
 * reads; otherwise `{ ignored }` with the event id and type and the fields it could not read
 * (`unreadable`: empty for an event type the app does not act on). An incident whose `created_at`
 * is missing or unreadable is still read when the event's `occurred_at` is readable: that time
 * stands in for it (`createdAtFrom: "occurred_at"`). Payload shapes: PagerDuty "Webhooks Overview",
 * https://developer.pagerduty.com/docs/webhooks-overview. Never throws.
 */
export function readPagerDutyEvent(body: unknown): PagerDutyReading {
  const event = isObject(body) ? body.event : undefined;
  if (!isObject(event)) {
    return { ignored: "not a v3 webhook event", eventId: null, eventType: null, unreadable: ["event"] };
  }
  const eventId = isString(event.id) ? event.id.slice(0, 100) : null;
  const eventType = isString(event.event_type) ? event.event_type.slice(0, 64) : null;
  if (!eventId || !eventType) {
    const unreadable = [...(eventId ? [] : ["event.id"]), ...(eventType ? [] : ["event.event_type"])];
    return { ignored: "not a v3 webhook event", eventId, eventType, unreadable };
  }
  const type = event.event_type as string;
  if (!(HANDLED_EVENT_TYPES as readonly string[]).includes(type))
    return { ignored: eventType, eventId, eventType, unreadable: [] };
  const data = event.data;
  const unreadable: string[] = [];
  if (!isInstant(event.occurred_at)) unreadable.push("occurred_at");
  if (!isObject(data) || !isString(data.id)) {
    unreadable.push(isObject(data) ? "data.id" : "data");
    return { ignored: `${eventType} without its data`, eventId, eventType, unreadable };
  }
  if (type === "incident.annotated") {
    if (!isObject(data.incident) || !isString(data.incident.id)) unreadable.push("data.incident.id");
    if (typeof data.content !== "string") unreadable.push("data.content");
    if (unreadable.length > 0)
      return { ignored: `${eventType} without its note`, eventId, eventType, unreadable };
    return { event: event as unknown as PagerDutyWebhookEvent, createdAtFrom: null };
  }
  if (!isObject(data.service) || !isString(data.service.id)) unreadable.push("data.service.id");
  if (typeof data.title !== "string") unreadable.push("data.title");
  const createdAtFrom = isInstant(data.created_at) ? null : ("occurred_at" as const);
  if (createdAtFrom && !isInstant(event.occurred_at)) unreadable.push("data.created_at");
  if (unreadable.length > 0) {
    return { ignored: `${eventType} without its incident`, eventId, eventType, unreadable };
  }
  const read = createdAtFrom ? { ...event, data: { ...data, created_at: event.occurred_at } } : event;
  return { event: read as unknown as PagerDutyWebhookEvent, createdAtFrom };
}

/** The incident id an event is about. */
export function incidentIdOf(event: PagerDutyWebhookEvent): string {
  return event.event_type === "incident.annotated" ? event.data.incident.id : event.data.id;
}

const APP_KEY = new RegExp(`^${PAGERDUTY_SOURCE}:([^#\\s]+/[^#\\s]+)#(\\d+)(?::cycle-\\d+)?$`);

/**
 * The issue an incident was paged for by the app itself, read back from its dedup key
 * (`dedupKey` in src/notify/pagerduty.ts: `support-sla:owner/repo#12` or `…:cycle-2`), or null
 * for an incident from anywhere else (a phone call, a monitor).
 */
export function appIssueOfIncident(incident: Pick<PagerDutyIncident, "incident_key">): {
  repo: string;
  number: number;
} | null {
  const match = APP_KEY.exec(incident.incident_key ?? "");
  if (!match?.[1] || !match[2]) return null;
  return { repo: match[1].toLowerCase(), number: Number(match[2]) };
}

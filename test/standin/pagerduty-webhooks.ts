import { createHmac, randomBytes, randomUUID } from "node:crypto";

/*
 * PagerDuty's side of v3 webhooks: builds events as PagerDuty publishes them and POSTs them signed.
 * Shapes follow PagerDuty's developer docs, "Webhooks Overview"
 * (https://developer.pagerduty.com/docs/webhooks-overview, source
 * https://github.com/PagerDuty/developer-docs/blob/main/docs/webhooks/01-Overview.md: the
 * `{event: {id, event_type, resource_type, occurred_at, agent, client, data}}` envelope, `agent`
 * and `client` null when PagerDuty itself acted, and the `incident` and `incident_note` data types
 * with their `*_reference` objects, e.g. a service's `html_url` under `/services/<id>`), and
 * signatures "Verifying Signatures"
 * (https://developer.pagerduty.com/docs/verifying-signatures: `X-PagerDuty-Signature`, one
 * `v1=<hex HMAC-SHA256 of the raw body>` per secret, comma-separated). Headers as PagerDuty
 * sends them: `X-Webhook-Id` (the same on every attempt), `X-Webhook-Subscription`.
 */

export interface IncidentSpec {
  id?: string;
  title?: string;
  serviceId?: string;
  serviceName?: string;
  urgency?: "high" | "low";
  /** ISO instant; default now. */
  createdAt?: string;
  /** The alert's dedup key (the app's own pages: `support-sla:owner/repo#12:cycle-1`). */
  incidentKey?: string;
}

export interface PagerDutyUser {
  id: string;
  name: string;
}

export type Incident = Record<string, unknown> & { id: string; created_at: string; html_url: string };

const ACCOUNT = "https://acme.pagerduty.com";

const pdId = () => `P${randomBytes(4).toString("hex").toUpperCase().slice(0, 6)}`;

function reference(kind: string, id: string, summary: string, path: string) {
  return {
    html_url: `${ACCOUNT}/${path}/${id}`,
    id,
    self: `https://api.pagerduty.com/${path}/${id}`,
    summary,
    type: `${kind}_reference`,
  };
}

export function userReference(user: PagerDutyUser) {
  return reference("user", user.id, user.name, "users");
}

/** An `incident` data object as in "Webhooks Overview" → "Event Data Types" → incident. */
export function incident(spec: IncidentSpec = {}): Incident {
  const id = spec.id ?? pdId();
  const serviceId = spec.serviceId ?? "PSERVICE1";
  return {
    id,
    type: "incident",
    self: `https://api.pagerduty.com/incidents/${id}`,
    html_url: `${ACCOUNT}/incidents/${id}`,
    number: Math.floor(Math.random() * 10_000),
    status: "triggered",
    incident_key: spec.incidentKey ?? randomBytes(16).toString("hex"),
    created_at: spec.createdAt ?? new Date().toISOString(),
    title: spec.title ?? "Caller reports checkout down",
    service: reference("service", serviceId, spec.serviceName ?? "Escalation phone line", "services"),
    assignees: [],
    escalation_policy: reference("escalation_policy", "PUS0KTE", "Default", "escalation_policies"),
    teams: [],
    priority: null,
    urgency: spec.urgency ?? "high",
    conference_bridge: null,
    resolve_reason: null,
  };
}

/** One v3 webhook body: `{event: {…}}`. */
export function webhookEvent(
  eventType: string,
  data: Record<string, unknown>,
  options: { agent?: PagerDutyUser | null; occurredAt?: string; id?: string } = {},
) {
  return {
    event: {
      id: options.id ?? randomUUID(),
      event_type: eventType,
      resource_type: eventType.startsWith("incident") ? "incident" : "service",
      occurred_at: options.occurredAt ?? new Date().toISOString(),
      agent: options.agent ? userReference(options.agent) : null,
      client: options.agent ? { name: "PagerDuty" } : null,
      data,
    },
  };
}

export const triggered = (inc: Incident, options: { occurredAt?: string } = {}) =>
  webhookEvent(
    "incident.triggered",
    { ...inc, status: "triggered" },
    { occurredAt: options.occurredAt ?? inc.created_at },
  );

export const acknowledged = (inc: Incident, by: PagerDutyUser | null, occurredAt?: string) =>
  webhookEvent(
    "incident.acknowledged",
    { ...inc, status: "acknowledged" },
    { agent: by, ...(occurredAt ? { occurredAt } : {}) },
  );

export const resolved = (inc: Incident, by: PagerDutyUser | null, occurredAt?: string) =>
  webhookEvent(
    "incident.resolved",
    { ...inc, status: "resolved" },
    { agent: by, ...(occurredAt ? { occurredAt } : {}) },
  );

/** `incident.annotated`, data type `incident_note`. */
export const annotated = (inc: Incident, content: string, by: PagerDutyUser | null) =>
  webhookEvent(
    "incident.annotated",
    {
      incident: {
        html_url: inc.html_url,
        id: inc.id,
        self: `https://api.pagerduty.com/incidents/${inc.id}`,
        summary: inc.title,
        type: "incident_reference",
      },
      id: pdId(),
      content,
      trimmed: false,
      type: "incident_note",
    },
    { agent: by },
  );

/** `v1=<hex>` per secret, comma-separated. */
export function pagerDutySignature(body: string, ...secrets: string[]): string {
  return secrets.map((s) => `v1=${createHmac("sha256", s).update(body).digest("hex")}`).join(",");
}

export interface SentWebhook {
  status: number;
  body: string;
  json: Record<string, unknown> | null;
}

/** A webhook subscription pointed at the app: sends events signed with its secret(s). */
export class PagerDutyWebhooks {
  constructor(
    readonly url: string,
    /** The subscription's signing secrets: two while one is being rotated. */
    readonly secrets: string[],
  ) {}

  /**
   * POSTs one event. `signature`: a string is sent as is, null sends none; default signed with
   * every secret. `webhookId` (X-Webhook-Id) stays the same across a redelivery.
   */
  async send(
    payload: unknown,
    options: { signature?: string | null; webhookId?: string } = {},
  ): Promise<SentWebhook> {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "PagerDuty-Webhook/V3.0",
      "x-webhook-id": options.webhookId ?? randomUUID(),
      "x-webhook-subscription": "PSUBSCR",
    };
    const signature =
      options.signature === undefined ? pagerDutySignature(body, ...this.secrets) : options.signature;
    if (signature !== null) headers["x-pagerduty-signature"] = signature;
    const res = await fetch(this.url, { method: "POST", headers, body });
    const text = await res.text();
    let json: Record<string, unknown> | null = null;
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = null;
    }
    return { status: res.status, body: text, json };
  }
}

import { randomBytes } from "node:crypto";
import { type StandInReply, type StandInRequest, StandInServer } from "./http.js";

/** Failure statuses queued with `failNext`, consumed one per matching request. */
class FaultQueue {
  #queue: number[] = [];
  push(status: number, times: number): void {
    for (let i = 0; i < times; i++) this.#queue.push(status);
  }
  take(): number | undefined {
    return this.#queue.shift();
  }
  get pending(): number {
    return this.#queue.length;
  }
}

const SLACK_ERRORS: Record<number, string> = {
  400: "invalid_payload",
  403: "invalid_token",
  404: "no_service",
  410: "channel_is_archived",
  429: "rate_limited",
};

/**
 * A Slack incoming webhook: POST to any path → 200 `ok` (text/html, as Slack answers).
 * A body without `text` or `blocks` gets 400 `no_text`, a body that is not JSON 400 `invalid_payload`.
 */
export class SlackStandIn extends StandInServer {
  #faults = new FaultQueue();
  #messages: unknown[] = [];

  /** A realistic incoming-webhook URL on this server, for SLACK_WEBHOOK_URL. */
  get webhookUrl(): string {
    return `${this.url}/services/T00000000/B00000000/standinstandinstandin`;
  }

  /** The next `times` POSTs answer `status` (429 carries `retry-after: 1`). */
  failNext(status: number, times = 1): void {
    this.#faults.push(status, times);
  }

  pendingFaults(): number {
    return this.#faults.pending;
  }

  /** Bodies of the messages Slack accepted (answered 200), oldest first. */
  messages(): unknown[] {
    return structuredClone(this.#messages);
  }

  protected handle(req: StandInRequest): StandInReply {
    const route = "POST *";
    if (req.method !== "POST") return { status: 405, body: "invalid_method", route: null };
    const fault = this.#faults.take();
    if (fault !== undefined) {
      const headers: Record<string, string> = { "content-type": "text/html" };
      if (fault === 429) headers["retry-after"] = "1";
      return { status: fault, body: SLACK_ERRORS[fault] ?? "internal_error", headers, route, fault: true };
    }
    const body = req.body as { text?: unknown; blocks?: unknown } | string | undefined;
    if (typeof body !== "object" || body === null) {
      return { status: 400, body: "invalid_payload", headers: { "content-type": "text/html" }, route };
    }
    if (typeof body.text !== "string" && !Array.isArray(body.blocks)) {
      return { status: 400, body: "no_text", headers: { "content-type": "text/html" }, route };
    }
    this.#messages.push(body);
    return { status: 200, body: "ok", headers: { "content-type": "text/html" }, route };
  }
}

export interface PagerDutyEvent {
  routing_key: string;
  event_action: "trigger" | "acknowledge" | "resolve";
  dedup_key?: string;
  payload?: { summary?: string; source?: string; severity?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface PagerDutyIncident {
  dedup_key: string;
  status: "triggered" | "acknowledged" | "resolved";
  /** Accepted events for this key (a repeated trigger on an open incident is deduplicated, not a new page). */
  events: number;
  summary: string | undefined;
}

/**
 * PagerDuty's Events API v2: POST /v2/enqueue → 202 `{status, message, dedup_key}`.
 * Validates like PagerDuty: routing_key, event_action, and for a trigger payload.summary/source/severity.
 */
export class PagerDutyStandIn extends StandInServer {
  #faults = new FaultQueue();
  /** `retry-after` sent with the next queued faults (by position), when set. */
  #retryAfter: Array<string | undefined> = [];
  /** Every POST answers `status` until this instant (epoch ms), then the queue applies again. */
  #window: { status: number; until: number; retryAfter?: string } | null = null;
  #events: PagerDutyEvent[] = [];
  #incidents = new Map<string, PagerDutyIncident>();

  /** `options.routingKey`: when set, events with another key are rejected (400). */
  constructor(private readonly options: { routingKey?: string } = {}) {
    super();
  }

  /** For PAGERDUTY_EVENTS_URL. */
  get eventsUrl(): string {
    return `${this.url}/v2/enqueue`;
  }

  /**
   * The next `times` POSTs answer `status`; `options.retryAfter` (e.g. "120", or an HTTP date) is
   * sent as `retry-after` with each, as PagerDuty may on a 429.
   */
  failNext(status: number, times = 1, options: { retryAfter?: string } = {}): void {
    this.#faults.push(status, times);
    for (let i = 0; i < times; i++) this.#retryAfter.push(options.retryAfter);
  }

  /** Every POST answers `status` for the next `ms` milliseconds (an outage, a throttled window). */
  failFor(status: number, ms: number, options: { retryAfter?: string } = {}): void {
    this.#window = {
      status,
      until: Date.now() + ms,
      ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
    };
  }

  pendingFaults(): number {
    return this.#faults.pending;
  }

  /** Accepted (202) events, parsed, oldest first. */
  events(): PagerDutyEvent[] {
    return structuredClone(this.#events);
  }

  /** What PagerDuty would show: one incident per dedup key. */
  incidents(): PagerDutyIncident[] {
    return structuredClone([...this.#incidents.values()]);
  }

  protected handle(req: StandInRequest): StandInReply {
    if (req.method !== "POST" || req.path !== "/v2/enqueue") {
      return { status: 404, body: { status: "not found", message: "Not Found" }, route: null };
    }
    const route = "POST /v2/enqueue";
    const inWindow = this.#window !== null && Date.now() < this.#window.until ? this.#window : null;
    const queued = inWindow ? undefined : this.#faults.take();
    const retryAfter = inWindow
      ? inWindow.retryAfter
      : queued !== undefined
        ? this.#retryAfter.shift()
        : undefined;
    const fault = inWindow ? inWindow.status : queued;
    if (fault !== undefined) {
      const body =
        fault === 429
          ? {
              status: "throttle event",
              message: "Requests for this service are arriving too quickly. Please retry later.",
            }
          : fault === 400
            ? { status: "invalid event", message: "Event object is invalid", errors: ["injected failure"] }
            : "Internal Server Error";
      return {
        status: fault,
        body,
        route,
        fault: true,
        ...(retryAfter !== undefined ? { headers: { "retry-after": retryAfter } } : {}),
      };
    }
    const errors = this.#validate(req.body);
    if (errors.length > 0) {
      return {
        status: 400,
        body: { status: "invalid event", message: "Event object is invalid", errors },
        route,
      };
    }
    const event = req.body as PagerDutyEvent;
    const dedupKey = event.dedup_key ?? randomBytes(16).toString("hex");
    this.#events.push(event);
    this.#track(event, dedupKey);
    return {
      status: 202,
      body: { status: "success", message: "Event processed", dedup_key: dedupKey },
      route,
    };
  }

  #validate(body: unknown): string[] {
    if (typeof body !== "object" || body === null) return ["Event object must be JSON"];
    const e = body as Partial<PagerDutyEvent>;
    const errors: string[] = [];
    if (typeof e.routing_key !== "string" || e.routing_key === "")
      errors.push("'routing_key' is missing or blank");
    else if (this.options.routingKey && e.routing_key !== this.options.routingKey)
      errors.push("Invalid routing key");
    if (!["trigger", "acknowledge", "resolve"].includes(String(e.event_action))) {
      errors.push(
        "'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')",
      );
    }
    if (e.event_action === "trigger") {
      const p = e.payload;
      if (!p || typeof p.summary !== "string" || p.summary === "")
        errors.push("'payload.summary' is missing or blank");
      if (!p || typeof p.source !== "string" || p.source === "")
        errors.push("'payload.source' is missing or blank");
      if (!p || !["critical", "error", "warning", "info"].includes(String(p.severity))) {
        errors.push(
          "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
        );
      }
      if (p && typeof p.summary === "string" && p.summary.length > 1024)
        errors.push("'payload.summary' is too long");
    } else if (e.event_action && typeof e.dedup_key !== "string") {
      errors.push("'dedup_key' is missing or blank");
    }
    return errors;
  }

  #track(event: PagerDutyEvent, dedupKey: string): void {
    const known = this.#incidents.get(dedupKey);
    if (event.event_action === "trigger") {
      if (known && known.status !== "resolved") known.events += 1;
      else
        this.#incidents.set(dedupKey, {
          dedup_key: dedupKey,
          status: "triggered",
          events: 1,
          summary: event.payload?.summary,
        });
      return;
    }
    if (!known || known.status === "resolved") return; // PagerDuty ignores these
    known.events += 1;
    known.status = event.event_action === "resolve" ? "resolved" : "acknowledged";
  }
}

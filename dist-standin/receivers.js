import { randomBytes } from "node:crypto";
import { StandInServer } from "./http.js";

/** Failure statuses queued with `failNext`, consumed one per matching request. */
class FaultQueue {
  #queue = [];
  push(status, times) {
    for (let i = 0; i < times; i++) this.#queue.push(status);
  }
  take() {
    return this.#queue.shift();
  }
  get pending() {
    return this.#queue.length;
  }
}
const SLACK_ERRORS = {
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
  #messages = [];
  /** A realistic incoming-webhook URL on this server, for SLACK_WEBHOOK_URL. */
  get webhookUrl() {
    return `${this.url}/services/T00000000/B00000000/standinstandinstandin`;
  }
  /** The next `times` POSTs answer `status` (429 carries `retry-after: 1`). */
  failNext(status, times = 1) {
    this.#faults.push(status, times);
  }
  pendingFaults() {
    return this.#faults.pending;
  }
  /** Bodies of the messages Slack accepted (answered 200), oldest first. */
  messages() {
    return structuredClone(this.#messages);
  }
  handle(req) {
    const route = "POST *";
    if (req.method !== "POST") return { status: 405, body: "invalid_method", route: null };
    const fault = this.#faults.take();
    if (fault !== undefined) {
      const headers = { "content-type": "text/html" };
      if (fault === 429) headers["retry-after"] = "1";
      return { status: fault, body: SLACK_ERRORS[fault] ?? "internal_error", headers, route, fault: true };
    }
    const body = req.body;
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
/**
 * PagerDuty's Events API v2: POST /v2/enqueue → 202 `{status, message, dedup_key}`.
 * Validates like PagerDuty: routing_key, event_action, and for a trigger payload.summary/source/severity.
 */
export class PagerDutyStandIn extends StandInServer {
  options;
  #faults = new FaultQueue();
  #events = [];
  #incidents = new Map();
  /** `options.routingKey`: when set, events with another key are rejected (400). */
  constructor(options = {}) {
    super();
    this.options = options;
  }
  /** For PAGERDUTY_EVENTS_URL. */
  get eventsUrl() {
    return `${this.url}/v2/enqueue`;
  }
  failNext(status, times = 1) {
    this.#faults.push(status, times);
  }
  pendingFaults() {
    return this.#faults.pending;
  }
  /** Accepted (202) events, parsed, oldest first. */
  events() {
    return structuredClone(this.#events);
  }
  /** What PagerDuty would show: one incident per dedup key. */
  incidents() {
    return structuredClone([...this.#incidents.values()]);
  }
  handle(req) {
    if (req.method !== "POST" || req.path !== "/v2/enqueue") {
      return { status: 404, body: { status: "not found", message: "Not Found" }, route: null };
    }
    const route = "POST /v2/enqueue";
    const fault = this.#faults.take();
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
      return { status: fault, body, route, fault: true };
    }
    const errors = this.#validate(req.body);
    if (errors.length > 0) {
      return {
        status: 400,
        body: { status: "invalid event", message: "Event object is invalid", errors },
        route,
      };
    }
    const event = req.body;
    const dedupKey = event.dedup_key ?? randomBytes(16).toString("hex");
    this.#events.push(event);
    this.#track(event, dedupKey);
    return {
      status: 202,
      body: { status: "success", message: "Event processed", dedup_key: dedupKey },
      route,
    };
  }
  #validate(body) {
    if (typeof body !== "object" || body === null) return ["Event object must be JSON"];
    const e = body;
    const errors = [];
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
  #track(event, dedupKey) {
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

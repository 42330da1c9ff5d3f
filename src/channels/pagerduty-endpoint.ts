import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppDeps } from "../handlers/deps.js";
import {
  header,
  type InboundEndpointOptions,
  mediaType,
  readBody,
  writeRefusal,
} from "../runtime/webhook-endpoint.js";
import { getTrackedIssue } from "../store/intake-store.js";
import { enqueueDelivery } from "../store/tracking-store.js";
import { lookupChannel } from "./claims.js";
import { logId } from "./log-id.js";
import {
  appIssueOfIncident,
  incidentIdOf,
  type PagerDutyWebhookEvent,
  pagerDutySecrets,
  readPagerDutyEvent,
  verifyPagerDutySignature,
} from "./pagerduty-event.js";
import { getLink } from "./store.js";

export const PAGERDUTY_WEBHOOK_PATH = "/api/pagerduty/webhooks";

/**
 * The largest PagerDuty webhook body accepted: 1 MB (bytes). PagerDuty always drops a webhook
 * over 256 KB (its developer docs, "Webhook Behavior", section "Size Limit":
 * https://developer.pagerduty.com/docs/webhook-behavior),
 * so anything much larger is not from PagerDuty; GitHub's 25 MB cap would let a forger make the
 * server hold 25 MB per request before the signature is even checked.
 */
export const MAX_PAGERDUTY_BODY_BYTES = 1024 * 1024;
/** The inbox's event name for PagerDuty deliveries (dispatch routes it to the channel handler). */
export const PAGERDUTY_INBOX_EVENT = "pagerduty";

/** Why a PagerDuty request was refused: logged at warn (one line, never the body). */
export type PagerDutyRefusal =
  | "method not allowed"
  | "unsupported content type"
  | "missing signature"
  | "payload too large"
  | "too many large bodies at once"
  | "signature does not match"
  | "body is not JSON";

/** Where a verified event goes: the repo (and installation) whose issue it opens or updates. */
export interface PagerDutyTarget {
  repo: string;
  installationId: number;
  /** `app`: the incident is the app's own page of issue `number` (matched back, never a new issue). */
  origin: "channel" | "app";
  number?: number;
}

/** What the inbox row of a PagerDuty event holds (`payload`). */
export interface PagerDutyInboxPayload {
  source: "pagerduty";
  /** For the inbox's log lines (`repo`), as a GitHub payload names its repository. */
  repository: { owner: { login: string }; name: string };
  target: PagerDutyTarget;
  event: PagerDutyWebhookEvent;
  /**
   * When the endpoint received the event (epoch ms): the incident's clock starts at the earlier of
   * its `created_at` and this. Absent in rows queued before it was recorded (then: first handling).
   */
  receivedAt?: number;
}

export interface PagerDutyEndpointOptions extends InboundEndpointOptions {
  /**
   * PAGERDUTY_WEBHOOK_SECRET: the signing secret of each webhook subscription that sends here,
   * comma-separated (`pagerDutySecrets`); a signature under any of them is accepted.
   */
  secret: string;
}

type Resolution = { target: PagerDutyTarget } | { notMapped: string; fields: Record<string, unknown> };

/** The repo a verified event is for, from the index (or the incident's own links). */
async function resolveTarget(
  deps: Pick<AppDeps, "store">,
  event: PagerDutyWebhookEvent,
): Promise<Resolution> {
  const incidentId = incidentIdOf(event);
  const link = await getLink(deps.store, "pagerduty", incidentId);
  if (link) {
    return {
      target: {
        repo: link.repo,
        installationId: Number(link.installation_id),
        origin: link.origin,
        ...(link.number !== null ? { number: link.number } : {}),
      },
    };
  }
  if (event.event_type === "incident.annotated") {
    return {
      notMapped: "a note on an incident that opened no issue here",
      fields: {},
    };
  }
  const own = appIssueOfIncident(event.data);
  if (own) {
    const row = await getTrackedIssue(deps.store as AppDeps["store"], own);
    if (!row) {
      return {
        notMapped: "the app's own page of an issue it does not track",
        fields: {},
      };
    }
    return {
      target: {
        repo: own.repo,
        installationId: Number(row.installation_id),
        origin: "app",
        number: own.number,
      },
    };
  }
  const service = event.data.service.id.slice(0, 40);
  const found = await lookupChannel(deps, "pagerduty", service);
  if (found.status === "mapped") {
    return { target: { repo: found.repo, installationId: found.installationId, origin: "channel" } };
  }
  if (found.status === "conflict") {
    return {
      notMapped: `service ${service} is claimed by ${found.repos.length} repositories (${found.repos.join(", ")}): a config error on each`,
      fields: { service, repos: found.repos },
    };
  }
  return {
    notMapped: `service ${service} is claimed by no repository (channels.pagerduty.services)`,
    fields: { service },
  };
}

/**
 * `POST /api/pagerduty/webhooks`: PagerDuty v3 webhooks. Refuses a body over the GitHub
 * endpoint's cap (413) and, past the shared in-flight budget, answers 503; verifies
 * `X-PagerDuty-Signature` (`verifyPagerDutySignature`) before anything is parsed or stored;
 * an unsigned or forged request gets a 4xx and one warn line, and nothing is stored. A verified
 * event for a service no repo claims is answered 202 `{"status":"not mapped"}` (PagerDuty drops a
 * 4xx and retries a 5xx, "Webhooks Behavior", https://developer.pagerduty.com/docs/webhook-behavior),
 * logged once, nothing stored. Any other event goes to the durable inbox under `pagerduty:<event
 * id>` (a redelivery is a duplicate) and is answered 202 at once; the inbox applies it.
 * Returns a request handler: true when it answered the request.
 */
export function pagerDutyEndpoint(
  options: PagerDutyEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const maxBytes = options.maxBytes ?? MAX_PAGERDUTY_BODY_BYTES;
  const secrets = pagerDutySecrets(options.secret);
  const { log } = options;
  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { "content-type": "application/json" }).end(`${JSON.stringify(body)}\n`);
    return true;
  };
  return async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== PAGERDUTY_WEBHOOK_PATH) return false;
    const rawWebhookId = header(req, "x-webhook-id");
    const webhookId = rawWebhookId === undefined ? null : logId(rawWebhookId);
    const refuse = (status: number, reason: PagerDutyRefusal) => {
      log.warn({ channel: "pagerduty", webhookId, reason }, "pagerduty webhook refused");
      return writeRefusal(res, status, reason);
    };
    if (req.method !== "POST") return refuse(405, "method not allowed");
    if (mediaType(req) !== "application/json") return refuse(415, "unsupported content type");
    const signature = header(req, "x-pagerduty-signature");
    if (!signature) return refuse(401, "missing signature");
    if (Number(header(req, "content-length") ?? "0") > maxBytes) return refuse(413, "payload too large");
    const read = await readBody(req, maxBytes, options.budget);
    options.budget.give(read.held);
    if ("refused" in read) {
      return read.refused === "busy"
        ? refuse(503, "too many large bodies at once")
        : refuse(413, "payload too large");
    }
    if (!verifyPagerDutySignature(secrets, read.body, signature)) {
      return refuse(401, "signature does not match");
    }
    // When the app received the event (epoch ms): no incident's clock starts later than this.
    const receivedAt = options.deps.clock.now();
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString("utf8"));
    } catch {
      return refuse(400, "body is not JSON");
    }
    const parsed = readPagerDutyEvent(body);
    if ("ignored" in parsed) {
      const what = {
        channel: "pagerduty",
        eventId: parsed.eventId === null ? null : logId(parsed.eventId),
        eventType: parsed.eventType,
      };
      if (parsed.unreadable.length === 0) {
        // An event type the app does not act on (the subscription may send more): nothing wrong.
        log.debug({ ...what, ignored: parsed.ignored }, "pagerduty event ignored");
      } else {
        // Signed by PagerDuty yet unreadable: an incident may be lost here, so it shows. Field
        // names only, never their values.
        log.warn({ ...what, unreadable: parsed.unreadable }, "pagerduty event unreadable: ignored");
      }
      return answer(res, 202, { status: "ignored" });
    }
    const { event } = parsed;
    const fields = {
      channel: "pagerduty",
      eventId: logId(event.id),
      eventType: logId(event.event_type),
      incident: logId(incidentIdOf(event)),
    };
    if (parsed.createdAtFrom === "occurred_at") {
      log.warn(
        { ...fields, unreadable: ["data.created_at"] },
        "pagerduty incident without a readable created_at: its clock starts at the event's occurred_at",
      );
    }
    try {
      const resolved = await resolveTarget(options.deps, event);
      if ("notMapped" in resolved) {
        log.info({ ...fields, ...resolved.fields }, `pagerduty event not mapped: ${resolved.notMapped}`);
        return answer(res, 202, { status: "not mapped", message: `not mapped: ${resolved.notMapped}` });
      }
      const [owner = "", name = ""] = resolved.target.repo.split("/");
      const payload: PagerDutyInboxPayload = {
        source: "pagerduty",
        repository: { owner: { login: owner }, name },
        target: resolved.target,
        event,
        receivedAt,
      };
      const fresh = await enqueueDelivery(options.deps.store, {
        deliveryId: `pagerduty:${event.id}`.slice(0, 64),
        event: PAGERDUTY_INBOX_EVENT,
        installationId: resolved.target.installationId,
        payload,
        now: options.deps.clock.now(),
      });
      if (!fresh)
        log.info({ ...fields, repo: resolved.target.repo }, "pagerduty event already received: ignored");
      options.kick();
      return answer(res, 202, { status: fresh ? "accepted" : "duplicate" });
    } catch (error) {
      options.onStoreFailure?.(error);
      log.error(
        { ...fields, err: error instanceof Error ? error.message : String(error) },
        "pagerduty event not stored: PagerDuty retries it",
      );
      return answer(res, 500, { error: "not stored" });
    }
  };
}

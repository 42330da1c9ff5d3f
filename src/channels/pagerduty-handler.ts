import { type Context, Context as ProbotContext } from "probot";
import type { ChannelsPolicy, Policy } from "../domain/policy.js";
import type { GitHub } from "../github/octokit.js";
import type { HandlerDeps } from "../handlers/deps.js";
import { handleClosed } from "../handlers/lifecycle.js";
import { applyTeamResponse, issueRef, withIssueLock, withNamedLock } from "../handlers/sla.js";
import { issueKey, withIssue } from "../helpers/issue-log.js";
import { once } from "../outbox/index.js";
import { getTrackedIssue } from "../store/intake-store.js";
import {
  channelIntakeDeps,
  findOpenedIssue,
  type IssueData,
  repositoryOf,
  runChannelIntake,
} from "./intake.js";
import { logId } from "./log-id.js";
import {
  acknowledgedComment,
  incidentIssueBody,
  incidentIssueTitle,
  incidentMarker,
  noteComment,
  resolvedComment,
} from "./messages.js";
import type { PagerDutyInboxPayload } from "./pagerduty-endpoint.js";
import { incidentIdOf, type PagerDutyIncident, type PagerDutyWebhookEvent } from "./pagerduty-event.js";
import { type ChannelLink, getLink, insertLink, setLinkIssue } from "./store.js";

type PagerDutyChannel = NonNullable<ChannelsPolicy["pagerduty"]>;

/**
 * When an incident's clock starts (epoch ms): its `created_at`, but never later than `receivedAt`,
 * when the app received the event (a clock set in the future by the sender never starts later than
 * the app heard of the incident).
 */
export function incidentClockStart(
  incident: Pick<PagerDutyIncident, "created_at">,
  receivedAt: number,
): number {
  return Math.min(Date.parse(incident.created_at), receivedAt);
}

/**
 * The issue of a channel incident, opened exactly once: the link row is the claim (first writer
 * wins across replicas), the issue carries a hidden marker so an attempt interrupted between
 * opening it and recording its number finds it instead of opening another, and intake runs until
 * the issue is tracked. Returns the link with its number.
 */
async function ensureIncidentIssue(
  deps: HandlerDeps,
  gh: GitHub,
  target: PagerDutyInboxPayload["target"],
  incident: PagerDutyIncident,
  channel: PagerDutyChannel,
  policy: Policy,
  receivedAt: number,
): Promise<ChannelLink> {
  let link = await getLink(deps.store, "pagerduty", incident.id);
  if (!link) {
    const priority = incident.urgency === "low" ? channel.urgency.low : channel.urgency.high;
    ({ link } = await insertLink(deps.store, {
      kind: "pagerduty",
      source_id: incident.id,
      origin: "channel",
      repo: target.repo,
      number: null,
      installation_id: target.installationId,
      type: channel.type,
      priority,
      clock_start: incidentClockStart(incident, receivedAt),
      detail: JSON.stringify({ url: incident.html_url, service: incident.service.id }),
      created_at: deps.clock.now(),
    }));
  }
  if (link.origin !== "channel") return link;
  let issue: IssueData | null = null;
  if (link.number === null) {
    const marker = incidentMarker(incident.id);
    issue = await findOpenedIssue(gh, deps.self, link, marker);
    if (!issue) {
      const type = policy.types.find((t) => t.key === link?.type);
      const priority = policy.priorities.find((p) => p.key === link?.priority);
      const { data } = await gh.rest.issues.create({
        ...issueRef({ repo: link.repo, number: 0 }),
        title: incidentIssueTitle(incident),
        body: incidentIssueBody({
          id: incident.id,
          title: incident.title,
          url: incident.html_url,
          service: incident.service.summary ?? "",
          serviceId: incident.service.id,
          urgency: incident.urgency ?? "high",
          createdAtMs: Number(link.clock_start),
          timezone: policy.calendar.timezone,
        }),
        labels: [type?.label, priority?.label].filter((l): l is string => typeof l === "string"),
      });
      issue = data as unknown as IssueData;
      // Test-only crash point: the issue exists, its number is not recorded (the retry finds it).
      deps.failpoint("after-channel-issue");
    }
    await setLinkIssue(deps.store, "pagerduty", incident.id, issue.number, deps.clock.now());
    link = { ...link, number: issue.number };
  }
  const key = { repo: link.repo, number: link.number as number };
  if (!(await getTrackedIssue(deps.store, key))) {
    if (!issue) {
      const { data } = await gh.rest.issues.get({ ...issueRef(key) });
      issue = data as unknown as IssueData;
    }
    await runChannelIntake(deps, gh, link, issue);
    withIssue(deps.log, issueKey(key)).info(
      // `incident` is bound to this delivery's logger already.
      { priority: link.priority, type: link.type },
      "issue opened from a PagerDuty incident",
    );
  }
  return link;
}

/** `incident.acknowledged`: the first response, at the acknowledgement, by the mapped login; one comment. */
async function acknowledge(
  deps: HandlerDeps,
  gh: GitHub,
  link: ChannelLink,
  event: PagerDutyWebhookEvent,
  channel: PagerDutyChannel,
  policy: Policy,
): Promise<void> {
  const key = { repo: link.repo, number: link.number as number };
  const log = withIssue(deps.log, issueKey(key));
  const row = await getTrackedIssue(deps.store, key);
  if (!row) throw new Error(`${issueKey(key)} is not tracked yet: the acknowledgement waits for intake`);
  // Never in the future: a sender's clock ahead of ours must not date the response after now.
  const at = Math.min(Date.parse(event.occurred_at), deps.clock.now());
  const agent = event.agent;
  const by =
    agent && agent.type === "user_reference"
      ? (channel.users[agent.id] ?? `pagerduty:${agent.id.slice(0, 40)}`)
      : "pagerduty";
  const pinned = channelIntakeDeps(deps, link);
  // An acknowledgement is the first response only: it neither answers a next reply nor gives an update.
  await applyTeamResponse(pinned, gh, row, policy, at, by, log, { metrics: ["first_response"] });
  const after = await getTrackedIssue(deps.store, key);
  if (after?.first_response_at !== Number(at) || after.first_response_by !== by) {
    log.info({}, "incident acknowledged after the first response: nothing recorded");
    return;
  }
  await once(deps, `pagerduty:${link.source_id}:ack-comment`, "skip", async () => {
    await gh.rest.issues.createComment({
      ...issueRef(key),
      body: acknowledgedComment(by, at, policy.calendar.timezone, after.first_response_late === 1),
    });
  });
}

/** `incident.resolved`: one comment; closes the issue when `close_on_resolve` (then the usual close). */
async function resolve(
  deps: HandlerDeps,
  gh: GitHub,
  link: ChannelLink,
  event: PagerDutyWebhookEvent,
  channel: PagerDutyChannel,
  policy: Policy,
): Promise<void> {
  const key = { repo: link.repo, number: link.number as number };
  const log = withIssue(deps.log, issueKey(key));
  // Never in the future: a sender's clock ahead of ours must not date the response after now.
  const at = Math.min(Date.parse(event.occurred_at), deps.clock.now());
  await once(deps, `pagerduty:${link.source_id}:resolved-comment`, "skip", async () => {
    await gh.rest.issues.createComment({
      ...issueRef(key),
      body: resolvedComment(at, policy.calendar.timezone, channel.closeOnResolve),
    });
  });
  if (!channel.closeOnResolve) return void log.info({}, "incident resolved");
  const { data } = await gh.rest.issues.get({ ...issueRef(key) });
  let issue = data as unknown as IssueData;
  if (issue.state !== "closed") {
    const updated = await gh.rest.issues.update({
      ...issueRef(key),
      state: "closed",
      state_reason: "completed",
    });
    issue = updated.data as unknown as IssueData;
  }
  const row = await getTrackedIssue(deps.store, key);
  if (row && row.closed_at == null) {
    // GitHub's own `issues.closed` for a close by the app may come late or not at all: apply it now.
    const context = new ProbotContext(
      {
        id: `pagerduty:${link.source_id}:closed`,
        name: "issues",
        payload: {
          action: "closed",
          issue,
          repository: repositoryOf(link.repo, issue),
          installation: { id: Number(link.installation_id) },
        },
      } as never,
      gh,
      log,
    ) as Context<"issues.closed">;
    await handleClosed(context, channelIntakeDeps(deps, link));
  }
  log.info({}, "incident resolved: issue closed");
}

/**
 * Applies one PagerDuty event from the inbox (issue 13). The app's own pages (matched back by their
 * dedup key) only get their link recorded: their acknowledge and resolve never echo back. A channel
 * incident opens its issue once (`ensureIncidentIssue`), whichever of its events comes first, then
 * the event's effect runs under the issue's lock, each comment at most once.
 */
export async function handlePagerDutyDelivery(context: Context, deps: HandlerDeps): Promise<void> {
  const { target, event, receivedAt: received } = context.payload as unknown as PagerDutyInboxPayload;
  // A row queued before the receipt time was recorded: now, at its first handling.
  const receivedAt = received ?? deps.clock.now();
  const incidentId = incidentIdOf(event);
  const gh = context.octokit;
  const log = deps.log.child({ incident: logId(incidentId) });
  const handlerDeps = { ...deps, log };
  await withNamedLock(handlerDeps, `pagerduty-incident:${incidentId}`, async () => {
    const known = await getLink(deps.store, "pagerduty", incidentId);
    if (target.origin === "app" || known?.origin === "app") {
      if (!known && event.event_type === "incident.triggered" && target.number !== undefined) {
        await insertLink(deps.store, {
          kind: "pagerduty",
          source_id: incidentId,
          origin: "app",
          repo: target.repo,
          number: target.number,
          installation_id: target.installationId,
          type: "",
          priority: "",
          clock_start: incidentClockStart(event.data, receivedAt),
          detail: JSON.stringify({ url: event.data.html_url }),
          created_at: deps.clock.now(),
        });
      }
      withIssue(log, issueKey({ repo: target.repo, number: known?.number ?? target.number ?? 0 })).info(
        { eventType: event.event_type },
        "the app's own page of this issue: matched back, nothing opened or echoed",
      );
      return;
    }
    const [owner = "", repo = ""] = target.repo.split("/");
    const { policy } = await deps.setups.get(gh, { owner, repo });
    const channel = policy.channels?.pagerduty ?? null;
    if (event.event_type === "incident.annotated") {
      if (!known || known.number === null)
        return void log.info("note on an incident without an issue: ignored");
      if (!channel?.notes) return void log.debug("notes are not copied (channels.pagerduty.notes: false)");
      const key = { repo: known.repo, number: known.number };
      await withIssueLock(handlerDeps, key, async () => {
        const by = event.agent?.type === "user_reference" ? (channel.users[event.agent.id] ?? null) : null;
        await once(deps, `pagerduty:note:${event.data.id}`, "skip", async () => {
          await gh.rest.issues.createComment({ ...issueRef(key), body: noteComment(event.data.content, by) });
        });
      });
      return;
    }
    if (!channel) {
      if (!known) return void log.info({}, "the repo no longer claims PagerDuty incidents: ignored");
    }
    const effective = channel ?? {
      services: [],
      type: known?.type ?? "on-call",
      urgency: { high: known?.priority ?? "", low: known?.priority ?? "" },
      users: {},
      closeOnResolve: false,
      notes: false,
    };
    const link = await ensureIncidentIssue(
      handlerDeps,
      gh,
      target,
      event.data,
      effective,
      policy,
      receivedAt,
    );
    if (link.number === null) return;
    const key = { repo: link.repo, number: link.number };
    if (event.event_type === "incident.acknowledged") {
      await withIssueLock(handlerDeps, key, () =>
        acknowledge(handlerDeps, gh, link, event, effective, policy),
      );
    } else if (event.event_type === "incident.resolved") {
      await withIssueLock(handlerDeps, key, () => resolve(handlerDeps, gh, link, event, effective, policy));
    }
  });
}

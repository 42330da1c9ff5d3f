import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  appIssueOfIncident,
  incidentIdOf,
  readPagerDutyEvent,
  verifyPagerDutySignature,
} from "../../src/channels/pagerduty-event.js";
import { dedupKey } from "../../src/notify/pagerduty.js";
import { acknowledged, annotated, incident, triggered, webhookEvent } from "../standin/pagerduty-webhooks.js";

/** PagerDuty's own example ("Verifying Signatures"): `v1=` + hex HMAC-SHA256 of the raw body. */
const hmac = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("hex");

describe("verifyPagerDutySignature", () => {
  const body = Buffer.from('{"event":{"id":"01","event_type":"incident.triggered"}}');

  it("accepts the v1 signature of the raw body", () => {
    expect(verifyPagerDutySignature("s3cret", body, `v1=${hmac("s3cret", body.toString())}`)).toBe(true);
  });

  it("accepts any one of several comma-separated signatures (secret rotation)", () => {
    const header = `v1=${hmac("old", body.toString())},v1=${hmac("s3cret", body.toString())}`;
    expect(verifyPagerDutySignature("s3cret", body, header)).toBe(true);
    expect(
      verifyPagerDutySignature(
        "s3cret",
        body,
        `v1=${hmac("old", body.toString())}, v1=${hmac("s3cret", body.toString())}`,
      ),
    ).toBe(true);
  });

  it("refuses another secret, another body, another version and malformed values", () => {
    const good = hmac("s3cret", body.toString());
    expect(verifyPagerDutySignature("s3cret", body, `v1=${hmac("other", body.toString())}`)).toBe(false);
    expect(verifyPagerDutySignature("s3cret", Buffer.from(`${body} `), `v1=${good}`)).toBe(false);
    expect(verifyPagerDutySignature("s3cret", body, `v2=${good}`)).toBe(false);
    expect(verifyPagerDutySignature("s3cret", body, good)).toBe(false);
    expect(verifyPagerDutySignature("s3cret", body, "v1=abc")).toBe(false);
    expect(verifyPagerDutySignature("s3cret", body, "")).toBe(false);
  });

  it("signs the bytes, so a body with non-ASCII text verifies as sent (UTF-8)", () => {
    const text = '{"event":{"title":"Kassa ligt plat – café"}}';
    expect(verifyPagerDutySignature("k", Buffer.from(text, "utf8"), `v1=${hmac("k", text)}`)).toBe(true);
  });
});

describe("readPagerDutyEvent", () => {
  it("reads the incident events the app acts on, and the note of incident.annotated", () => {
    const inc = incident({ id: "PT4KHLK", serviceId: "PIJ90N7" });
    for (const body of [triggered(inc), acknowledged(inc, { id: "PXPGF42", name: "Earline" })]) {
      const read = readPagerDutyEvent(body);
      if (!("event" in read)) throw new Error(`not read: ${read.ignored}`);
      expect(incidentIdOf(read.event)).toBe("PT4KHLK");
    }
    const note = readPagerDutyEvent(annotated(inc, "looking", null));
    if (!("event" in note)) throw new Error("note not read");
    expect(note.event.event_type).toBe("incident.annotated");
    expect(incidentIdOf(note.event)).toBe("PT4KHLK");
  });

  it("ignores other event types and bodies without the fields it reads", () => {
    expect(readPagerDutyEvent(webhookEvent("service.updated", { id: "PF9KMXH" }))).toMatchObject({
      ignored: "service.updated",
    });
    expect(readPagerDutyEvent({ messages: [] })).toMatchObject({
      ignored: "not a v3 webhook event",
      eventId: null,
    });
    const broken = triggered(incident());
    delete (broken.event.data as Record<string, unknown>).service;
    expect(readPagerDutyEvent(broken)).toMatchObject({ ignored: "incident.triggered without its incident" });
  });
});

describe("appIssueOfIncident", () => {
  it("reads back the issue of the app's own dedup key, with or without a cycle", () => {
    const key = dedupKey({ repo: "Acme/Portal", number: 12, cycle: 2 });
    expect(appIssueOfIncident({ incident_key: key })).toEqual({ repo: "acme/portal", number: 12 });
    expect(appIssueOfIncident({ incident_key: dedupKey({ repo: "acme/portal", number: 3 }) })).toEqual({
      repo: "acme/portal",
      number: 3,
    });
  });

  it("finds nothing in other incidents' keys", () => {
    expect(appIssueOfIncident({ incident_key: "baf7cf21b1da41b4b0221008339ff357" })).toBeNull();
    expect(appIssueOfIncident({ incident_key: null })).toBeNull();
    expect(appIssueOfIncident({ incident_key: "support-sla:acme/portal#12:extra" })).toBeNull();
  });
});

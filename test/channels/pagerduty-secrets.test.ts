import { describe, expect, it } from "vitest";
import {
  pagerDutySecrets,
  signPagerDutyBody,
  verifyPagerDutySignature,
} from "../../src/channels/pagerduty-event.js";
import { pagerDutyWebhookSecret, StartupError } from "../../src/runtime/settings.js";

/**
 * PAGERDUTY_WEBHOOK_SECRET holds one signing secret per webhook subscription, comma-separated: a
 * signature under any of them is accepted; a blank entry stops the server at start.
 */

const BODY = Buffer.from('{"event":{"id":"01ABC"}}');

describe("several PagerDuty subscription secrets", () => {
  it("a signature under any listed secret is accepted; one under none is refused", () => {
    const secrets = pagerDutySecrets("first-secret, second-secret");
    expect(secrets).toEqual(["first-secret", "second-secret"]);
    expect(verifyPagerDutySignature(secrets, BODY, signPagerDutyBody(BODY, "second-secret"))).toBe(true);
    expect(verifyPagerDutySignature(secrets, BODY, signPagerDutyBody(BODY, "first-secret"))).toBe(true);
    expect(verifyPagerDutySignature(secrets, BODY, signPagerDutyBody(BODY, "third-secret"))).toBe(false);
    // A rotation header (two signatures) of the second subscription.
    expect(verifyPagerDutySignature(secrets, BODY, signPagerDutyBody(BODY, "old", "second-secret"))).toBe(
      true,
    );
  });

  it("one secret (a string) works as before", () => {
    expect(verifyPagerDutySignature("only", BODY, signPagerDutyBody(BODY, "only"))).toBe(true);
    expect(verifyPagerDutySignature("only", BODY, signPagerDutyBody(BODY, "other"))).toBe(false);
  });
});

describe("pagerDutyWebhookSecret (start-up validation)", () => {
  it("unset or blank: the endpoint is off", () => {
    expect(pagerDutyWebhookSecret(undefined)).toBeNull();
    expect(pagerDutyWebhookSecret("  ")).toBeNull();
  });

  it("trims each entry", () => {
    expect(pagerDutyWebhookSecret(" a-secret ,b-secret ")).toBe("a-secret,b-secret");
  });

  it("a blank entry stops the start with one line naming the variable and the entry, never a secret", () => {
    for (const raw of ["a-secret,,b-secret", "a-secret,", ", b-secret"]) {
      let error: unknown;
      try {
        pagerDutyWebhookSecret(raw);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(StartupError);
      const message = (error as Error).message;
      expect(message).toMatch(/^PAGERDUTY_WEBHOOK_SECRET: entry \d of \d is blank: /);
      expect(message).not.toMatch(/a-secret|b-secret/);
      expect(message.split("\n")).toHaveLength(1);
    }
  });
});

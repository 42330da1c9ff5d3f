import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  claimConflicts,
  claimPeers,
  indexedClaims,
  lookupChannel,
  policyClaims,
  refreshRepoClaims,
} from "../../src/channels/claims.js";
import { parseConfig } from "../../src/config/load.js";
import type { Policy } from "../../src/domain/policy.js";
import { openStore, type Store } from "../../src/store/db.js";

/** The channel index (issue 13): which repo claims which PagerDuty service and Slack channel. */

function policy(yaml: string): Policy {
  const result = parseConfig(yaml);
  if (!result.ok) throw new Error("test config invalid");
  return result.policy;
}

const claiming = (services: string[], channels: string[] = []) =>
  policy(
    [
      "channels:",
      `  pagerduty: { services: ${JSON.stringify(services)} }`,
      `  slack: { channels: ${JSON.stringify(channels)} }`,
    ].join("\n"),
  );

let store: Store;
let now = 1_000;
const deps = () => ({ store, clock: { now: () => now } });

beforeEach(async () => {
  store = await openStore("sqlite::memory:");
});
afterEach(async () => {
  await store.close();
});

describe("channel index", () => {
  it("maps a claimed service and channel to its repo; anything else is unmapped", async () => {
    await refreshRepoClaims(deps(), "acme/portal", 7, claiming(["PSERVICE1"], ["C0123ABCD"]));
    expect(await lookupChannel(deps(), "pagerduty", "PSERVICE1")).toEqual({
      status: "mapped",
      repo: "acme/portal",
      installationId: 7,
    });
    expect(await lookupChannel(deps(), "slack", "C0123ABCD")).toMatchObject({
      status: "mapped",
      repo: "acme/portal",
    });
    expect(await lookupChannel(deps(), "pagerduty", "C0123ABCD")).toEqual({ status: "unmapped" });
    expect(await lookupChannel(deps(), "pagerduty", "POTHER9")).toEqual({ status: "unmapped" });
  });

  it("a refresh replaces the repo's claims: a service removed from the config is unmapped", async () => {
    await refreshRepoClaims(deps(), "acme/portal", 7, claiming(["PSERVICE1", "PSERVICE2"]));
    now += 1;
    await refreshRepoClaims(deps(), "acme/portal", 7, claiming(["PSERVICE2"]));
    expect(await lookupChannel(deps(), "pagerduty", "PSERVICE1")).toEqual({ status: "unmapped" });
    expect(await lookupChannel(deps(), "pagerduty", "PSERVICE2")).toMatchObject({ status: "mapped" });
  });

  it("a service claimed by two repos is a conflict, and a problem of each repo's config", async () => {
    await refreshRepoClaims(deps(), "acme/portal", 7, claiming(["PSERVICE1"]));
    await refreshRepoClaims(deps(), "globex/shop", 9, claiming(["PSERVICE0", "PSERVICE1"], ["C0123ABCD"]));
    expect(await lookupChannel(deps(), "pagerduty", "PSERVICE1")).toEqual({
      status: "conflict",
      repos: ["acme/portal", "globex/shop"],
    });
    expect(await claimConflicts(deps(), "acme/portal", claiming(["PSERVICE1"]))).toEqual([
      ".github/support-sla.yml: channels.pagerduty.services[0]: PagerDuty service PSERVICE1 is also claimed by globex/shop; a PagerDuty service opens issues in one repository only, so none are opened for it until one of the repositories removes it",
    ]);
    const shop = await claimConflicts(
      deps(),
      "globex/shop",
      claiming(["PSERVICE0", "PSERVICE1"], ["C0123ABCD"]),
    );
    expect(shop).toHaveLength(1);
    expect(shop[0]).toMatch(
      /^\.github\/support-sla\.yml: channels\.pagerduty\.services\[1\]: .*acme\/portal/,
    );
  });

  it("a config with no channels claims nothing", () => {
    expect(policyClaims(policy("timezone: UTC\n"))).toEqual([]);
    expect(policyClaims(null)).toEqual([]);
  });
});

describe("the repos sharing a claim", () => {
  it("lists every other repo claiming one of the services or channels, once each, never the repo itself", async () => {
    await refreshRepoClaims(deps(), "acme/portal", 7, claiming(["PSERVICE1"]));
    await refreshRepoClaims(deps(), "acme/billing", 8, claiming(["PSERVICE2"], ["C0123ABCD"]));
    await refreshRepoClaims(deps(), "acme/shop", 7, claiming(["PSERVICE1", "PSERVICE2"], ["C0123ABCD"]));
    await refreshRepoClaims(deps(), "acme/other", 7, claiming(["PSERVICE9"]));
    const shop = policyClaims(claiming(["PSERVICE1", "PSERVICE2"], ["C0123ABCD"]));
    expect(await claimPeers(deps(), "acme/shop", shop, 20)).toEqual([
      { repo: "acme/billing", installationId: 8 },
      { repo: "acme/portal", installationId: 7 },
    ]);
    expect(await claimPeers(deps(), "acme/shop", shop, 1)).toEqual([
      { repo: "acme/billing", installationId: 8 },
    ]);
    // What shop claimed before a change counts too: those repos learn that the conflict ended.
    expect(await indexedClaims(deps(), "acme/other")).toEqual([{ kind: "pagerduty", key: "PSERVICE9" }]);
    expect(await claimPeers(deps(), "acme/portal", policyClaims(claiming(["PSERVICE9"])), 20)).toEqual([
      { repo: "acme/other", installationId: 7 },
    ]);
  });
});

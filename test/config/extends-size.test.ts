import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_CONFIG_CHARS } from "../../src/config/load.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { pushPayload } from "../helpers/payloads.js";

/*
 * Kind 5 of issue 10: the size limit holds for every file an `_extends` chain brings in, and
 * for their merge, not only for the repo's own file.
 */

const forms = shippedFormTexts();
const SHA = "b".repeat(40);
const BASE = /^\/repos\/acme\/support-config\/contents\/\.github(\/|%2F)support-sla\.yml/;

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

// biome-ignore lint/suspicious/noExplicitAny: a JSON request body
function checkRun(): Array<Record<string, any>> {
  // biome-ignore lint/suspicious/noExplicitAny: a JSON request body
  const runs: Array<Record<string, any>> = [];
  nock(API)
    .post("/repos/acme/support/check-runs", (b) => {
      runs.push(b);
      return true;
    })
    .reply(201, { id: 1 });
  return runs;
}

function serveBase(text: string): void {
  nock(API).get(BASE).query(true).reply(200, text, { "content-type": "text/plain; charset=utf-8" });
}

/** `holidays:` with `count` valid dates, one a line. */
function holidays(count: number): string {
  const lines = ["holidays:"];
  for (let i = 0; i < count; i++) lines.push(`  - "${2000 + Math.floor(i / 365)}-01-01"`);
  return `${lines.join("\n")}\n`;
}

describe("config size through _extends", () => {
  it("a base file of 3 MB is refused before it is parsed, and named", async () => {
    mockToken();
    mockSetupReads({ ref: SHA, forms, config: "_extends: support-config\n" });
    // Valid YAML and a valid config, padded with a comment: the old loader applied it.
    serveBase(`# ${"x".repeat(3 * 1024 * 1024)}\ntimezone: Europe/Paris\n`);
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    expect(runs[0]?.conclusion).toBe("failure");
    const text = String(runs[0]?.output.text);
    expect(text).toContain(
      `acme/support-config:.github/support-sla.yml is ${3 * 1024 * 1024 + 26} characters long, more than the ${MAX_CONFIG_CHARS} a config may have`,
    );
    expect(text.length).toBeLessThan(1000);
  });

  it("two files under the limit whose merge is over it are refused", async () => {
    mockToken();
    // Each under 128 KB: fine alone, about 170 KB merged.
    const own = `_extends: support-config\n${holidays(7_000)}`;
    expect(own.length).toBeLessThan(MAX_CONFIG_CHARS);
    mockSetupReads({ ref: SHA, forms, config: own });
    serveBase(`team:\n  users:\n${Array.from({ length: 7_000 }, (_, i) => `    - user-${i}\n`).join("")}`);
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    expect(runs[0]?.conclusion).toBe("failure");
    expect(String(runs[0]?.output.text)).toMatch(
      /\.github\/support-sla\.yml with its _extends is \d+ characters long once merged, more than the 131072 a config may have/,
    );
  });

  it("a small base still applies: the chain is read and merged as Probot's loader does", async () => {
    mockToken();
    mockSetupReads({ ref: SHA, forms, config: "_extends: support-config\ntimezone: Europe/Paris\n" });
    serveBase("timezone: America/New_York\nescalation:\n  mention: ['@acme/support']\n");
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    expect(runs[0]?.conclusion).toBe("success");
  });

  it("the check run reports a business-clock target beyond the planning horizon, with its line", async () => {
    mockToken();
    mockSetupReads({
      ref: SHA,
      forms,
      config:
        "business_hours:\n  monday: [09:00-09:01]\npriorities:\n  urgent: {response: 30m}\n  normal: {response: 8760h}\n",
    });
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    expect(runs[0]?.conclusion).toBe("failure");
    expect(String(runs[0]?.output.text)).toMatch(
      /priorities\.normal\.response: "8760h" of business time may not be reached within 366 days.*\(line 5\)/,
    );
  });

  it("an _extends loop is a problem, not a hang", async () => {
    mockToken();
    mockSetupReads({ ref: SHA, forms, config: "_extends: support-config\n" });
    serveBase("_extends: acme/support\n");
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    expect(runs[0]?.conclusion).toBe("failure");
    expect(String(runs[0]?.output.text)).toContain("is already part of this config");
  });
});

describe("mergeConfigs with a __proto__ key", () => {
  it("keeps it as data: the merged object's prototype is untouched", async () => {
    const { mergeConfigs } = await import("../../src/github/repo-setup.js");
    const base = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}');
    const merged = mergeConfigs(base, JSON.parse('{"__proto__": {"more": 1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((merged as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

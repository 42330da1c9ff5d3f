import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { issuePayload, pushPayload } from "../helpers/payloads.js";

const forms = shippedFormTexts();
const SHA = "a".repeat(40);

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
  expect(nock.pendingMocks()).toEqual([]);
});

function checkRun() {
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

describe("push of the config or the forms", () => {
  it("reports every problem of a broken config on the commit, with YAML lines", async () => {
    mockToken();
    mockSetupReads({ ref: SHA, forms, config: "timezone: Mars/Olympus\nbussiness_hours: {}\n" });
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      head_sha: SHA,
      name: "support-sla config",
      status: "completed",
      conclusion: "failure",
    });
    const text = String(runs[0]?.output.text);
    expect(text).toMatch(/timezone: .*Mars\/Olympus.*\(line 1\)/);
    expect(text).toMatch(/bussiness_hours: unknown key \(did you mean business_hours\?\) \(line 2\)/);
  });

  it("cross-checks config and forms: a type whose form is missing is named", async () => {
    mockToken();
    mockSetupReads({ ref: SHA, forms, config: "types:\n  problem: { form: incident.yml }\n" });
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/ISSUE_TEMPLATE/problem.yml"] }));

    expect(runs[0]?.conclusion).toBe("failure");
    expect(String(runs[0]?.output.text)).toContain(
      "types.problem.form: .github/ISSUE_TEMPLATE/incident.yml does not exist",
    );
  });

  it("reports a form and a config.yml GitHub would reject or hide, by file and line, as check-config does", async () => {
    mockToken();
    const bug =
      "name: Feedback\ndescription: How did we do?\nbody:\n  - type: dropdown\n    attributes:\n      label: Helpful?\n      options: [Yes, No]\n";
    const chooser = "contact_links:\n  - name: Call us\n    url: tel:+3220000000\n    about: 24/7\n";
    mockSetupReads({ ref: SHA, forms: { ...forms, "feedback.yml": bug, "config.yml": chooser } });
    const runs = checkRun();

    await h.receive("push", pushPayload({ after: SHA, paths: [".github/ISSUE_TEMPLATE/config.yml"] }));

    expect(runs[0]?.conclusion).toBe("failure");
    const text = String(runs[0]?.output.text);
    expect(text).toContain(
      '.github/ISSUE_TEMPLATE/feedback.yml: body[0].attributes.options[0]: options must not include booleans: GitHub\'s YAML reads the unquoted Yes as the boolean true; quote it: "Yes" (line 7)',
    );
    expect(text).toContain(
      '.github/ISSUE_TEMPLATE/config.yml: contact_links[0].url: "tel:+3220000000" is not an https:// URL: GitHub shows a contact link only when its url starts with https://',
    );
  });

  it("a valid push passes and its policy applies at once, without reading the config again", async () => {
    mockToken();
    mockSetupReads({
      forms,
      labels: ["type: problem", "priority: urgent", "type: other", "priority: normal", "intake: incomplete"],
    })
      .post("/repos/acme/support/issues/1/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/1/comments")
      .reply(201, { id: 1 });
    await h.receive("issues", issuePayload("opened", { body: null }));

    mockSetupReads({ ref: SHA, forms, config: "timezone: America/New_York\n" });
    const runs = checkRun();
    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));
    expect(runs[0]?.conclusion).toBe("success");

    const comment: string[] = [];
    nock(API)
      .post("/repos/acme/support/issues/2/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/2/comments", (b) => {
        comment.push(b.body);
        return true;
      })
      .reply(201, { id: 2 });
    await h.receive("issues", issuePayload("opened", { number: 2, body: null }));
    // Fri 27 Nov 10:30 in New York; normal → close of business Mon 30 Nov, 17:00 EST.
    expect(comment[0]).toContain("**Mon 30 Nov 2026, 17:00 EST**");
  });

  it("a broken config never half-applies: the repo keeps its last good policy", async () => {
    mockToken();
    mockSetupReads({ ref: SHA, forms, config: "timezone: Asia/Kolkata\n" });
    checkRun();
    await h.receive("push", pushPayload({ after: SHA, paths: [".github/support-sla.yml"] }));

    const broken = "b".repeat(40);
    mockSetupReads({
      ref: broken,
      forms,
      config: "timezone: America/New_York\npriorities:\n  urgent: { response: -1h }\n",
    });
    const runs = checkRun();
    await h.receive("push", pushPayload({ after: broken, paths: [".github/support-sla.yml"] }));
    expect(runs[0]?.conclusion).toBe("failure");

    const comment: string[] = [];
    nock(API)
      // type: other, priority: normal, intake: incomplete, and the team's waiting label.
      .post("/repos/acme/support/labels")
      .times(4)
      .reply(201, {})
      .post("/repos/acme/support/issues/3/labels")
      .reply(200, [])
      .post("/repos/acme/support/issues/3/comments", (b) => {
        comment.push(b.body);
        return true;
      })
      .reply(201, { id: 3 });
    await h.receive("issues", issuePayload("opened", { number: 3, body: null }));
    // Still Kolkata (IST), not New York: the broken file changed nothing.
    expect(comment[0]).toMatch(/Mon 30 Nov 2026, 17:00 (IST|GMT\+5:30)/);
  });

  it("a push that touches neither the config nor the forms makes no call", async () => {
    await h.receive("push", pushPayload({ after: SHA, paths: ["README.md"] }));
  });
});

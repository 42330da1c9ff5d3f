import nock from "nock";
import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { failFast } from "../../src/github/octokit.js";
import { describeError, errorSummary } from "../../src/helpers/describe-error.js";
import { bound, issueKey, payloadSubject, withIssue } from "../../src/helpers/issue-log.js";
import { captureLogs } from "./harness.js";

const API = "https://api.github.com";
const SECRET = "CUSTOMER-SECRET-42";

/** A real Octokit error: the client Probot builds, against a mocked GitHub. */
async function requestError(run: (gh: InstanceType<typeof ProbotOctokit>) => Promise<unknown>) {
  const gh = new ProbotOctokit({ auth: { token: "ghs_test" }, retry: { enabled: false } });
  try {
    await run(gh);
  } catch (error) {
    return error;
  }
  throw new Error("the request did not fail");
}

describe("describeError", () => {
  it("keeps status, method, path and GitHub's own message of a 5xx; not the request body", async () => {
    nock(API).post("/repos/acme/portal/issues/12/comments").reply(502, { message: "Server Error" });
    const error = await requestError((gh) =>
      gh.rest.issues.createComment({ owner: "acme", repo: "portal", issue_number: 12, body: SECRET }),
    );
    const fields = describeError(error);
    expect(fields).toEqual({
      status: 502,
      message: "Server Error",
      method: "POST",
      path: "/repos/acme/portal/issues/12/comments",
    });
    expect(JSON.stringify(fields)).not.toContain(SECRET);
    expect(errorSummary(fields)).toBe("502 POST /repos/acme/portal/issues/12/comments: Server Error");
  });

  it("drops the values a validation error echoes, keeps where and what", async () => {
    nock(API)
      .post("/repos/acme/portal/labels")
      .reply(422, {
        message: "Validation Failed",
        errors: [{ resource: "Label", field: "name", code: "invalid", value: SECRET, message: SECRET }],
        documentation_url: "https://docs.github.com/rest",
      });
    const error = await requestError((gh) =>
      gh.rest.issues.createLabel({ owner: "acme", repo: "portal", name: SECRET }),
    );
    // Octokit's own message quotes the value: that is why it is never used for a GitHub answer.
    expect((error as Error).message).toContain(SECRET);
    const fields = describeError(error);
    expect(fields).toMatchObject({
      status: 422,
      message: "Validation Failed",
      errors: ["Label.name invalid"],
      path: "/repos/acme/portal/labels",
    });
    expect(JSON.stringify(fields)).not.toContain(SECRET);
  });

  it("a text or HTML answer becomes `HTTP <status>`, whatever it says; the query is left out", async () => {
    nock(API)
      .get("/repos/acme/portal/issues")
      .query(true)
      .reply(504, `<html>${SECRET}</html>`, { "content-type": "text/html" });
    const error = await requestError((gh) =>
      gh.request("GET /repos/{owner}/{repo}/issues", { owner: "acme", repo: "portal", since: SECRET }),
    );
    expect(describeError(error)).toEqual({
      status: 504,
      message: "HTTP 504",
      method: "GET",
      path: "/repos/acme/portal/issues",
    });
  });

  it("a network failure keeps the network layer's one-line message", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED 140.82.112.6:443\nmore"), {
      status: 500,
      request: { method: "GET", url: "https://api.github.com/app/installations?per_page=100" },
      cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
    });
    expect(describeError(error)).toEqual({
      status: 500,
      message: "connect ECONNREFUSED 140.82.112.6:443",
      method: "GET",
      path: "/app/installations",
      code: "ECONNREFUSED",
    });
  });

  it("other errors: type, first line of the message, stack frames; JSON.parse's quote is dropped", () => {
    const plain = describeError(new TypeError("row.title is undefined\nsecond line"));
    expect(plain).toMatchObject({ type: "TypeError", message: "row.title is undefined" });
    expect(plain.stack).toMatch(/^at /);
    expect(plain.stack).not.toContain("row.title is undefined");

    let syntax: unknown;
    try {
      JSON.parse(`{"title": ${SECRET}}`);
    } catch (error) {
      syntax = error;
    }
    expect(JSON.stringify(describeError(syntax))).not.toContain(SECRET);
    expect(describeError("boom")).toEqual({ type: "string", message: "a non-Error value was thrown" });
    expect(errorSummary(describeError(new RangeError("bad")))).toBe("RangeError: bad");
  });
});

describe("failFast", () => {
  it("turns off plugin-retry's quiet retries on one client: a 502 fails after one request", async () => {
    let calls = 0;
    nock(API)
      .get("/repos/acme/portal/labels")
      .times(4)
      .reply(() => {
        calls++;
        return [502, { message: "Server Error" }];
      });
    // Retry plugin on, as Probot configures it (3 retries after 1, 4 and 9 s).
    const gh = failFast(new ProbotOctokit({ auth: { token: "ghs_test" }, throttle: { enabled: false } }));
    expect(failFast(gh)).toBe(gh);
    await expect(
      gh.request("GET /repos/{owner}/{repo}/labels", { owner: "acme", repo: "portal" }),
    ).rejects.toMatchObject({
      status: 502,
    });
    expect(calls).toBe(1);
    nock.cleanAll();
  });
});

describe("issue keys on log lines", () => {
  it("`owner/repo#n`, the repo lower-cased as the store keys it", () => {
    expect(issueKey({ repo: "Acme/Portal", number: 12 })).toBe("acme/portal#12");
    expect(
      payloadSubject({ issue: { number: 12 }, repository: { name: "Portal", owner: { login: "Acme" } } }),
    ).toEqual({ issue: "acme/portal#12" });
    expect(payloadSubject({ repository: { name: "portal", owner: { name: "acme" } } })).toEqual({
      repo: "acme/portal",
    });
    expect(payloadSubject({})).toEqual({});
  });

  it("withIssue binds the issue once, however often it is applied", () => {
    const { log, lines } = captureLogs();
    const once = withIssue(log, "acme/portal#12");
    withIssue(once, "acme/portal#12").info("x");
    bound(once, "repo", "acme/portal").info("y");
    expect(lines.map((l) => JSON.stringify(l).match(/"issue"/g)?.length)).toEqual([1, 1]);
    expect(lines[1]).toMatchObject({ issue: "acme/portal#12", repo: "acme/portal" });
  });
});

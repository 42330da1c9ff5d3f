import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIssueForm } from "../../src/domain/forms/form.js";
import { renderBody } from "../helpers/render-body.js";
import { type AppProcess, requireBuiltApp } from "./harness.js";
import { shippedFormFiles, World } from "./world.js";

/**
 * Kind 7 of issue 10, end to end: output that grows without limit from input. The GitHub
 * stand-in answers a comment over 65,536 characters as GitHub does (422 `body is too long
 * (maximum is 65536 characters)`), so an unbounded intake comment is no comment at all.
 */

const OWNER = "acme";
const GITHUB_COMMENT_MAX = 65_536;
const world = new World();
let app: AppProcess;

beforeAll(async () => {
  requireBuiltApp();
  await world.start();
  app = await world.startApp();
}, 60_000);

afterAll(async () => {
  await world.stop();
}, 30_000);

/** A change request as GitHub renders the shipped form, with `values` picked in the Environment multi-select. */
function changeRequestBody(values: string[]): string {
  const parsed = parseIssueForm(shippedFormFiles()["change-request.yml"] ?? "");
  if (!parsed.ok) throw new Error(`shipped change-request.yml: ${parsed.problems.join("; ")}`);
  return renderBody(parsed.form, {
    priority: "Urgent",
    environment: values,
    change: "Raise the upload limit to 50 MB.",
    "wished-date": "before 2026-12-15",
    impact: "none; roll back by restoring the old value",
  });
}

describe("an issue whose answers would make the intake comment overflow", () => {
  it("a multi-select with thousands of invalid values still gets its one intake comment, within GitHub's limit", async () => {
    const repo = "huge-multiselect";
    world.seedRepo(OWNER, repo);
    const values = Array.from({ length: 5_000 }, (_, i) => `env${i}`);
    const body = changeRequestBody(values);
    expect(body.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX); // GitHub accepted the issue itself
    const { number } = world.openIssue(OWNER, repo, {
      title: "[Change]: upload limit",
      body,
      labels: ["type: change request"],
      created_at: "2026-11-27T15:30:00Z",
    });

    const res = await app.send("issues", world.gh.issueEvent("opened", OWNER, repo, number));
    expect(res.status, res.body).toBeLessThan(300);

    await world.waitFor(() => world.intakeComments(OWNER, repo, number).length > 0, {
      message: "the intake comment",
      timeoutMs: 30_000,
    });
    const [comment, ...others] = world.intakeComments(OWNER, repo, number);
    expect(others).toEqual([]);
    const text = comment?.body ?? "";
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_MAX);
    expect(text).toMatch(/^Our first response is due by \*\*.+\*\* \(.+ UTC\)\.$/m);
    // The field is named once; a few of the values are echoed and the rest counted.
    expect(text.match(/^- \*\*Environment\*\*.*$/gm)).toEqual([
      expect.stringMatching(/^- \*\*Environment\*\*: "env0", "env1", "env2" and 4,997 more are not among "/),
    ]);
    await world.waitFor(() => world.labels(OWNER, repo, number).includes("intake: incomplete"), {
      message: "the intake: incomplete label",
    });
    // No write was refused on the way: GitHub never had to answer 422.
    const refused = world.appRequests((r) => r.path.includes(`/repos/${OWNER}/${repo}/`) && r.status === 422);
    expect(refused).toEqual([]);
  }, 90_000);
});

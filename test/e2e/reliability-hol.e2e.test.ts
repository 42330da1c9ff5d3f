import { afterEach, describe, expect, it } from "vitest";
import type { Json } from "../standin/github-shapes.js";
import { requireBuiltApp } from "./harness.js";
import { World } from "./world.js";

/**
 * Head-of-line blocking (issue 10, kind 8), end to end: the built server against a GitHub stand-in
 * whose answers to one installation's repo hang. Another installation's intake must go on while
 * they hang (a slot is refilled as soon as it frees, one installation holds at most a share of
 * the slots), and the hanging request itself must be given up (a timeout on every request to
 * GitHub) and retried, so nothing is lost. Assertions are about order and progress (which comment
 * lands while which request is still held), never about durations.
 */

const FAST = { owner: "fast-org", repo: "support", installation: 1 };
const SLOW = { owner: "slow-org", repo: "support", installation: 2 };
const STUCK = { owner: "stuck-org", repo: "support", installation: 3 };
/** More deliveries of the slow installation than the inbox loop has slots (16). */
const SLOW_ISSUES = 17;
/** The issue's example: one repo's GitHub call hanging for 90 s. */
const HANG_MS = 90_000;

let world: World | undefined;

afterEach(async () => {
  world?.gh.clearFaults();
  world?.gh.releaseHangs();
  await world?.stop();
  world = undefined;
}, 30_000);

/** Points a payload at another installation (the stand-in builds every payload for its default one). */
function forInstallation<T extends object>(payload: T, installation: number): T {
  return {
    ...payload,
    installation: {
      id: installation,
      node_id: Buffer.from(`Installation${installation}`).toString("base64"),
    },
  };
}

async function newWorld(): Promise<World> {
  requireBuiltApp();
  world = new World();
  return await world.start();
}

describe("one installation's GitHub calls hang", () => {
  it("another installation's intake comment lands while they still hang, also when they outnumber the slots", async () => {
    const w = await newWorld();
    for (const r of [FAST, SLOW]) w.seedRepo(r.owner, r.repo);
    // Every request about the slow repo hangs (and answers 504 when the hold ends).
    w.gh.failNext({ pathPattern: /^\/repos\/slow-org\//i, status: 504, hangMs: HANG_MS, times: 10_000 });
    const app = await w.startApp();

    const slow: number[] = [];
    for (let i = 0; i < SLOW_ISSUES; i++) {
      const { number } = w.openIssue(SLOW.owner, SLOW.repo, { title: `[Problem]: slow ${i}` });
      slow.push(number);
      const res = await app.send(
        "issues",
        forInstallation(w.gh.issueEvent("opened", SLOW.owner, SLOW.repo, number) as Json, SLOW.installation),
      );
      expect(res.status, res.body).toBeLessThan(300);
    }
    await w.waitFor(() => w.gh.heldRequests().length > 0, {
      message: "a request about the slow repo held by the stand-in",
    });

    const { number: fast } = w.openIssue(FAST.owner, FAST.repo);
    const res = await app.send(
      "issues",
      forInstallation(w.gh.issueEvent("opened", FAST.owner, FAST.repo, fast) as Json, FAST.installation),
    );
    expect(res.status, res.body).toBeLessThan(300);

    // Well before the hang ends (90 s) and before the app's own timeout on it (30 s).
    await w.waitFor(() => w.intakeComments(FAST.owner, FAST.repo, fast).length > 0, {
      timeoutMs: 20_000,
      message: "the other installation's intake comment",
    });
    // Ordering, not timing: the slow installation's requests were still hanging at that point.
    expect(w.gh.heldRequests().length).toBeGreaterThan(0);
    for (const n of slow) expect(w.intakeComments(SLOW.owner, SLOW.repo, n)).toEqual([]);
    expect(w.labels(FAST.owner, FAST.repo, fast)).toEqual(
      expect.arrayContaining(["type: problem", "priority: urgent"]),
    );

    // When GitHub answers again, the slow installation's deliveries are not lost. (Its comments are
    // spaced out by the GitHub client's throttle, a few seconds each within one installation.)
    w.gh.clearFaults();
    w.gh.releaseHangs();
    await w.waitFor(() => slow.every((n) => w.intakeComments(SLOW.owner, SLOW.repo, n).length === 1), {
      timeoutMs: 120_000,
      message: () =>
        `one intake comment on every slow issue once GitHub answers again (comments per issue: ${slow
          .map((n) => w.intakeComments(SLOW.owner, SLOW.repo, n).length)
          .join(",")})`,
    });
  }, 240_000);

  it("a hanging request is given up and retried: the comment lands while the stand-in still holds the first attempt", async () => {
    const w = await newWorld();
    w.seedRepo(STUCK.owner, STUCK.repo);
    // The first request about the repo hangs for 90 s; the next ones are answered normally.
    w.gh.failNext({ pathPattern: /^\/repos\/stuck-org\//i, status: 504, hangMs: HANG_MS, times: 1 });
    const app = await w.startApp();

    const { number } = w.openIssue(STUCK.owner, STUCK.repo);
    await app.send(
      "issues",
      forInstallation(w.gh.issueEvent("opened", STUCK.owner, STUCK.repo, number) as Json, STUCK.installation),
    );
    await w.waitFor(() => w.gh.heldRequests().length > 0, { message: "the first request held" });

    // The app's timeout (30 s) ends its wait; the delivery is retried with backoff and succeeds.
    await w.waitFor(() => w.intakeComments(STUCK.owner, STUCK.repo, number).length > 0, {
      timeoutMs: 70_000,
      message: "the intake comment after the hanging request timed out",
    });
    expect(w.gh.heldRequests().length, "the first attempt is still held: the app gave up on it").toBe(1);
    expect(w.intakeComments(STUCK.owner, STUCK.repo, number)).toHaveLength(1);
    // The failed attempt was logged at warn as a timeout, with the issue, never as silence.
    expect(app.output()).toMatch(/"code":"ETIMEDOUT"/);
    expect(app.output()).toContain("delivery failed; will retry");
  }, 150_000);
});

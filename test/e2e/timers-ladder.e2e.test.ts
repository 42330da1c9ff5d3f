import { afterEach, describe, expect, it } from "vitest";
import { settle } from "./harness.js";
import {
  AT_RISK,
  alwaysOpen,
  BREACHED,
  ENGINEER,
  LEAD,
  LEAD_AFTER_MS,
  leadFirings,
  logLines,
  MENTION,
  OWNER,
  REPEAT_MS,
  repeatingLadderConfig,
  SETTLE_MS,
  type TimersWorld,
  timerMarker,
  worlds,
} from "./timers-world.js";

/**
 * `escalation.levels` with a repeating level, and the post-mortem reminder that repeats until
 * done, end to end. A repeat is at least 5 minutes (the config refuses less), so these worlds run
 * on a WarpClock: the GitHub stand-in and the app move forward together when the test jumps;
 * everything before and between the jumps happens on the wall clock.
 */

const world = worlds();
afterEach(() => world.stopAll(), 30_000);

const FIRING_WITHIN_MS = 20_000;
const LEGACY_BREACH = "<!-- support-sla:breach cycle=1 -->";

async function openTracked(w: TimersWorld, repo: string, assignees: string[] = []) {
  const app = w.apps[0];
  if (!app) throw new Error("start the app first");
  const { number } = w.openIssue(OWNER, repo, { assignees });
  await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));
  await w.waitFor(() => w.intakeComments(OWNER, repo, number).length === 1, {
    message: `the intake comment of ${repo}#${number}`,
  });
  return number;
}

describe("escalation.levels", () => {
  it("a repeating level fires r0, r1, r2, each exactly once, and stops once the timer is met", async () => {
    const w = await world.create({ warp: true });
    const app = await w.startApp();
    const repo = "ladder";
    w.seedRepo(OWNER, repo, { config: repeatingLadderConfig() });
    const n = await openTracked(w, repo, ["bob"]);

    // The breach (today's comment), then `lead` 3 s later.
    await w.waitFor(() => leadFirings(w, repo, n)[0] === 1 && w.marked(repo, n, LEGACY_BREACH).length === 1, {
      timeoutMs: LEAD_AFTER_MS + FIRING_WITHIN_MS,
      message: () => `the breach and lead r0: ${JSON.stringify(leadFirings(w, repo, n))}`,
    });
    await settle(2_000);
    expect(leadFirings(w, repo, n)).toEqual([1, 0, 0, 0]);
    expect(w.labels(OWNER, repo, n)).toContain(BREACHED);
    expect(w.labels(OWNER, repo, n)).not.toContain(AT_RISK);
    expect(w.pdEvents(repo, n, "trigger")).toHaveLength(1);

    for (const repeat of [1, 2]) {
      w.jump(REPEAT_MS);
      await w.waitFor(() => leadFirings(w, repo, n)[repeat] === 1, {
        timeoutMs: FIRING_WITHIN_MS,
        message: () =>
          `lead r${repeat} after a ${REPEAT_MS / 60_000}-minute jump: ${JSON.stringify(leadFirings(w, repo, n))}`,
      });
      await settle(2_000);
      expect(leadFirings(w, repo, n)).toEqual([1, 1, repeat === 2 ? 1 : 0, 0]);
    }

    const [r0, r1, r2] = [0, 1, 2].map(
      (r) => w.marked(repo, n, timerMarker("first_response", 1, "lead", r))[0]?.body ?? "",
    );
    for (const body of [r0, r1, r2]) {
      expect(body).toContain(LEAD);
      expect(body).toContain("@bob");
      expect(body).toMatch(/overdue/);
    }
    expect(r1).toContain("(reminder 2)");
    expect(r2).toContain("(reminder 3)");
    expect(w.marked(repo, n, LEGACY_BREACH)[0]?.body).toContain(MENTION);
    // Slack: the breach and each firing of `lead` (the at-risk warning too, unless the intake came
    // after its instant: of levels due at once only the last fires); one page in all.
    expect(w.slackTexts(repo, n, /SLA at risk/).length).toBeLessThanOrEqual(1);
    expect(w.slackTexts(repo, n, /SLA breached/)).toHaveLength(4);
    expect(w.pdEvents(repo, n, "trigger")).toHaveLength(1);
    const fired = logLines(app, /escalation level fired/).map((l) => [l.ladderLevel, l.repeat]);
    expect(fired).toEqual([
      ["lead", 0],
      ["lead", 1],
      ["lead", 2],
    ]);

    // The team answers: the timer is met (late); the ladder stops.
    const reply = w.comment(repo, n, "engineer", "On it, sorry for the wait.");
    await app.send("issue_comment", reply.payload);
    await w.waitFor(() => logLines(app, /first team response recorded/).length === 1, {
      message: "the reply",
    });
    expect(logLines(app, /first team response recorded/)[0]).toMatchObject({
      by: ENGINEER.login,
      late: true,
    });
    await w.waitFor(() => w.pdEvents(repo, n, "acknowledge").length === 1, {
      message: "the incident acknowledged",
    });
    for (let i = 0; i < 2; i++) {
      w.jump(REPEAT_MS);
      await settle(SETTLE_MS);
    }
    expect(leadFirings(w, repo, n)).toEqual([1, 1, 1, 0]);
    expect(w.timerComments(repo, n)).toHaveLength(3);
    expect(w.slackTexts(repo, n, /SLA breached/)).toHaveLength(4);
    expect(w.escalationComments(OWNER, repo, n)).toHaveLength(4);
  }, 120_000);
});

describe("post_mortem", () => {
  it("the reminder repeats every post_mortem.repeat until the done label, then stops", async () => {
    const w = await world.create({ warp: true });
    const app = await w.startApp();
    const repo = "post-mortem";
    w.seedRepo(OWNER, repo, {
      config: [
        ...alwaysOpen(),
        "priorities:",
        "  urgent: { response: 1h, clock: business }",
        "escalation:",
        `  mention: ["${MENTION}"]`,
        "post_mortem:",
        "  priorities: [urgent]",
        "  due: 3s",
        "  repeat: 5m",
        "",
      ].join("\n"),
    });
    const n = await openTracked(w, repo);
    const reply = w.comment(repo, n, "engineer", "Fixed: the certificate was renewed.");
    await app.send("issue_comment", reply.payload);
    const closed = await w.setStateAs(repo, n, "closed");
    await app.send(closed.name, closed.payload);
    await w.waitFor(() => logLines(app, /post-mortem question posted/).length === 1, {
      message: "the question",
    });

    const required = await w.addLabelAs(repo, n, "post-mortem: required");
    await app.send(required.name, required.payload);
    const reminders = () =>
      [0, 1, 2, 3].map((r) => w.marked(repo, n, timerMarker("post_mortem", 1, "reminder", r)).length);
    await w.waitFor(() => reminders()[0] === 1, {
      timeoutMs: 3_000 + FIRING_WITHIN_MS,
      message: () => `the first reminder: ${JSON.stringify(reminders())}`,
    });
    expect(w.marked(repo, n, timerMarker("post_mortem", 1, "reminder", 0))[0]?.body).toContain(MENTION);
    for (const repeat of [1, 2]) {
      await settle(1_000);
      w.jump(REPEAT_MS);
      await w.waitFor(() => reminders()[repeat] === 1, {
        timeoutMs: FIRING_WITHIN_MS,
        message: () => `reminder r${repeat}: ${JSON.stringify(reminders())}`,
      });
    }
    await settle(2_000);
    expect(reminders()).toEqual([1, 1, 1, 0]);

    const done = await w.addLabelAs(repo, n, "post-mortem: done");
    await app.send(done.name, done.payload);
    await w.waitFor(() => logLines(app, /post-mortem follow-up updated/).some((l) => l.state === "done"), {
      message: "the done label",
    });
    for (let i = 0; i < 2; i++) {
      w.jump(REPEAT_MS);
      await settle(SETTLE_MS);
    }
    expect(reminders()).toEqual([1, 1, 1, 0]);
    expect(w.timerComments(repo, n)).toHaveLength(3);
  }, 120_000);
});

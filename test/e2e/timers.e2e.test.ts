import { afterEach, describe, expect, it } from "vitest";
import { settle, sleep } from "./harness.js";
import {
  AT_RISK,
  alwaysOpen,
  BREACHED,
  expectStill,
  handledDeliveries,
  logLines,
  MENTION,
  OWNER,
  SETTLE_MS,
  type TimersWorld,
  timerMarker,
  utc,
  WAITING,
  worlds,
} from "./timers-world.js";
import { problemBody } from "./world.js";

/**
 * The timer metrics of issue 12 end to end: the built server against the GitHub stand-in, signed
 * webhooks over loopback, targets of seconds on the wall clock. What is asserted is what people
 * see: comments (count and text), labels, Slack messages, PagerDuty events, log lines. "Exactly
 * once" is checked after a settle period, so a late duplicate would be seen.
 */

const world = worlds();
afterEach(() => world.stopAll(), 30_000);

/** From a deadline to its escalation being visible: GitHub writes are paced (a comment every 3 s). */
const ESCALATION_WITHIN_MS = 20_000;

function config(lines: string[]): string {
  return [...alwaysOpen(), ...lines, "escalation:", `  mention: ["${MENTION}"]`, "  warn_at: 50%", ""].join(
    "\n",
  );
}

/** Opens the issue and waits for its intake comment. */
async function openTracked(w: TimersWorld, repo: string, seed: Parameters<TimersWorld["openIssue"]>[2] = {}) {
  const app = w.apps[0];
  if (!app) throw new Error("start the app first");
  const { number, issue } = w.openIssue(OWNER, repo, seed);
  await app.send("issues", w.gh.issueEvent("opened", OWNER, repo, number));
  await w.waitFor(() => w.intakeComments(OWNER, repo, number).length === 1, {
    message: `the intake comment of ${repo}#${number}`,
  });
  return { n: number, createdAt: Date.parse(String(issue.created_at)) };
}

describe("next_reply", () => {
  it("counts from the oldest unanswered customer comment; unanswered, it breaches once (comment, label, Slack, page); a team reply meets it", async () => {
    const w = await world.create();
    const app = await w.startApp();
    const repo = "next-reply";
    const target = 8_000;
    w.seedRepo(OWNER, repo, {
      config: config(["priorities:", "  urgent: { response: 1h, next_reply: 8s, clock: business }"]),
    });
    const { n } = await openTracked(w, repo);

    // The team replies first: only then does a customer comment start a next reply.
    const reply = w.comment(repo, n, "engineer", "Looking at it now.");
    await app.send("issue_comment", reply.payload);
    await w.waitFor(() => logLines(app, /first team response recorded/).length === 1, {
      message: "the first response to be recorded",
    });

    // The customer writes twice before anyone answers. (GitHub's comment times have whole seconds:
    // a comment in the same second as the team's reply is not after it.)
    await sleep(1_100);
    const first = w.comment(repo, n, "customer", "Any news?");
    await app.send("issue_comment", first.payload);
    await w.waitFor(() => logLines(app, /customer comment recorded/).length === 1, {
      message: "the first customer comment to start the next reply",
    });
    await sleep(2_100);
    const second = w.comment(repo, n, "customer", "Still down here, any update?");
    expect(second.at).toBeGreaterThan(first.at);
    await app.send("issue_comment", second.payload);
    await w.waitFor(async () => (await handledDeliveries(app, "issue_comment")) === 3, {
      message: "the second customer comment to be applied",
    });
    expect(Date.now(), "the second comment must come before the deadline").toBeLessThan(first.at + target);

    const breach = timerMarker("next_reply", 1, "breach", 0);
    const state = () => ({
      comments: w.marked(repo, n, breach).length,
      escalations: w.escalationComments(OWNER, repo, n).length,
      breached: w.labels(OWNER, repo, n).includes(BREACHED),
      slack: w.slackTexts(repo, n, /SLA breached/).length,
      pages: w.pdEvents(repo, n, "trigger").length,
    });
    await w.waitFor(
      () => {
        const s = state();
        return s.comments > 0 && s.breached && s.slack > 0 && s.pages > 0;
      },
      {
        timeoutMs: first.at + target - Date.now() + ESCALATION_WITHIN_MS,
        message: () => `the next-reply breach: ${JSON.stringify(state())}`,
      },
    );
    await settle(SETTLE_MS);
    expect(state(), w.receivers()).toEqual({
      comments: 1,
      escalations: 1,
      breached: true,
      slack: 1,
      pages: 1,
    });

    const [comment] = w.marked(repo, n, breach);
    // Counted from the first comment, not the second: started at it, due 8 s after it.
    expect(comment?.body).toContain(MENTION);
    expect(comment?.body).toContain(utc(first.at));
    expect(comment?.body).toContain(utc(first.at + target));
    expect(comment?.body).not.toContain(utc(second.at + target));
    expect(comment?.body).toMatch(/next reply/i);
    const posted = w
      .issueWrites(repo, n, "POST", "/comments")
      .filter((r) => String((r.body as { body?: unknown }).body).includes(breach));
    expect(posted).toHaveLength(1);
    expect(posted[0]?.timestamp).toBeGreaterThanOrEqual(first.at + target);
    expect(w.labels(OWNER, repo, n)).not.toContain(AT_RISK);
    const [slack] = w.slackTexts(repo, n, /SLA breached/);
    expect(slack).toMatch(/next reply was due/);
    expect(logLines(app, /breach escalated/).filter((l) => l.metric === "next_reply")).toHaveLength(1);

    // The team answers late: the next reply is met (late), the open incident acknowledged.
    const answer = w.comment(repo, n, "engineer", "Found it: a bad deploy, rolling back.");
    await app.send("issue_comment", answer.payload);
    await w.waitFor(() => logLines(app, /team reply recorded/).length === 1, { message: "the late reply" });
    expect(logLines(app, /team reply recorded/)[0]?.timers).toEqual(["next_reply c1 met (late)"]);
    await w.waitFor(() => w.pdEvents(repo, n, "acknowledge").length > 0, {
      message: "the incident acknowledged",
    });

    // The next customer comment starts cycle 2; a team reply in time meets it: no escalation.
    await sleep(1_100);
    const third = w.comment(repo, n, "customer", "Rolled back, thanks. Is it stable?");
    await app.send("issue_comment", third.payload);
    await w.waitFor(() => logLines(app, /customer comment recorded/).length === 2, { message: "cycle 2" });
    await sleep(1_100);
    expect(logLines(app, /customer comment recorded/)[1]?.timers).toEqual(["next_reply c2 started"]);
    const fast = w.comment(repo, n, "engineer", "Yes, stable for 10 minutes now.");
    await app.send("issue_comment", fast.payload);
    await w.waitFor(() => logLines(app, /team reply recorded/).length === 2, {
      message: "the reply in time",
    });
    expect(logLines(app, /team reply recorded/)[1]?.timers).toEqual(["next_reply c2 met"]);
    await sleep(Math.max(0, third.at + target + SETTLE_MS - Date.now()));
    expect(w.timerComments(repo, n, "next_reply")).toHaveLength(1);
    expect(w.slackTexts(repo, n, /SLA breached/)).toHaveLength(1);
    expect(w.pdEvents(repo, n, "trigger")).toHaveLength(1);
  }, 90_000);
});

describe("resolution and the waiting pause", () => {
  it("paused while the team waits (no breach past the target); the customer's comment lifts it once however often delivered; a close meets it; a reopen resumes the same timer", async () => {
    const w = await world.create();
    const app = await w.startApp();
    const repo = "resolution";
    const target = 20_000;
    w.seedRepo(OWNER, repo, {
      config: config(["priorities:", "  urgent: { response: 1h, resolution: 20s, clock: business }"]),
    });
    const { n, createdAt } = await openTracked(w, repo);
    const reply = w.comment(repo, n, "engineer", "Can you send us the request id?");
    await app.send("issue_comment", reply.payload);
    await w.waitFor(() => logLines(app, /first team response recorded/).length === 1, {
      message: "the first response",
    });

    // The team waits for the customer: the resolution clock stops at the label event.
    const waiting = await w.addLabelAs(repo, n, WAITING);
    await app.send(waiting.name, waiting.payload);
    await w.waitFor(() => logLines(app, /timer label applied/).length === 1, { message: "the pause" });
    expect(logLines(app, /timer label applied/)[0]?.timers).toEqual(["resolution c1 paused"]);

    // Past the target while paused: nothing escalates.
    await sleep(Math.max(0, createdAt + target + SETTLE_MS - Date.now()));
    const escalated = () => ({
      comments: w.timerComments(repo, n, "resolution").length,
      labels: w.labels(OWNER, repo, n).filter((l) => l === BREACHED || l === AT_RISK),
      slack: w.slackTexts(repo, n, /SLA (breached|at risk)/).length,
      pages: w.pdEvents(repo, n, "trigger").length,
    });
    expect(escalated()).toEqual({ comments: 0, labels: [], slack: 0, pages: 0 });
    expect(w.labels(OWNER, repo, n)).toContain(WAITING);

    // The customer answers: the app takes the label off and the clock resumes at the comment.
    // GitHub may deliver the comment twice (a redelivery keeps its id; a duplicate may not).
    const answer = w.comment(repo, n, "customer", "Request id is 7f3a.");
    const delivered = await app.send("issue_comment", answer.payload);
    await app.send("issue_comment", answer.payload, { id: delivered.id });
    await app.send("issue_comment", answer.payload);
    await w.waitFor(async () => (await handledDeliveries(app, "issue_comment")) === 3, {
      message: "both copies of the customer comment to be applied",
    });
    await w.waitFor(() => !w.labels(OWNER, repo, n).includes(WAITING), {
      message: "the waiting label removed",
    });
    // GitHub tells the app about its own label removal, and redelivers the old label event: no effect.
    const unlabeled = w.gh
      .apiEvents()
      .filter((e) => e.name === "issues" && (e.payload as { action?: string }).action === "unlabeled");
    expect(unlabeled).toHaveLength(1);
    await app.send("issues", unlabeled[0]?.payload);
    await app.send(waiting.name, waiting.payload);
    await w.waitFor(async () => (await handledDeliveries(app, "issues")) >= 4, {
      message: "the label events",
    });
    await settle(1_000);
    expect(w.issueWrites(repo, n, "DELETE", `/labels/${WAITING}`)).toHaveLength(1);
    const recorded = logLines(app, /customer comment recorded/);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.timers).toEqual(["resolution c1 resumed"]);
    expect(logLines(app, /timer label applied/)).toHaveLength(1);

    // `/sla explain` shows the running resolution timer with its one pause.
    const ask = w.comment(repo, n, "engineer", "/sla explain");
    await app.send("issue_comment", ask.payload);
    const explained = await w.waitFor(
      () => w.appComments(OWNER, repo, n).find((c) => c.body.includes("**Running timers**")),
      { message: "the /sla explain reply" },
    );
    const resolution = timerSection(explained.body, "Resolution");
    expect(resolution[0]).toMatch(/^- Resolution \(cycle 1, business clock\): pending;/);
    expect(resolution).toContain("  - Pauses (not counted on the clock):");
    expect(resolution.filter((l) => /^ {4}- .+ → .+: .+ excluded$/.test(l))).toHaveLength(1);

    // Closed in time: met. Reopened: the same timer (cycle 1) resumes and later breaches.
    const closed = await w.setStateAs(repo, n, "closed");
    await app.send(closed.name, closed.payload);
    await w.waitFor(() => logLines(app, /issue closed/).length === 1, { message: "the close" });
    expect(logLines(app, /issue closed/)[0]?.timers).toEqual(["resolution c1 met"]);
    await sleep(1_100);
    const reopened = await w.setStateAs(repo, n, "open");
    await app.send(reopened.name, reopened.payload);
    await w.waitFor(
      () =>
        logLines(app, /intake applied/).some((l) =>
          JSON.stringify(l.timers ?? []).includes("resolution c1 reopened"),
        ),
      { message: "the reopening" },
    );

    const breach = timerMarker("resolution", 1, "breach", 0);
    await w.waitFor(
      () => w.marked(repo, n, breach).length > 0 && w.labels(OWNER, repo, n).includes(BREACHED),
      { timeoutMs: target + ESCALATION_WITHIN_MS, message: "the resumed timer's breach" },
    );
    await settle(SETTLE_MS);
    expect(w.timerComments(repo, n, "resolution")).toHaveLength(1);
    expect(w.marked(repo, n, breach)[0]?.body).toContain(MENTION);
    expect(w.slackTexts(repo, n, /SLA breached/).filter((t) => /resolution was due/.test(t))).toHaveLength(1);
    expect(w.pdEvents(repo, n, "trigger")).toHaveLength(1);
    // The pause and the closed interval were left out: the breach came well after created + 20 s.
    const posted = w
      .issueWrites(repo, n, "POST", "/comments")
      .find((r) => String((r.body as { body?: unknown }).body).includes(breach));
    expect(posted?.timestamp).toBeGreaterThan(createdAt + target + SETTLE_MS);
  }, 150_000);
});

describe("updates (Production down)", () => {
  it("reminds the assignees and the handles before it is due, a team comment resets it (no reminder for the old interval), and the intake comment shows the next update", async () => {
    const w = await world.create();
    const app = await w.startApp();
    const repo = "updates";
    const every = 12_000;
    w.seedRepo(OWNER, repo, {
      config: config(["priorities:", "  production-down: { response: 1h, updates: 12s, clock: calendar }"]),
    });
    const { n, createdAt } = await openTracked(w, repo, {
      title: "[Problem]: payments are down",
      body: problemBody({ priority: "Production down" }),
      assignees: ["alice"],
    });
    const intake = () => w.intakeComments(OWNER, repo, n)[0]?.body ?? "";
    expect(intake()).toContain("Next update by");
    expect(intake()).toContain(utc(createdAt + every));

    // A team comment before the reminder (at 50 %): interval 1 is met, interval 2 starts at it.
    const update = w.comment(repo, n, "engineer", "Investigating: the payment gateway times out.");
    await app.send("issue_comment", update.payload);
    await w.waitFor(() => intake().includes(utc(update.at + every)), {
      message: () => `the intake comment to show the next update\n${intake()}`,
    });
    // The intake comment is edited before the timers are written and the line logged: wait for it.
    await w.waitFor(() => logLines(app, /team reply recorded/).length > 0, {
      message: "the team reply's log line",
    });
    const recorded = logLines(app, /team reply recorded/);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]?.timers).toEqual(["updates c1 met", "updates c2 started"]);

    const reminder = timerMarker("updates", 2, "reminder", 0);
    await w.waitFor(() => w.marked(repo, n, reminder).length > 0, {
      timeoutMs: every + ESCALATION_WITHIN_MS,
      message: "the reminder of interval 2",
    });
    const [comment] = w.marked(repo, n, reminder);
    expect(comment?.body).toContain("@alice");
    expect(comment?.body).toContain(MENTION);
    expect(comment?.body).toContain(utc(update.at + every));
    expect(comment?.body).toMatch(/is due by/);
    expect(comment?.body).not.toMatch(/overdue/);
    expect(w.slackTexts(repo, n).filter((t) => /update due/.test(t)).length).toBeGreaterThanOrEqual(1);

    // No update by its due time: the breach of interval 2, once, to the same people.
    const breach = timerMarker("updates", 2, "breach", 0);
    await w.waitFor(() => w.marked(repo, n, breach).length > 0, {
      timeoutMs: update.at + every - Date.now() + ESCALATION_WITHIN_MS,
      message: "the breach of interval 2",
    });
    expect(w.marked(repo, n, breach)[0]?.body).toMatch(/overdue/);
    expect(w.marked(repo, n, breach)[0]?.body).toContain("@alice");

    // Interval 1 never reminded, even after its own reminder and due times passed.
    await sleep(Math.max(0, createdAt + every + SETTLE_MS - Date.now()));
    expect(w.timerComments(repo, n, "updates c1 ")).toEqual([]);
    expect(w.timerComments(repo, n, "updates").map((c) => c.body.split("\n")[0])).toEqual([reminder, breach]);

    // Closed: the interval is cancelled, the intake comment stops promising an update.
    const closed = await w.setStateAs(repo, n, "closed");
    await app.send(closed.name, closed.payload);
    await w.waitFor(() => !intake().includes("Next update by"), {
      message: () => `the intake comment\n${intake()}`,
    });
    await expectStill(() => w.timerComments(repo, n, "updates").length, every);
  }, 120_000);
});

/** The lines of one timer in the "Running timers" section of `/sla explain`: its line and its details. */
function timerSection(body: string, title: string): string[] {
  const lines = body.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`- ${title} (`));
  if (start < 0) throw new Error(`no ${title} timer in\n${body}`);
  const end = lines.findIndex((l, i) => i > start && !l.startsWith("  "));
  return lines.slice(start, end < 0 ? undefined : end);
}

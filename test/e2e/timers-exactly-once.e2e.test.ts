import { afterEach, describe, expect, it } from "vitest";
import type { AppProcess } from "./harness.js";
import { settle, sleep } from "./harness.js";
import { createFreshDatabase, type FreshDatabase } from "./postgres.js";
import {
  alwaysOpen,
  BREACHED,
  handledDeliveries,
  LEAD,
  LEAD_AFTER_MS,
  leadFirings,
  MENTION,
  OWNER,
  REPEAT_MS,
  repeatingLadderConfig,
  SETTLE_MS,
  type TimersWorld,
  timerMarker,
  worldLogLines,
  worlds,
} from "./timers-world.js";

/**
 * The exactly-once proofs of issue 12, for a next-reply breach and for a repeating ladder level:
 * (a) GitHub delivers the same webhooks again (same delivery id, and copies with new ids);
 * (b) two app processes share one PostgreSQL database; (c) the process is killed (SIGKILL) after
 * the timer's comment is posted and before its escalation is committed, then started again.
 * Each time every comment, label, Slack message and page lands once; checked after a settle
 * period so that a late duplicate would be seen.
 */

const world = worlds();
let database: FreshDatabase | undefined;
afterEach(async () => {
  await world.stopAll();
  await database?.drop();
  database = undefined;
}, 30_000);

const TARGET_MS = 6_000;
const ESCALATION_WITHIN_MS = 20_000;
const NEXT_REPLY_BREACH = timerMarker("next_reply", 1, "breach", 0);
const LEGACY_BREACH = "<!-- support-sla:breach cycle=1 -->";

function nextReplyConfig(): string {
  return [
    ...alwaysOpen(),
    "priorities:",
    "  urgent: { response: 1h, next_reply: 6s, clock: business }",
    "escalation:",
    `  mention: ["${MENTION}"]`,
    "  warn_at: 50%",
    "",
  ].join("\n");
}

type Delivery = { event: string; payload: unknown; id: string };

/**
 * Sends each step's webhook to the app whose turn it is (`apps[i % apps.length]`): the issue is
 * opened, the team replies, and a second later the customer comments (that starts the next reply).
 * Returns the deliveries (for redelivery) and when the customer commented.
 */
async function customerWaitsForAnAnswer(w: TimersWorld, repo: string, apps: readonly AppProcess[]) {
  const pick = (i: number) => apps[i % apps.length] as AppProcess;
  const sent: Delivery[] = [];
  const send = async (i: number, event: string, payload: unknown) => {
    const res = await pick(i).send(event, payload);
    expect(res.status, res.body).toBeLessThan(300);
    sent.push({ event, payload, id: res.id });
  };
  const { number: n } = w.openIssue(OWNER, repo);
  await send(0, "issues", w.gh.issueEvent("opened", OWNER, repo, n));
  await w.waitFor(() => w.intakeComments(OWNER, repo, n).length === 1, { message: "the intake comment" });
  await send(1, "issue_comment", w.comment(repo, n, "engineer", "Looking at it now.").payload);
  await w.waitFor(() => worldLogLines(w, /first team response recorded/).length === 1, {
    message: "the first response",
  });
  await sleep(1_100); // comment times have whole seconds: the customer's comes after the reply
  const customer = w.comment(repo, n, "customer", "Any news?");
  await send(2, "issue_comment", customer.payload);
  await w.waitFor(() => worldLogLines(w, /customer comment recorded/).length === 1, {
    message: "the next reply to start",
  });
  return { n, sent, deadline: customer.at + TARGET_MS };
}

/** Everything the next-reply breach shows, for a world with this one issue. */
function nextReplyEffects(w: TimersWorld, repo: string, n: number) {
  return {
    comments: w.marked(repo, n, NEXT_REPLY_BREACH).length,
    timerComments: w.timerComments(repo, n).length,
    breachedLabelAdds: w
      .issueWrites(repo, n, "POST", "/labels")
      .filter((r) => JSON.stringify(r.body).includes(BREACHED)).length,
    labelled: w.labels(OWNER, repo, n).includes(BREACHED),
    slack: w.slackTexts(repo, n, /SLA breached/).length,
    pages: w.pdEvents(repo, n, "trigger").length,
  };
}

/** Waits for the next-reply breach, lets duplicates show up, then checks each effect landed once. */
async function expectNextReplyBreachOnce(w: TimersWorld, repo: string, n: number, deadline: number) {
  const state = () => nextReplyEffects(w, repo, n);
  await w.waitFor(
    () => {
      const s = state();
      return s.comments > 0 && s.labelled && s.slack > 0 && s.pages > 0;
    },
    {
      timeoutMs: Math.max(0, deadline - Date.now()) + ESCALATION_WITHIN_MS,
      message: () => `the next-reply breach: ${JSON.stringify(state())}`,
    },
  );
  await settle(SETTLE_MS);
  expect(state(), w.receivers()).toEqual({
    comments: 1,
    timerComments: 1,
    breachedLabelAdds: 1,
    labelled: true,
    slack: 1,
    pages: 1,
  });
  expect(w.marked(repo, n, NEXT_REPLY_BREACH)[0]?.body).toContain(MENTION);
  expect(w.pd.incidents()).toHaveLength(1);
  expect(worldLogLines(w, /breach escalated/).filter((l) => l.metric === "next_reply")).toHaveLength(1);
}

/** Everything the repeating ladder shows up to `lead` r`upTo`, for a world with this one issue. */
function ladderEffects(w: TimersWorld, repo: string, n: number) {
  return {
    lead: leadFirings(w, repo, n),
    breachComments: w.marked(repo, n, LEGACY_BREACH).length,
    breachedLabelAdds: w
      .issueWrites(repo, n, "POST", "/labels")
      .filter((r) => JSON.stringify(r.body).includes(BREACHED)).length,
    slackBreached: w.slackTexts(repo, n, /SLA breached/).length,
    pages: w.pdEvents(repo, n, "trigger").length,
  };
}

/** The state after `lead` fired `firings` times (r0 … r{firings-1}), each once. */
function ladderAfter(firings: number) {
  return {
    lead: [0, 1, 2, 3].map((r) => (r < firings ? 1 : 0)),
    breachComments: 1,
    breachedLabelAdds: 1,
    // The breach and each firing of `lead`.
    slackBreached: 1 + firings,
    // `lead` pages at r0; a repeat never pages again (one incident per issue cycle).
    pages: 1,
  };
}

/** Waits for `lead` r`repeat` (and everything before it), lets duplicates show up, checks each landed once. */
async function expectLadderAt(
  w: TimersWorld,
  repo: string,
  n: number,
  repeat: number,
  timeoutMs = repeat === 0 ? LEAD_AFTER_MS + ESCALATION_WITHIN_MS : ESCALATION_WITHIN_MS,
) {
  const state = () => ladderEffects(w, repo, n);
  const want = ladderAfter(repeat + 1);
  await w.waitFor(() => JSON.stringify(state()) === JSON.stringify(want), {
    timeoutMs,
    message: () => `lead r${repeat}: ${JSON.stringify(state())}, want ${JSON.stringify(want)}`,
  });
  await settle(SETTLE_MS);
  expect(state(), w.receivers()).toEqual(want);
  const body = w.marked(repo, n, timerMarker("first_response", 1, "lead", repeat))[0]?.body ?? "";
  expect(body).toContain(LEAD);
}

async function openLadderIssue(w: TimersWorld, repo: string, app: AppProcess) {
  const { number: n } = w.openIssue(OWNER, repo);
  const opened = w.gh.issueEvent("opened", OWNER, repo, n);
  const res = await app.send("issues", opened);
  await w.waitFor(() => w.intakeComments(OWNER, repo, n).length === 1, { message: "the intake comment" });
  return { n, opened: { event: "issues", payload: opened, id: res.id } };
}

/** Sends every delivery again, with its own id (a redelivery) and with a new id (a duplicate). */
async function redeliver(app: AppProcess, deliveries: readonly Delivery[]): Promise<void> {
  for (const d of deliveries) {
    await app.send(d.event, d.payload, { id: d.id });
    await app.send(d.event, d.payload);
  }
}

describe("(a) redelivery", () => {
  it("next_reply: every delivery sent again, before and after the breach, with its id and with a new one: one breach", async () => {
    const w = await world.create();
    const app = await w.startApp();
    const repo = "redelivery-next-reply";
    w.seedRepo(OWNER, repo, { config: nextReplyConfig() });
    const { n, sent, deadline } = await customerWaitsForAnAnswer(w, repo, [app]);

    await redeliver(app, sent);
    await expectNextReplyBreachOnce(w, repo, n, deadline);
    await redeliver(app, sent);
    await settle(SETTLE_MS);
    expect(nextReplyEffects(w, repo, n)).toMatchObject({ comments: 1, timerComments: 1, slack: 1, pages: 1 });
    // Redeliveries were recognised; the copies with new ids changed nothing (a stale reply meets nothing).
    expect(worldLogLines(w, /delivery already received/)).toHaveLength(2 * sent.length);
    expect(await handledDeliveries(app, "issue_comment")).toBe(2 + 2 * 2);
    expect(worldLogLines(w, /customer comment recorded/)).toHaveLength(1);
    expect(worldLogLines(w, /team reply recorded/)).toHaveLength(0);
  }, 90_000);

  it("a repeating level: the issue's deliveries sent again between the firings: r0, r1, r2 each once", async () => {
    const w = await world.create({ warp: true });
    const app = await w.startApp();
    const repo = "redelivery-ladder";
    w.seedRepo(OWNER, repo, { config: repeatingLadderConfig() });
    const { n, opened } = await openLadderIssue(w, repo, app);

    await expectLadderAt(w, repo, n, 0);
    await redeliver(app, [opened]);
    for (const repeat of [1, 2]) {
      w.jump(REPEAT_MS);
      await redeliver(app, [opened]);
      await expectLadderAt(w, repo, n, repeat);
    }
    expect(worldLogLines(w, /delivery already received/)).toHaveLength(3);
  }, 120_000);
});

describe("(b) two replicas on PostgreSQL", () => {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const skip = !adminUrl && !process.env.CI;

  async function freshDatabase(): Promise<string> {
    if (!adminUrl) {
      throw new Error(
        "TEST_DATABASE_URL is not set, and CI is: the PostgreSQL path must run in CI. " +
          "Run through `bash scripts/with-postgres.sh npx vitest run …` (it starts a throwaway server).",
      );
    }
    database = await createFreshDatabase(adminUrl);
    return database.url;
  }

  it.skipIf(skip)(
    "next_reply: the webhooks spread over two replicas sharing the database: one breach (needs TEST_DATABASE_URL)",
    async () => {
      const w = await world.create();
      const url = await freshDatabase();
      const apps = await Promise.all([
        w.startApp({ databaseUrl: url, name: "replica-a" }),
        w.startApp({ databaseUrl: url, name: "replica-b", registerWebhook: false }),
      ]);
      const repo = "replicas-next-reply";
      w.seedRepo(OWNER, repo, { config: nextReplyConfig() });
      const { n, sent, deadline } = await customerWaitsForAnAnswer(w, repo, apps);
      // GitHub's redelivery may land on the other replica.
      const [a, b] = apps;
      for (const [i, d] of sent.entries())
        await (i % 2 === 0 ? b : a)?.send(d.event, d.payload, { id: d.id });

      await expectNextReplyBreachOnce(w, repo, n, deadline);
      expect(apps.every((app) => app.running)).toBe(true);
    },
    90_000,
  );

  it.skipIf(skip)(
    "a repeating level: two replicas on one clock and one database: r0, r1, r2 each once (needs TEST_DATABASE_URL)",
    async () => {
      const w = await world.create({ warp: true });
      const url = await freshDatabase();
      const [a, b] = await Promise.all([
        w.startApp({ databaseUrl: url, name: "replica-a" }),
        w.startApp({ databaseUrl: url, name: "replica-b", registerWebhook: false }),
      ]);
      if (!a || !b) throw new Error("two replicas");
      const repo = "replicas-ladder";
      w.seedRepo(OWNER, repo, { config: repeatingLadderConfig() });
      const { n, opened } = await openLadderIssue(w, repo, a);
      await b.send(opened.event, opened.payload, { id: opened.id });

      await expectLadderAt(w, repo, n, 0);
      for (const repeat of [1, 2]) {
        w.jump(REPEAT_MS);
        await expectLadderAt(w, repo, n, repeat);
      }
      // Between them the replicas escalated each firing once: the breach and lead r0, r1, r2.
      const firedBy = w.apps.map(
        (app) =>
          app
            .output()
            .split("\n")
            .filter((l) => /"msg":"(breach escalated|escalation level fired)"/.test(l)).length,
      );
      expect(firedBy.reduce((x, y) => x + y, 0)).toBe(4);
      expect(a.running && b.running).toBe(true);
    },
    150_000,
  );
});

describe("(c) SIGKILL between the comment and its commit", () => {
  it("next_reply: killed right after the breach comment is posted; after a restart every effect lands once", async () => {
    const w = await world.create();
    const app = await w.startApp({ env: { SUPPORT_SLA_FAILPOINT: "after-comment" } });
    const repo = "crash-next-reply";
    w.seedRepo(OWNER, repo, { config: nextReplyConfig() });
    const { n, deadline } = await customerWaitsForAnAnswer(w, repo, [app]);

    await w.waitFor(() => !app.running, {
      timeoutMs: deadline - Date.now() + ESCALATION_WITHIN_MS,
      message: "the app to kill itself at the failpoint",
    });
    expect(w.marked(repo, n, NEXT_REPLY_BREACH)).toHaveLength(1);
    await app.restart();
    await expectNextReplyBreachOnce(w, repo, n, deadline);
    expect(worldLogLines(w, /breach escalated/).filter((l) => l.metric === "next_reply")).toHaveLength(1);
  }, 90_000);

  it("a repeating level: killed after r0's comment and again after r1's; after each restart every effect lands once", async () => {
    const w = await world.create({ warp: true });
    const app = await w.startApp({ env: { SUPPORT_SLA_FAILPOINT: "after-comment" } });
    const repo = "crash-ladder";
    w.seedRepo(OWNER, repo, { config: repeatingLadderConfig() });
    const { n } = await openLadderIssue(w, repo, app);

    for (const repeat of [0, 1]) {
      if (repeat > 0) w.jump(REPEAT_MS);
      await w.waitFor(() => !app.running, {
        timeoutMs: (repeat === 0 ? LEAD_AFTER_MS : 0) + ESCALATION_WITHIN_MS,
        message: () =>
          `the app to kill itself after lead r${repeat}: ${JSON.stringify(leadFirings(w, repo, n))}`,
      });
      expect(leadFirings(w, repo, n)[repeat]).toBe(1);
      await app.restart();
      await expectLadderAt(w, repo, n, repeat);
      await w.waitFor(
        () =>
          worldLogLines(w, /escalation level fired/).filter(
            (l) => l.ladderLevel === "lead" && l.repeat === repeat,
          ).length === 1,
        { message: `lead r${repeat} recorded after the restart` },
      );
    }
    expect(w.apps[0]?.output().match(/exited \(code null, signal SIGKILL\)/g)).toHaveLength(2);
  }, 150_000);
});

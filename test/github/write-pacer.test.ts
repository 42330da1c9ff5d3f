import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CONTENT_LIMITS,
  WRITE_SPACING_MS,
  WritePacer,
  writeClassOf,
  writePacing,
} from "../../src/github/octokit.js";

/**
 * GitHub's write pacing per installation (one write at a time, 1 s apart, content-creating writes
 * at most 80 a minute and 500 an hour) as a priority queue: a label never waits behind another
 * issue's comment.
 */

afterEach(() => {
  vi.useRealTimers();
  nock.cleanAll();
});

/** A pacer on fake time; `log` lists `name@ms` as each write starts. */
function pacedRun(options: ConstructorParameters<typeof WritePacer>[0] = {}) {
  vi.useFakeTimers({ now: 0 });
  const pacer = new WritePacer(options);
  const log: string[] = [];
  const write = (key: string, kind: "cheap" | "content", name: string, takesMs = 0) =>
    pacer.schedule(key, kind, async () => {
      log.push(`${name}@${Date.now()}`);
      if (takesMs > 0) await new Promise((r) => setTimeout(r, takesMs));
      return name;
    });
  return { pacer, log, write };
}

describe("WritePacer", () => {
  it("sends a label queued after two comments before the second comment, and keeps GitHub's spacing", async () => {
    const { log, write, pacer } = pacedRun();
    const done = Promise.all([
      write("4242", "content", "comment #1"),
      write("4242", "content", "comment #2"),
      write("4242", "cheap", "label #3"),
      write("4242", "cheap", "unlabel #3"),
    ]);
    expect(pacer.queued("4242")).toEqual({ cheap: 2, content: 1 });
    await vi.runAllTimersAsync();
    expect(await done).toEqual(["comment #1", "comment #2", "label #3", "unlabel #3"]);
    expect(log).toEqual([
      "comment #1@0",
      `label #3@${WRITE_SPACING_MS}`,
      `unlabel #3@${2 * WRITE_SPACING_MS}`,
      `comment #2@${3 * WRITE_SPACING_MS}`,
    ]);
  });

  it("a label arriving while a comment waits for its spacing goes first", async () => {
    const { log, write } = pacedRun();
    const first = write("4242", "content", "comment #1");
    const second = write("4242", "content", "comment #2");
    await vi.advanceTimersByTimeAsync(500); // comment #2 waits until 1 s
    const label = write("4242", "cheap", "label #9");
    await vi.runAllTimersAsync();
    await Promise.all([first, second, label]);
    expect(log).toEqual(["comment #1@0", "label #9@1000", "comment #2@2000"]);
  });

  it("keeps an installation's comments within 500 an hour: the 501st waits until the first leaves the hour", async () => {
    expect(CONTENT_LIMITS).toEqual([
      { max: 80, windowMs: 60_000 },
      { max: 500, windowMs: 3_600_000 },
    ]);
    const { log, write } = pacedRun();
    const all = Promise.all(
      Array.from({ length: 502 }, (_, i) => write("4242", "content", `comment #${i + 1}`)),
    );
    const label = write("4242", "cheap", "label #600");
    await vi.runAllTimersAsync();
    await Promise.all([all, label]);
    expect(log.slice(0, 3)).toEqual(["comment #1@0", "label #600@1000", "comment #2@2000"]);
    expect(log.at(-3)).toBe(`comment #500@${500 * WRITE_SPACING_MS}`);
    // The hour's 500 are spent: the next starts an hour after the first, the one after it a second later.
    expect(log.slice(-2)).toEqual(["comment #501@3600000", "comment #502@3602000"]);
  });

  it("keeps every window of its content limits, while cheap writes go on in between", async () => {
    const { log, write } = pacedRun({ contentLimits: [{ max: 2, windowMs: 10_000 }] });
    const comments = Promise.all([1, 2, 3].map((n) => write("4242", "content", `comment #${n}`)));
    await vi.advanceTimersByTimeAsync(1_500);
    const label = write("4242", "cheap", "label #4");
    await vi.runAllTimersAsync();
    await Promise.all([comments, label]);
    expect(log).toEqual(["comment #1@0", "comment #2@1000", "label #4@2000", "comment #3@10000"]);
  });

  it("sends queued writes of a more urgent issue (lower rank) first, in order within a rank", async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new WritePacer();
    const log: string[] = [];
    const write = (kind: "cheap" | "content", name: string, rank: number) =>
      pacer.schedule("4242", kind, async () => void log.push(`${name}@${Date.now()}`), { rank });
    const all = Promise.all([
      write("cheap", "label normal#1", 2),
      write("cheap", "label normal#2", 2),
      write("content", "comment normal#1", 2),
      write("content", "comment urgent#3", 1),
      write("cheap", "label urgent#3", 1),
      write("cheap", "label prod-down#4", 0),
      write("cheap", "unlabel urgent#3", 1),
    ]);
    await vi.runAllTimersAsync();
    await all;
    expect(log).toEqual([
      "label normal#1@0", // the lane was idle: it went at once
      "label prod-down#4@1000",
      "label urgent#3@2000",
      "unlabel urgent#3@3000",
      "label normal#2@4000",
      "comment urgent#3@5000",
      "comment normal#1@6000",
    ]);
  });

  it("counts the spacing from the write's start after its beforeSend, and sends nothing when beforeSend refuses", async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new WritePacer();
    const log: string[] = [];
    const slowCheck = () => new Promise<void>((r) => setTimeout(r, 400));
    const first = pacer.schedule("4242", "content", async () => void log.push(`comment #1@${Date.now()}`), {
      beforeSend: slowCheck,
    });
    const refused = pacer
      .schedule("4242", "content", async () => void log.push("comment #2"), {
        beforeSend: async () => {
          throw new Error("lease lost");
        },
      })
      .catch((error: Error) => error.message);
    const label = pacer.schedule("4242", "content", async () => void log.push(`comment #3@${Date.now()}`));
    await vi.runAllTimersAsync();
    await first;
    expect(await refused).toBe("lease lost");
    await label;
    // #1 started at 400 ms (after its check), so #3 waits until 1,400 ms; the refused #2 used no turn.
    expect(log).toEqual(["comment #1@400", "comment #3@1400"]);
  });

  it("runs one write at a time: the next starts when the slow one ends, not before", async () => {
    const { log, write } = pacedRun();
    const slow = write("4242", "cheap", "label #1", 5_000);
    const next = write("4242", "cheap", "label #2");
    await vi.runAllTimersAsync();
    await Promise.all([slow, next]);
    expect(log).toEqual(["label #1@0", "label #2@5000"]);
  });

  it("paces each installation on its own", async () => {
    const { log, write } = pacedRun();
    const all = Promise.all([
      write("1", "content", "comment a#1"),
      write("1", "cheap", "label a#2"),
      write("2", "cheap", "label b#1"),
      write("2", "content", "comment b#2"),
    ]);
    await vi.runAllTimersAsync();
    await all;
    expect(log.sort()).toEqual(["comment a#1@0", "comment b#2@1000", "label a#2@1000", "label b#1@0"]);
  });

  it("passes a failed write's error to its caller and goes on with the queue", async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new WritePacer();
    const failing = pacer.schedule("4242", "cheap", async () => {
      throw Object.assign(new Error("Server Error"), { status: 502 });
    });
    const next = pacer.schedule("4242", "cheap", async () => "ok");
    const caught = failing.catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    expect(await caught).toMatchObject({ status: 502 });
    expect(await next).toBe("ok");
  });
});

describe("writeClassOf", () => {
  it("tells reads, cheap writes and content-creating writes apart by method and route", () => {
    expect(writeClassOf("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe("read");
    expect(writeClassOf("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")).toBe("content");
    expect(writeClassOf("POST", "/repos/{owner}/{repo}/issues")).toBe("content");
    expect(writeClassOf("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels")).toBe("cheap");
    expect(writeClassOf("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}")).toBe("cheap");
    expect(writeClassOf("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")).toBe("cheap");
  });

  it("does not pace the app's installation-token requests: authentication, not a write to a repository", () => {
    // Paced, they would share the app's one lane: every installation's first request of a burst
    // would wait a second per installation before it.
    expect(writeClassOf("POST", "/app/installations/{installation_id}/access_tokens")).toBe("read");
    expect(writeClassOf("POST", "/app/installations/4242/access_tokens")).toBe("read");
    expect(writeClassOf("POST", "/app/installations/4242/access_tokens/extra")).toBe("cheap");
  });
});

describe("writePacing on an Octokit client", () => {
  it("sends another issue's label before a queued comment of the same installation; reads are not held", async () => {
    const order: string[] = [];
    const api = nock("https://api.github.com");
    api.on("request", (req: { method?: string; path?: string }) => order.push(`${req.method} ${req.path}`));
    api
      .post("/repos/acme/support/issues/1/comments")
      .reply(201, { id: 1 })
      .post("/repos/acme/support/issues/2/comments")
      .reply(201, { id: 2 })
      .post("/repos/acme/support/issues/3/labels")
      .reply(200, [])
      .get("/repos/acme/support/issues/4")
      .reply(200, { number: 4 });
    const pacer = new WritePacer({ writeSpacingMs: 40, contentLimits: [{ max: 1, windowMs: 120 }] });
    const Paced = ProbotOctokit.plugin(writePacing(pacer) as never);
    const gh = new Paced({
      auth: { token: "ghs_test" },
      retry: { enabled: false },
      throttle: { enabled: false, id: "4242" },
    }) as InstanceType<typeof ProbotOctokit>;
    const ref = { owner: "acme", repo: "support" };
    await Promise.all([
      gh.rest.issues.createComment({ ...ref, issue_number: 1, body: "breach #1" }),
      gh.rest.issues.createComment({ ...ref, issue_number: 2, body: "breach #2" }),
      gh.rest.issues.addLabels({ ...ref, issue_number: 3, labels: ["sla: breached"] }),
      gh.rest.issues.get({ ...ref, issue_number: 4 }),
    ]);
    expect(order.filter((r) => r.startsWith("POST"))).toEqual([
      "POST /repos/acme/support/issues/1/comments",
      "POST /repos/acme/support/issues/3/labels",
      "POST /repos/acme/support/issues/2/comments",
    ]);
    // The read went out at once, while the label still waited for the write spacing.
    expect(order.indexOf("GET /repos/acme/support/issues/4")).toBeLessThan(
      order.indexOf("POST /repos/acme/support/issues/3/labels"),
    );
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("calls a write's beforeSend when its turn comes; a rejection means it is not sent", async () => {
    const sent: string[] = [];
    const api = nock("https://api.github.com");
    api.on("request", (req: { method?: string; path?: string }) => sent.push(`${req.method} ${req.path}`));
    api.post("/repos/acme/support/issues/1/labels").reply(200, []);
    const pacer = new WritePacer({ writeSpacingMs: 40 });
    const Paced = ProbotOctokit.plugin(writePacing(pacer) as never);
    const gh = new Paced({
      auth: { token: "ghs_test" },
      retry: { enabled: false },
      throttle: { enabled: false, id: "4242" },
    }) as InstanceType<typeof ProbotOctokit>;
    const ref = { owner: "acme", repo: "support" };
    const calls: string[] = [];
    const label = gh.rest.issues.addLabels({ ...ref, issue_number: 1, labels: ["sla: breached"] });
    const refused = gh.rest.issues
      .createComment({
        ...ref,
        issue_number: 2,
        body: "breach #2",
        request: {
          beforeSend: async () => {
            calls.push(`beforeSend after ${sent.length} sent`);
            throw new Error("lease lost");
          },
        },
      })
      .catch((error: Error) => error.message);
    await label;
    expect(await refused).toBe("lease lost");
    expect(calls).toEqual(["beforeSend after 1 sent"]);
    expect(sent).toEqual(["POST /repos/acme/support/issues/1/labels"]);
  });
});

import nock from "nock";
import { ProbotOctokit } from "probot";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  CONTENT_SPACING_MS,
  WRITE_SPACING_MS,
  WritePacer,
  writeClassOf,
  writePacing,
} from "../../src/github/octokit.js";

/**
 * GitHub's write pacing per installation (one write at a time, 1 s apart, content-creating writes
 * 3 s apart) as a priority queue: a label never waits behind another issue's comment.
 */

afterEach(() => {
  vi.useRealTimers();
  nock.cleanAll();
});

/** A pacer on fake time; `log` lists `name@ms` as each write starts. */
function pacedRun() {
  vi.useFakeTimers({ now: 0 });
  const pacer = new WritePacer();
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
      `comment #2@${CONTENT_SPACING_MS}`,
    ]);
  });

  it("a label arriving while a comment waits for its spacing goes first", async () => {
    const { log, write } = pacedRun();
    const first = write("4242", "content", "comment #1");
    const second = write("4242", "content", "comment #2");
    await vi.advanceTimersByTimeAsync(1_500); // comment #2 waits until 3 s
    const label = write("4242", "cheap", "label #9");
    await vi.runAllTimersAsync();
    await Promise.all([first, second, label]);
    expect(log).toEqual(["comment #1@0", "label #9@1500", "comment #2@3000"]);
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
    const pacer = new WritePacer({ writeSpacingMs: 40, contentSpacingMs: 120 });
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
});

import { describe, expect, it } from "vitest";
import { DueLoop } from "../../src/scheduler/due-loop.js";

describe("DueLoop logs", () => {
  it("names the issue of an item that failed, never the item or the error object", async () => {
    const errors: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const items = [
      { repo: "acme/portal", number: 12, title: "SECRET title" },
      {
        delivery_id: "d-1",
        payload: {
          issue: { number: 3 },
          repository: { name: "portal", owner: { login: "acme" } },
          body: "SECRET body",
        },
      },
    ];
    const loop = new DueLoop({
      name: "test",
      claim: async () => items.splice(0),
      next: async () => null,
      process: async () => {
        throw Object.assign(new Error("Server Error"), {
          status: 502,
          request: { method: "POST", url: "https://api.github.com/x", body: "SECRET request" },
          response: { status: 502, data: { message: "Server Error", echo: "SECRET response" } },
        });
      },
      now: () => 0,
      maxSleepMs: 1_000,
      batch: 10,
      concurrency: 1,
      log: { error: (obj, msg) => errors.push({ obj: obj as Record<string, unknown>, msg }) },
    });
    await loop.runOnce();
    expect(errors.map((e) => e.obj)).toEqual([
      {
        loop: "test",
        issue: "acme/portal#12",
        error: { status: 502, message: "Server Error", method: "POST", path: "/x" },
      },
      {
        loop: "test",
        delivery: "d-1",
        issue: "acme/portal#3",
        error: { status: 502, message: "Server Error", method: "POST", path: "/x" },
      },
    ]);
    expect(JSON.stringify(errors)).not.toContain("SECRET");
  });
});

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Waits until `probe` holds, giving the loop's promises and timers a chance to run. */
async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`never happened: ${what}`);
}

interface Job {
  id: string;
  installation: number;
}

/**
 * An in-memory queue claimed the way the store claims (oldest first, honouring the quota per
 * installation), and a loop over it whose `process` waits on a gate per job.
 */
function queueLoop(options: { concurrency: number; perGroup?: number; batch?: number }) {
  const queue: Job[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const started: string[] = [];
  const finished: string[] = [];
  const claims: Array<{ limit: number; busy: Record<number, number> }> = [];
  const loop = new DueLoop<Job>({
    name: "test",
    claim: async (_now, limit, quota) => {
      claims.push({ limit, busy: Object.fromEntries(quota?.busy ?? []) });
      const taken: Job[] = [];
      const counts = new Map(quota?.busy ?? []);
      for (const job of [...queue]) {
        if (taken.length >= limit) break;
        const n = counts.get(job.installation) ?? 0;
        if (quota && n >= quota.max) continue;
        counts.set(job.installation, n + 1);
        taken.push(job);
        queue.splice(queue.indexOf(job), 1);
      }
      return taken;
    },
    next: async () => (queue.length > 0 ? 0 : null),
    process: async (job) => {
      started.push(job.id);
      const g = gate();
      gates.set(job.id, g);
      await g.promise;
      finished.push(job.id);
    },
    now: () => Date.now(),
    maxSleepMs: 60_000,
    batch: options.batch ?? 100,
    concurrency: options.concurrency,
    ...(options.perGroup !== undefined
      ? { perGroup: options.perGroup, groupOf: (job: Job) => job.installation }
      : {}),
    keyOf: (job) => job.id,
    log: { error: () => {} },
  });
  const add = (id: string, installation: number) => {
    queue.push({ id, installation });
    loop.kick();
  };
  const finish = (id: string) => gates.get(id)?.open();
  return { loop, queue, started, finished, claims, add, finish };
}

describe("DueLoop slots (head-of-line blocking)", () => {
  it("starts new work as soon as one slot frees, without waiting for the rest of its batch", async () => {
    const q = queueLoop({ concurrency: 2 });
    q.add("hangs", 1);
    q.add("quick", 2);
    q.loop.start();
    try {
      await until(() => q.started.length === 2, "both first items started");
      q.add("later", 3);
      q.finish("quick");
      // "hangs" is still in flight: with a batch that waits for all, "later" would wait for it.
      await until(() => q.started.includes("later"), "the later item started in the freed slot");
      expect(q.finished).toEqual(["quick"]);
      expect(q.loop.busy).toBe(2);
    } finally {
      for (const id of ["hangs", "later"]) q.finish(id);
      await q.loop.stop();
    }
  });

  it("lets one installation hold at most its share of the slots; another installation's work still starts", async () => {
    const q = queueLoop({ concurrency: 4, perGroup: 2 });
    for (let i = 0; i < 6; i++) q.add(`slow-${i}`, 7);
    q.loop.start();
    try {
      await until(() => q.started.length === 2, "the slow installation's share started");
      q.add("other-a", 8);
      q.add("other-b", 9);
      await until(() => q.started.includes("other-a") && q.started.includes("other-b"), "the others started");
      expect(q.started.filter((id) => id.startsWith("slow-"))).toEqual(["slow-0", "slow-1"]);
      expect(q.loop.busyByGroup()).toEqual(
        new Map([
          [7, 2],
          [8, 1],
          [9, 1],
        ]),
      );
      // Claims were told what each installation has in flight.
      expect(q.claims.at(-1)?.busy).toMatchObject({ 7: 2 });
      // A slot of the slow installation frees: its next item takes it, not more.
      q.finish("slow-0");
      await until(() => q.started.includes("slow-2"), "the next slow item");
      expect(q.started.filter((id) => id.startsWith("slow-"))).toEqual(["slow-0", "slow-1", "slow-2"]);
    } finally {
      // Let everything through, the items started by the freed slots included.
      await until(() => {
        for (const id of q.started) q.finish(id);
        return q.finished.length === 8;
      }, "everything finished");
      await q.loop.stop();
    }
  });

  it("does not start an item a second time while it is still in flight (its lease ran out and it was claimed again)", async () => {
    const queue: Job[] = [{ id: "d-1", installation: 1 }];
    let processed = 0;
    const g = gate();
    const loop = new DueLoop<Job>({
      name: "test",
      // The store hands the same row out again every time (as after a lease expiry).
      claim: async () => [...queue],
      next: async () => null,
      process: async () => {
        processed++;
        await g.promise;
      },
      now: () => Date.now(),
      maxSleepMs: 60_000,
      batch: 10,
      concurrency: 4,
      keyOf: (job) => job.id,
      log: { error: () => {} },
    });
    const first = loop.runOnce();
    await until(() => processed === 1, "first start");
    const second = loop.runOnce();
    await second;
    expect(processed).toBe(1);
    g.open();
    await first;
  });

  it("stop() waits for the items in flight", async () => {
    const q = queueLoop({ concurrency: 2 });
    q.add("a", 1);
    q.loop.start();
    await until(() => q.started.length === 1, "started");
    let stopped = false;
    const stopping = q.loop.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);
    q.finish("a");
    await stopping;
    expect(q.finished).toEqual(["a"]);
  });
});

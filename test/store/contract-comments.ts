import { beforeEach, describe, expect, it } from "vitest";
import {
  claimQueuedComments,
  countQueuedComments,
  finishQueuedComment,
  nextQueuedCommentAt,
  type QueuedComment,
  type QueuedCommentInsert,
  queueComments,
  renewQueuedComment,
  retryQueuedComment,
} from "../../src/store/comment-queue-store.js";
import type { Store } from "../../src/store/db.js";
import { releaseLeasesOf } from "../../src/store/recovery.js";
import { getTimer, saveTimers } from "../../src/store/timer-store.js";
import { type Context, T0, timer } from "./fixtures.js";

const MARKER = "<!-- support-sla:timer first_response c1 breach r0 -->";

/**
 * A breach comment of `repo#number`'s first-response timer, queued at T0 for installation 42 with
 * rank 0 unless overridden; its key is the outbox key the firing would give it.
 */
function comment(number: number, overrides: Partial<QueuedCommentInsert> = {}): QueuedCommentInsert {
  const repo = overrides.repo ?? "acme/app";
  return {
    key: `${repo}#${number}:c1:breach-comment`,
    installation_id: 42,
    repo,
    number,
    metric: "first_response",
    cycle: 1,
    transition: "breach",
    rank: 0,
    body: `The first response was due at 10:00.\n\n${MARKER}`,
    marker: MARKER,
    since: T0,
    queued_at: T0,
    available_at: T0,
    ...overrides,
  };
}

const names = (rows: QueuedComment[]) => rows.map((r) => `${r.repo}#${r.number}`);

/** The row as stored (lease, attempts, availability), or undefined once it is gone. */
async function stored(store: Store, key: string): Promise<QueuedComment | undefined> {
  const row = await store.db
    .selectFrom("queued_comments")
    .selectAll()
    .where("key", "=", key)
    .executeTakeFirst();
  return row === undefined
    ? undefined
    : {
        ...row,
        available_at: Number(row.available_at),
        lease_until: row.lease_until === null ? null : Number(row.lease_until),
      };
}

/** The comment queue (src/store/comment-queue-store.ts, migration 0009_comment_queue) and its fence with `saveTimers`. */
export function commentQueueContract(ctx: Context): void {
  const claim = (
    owner: string,
    now: number,
    options: { limit?: number; leaseMs?: number; max?: number; busy?: Array<[number, number]> } = {},
    store: Store = ctx.store,
  ) =>
    claimQueuedComments(store, {
      now,
      owner,
      leaseMs: options.leaseMs ?? 10_000,
      limit: options.limit ?? 100,
      ...(options.max === undefined
        ? {}
        : { perInstallation: { max: options.max, busy: new Map(options.busy ?? []) } }),
    });

  beforeEach(async () => {
    await ctx.store.db.deleteFrom("queued_comments").execute();
  });

  describe("comment queue: claim", () => {
    it("leases available comments, lower rank first, then the oldest, and returns them in that order", async () => {
      await queueComments(ctx.store.db, [
        comment(1, { rank: 2, queued_at: T0 + 1 }),
        comment(2, { rank: 0, queued_at: T0 + 30 }),
        comment(3, { rank: 1, queued_at: T0 + 5 }),
        comment(4, { rank: 0, queued_at: T0 + 10 }),
        // Another installation's rows take their place in the same order.
        comment(5, { repo: "other/app", installation_id: 7, rank: 1, queued_at: T0 }),
        // A failed try's backoff: not before T0 + 5 000.
        comment(6, { rank: 0, queued_at: T0, available_at: T0 + 5_000 }),
      ]);
      const first = await claim("a", T0 + 1_000, { limit: 3 });
      expect(names(first)).toEqual(["acme/app#4", "acme/app#2", "other/app#5"]);
      expect(first[0]).toMatchObject({
        lease_owner: "a",
        lease_until: T0 + 11_000,
        attempts: 0,
        installation_id: 42,
        queued_at: T0 + 10,
        body: `The first response was due at 10:00.\n\n${MARKER}`,
      });
      expect(typeof first[0]?.since).toBe("number");
      expect(names(await claim("a", T0 + 1_000))).toEqual(["acme/app#3", "acme/app#1"]);
      expect(await claim("a", T0 + 4_999)).toEqual([]);
      expect(names(await claim("a", T0 + 5_000))).toEqual(["acme/app#6"]);
    });

    it("leaves a leased comment alone until its lease ends, then gives it to the next claimer", async () => {
      await queueComments(ctx.store.db, [comment(1)]);
      expect(names(await claim("a", T0, { leaseMs: 1_000 }))).toEqual(["acme/app#1"]);
      expect(await claim("b", T0 + 999)).toEqual([]);
      const [taken] = await claim("b", T0 + 1_000, { leaseMs: 1_000 });
      expect(taken).toMatchObject({ number: 1, lease_owner: "b", lease_until: T0 + 2_000 });
      // The first owner lost it: it can neither keep it nor finish it.
      expect(await renewQueuedComment(ctx.store, taken?.key ?? "", "a", T0 + 9_000)).toBe(false);
      expect(await finishQueuedComment(ctx.store, taken?.key ?? "", "a")).toBe(false);
      expect(await stored(ctx.store, taken?.key ?? "")).toMatchObject({
        lease_owner: "b",
        lease_until: T0 + 2_000,
      });
    });

    it("gives a restarted process (same owner name) its predecessor's comments back at once", async () => {
      await queueComments(ctx.store.db, [comment(1), comment(2)]);
      expect(names(await claim("host:3000", T0, { leaseMs: 60_000 }))).toEqual(["acme/app#1", "acme/app#2"]);
      expect(await claim("host:3000", T0 + 1_000)).toEqual([]);
      // As the server does at start, before its loops run (src/main.ts).
      expect(await releaseLeasesOf(ctx.store, "host:3000")).toBe(2);
      expect(names(await claim("host:3000", T0 + 1_000))).toEqual(["acme/app#1", "acme/app#2"]);
    });

    it("gives a full installation nothing, a busy one at most its free share, and starves no other", async () => {
      // Installation 1 has the most urgent comments, and the most of them.
      for (let n = 1; n <= 4; n++)
        await queueComments(ctx.store.db, [comment(n, { installation_id: 1, queued_at: T0 + n })]);
      for (let n = 1; n <= 3; n++)
        await queueComments(ctx.store.db, [
          comment(n, { repo: "two/app", installation_id: 2, rank: 1, queued_at: T0 + n }),
        ]);
      await queueComments(ctx.store.db, [comment(1, { repo: "three/app", installation_id: 3, rank: 2 })]);

      // One comment per installation at a time (the scheduler's share), nothing in flight yet.
      expect(names(await claim("a", T0 + 100, { max: 1 }))).toEqual([
        "acme/app#1",
        "two/app#1",
        "three/app#1",
      ]);
      // Installation 1 is at its share, installation 2 has one of two in flight, 3 is free again.
      expect(
        names(
          await claim("a", T0 + 100, {
            max: 2,
            busy: [
              [1, 2],
              [2, 1],
            ],
          }),
        ),
      ).toEqual(["two/app#2"]);
      // A limit smaller than the shares cuts them in claim order, one installation's share at a time.
      expect(names(await claim("a", T0 + 100, { max: 2, limit: 2 }))).toEqual(["acme/app#2", "acme/app#3"]);
      expect(names(await claim("a", T0 + 100, { max: 2 }))).toEqual(["acme/app#4", "two/app#3"]);
      expect(await countQueuedComments(ctx.store)).toBe(8);
    });

    it("gives every available comment to exactly one of concurrent claimers", async () => {
      await queueComments(
        ctx.store.db,
        Array.from({ length: 60 }, (_, i) =>
          comment(i + 1, { installation_id: i % 5, rank: i % 3, queued_at: T0 + (i % 7) }),
        ),
      );
      const other = await ctx.peer();
      const got = await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const taken: string[] = [];
          // Bounded: a claim that handed out leased rows again would otherwise never run dry.
          for (let pass = 0; pass < 60; pass++) {
            const rows = await claim(
              `w${w}`,
              T0 + 1_000,
              { limit: 4, leaseMs: 60_000, ...(w % 2 === 0 ? { max: 2 } : {}) },
              w % 2 ? other : ctx.store,
            );
            if (rows.length === 0) return taken;
            expect(rows.every((r) => r.lease_owner === `w${w}`)).toBe(true);
            taken.push(...names(rows));
          }
          return taken;
        }),
      );
      expect(got.flat()).toHaveLength(60);
      expect(new Set(got.flat()).size).toBe(60);
      // Each row is leased to the claimer that returned it.
      const owners = await ctx.store.db
        .selectFrom("queued_comments")
        .select(["number", "lease_owner"])
        .execute();
      const byNumber = new Map(got.flatMap((rows, w) => rows.map((r) => [r, `w${w}`] as const)));
      for (const row of owners) expect(row.lease_owner).toBe(byNumber.get(`acme/app#${row.number}`));
    });
  });

  describe("comment queue: the lease owner's writes", () => {
    it("renew, retry and finish a comment only for its lease owner; a retry counts the try and waits", async () => {
      await queueComments(ctx.store.db, [comment(1)]);
      const [row] = await claim("a", T0, { leaseMs: 1_000 });
      if (!row) throw new Error("nothing claimed");

      expect(await renewQueuedComment(ctx.store, row.key, "b", T0 + 60_000)).toBe(false);
      expect(await renewQueuedComment(ctx.store, row.key, "a", T0 + 60_000)).toBe(true);
      expect(await stored(ctx.store, row.key)).toMatchObject({ lease_owner: "a", lease_until: T0 + 60_000 });
      // Renewed: still held past the first lease's end.
      expect(await claim("b", T0 + 30_000)).toEqual([]);

      expect(await retryQueuedComment(ctx.store, row.key, "b", T0 + 2_000)).toBeNull();
      expect(await retryQueuedComment(ctx.store, row.key, "a", T0 + 2_000)).toBe(1);
      expect(await stored(ctx.store, row.key)).toMatchObject({
        attempts: 1,
        available_at: T0 + 2_000,
        lease_owner: null,
        lease_until: null,
      });
      // Given back: a retry cannot be renewed or finished by its former owner, nor claimed early.
      expect(await renewQueuedComment(ctx.store, row.key, "a", T0 + 90_000)).toBe(false);
      expect(await claim("b", T0 + 1_999)).toEqual([]);
      const [again] = await claim("b", T0 + 2_000, { leaseMs: 1_000 });
      expect(again).toMatchObject({ attempts: 1, lease_owner: "b", available_at: T0 + 2_000 });
      expect(await retryQueuedComment(ctx.store, row.key, "b", T0 + 6_000)).toBe(2);

      const [third] = await claim("c", T0 + 6_000);
      expect(third?.attempts).toBe(2);
      expect(await finishQueuedComment(ctx.store, row.key, "b")).toBe(false);
      expect(await countQueuedComments(ctx.store)).toBe(1);
      expect(await finishQueuedComment(ctx.store, row.key, "c")).toBe(true);
      expect(await countQueuedComments(ctx.store)).toBe(0);
      expect(await finishQueuedComment(ctx.store, row.key, "c")).toBe(false);
    });

    it("reports the next claim: null when empty, the earliest available comment, a leased one at its lease end", async () => {
      expect(await nextQueuedCommentAt(ctx.store)).toBeNull();
      await queueComments(ctx.store.db, [
        comment(1, { available_at: T0 + 50 }),
        comment(2, { available_at: T0 + 20 }),
      ]);
      expect(await nextQueuedCommentAt(ctx.store)).toBe(T0 + 20);
      expect(names(await claim("a", T0 + 20, { leaseMs: 1_000 }))).toEqual(["acme/app#2"]);
      expect(await nextQueuedCommentAt(ctx.store)).toBe(T0 + 50);
      expect(names(await claim("a", T0 + 50, { leaseMs: 500 }))).toEqual(["acme/app#1"]);
      // Both leased: #1's lease (to T0 + 550) ends before #2's (T0 + 1 020).
      expect(await nextQueuedCommentAt(ctx.store)).toBe(T0 + 550);
      await finishQueuedComment(ctx.store, "acme/app#1:c1:breach-comment", "a");
      expect(await nextQueuedCommentAt(ctx.store)).toBe(T0 + 1_020);
      await finishQueuedComment(ctx.store, "acme/app#2:c1:breach-comment", "a");
      expect(await nextQueuedCommentAt(ctx.store)).toBeNull();
    });

    it("queues a key already queued once: the second queueing changes nothing", async () => {
      await queueComments(ctx.store.db, [comment(1, { body: "first rendering" })]);
      await claim("a", T0);
      await queueComments(ctx.store.db, [
        comment(1, { body: "second rendering", available_at: T0 + 9_000, rank: 2 }),
        comment(2),
      ]);
      expect(await countQueuedComments(ctx.store)).toBe(2);
      expect(await stored(ctx.store, "acme/app#1:c1:breach-comment")).toMatchObject({
        body: "first rendering",
        rank: 0,
        available_at: T0,
        lease_owner: "a",
      });
      await queueComments(ctx.store.db, []);
      expect(await countQueuedComments(ctx.store)).toBe(2);
    });
  });

  describe("comment queue: queued with the firing's state (saveTimers)", () => {
    const key = { repo: "acme/app", number: 1 };
    const FR = { metric: "first_response", cycle: 1 } as const;
    const breach = { kind: "update", ...FR, patch: { state: "breached", level: 2, firings: 2 } } as const;

    /** A first-response timer of acme/app#1 leased to `owner`, as the scheduler's claim leaves it. */
    async function leased(owner: string): Promise<number> {
      await saveTimers(ctx.store, key, [{ kind: "insert", timer: timer(), installationId: 42, rank: 0 }], {
        now: T0,
      });
      await ctx.store.db
        .updateTable("timers")
        .set({ lease_owner: owner, lease_until: T0 + 60_000 })
        .where("repo", "=", key.repo)
        .where("number", "=", key.number)
        .execute();
      const row = await getTimer(ctx.store, key, "first_response", 1);
      if (!row) throw new Error("no timer");
      return row.version;
    }

    it("queues the comments in the fenced write that records the firing, and releases the lease", async () => {
      const version = await leased("a");
      expect(
        await saveTimers(ctx.store, key, [breach], {
          owner: "a",
          release: FR,
          version,
          now: T0 + 60_000,
          comments: [comment(1, { queued_at: T0 + 60_000, available_at: T0 + 60_000 })],
        }),
      ).toBe(true);
      expect(await getTimer(ctx.store, key, "first_response", 1)).toMatchObject({
        state: "breached",
        lease_owner: null,
      });
      expect(names(await claim("a", T0 + 60_000))).toEqual(["acme/app#1"]);
    });

    it("queues nothing when the fence does not hold: another owner, or a version changed meanwhile", async () => {
      const version = await leased("a");
      const comments = [comment(1)];
      expect(await saveTimers(ctx.store, key, [breach], { owner: "b", release: FR, version, comments })).toBe(
        false,
      );
      expect(await countQueuedComments(ctx.store)).toBe(0);

      // A team reply's write (no owner) bumps the version: the claimed firing is stale.
      await saveTimers(ctx.store, key, [{ kind: "update", ...FR, patch: { metBy: null } }]);
      expect(await saveTimers(ctx.store, key, [breach], { owner: "a", release: FR, version, comments })).toBe(
        false,
      );
      expect(await countQueuedComments(ctx.store)).toBe(0);
      expect(await getTimer(ctx.store, key, "first_response", 1)).toMatchObject({
        state: "pending",
        lease_owner: "a",
      });
    });

    it("writes neither the timer nor any comment when queueing a comment fails", async () => {
      const version = await leased("a");
      // A comment the table refuses (no body: NOT NULL), after a valid one in the same call.
      const broken = { ...comment(2), body: null } as unknown as QueuedCommentInsert;
      await expect(
        saveTimers(ctx.store, key, [breach], {
          owner: "a",
          release: FR,
          version,
          comments: [comment(1), broken],
        }),
      ).rejects.toThrow();
      expect(await countQueuedComments(ctx.store)).toBe(0);
      expect(await getTimer(ctx.store, key, "first_response", 1)).toMatchObject({
        state: "pending",
        version,
        lease_owner: "a",
      });
    });
  });
}

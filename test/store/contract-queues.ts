import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/db.js";
import {
  beginEffect,
  cancelEffect,
  claimInbox,
  enqueueDelivery,
  failInbox,
  finishEffect,
  finishInbox,
  getMeta,
  inboxBacklog,
  nextInboxAt,
  pruneInbox,
  releaseNamedLease,
  setMeta,
  tryAcquireLease,
} from "../../src/store/tracking-store.js";
import { type Context, T0 } from "./fixtures.js";

/** The effects outbox, the webhook inbox, singleton leases and meta values. */
export function queueContract(ctx: Context): void {
  /** Runs `n` racers split across the suite's store and a peer, all at once. */
  async function race<T>(n: number, run: (store: Store, i: number) => Promise<T>): Promise<T[]> {
    const other = await ctx.peer();
    return await Promise.all(Array.from({ length: n }, (_, i) => run(i % 2 ? other : ctx.store, i)));
  }

  describe("effects", () => {
    it("begin returns new, then sending until finished, then done", async () => {
      const k = "breach-comment:acme/app#1:1";
      expect(await beginEffect(ctx.store, k, T0)).toBe("new");
      expect(await beginEffect(ctx.store, k, T0 + 1)).toBe("sending");
      await finishEffect(ctx.store, k, T0 + 2);
      expect(await beginEffect(ctx.store, k, T0 + 3)).toBe("done");
      await cancelEffect(ctx.store, k); // only a 'sending' effect can be forgotten
      expect(await beginEffect(ctx.store, k, T0 + 4)).toBe("done");
    });

    it("a cancelled effect starts again as new", async () => {
      expect(await beginEffect(ctx.store, "slack:1", T0)).toBe("new");
      await cancelEffect(ctx.store, "slack:1");
      expect(await beginEffect(ctx.store, "slack:1", T0)).toBe("new");
    });

    it("gives 'new' to exactly one of concurrent racers on one key", async () => {
      const results = await race(10, (store) => beginEffect(store, "page:acme/app#9:1", T0));
      expect(results.filter((r) => r === "new")).toHaveLength(1);
      expect(results.filter((r) => r === "sending")).toHaveLength(9);
    });

    it("takes keys of 300 characters", async () => {
      const long = `label:${"x".repeat(294)}`;
      expect(await beginEffect(ctx.store, long, T0)).toBe("new");
      await finishEffect(ctx.store, long, T0);
      expect(await beginEffect(ctx.store, long, T0)).toBe("done");
    });
  });

  describe("inbox", () => {
    const delivery = (id: string, now = T0) => ({
      deliveryId: id,
      event: "issues.opened",
      installationId: 2 ** 35,
      payload: { action: "opened", issue: { number: 1, title: "Ünïcode ✓" } },
      now,
    });
    const claim = (store: Store, now: number, owner: string, limit = 10) =>
      claimInbox(store, { now, owner, leaseMs: 30_000, limit });

    it("refuses a delivery id it already has", async () => {
      expect(await enqueueDelivery(ctx.store, delivery("d-1"))).toBe(true);
      expect(await enqueueDelivery(ctx.store, delivery("d-1", T0 + 5))).toBe(false);
      expect(await inboxBacklog(ctx.store)).toBe(1);
    });

    it("claims, fails with a retry time, claims again and finishes", async () => {
      await enqueueDelivery(ctx.store, delivery("d-2", T0 + 1));
      await enqueueDelivery(ctx.store, delivery("d-1", T0));
      expect(await nextInboxAt(ctx.store)).toBe(T0);
      const first = await claim(ctx.store, T0 + 10, "a");
      expect(first.map((d) => d.delivery_id)).toEqual(["d-1", "d-2"]);
      expect(first[0]).toMatchObject({
        event: "issues.opened",
        installation_id: 2 ** 35,
        attempts: 1,
        lease_owner: "a",
        lease_until: T0 + 30_010,
        payload: delivery("d-1").payload,
      });
      expect(await claim(ctx.store, T0 + 10, "b")).toEqual([]);
      expect(await nextInboxAt(ctx.store)).toBe(T0 + 30_010);

      expect(await failInbox(ctx.store, "d-1", "b", "not mine", T0)).toBe(false);
      expect(await failInbox(ctx.store, "d-1", "a", "GitHub said 502", T0 + 5000)).toBe(true);
      expect(await finishInbox(ctx.store, "d-2", "a", T0 + 20)).toBe(true);
      expect(await inboxBacklog(ctx.store)).toBe(1);
      expect(await nextInboxAt(ctx.store)).toBe(T0 + 5000);
      expect(await claim(ctx.store, T0 + 4999, "b")).toEqual([]);
      const [again] = await claim(ctx.store, T0 + 5000, "b");
      expect(again).toMatchObject({ delivery_id: "d-1", attempts: 2, last_error: "GitHub said 502" });
      expect(await finishInbox(ctx.store, "d-1", "a", T0 + 5001)).toBe(false);
      expect(await finishInbox(ctx.store, "d-1", "b", T0 + 5001)).toBe(true);
      expect(await inboxBacklog(ctx.store)).toBe(0);
      expect(await nextInboxAt(ctx.store)).toBeNull();
      expect(await claim(ctx.store, T0 + 99_999, "c")).toEqual([]);
      expect(await pruneInbox(ctx.store, T0 + 5001)).toBe(1); // d-2, done before
      expect(await enqueueDelivery(ctx.store, delivery("d-1"))).toBe(false);
      expect(await enqueueDelivery(ctx.store, delivery("d-2"))).toBe(true); // pruned: forgotten
    });

    it("lets an expired delivery lease be taken over", async () => {
      await enqueueDelivery(ctx.store, delivery("d-1"));
      await claim(ctx.store, T0, "a");
      const [taken] = await claim(ctx.store, T0 + 30_000, "b");
      expect(taken).toMatchObject({ lease_owner: "b", attempts: 2 });
      expect(await finishInbox(ctx.store, "d-1", "a", T0 + 30_001)).toBe(false);
    });

    it("gives every delivery to exactly one of concurrent claimers", async () => {
      for (let i = 0; i < 60; i++) await enqueueDelivery(ctx.store, delivery(`d-${i}`, T0 + i));
      const got = await race(6, async (store, i) => {
        const ids: string[] = [];
        for (;;) {
          const rows = await claim(store, T0 + 100, `w${i}`, 4);
          if (rows.length === 0) return ids;
          ids.push(...rows.map((r) => r.delivery_id));
        }
      });
      expect(got.flat()).toHaveLength(60);
      expect(new Set(got.flat()).size).toBe(60);
    });
  });

  describe("singleton leases", () => {
    it("are held by one owner until released or expired", async () => {
      expect(await tryAcquireLease(ctx.store, "reconcile", "a", T0, 1000)).toBe(true);
      expect(await tryAcquireLease(ctx.store, "reconcile", "b", T0 + 999, 1000)).toBe(false);
      expect(await tryAcquireLease(ctx.store, "reconcile", "a", T0 + 500, 1000)).toBe(true); // renewed to T0+1500
      expect(await tryAcquireLease(ctx.store, "reconcile", "b", T0 + 1499, 1000)).toBe(false);
      expect(await tryAcquireLease(ctx.store, "other", "b", T0, 1000)).toBe(true);
      expect(await tryAcquireLease(ctx.store, "reconcile", "b", T0 + 1500, 1000)).toBe(true);
      expect(await tryAcquireLease(ctx.store, "reconcile", "a", T0 + 1600, 1000)).toBe(false);
      expect(await releaseNamedLease(ctx.store, "reconcile", "a")).toBe(false);
      expect(await releaseNamedLease(ctx.store, "reconcile", "b")).toBe(true);
      expect(await tryAcquireLease(ctx.store, "reconcile", "a", T0 + 1600, 1000)).toBe(true);
    });

    it("go to exactly one of concurrent racers, fresh or expired", async () => {
      const fresh = await race(10, (store, i) => tryAcquireLease(store, "sweep", `r${i}`, T0, 1000));
      expect(fresh.filter(Boolean)).toHaveLength(1);
      const takeover = await race(10, (store, i) =>
        tryAcquireLease(store, "sweep", `s${i}`, T0 + 1000, 1000),
      );
      expect(takeover.filter(Boolean)).toHaveLength(1);
    });
  });

  it("keeps meta values", async () => {
    expect(await getMeta(ctx.store, "deliveries.cursor")).toBeUndefined();
    await setMeta(ctx.store, "deliveries.cursor", "123");
    await setMeta(ctx.store, "deliveries.cursor", "456");
    expect(await getMeta(ctx.store, "deliveries.cursor")).toBe("456");
  });
}

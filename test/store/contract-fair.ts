import { describe, expect, it } from "vitest";
import type { Store } from "../../src/store/db.js";
import { claimInbox, enqueueDelivery } from "../../src/store/tracking-store.js";
import { type Context, T0 } from "./fixtures.js";

/**
 * Inbox claims with a share per installation (kind 8, head-of-line blocking): one installation
 * with a flood of deliveries, or all of its slots taken by requests that hang, never keeps the
 * deliveries of another installation from being claimed. (Timers: test/store/contract-timers.ts.)
 */
export function fairClaimContract(ctx: Context): void {
  const busy = (entries: Array<[number, number]> = []) => new Map(entries);

  describe("claimInbox with a share per installation", () => {
    const delivery = (id: string, installationId: number, now: number) => ({
      deliveryId: id,
      event: "issues.opened",
      installationId,
      payload: { action: "opened", issue: { number: 1 } },
      now,
    });
    const claim = (store: Store, limit: number, max: number, inFlight: Array<[number, number]> = []) =>
      claimInbox(store, {
        now: T0 + 1_000,
        owner: "a",
        leaseMs: 30_000,
        limit,
        perInstallation: { max, busy: busy(inFlight) },
      });

    it("takes at most `max` of one installation, so a later delivery of another is taken too", async () => {
      for (let i = 0; i < 10; i++) await enqueueDelivery(ctx.store, delivery(`flood-${i}`, 1, T0 + i));
      await enqueueDelivery(ctx.store, delivery("other", 2, T0 + 100));
      const rows = await claim(ctx.store, 8, 3);
      expect(rows.map((r) => r.delivery_id)).toEqual(["flood-0", "flood-1", "flood-2", "other"]);
    });

    it("skips an installation whose share is taken, and counts what is in flight against it", async () => {
      for (let i = 0; i < 4; i++) await enqueueDelivery(ctx.store, delivery(`slow-${i}`, 7, T0 + i));
      for (let i = 0; i < 4; i++) await enqueueDelivery(ctx.store, delivery(`half-${i}`, 8, T0 + 10 + i));
      await enqueueDelivery(ctx.store, delivery("fast", 9, T0 + 50));
      const rows = await claim(ctx.store, 10, 2, [
        [7, 2],
        [8, 1],
      ]);
      expect(rows.map((r) => r.delivery_id)).toEqual(["half-0", "fast"]);
      // What was skipped is still there for the next claim once the installation has room.
      const later = await claim(ctx.store, 10, 2, [[8, 2]]);
      expect(later.map((r) => r.delivery_id)).toEqual(["slow-0", "slow-1"]);
    });

    it("gives every delivery to exactly one of concurrent fair claimers", async () => {
      for (let i = 0; i < 60; i++) await enqueueDelivery(ctx.store, delivery(`d-${i}`, i % 5, T0 + i));
      const other = await ctx.peer();
      const got = await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const ids: string[] = [];
          for (;;) {
            const rows = await claimInbox(w % 2 ? other : ctx.store, {
              now: T0 + 1_000,
              owner: `w${w}`,
              leaseMs: 30_000,
              limit: 4,
              perInstallation: { max: 2, busy: busy() },
            });
            if (rows.length === 0) return ids;
            ids.push(...rows.map((r) => r.delivery_id));
          }
        }),
      );
      expect(got.flat()).toHaveLength(60);
      expect(new Set(got.flat()).size).toBe(60);
    });

    it("still honours the overall limit, oldest first", async () => {
      for (let i = 0; i < 3; i++) await enqueueDelivery(ctx.store, delivery(`x-${i}`, 10 + i, T0 + i));
      const rows = await claim(ctx.store, 2, 4);
      expect(rows.map((r) => r.delivery_id)).toEqual(["x-0", "x-1"]);
    });
  });
}

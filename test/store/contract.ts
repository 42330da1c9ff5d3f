import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/db.js";
import {
  getTrackedIssue,
  isDeliveryHandled,
  markDeliveryHandled,
  repoKey,
  saveTrackedIssue,
  type TrackedIssue,
} from "../../src/store/intake-store.js";
import { migrationProvider } from "../../src/store/migrations.js";
import { claimDue, countByState, nextDueAt, updateTrackedUnleased } from "../../src/store/tracking-store.js";
import { commentQueueContract } from "./contract-comments.js";
import { fairClaimContract } from "./contract-fair.js";
import { queueContract } from "./contract-queues.js";
import { timerContract } from "./contract-timers.js";
import { type Context, issue, T0 } from "./fixtures.js";

export interface ContractOptions {
  /** Whether two `open()` calls reach the same database (false for `sqlite::memory:`). */
  shared: boolean;
}

/**
 * The store's behaviour, whatever the database. `open` is called once for the suite and again
 * for the peers that race it (a second process, as far as the database can tell).
 */
export function storeContract(name: string, open: () => Promise<Store>, options: ContractOptions): void {
  describe(`store contract: ${name}`, () => {
    const ctx = { peers: [] } as unknown as Context & { peers: Store[] };
    beforeAll(async () => {
      ctx.store = await open();
      ctx.peer = async () => {
        if (!options.shared) return ctx.store;
        const peer = await open();
        ctx.peers.push(peer);
        return peer;
      };
    });
    afterAll(async () => {
      await Promise.all(ctx.peers.map((p) => p.close()));
      await ctx.store?.close();
    });
    beforeEach(async () => {
      for (const table of [
        "timers",
        "tracked_issues",
        "deliveries",
        "inbox",
        "effects",
        "leases",
        "meta",
      ] as const) {
        await ctx.store.db.deleteFrom(table).execute();
      }
    });

    trackingContract(ctx);
    queueContract(ctx);
    fairClaimContract(ctx);
    timerContract(ctx);
    commentQueueContract(ctx);
  });
}

function trackingContract(ctx: Context): void {
  const key = (number: number) => ({ repo: "acme/app", number });

  describe("migrations", () => {
    it("are recorded once and opening again changes nothing", async () => {
      const again = await ctx.peer();
      await saveTrackedIssue(ctx.store, issue(1));
      const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        again.db,
      );
      expect(names.rows.map((r) => r.name)).toEqual(
        Object.keys(await migrationProvider.getMigrations()).sort(),
      );
      const third = await ctx.peer();
      expect((await getTrackedIssue(third, key(1)))?.number).toBe(1);
    });
  });

  describe("intake functions", () => {
    it("insert with the SLA defaults and keep SLA columns on a later save", async () => {
      await saveTrackedIssue(ctx.store, issue(1));
      const first = await getTrackedIssue(ctx.store, key(1));
      expect(first).toMatchObject({
        state: "pending",
        cycle: 1,
        cycle_started_at: T0,
        at_risk_at: T0 + 60_000,
        next_due_at: null,
        lease_owner: null,
        title: "",
        first_response_late: 0,
        version: 0,
      });
      expect(await updateTrackedUnleased(ctx.store, key(1), { state: "at-risk", title: "Down" })).toBe(true);
      await saveTrackedIssue(ctx.store, issue(1, { priority: "urgent", deadline_at: T0 + 120_000 }));
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({
        priority: "urgent",
        state: "at-risk",
        title: "Down",
        deadline_at: T0 + 120_000,
        next_due_at: null,
        version: 2,
      });
      expect(await getTrackedIssue(ctx.store, key(2))).toBeUndefined();
      expect(repoKey("Acme", "App")).toBe("acme/app");
    });

    it("take SLA columns on insert; next_due_at (unused since 0008) only when given", async () => {
      await saveTrackedIssue(ctx.store, issue(1, { at_risk_at: T0 + 10, title: "t", html_url: "u" }));
      await saveTrackedIssue(ctx.store, issue(2, { state: "met", next_due_at: T0 + 5 }));
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({
        at_risk_at: T0 + 10,
        next_due_at: null,
        title: "t",
        html_url: "u",
      });
      expect(await getTrackedIssue(ctx.store, key(2))).toMatchObject({ state: "met", next_due_at: T0 + 5 });
      await saveTrackedIssue(ctx.store, issue(3, { at_risk_at: undefined, next_due_at: undefined }));
      expect(await getTrackedIssue(ctx.store, key(3))).toMatchObject({
        at_risk_at: T0 + 60_000,
        next_due_at: null,
      });
    });

    it("remember handled deliveries, once", async () => {
      expect(await isDeliveryHandled(ctx.store, "d-1")).toBe(false);
      await markDeliveryHandled(ctx.store, "d-1", "issues", T0);
      await markDeliveryHandled(ctx.store, "d-1", "issues", T0 + 1);
      expect(await isDeliveryHandled(ctx.store, "d-1")).toBe(true);
    });
  });

  it("round-trips epoch milliseconds beyond 2^31 as numbers", async () => {
    const far = Date.UTC(2150, 0, 1, 12, 0, 0, 123); // > 2^32 too
    await saveTrackedIssue(
      ctx.store,
      issue(7, { created_at: far, deadline_at: far + 1, next_due_at: far + 3, installation_id: 2 ** 40 }),
    );
    await updateTrackedUnleased(ctx.store, key(7), {
      first_response_at: far + 2,
      first_response_business_ms: 2 ** 33,
    });
    const row = await getTrackedIssue(ctx.store, key(7));
    expect(row).toMatchObject({
      created_at: far,
      deadline_at: far + 1,
      next_due_at: far + 3,
      installation_id: 2 ** 40,
      first_response_at: far + 2,
      first_response_business_ms: 2 ** 33,
    });
    expect(typeof row?.created_at).toBe("number");
    expect(await nextDueAt(ctx.store)).toBe(far + 3);
  });

  describe("webhook-driven writes", () => {
    it("write exactly the columns given and bump the version; false for a row that does not exist", async () => {
      await saveTrackedIssue(ctx.store, issue(1));
      expect(
        await updateTrackedUnleased(ctx.store, key(1), {
          state: "breached",
          at_risk_at: T0 + 5,
          breached_at: T0,
        }),
      ).toBe(true);
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({
        state: "breached",
        at_risk_at: T0 + 5,
        breached_at: T0,
        deadline_at: T0 + 60_000,
        next_due_at: null,
        version: 1,
      });
      expect(await updateTrackedUnleased(ctx.store, key(404), { state: "met" })).toBe(false);
    });
  });

  // `claimDue` is not the app's claim since 0008 (timers are claimed): bench/store.mjs measures it.
  describe("claimDue (bench/store.mjs)", () => {
    const claim = (store: Store, now: number, owner: string, limit = 100, leaseMs = 1000) =>
      claimDue(store, { now, owner, leaseMs, limit });
    const due = (number: number, at: number, extra: Partial<TrackedIssue> = {}) =>
      saveTrackedIssue(ctx.store, issue(number, { next_due_at: at, ...extra }));

    it("leases the due rows, earliest first, up to the limit; an expired lease is taken over", async () => {
      await due(1, T0 + 30);
      await due(2, T0 + 10);
      await due(3, T0 + 20);
      await due(4, T0 + 5_000);
      await due(5, T0, { state: "met", next_due_at: null });
      const rows = await claim(ctx.store, T0 + 100, "a", 2);
      expect(rows.map((r) => r.number)).toEqual([2, 3]);
      expect(rows[0]).toMatchObject({ lease_owner: "a", lease_until: T0 + 1100, state: "pending" });
      expect((await claim(ctx.store, T0 + 100, "b")).map((r) => r.number)).toEqual([1]);
      expect(await claim(ctx.store, T0 + 1099, "c")).toEqual([]);
      const taken = await claim(ctx.store, T0 + 1100, "c");
      expect(taken.map((r) => [r.number, r.lease_owner])).toEqual([
        [2, "c"],
        [3, "c"],
        [1, "c"],
      ]);
    });

    it("gives every due row to exactly one of several concurrent claimers", async () => {
      for (let n = 1; n <= 200; n++) await due(n, T0 + (n % 17));
      const other = await ctx.peer();
      const claimer = async (store: Store, owner: string) => {
        const got: number[] = [];
        for (;;) {
          const rows = await claim(store, T0 + 100, owner, 7, 60_000);
          if (rows.length === 0) return got;
          got.push(...rows.map((r) => r.number));
        }
      };
      const results = await Promise.all(
        ["a", "b", "c", "d"].flatMap((o) => [claimer(ctx.store, `${o}1`), claimer(other, `${o}2`)]),
      );
      const all = results.flat();
      expect(all).toHaveLength(200);
      expect(new Set(all).size).toBe(200);
      const leased = await ctx.store.db
        .selectFrom("tracked_issues")
        .select(["number", "lease_owner"])
        .execute();
      const owners = new Map(results.flatMap((nums, i) => nums.map((n) => [n, i] as const)));
      const names = ["a", "b", "c", "d"].flatMap((o) => [`${o}1`, `${o}2`]);
      for (const row of leased) expect(row.lease_owner).toBe(names[owners.get(row.number) ?? -1]);
    });
  });

  describe("queries", () => {
    it("nextDueAt is the earliest next_due_at an old row kept, leased rows included", async () => {
      expect(await nextDueAt(ctx.store)).toBeNull();
      await saveTrackedIssue(ctx.store, issue(1, { next_due_at: T0 + 50 }));
      await saveTrackedIssue(ctx.store, issue(2, { next_due_at: null, state: "cancelled" }));
      await saveTrackedIssue(ctx.store, issue(3, { next_due_at: T0 + 20 }));
      await saveTrackedIssue(ctx.store, issue(4));
      expect(await nextDueAt(ctx.store)).toBe(T0 + 20);
      await claimDue(ctx.store, { now: T0 + 20, owner: "a", leaseMs: 1000, limit: 1 });
      expect(await nextDueAt(ctx.store)).toBe(T0 + 20);
    });

    it("countByState counts every first-response state", async () => {
      await saveTrackedIssue(ctx.store, issue(3));
      await saveTrackedIssue(ctx.store, issue(1, { state: "at-risk" }));
      await saveTrackedIssue(ctx.store, issue(2, { state: "breached" }));
      await saveTrackedIssue(ctx.store, issue(4, { repo: "acme/other" }));
      expect(await countByState(ctx.store)).toEqual({
        pending: 2,
        "at-risk": 1,
        breached: 1,
        met: 0,
        cancelled: 0,
      });
    });
  });
}

import { describe, expect, it } from "vitest";
import type { Timer } from "../../src/domain/timers/timer.js";
import type { Store } from "../../src/store/db.js";
import { getTrackedIssue, saveTrackedIssue } from "../../src/store/intake-store.js";
import {
  claimDueTimers,
  countTimersByState,
  getTimer,
  getTimers,
  listTimers,
  nextTimerClaimAt,
  releaseTimerLease,
  renewTimerLease,
  saveTimers,
  type TimerRow,
} from "../../src/store/timer-store.js";
import { type Context, issue, T0, timer } from "./fixtures.js";

const key = (number: number, repo = "acme/app") => ({ repo, number });
const FR = { metric: "first_response", cycle: 1 } as const;

/** Inserts one timer of `acme/app#number` (installation 42, rank 0 unless given). */
async function insert(
  store: Store,
  number: number,
  t: Partial<Timer> = {},
  options: { repo?: string; installationId?: number; rank?: number } = {},
): Promise<void> {
  await saveTimers(store, key(number, options.repo), [
    {
      kind: "insert",
      timer: timer(t),
      installationId: options.installationId ?? 42,
      rank: options.rank ?? 0,
    },
  ]);
}

const names = (rows: Pick<TimerRow, "repo" | "number" | "metric" | "cycle">[]) =>
  rows.map((r) => `${r.repo}#${r.number}:${r.metric}:${r.cycle}`);

/** The timers table (src/store/timer-store.ts): writes, the projection, leases and the claim. */
export function timerContract(ctx: Context): void {
  describe("timers: writes", () => {
    it("keep pauses, booleans and targets as written, and read the newest cycle per metric in metric order", async () => {
      await insert(ctx.store, 1, {
        metric: "resolution",
        clock: "business",
        target: { kind: "next-business-day" },
        targetMs: 8 * 3_600_000,
        pauses: [
          { start: T0 + 10, end: T0 + 20 },
          { start: T0 + 30, end: null },
        ],
        deadlineAt: null,
        nextDueAt: null,
      });
      await insert(ctx.store, 1, { metric: "next_reply", cycle: 1, state: "met", late: true, paged: true });
      await insert(ctx.store, 1, { metric: "next_reply", cycle: 2, startedAt: T0 + 5 });
      await insert(ctx.store, 1, {});

      const current = await getTimers(ctx.store, key(1));
      expect(current.map((t) => `${t.metric}:${t.cycle}`)).toEqual([
        "first_response:1",
        "next_reply:2",
        "resolution:1",
      ]);
      const resolution = current[2];
      expect(resolution).toMatchObject({
        clock: "business",
        target: { kind: "next-business-day" },
        targetMs: 8 * 3_600_000,
        targetSource: "planned",
        pauses: [
          { start: T0 + 10, end: T0 + 20 },
          { start: T0 + 30, end: null },
        ],
        deadlineAt: null,
        nextDueAt: null,
        installation_id: 42,
        version: 0,
      });
      const old = await getTimer(ctx.store, key(1), "next_reply", 1);
      expect(old).toMatchObject({ state: "met", late: true, paged: true });
      expect(typeof old?.startedAt).toBe("number");
      expect((await listTimers(ctx.store, key(1))).map((t) => `${t.metric}:${t.cycle}`)).toEqual([
        "first_response:1",
        "next_reply:1",
        "next_reply:2",
        "resolution:1",
      ]);
      expect(await getTimers(ctx.store, key(2))).toEqual([]);
    });

    it("patch only the given fields, bump the version, and never restart a timer that exists", async () => {
      await insert(ctx.store, 1, { metric: "updates" });
      await saveTimers(ctx.store, key(1), [
        {
          kind: "update",
          metric: "updates",
          cycle: 1,
          patch: { state: "at-risk", level: 1, firings: 1 },
          rank: 3,
        },
      ]);
      // A redelivered start of the same metric × cycle changes nothing.
      await insert(ctx.store, 1, { metric: "updates", startedAt: T0 + 99, state: "pending" });
      expect(await getTimer(ctx.store, key(1), "updates", 1)).toMatchObject({
        state: "at-risk",
        level: 1,
        firings: 1,
        startedAt: T0,
        deadlineAt: T0 + 60_000,
        rank: 3,
        version: 1,
      });
      // A patch of a timer that does not exist writes nothing.
      expect(
        await saveTimers(ctx.store, key(1), [
          { kind: "update", metric: "updates", cycle: 9, patch: { level: 5 } },
        ]),
      ).toBe(true);
      expect(await getTimer(ctx.store, key(1), "updates", 9)).toBeUndefined();
    });
  });

  describe("timers: projection onto tracked_issues", () => {
    it("shows the first-response timer as today's row and leaves nothing for the old claim", async () => {
      await saveTrackedIssue(ctx.store, issue(1));
      await saveTimers(
        ctx.store,
        key(1),
        [
          {
            kind: "insert",
            timer: timer({
              clock: "business",
              target: { kind: "duration", ms: 3_600_000 },
              targetMs: 3_600_000,
            }),
            installationId: 42,
            rank: 0,
            projection: { atRiskAt: T0 + 48_000 },
          },
        ],
        { now: T0 + 1 },
      );
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({
        state: "pending",
        cycle: 1,
        cycle_started_at: T0,
        deadline_at: T0 + 60_000,
        at_risk_at: T0 + 48_000,
        next_due_at: null,
        target_kind: "duration",
        target_ms: 3_600_000,
        target_clock: "business",
        updated_at: T0 + 1,
        version: 1,
      });

      // Met after the deadline: today's row says breached, late, with the responder.
      await saveTimers(ctx.store, key(1), [
        {
          kind: "update",
          ...FR,
          patch: {
            state: "met",
            metAt: T0 + 70_000,
            metBy: "octocat",
            countedMs: 70_000,
            late: true,
            breachedAt: T0 + 60_000,
            paged: true,
            deadlineAt: null,
            nextDueAt: null,
          },
        },
      ]);
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({
        state: "breached",
        first_response_at: T0 + 70_000,
        first_response_by: "octocat",
        first_response_business_ms: 70_000,
        first_response_late: 1,
        breached_at: T0 + 60_000,
        paged_cycle: 1,
        // The timer has no deadline once final: the row keeps the one it had, and its at-risk instant.
        deadline_at: T0 + 60_000,
        at_risk_at: T0 + 48_000,
        next_due_at: null,
      });
    });

    it("projects the newest cycle, takes the deadline as at-risk instant when none is given, and only for first_response", async () => {
      await saveTrackedIssue(ctx.store, issue(1, { at_risk_at: T0 + 1_000, priority_override: "urgent" }));
      await insert(ctx.store, 1, { state: "cancelled", deadlineAt: T0 + 60_000, nextDueAt: null });
      await saveTimers(ctx.store, key(1), [
        {
          kind: "insert",
          timer: timer({
            cycle: 2,
            startedAt: T0 + 500_000,
            deadlineAt: T0 + 560_000,
            nextDueAt: T0 + 548_000,
          }),
          installationId: 42,
          rank: 0,
        },
        // An older cycle written in the same call does not win the projection.
        { kind: "update", ...FR, patch: { level: 0 } },
      ]);
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({
        state: "pending",
        cycle: 2,
        cycle_started_at: T0 + 500_000,
        deadline_at: T0 + 560_000,
        at_risk_at: T0 + 560_000,
        priority_override: "urgent",
      });
      const before = await getTrackedIssue(ctx.store, key(1));
      await insert(ctx.store, 1, { metric: "resolution", state: "breached" });
      expect(await getTrackedIssue(ctx.store, key(1))).toEqual(before);
    });
  });

  describe("timers: lease fence", () => {
    const claim = (store: Store, owner: string, now = T0 + 50_000) =>
      claimDueTimers(store, { now, owner, leaseMs: 10_000, limit: 10 });

    it("applies the scheduler's write only while it holds the lease and the version it claimed", async () => {
      await saveTrackedIssue(ctx.store, issue(1));
      await insert(ctx.store, 1);
      expect(await claim(ctx.store, "a")).toMatchObject([{ lease_owner: "a", lease_until: T0 + 60_000 }]);
      // The scheduler reads the claimed timer again (under the issue lock) for its version.
      const claimed = await getTimer(ctx.store, key(1), "first_response", 1);
      expect(claimed).toMatchObject({ lease_owner: "a", version: 0 });
      const write = { kind: "update", ...FR, patch: { state: "at-risk", level: 1, firings: 1 } } as const;

      expect(await saveTimers(ctx.store, key(1), [write], { owner: "b", release: FR })).toBe(false);
      expect(await getTimer(ctx.store, key(1), "first_response", 1)).toMatchObject({
        state: "pending",
        lease_owner: "a",
        version: 0,
      });
      expect(await getTrackedIssue(ctx.store, key(1))).toMatchObject({ state: "pending", version: 1 });

      // A webhook write meanwhile (no owner: never waits for the lease) bumps the version …
      await saveTimers(ctx.store, key(1), [{ kind: "update", ...FR, patch: { metBy: null } }]);
      // … so the scheduler's commit on the version it claimed fails and nothing is written.
      expect(
        await saveTimers(ctx.store, key(1), [write], { owner: "a", release: FR, version: claimed?.version }),
      ).toBe(false);
      expect((await getTimer(ctx.store, key(1), "first_response", 1))?.state).toBe("pending");

      expect(await saveTimers(ctx.store, key(1), [write], { owner: "a", release: FR, version: 1 })).toBe(
        true,
      );
      expect(await getTimer(ctx.store, key(1), "first_response", 1)).toMatchObject({
        state: "at-risk",
        lease_owner: null,
        lease_until: null,
        version: 2,
      });
      expect((await getTrackedIssue(ctx.store, key(1)))?.state).toBe("at-risk");
    });

    it("after the lease expired and another took it over, the first owner writes nothing", async () => {
      await insert(ctx.store, 1);
      await claim(ctx.store, "a");
      expect(await claim(ctx.store, "b", T0 + 59_999)).toEqual([]);
      expect(names(await claim(ctx.store, "b", T0 + 60_000))).toEqual(["acme/app#1:first_response:1"]);
      const write = { kind: "update", ...FR, patch: { level: 2 } } as const;
      expect(await saveTimers(ctx.store, key(1), [write], { owner: "a", claimed: FR })).toBe(false);
      expect(await saveTimers(ctx.store, key(1), [write], { owner: "b", claimed: FR })).toBe(true);
      // `claimed` keeps the lease.
      expect(await getTimer(ctx.store, key(1), "first_response", 1)).toMatchObject({
        level: 2,
        lease_owner: "b",
      });
      // Without a named timer, every updated timer is fenced.
      const other = { kind: "update", metric: "resolution", cycle: 1, patch: { level: 1 } } as const;
      await insert(ctx.store, 1, { metric: "resolution" });
      expect(await saveTimers(ctx.store, key(1), [write, other], { owner: "b" })).toBe(false);
      expect((await getTimer(ctx.store, key(1), "resolution", 1))?.level).toBe(0);
    });

    it("renews and releases only the owner's lease", async () => {
      await insert(ctx.store, 1);
      const [row] = await claim(ctx.store, "a");
      if (!row) throw new Error("nothing claimed");
      expect(await renewTimerLease(ctx.store, row, "b", T0 + 200_000)).toBe(false);
      expect(await renewTimerLease(ctx.store, row, "a", T0 + 200_000)).toBe(true);
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 200_000);
      expect(await claim(ctx.store, "b", T0 + 100_000)).toEqual([]);
      expect(await releaseTimerLease(ctx.store, row, "b")).toBe(false);
      expect(await releaseTimerLease(ctx.store, row, "a")).toBe(true);
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 48_000);
      expect((await getTimer(ctx.store, key(1), "first_response", 1))?.version).toBe(0);
    });
  });

  describe("timers: claim", () => {
    it("takes due, free timers only, lower rank first, then earliest; nothing when none is due", async () => {
      expect(await nextTimerClaimAt(ctx.store)).toBeNull();
      await insert(ctx.store, 1, { nextDueAt: T0 + 10 }, { rank: 2 });
      await insert(ctx.store, 2, { nextDueAt: T0 + 30 }, { rank: 0 });
      await insert(ctx.store, 3, { nextDueAt: T0 + 20 }, { rank: 0 });
      await insert(ctx.store, 4, { nextDueAt: T0 + 5 }, { rank: 1 });
      await insert(ctx.store, 5, { nextDueAt: T0 + 5_000 }, { rank: 0 });
      await insert(ctx.store, 6, { nextDueAt: null, state: "met" }, { rank: 0 });
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 5);
      const rows = await claimDueTimers(ctx.store, { now: T0 + 1_000, owner: "a", leaseMs: 1_000, limit: 3 });
      expect(rows.map((r) => r.number)).toEqual([3, 2, 4]);
      const rest = await claimDueTimers(ctx.store, {
        now: T0 + 1_000,
        owner: "a",
        leaseMs: 1_000,
        limit: 10,
      });
      expect(rest.map((r) => r.number)).toEqual([1]);
    });

    it("gives each installation at most its free share, most urgent first within it", async () => {
      // Installation 1: a burst of Normal (rank 2) due first, then Urgent (rank 1), Production down (rank 0).
      for (let n = 1; n <= 5; n++)
        await insert(ctx.store, n, { nextDueAt: T0 + n }, { installationId: 1, rank: 2 });
      await insert(ctx.store, 6, { nextDueAt: T0 + 100 }, { installationId: 1, rank: 1 });
      await insert(ctx.store, 7, { nextDueAt: T0 + 200 }, { installationId: 1, rank: 0 });
      await insert(ctx.store, 1, { nextDueAt: T0 + 300 }, { repo: "other/app", installationId: 2, rank: 2 });
      await insert(ctx.store, 1, { nextDueAt: T0 + 400 }, { repo: "third/app", installationId: 3, rank: 2 });
      const claim = (busy: Array<[number, number]>) =>
        claimDueTimers(ctx.store, {
          now: T0 + 1_000,
          owner: "a",
          leaseMs: 10_000,
          limit: 10,
          perInstallation: { max: 2, busy: new Map(busy) },
        });
      expect(names(await claim([[3, 2]]))).toEqual([
        "acme/app#7:first_response:1",
        "acme/app#6:first_response:1",
        "other/app#1:first_response:1",
      ]);
      // Installation 1 has one slot left; installation 3's share is free again.
      expect(names(await claim([[1, 1]]))).toEqual([
        "acme/app#1:first_response:1",
        "third/app#1:first_response:1",
      ]);
    });

    it("reads past an installation flooding the most urgent rank to the other installations' due timers", async () => {
      // Installation 1: 30 Production-down timers due first; installation 2: Urgent; 3: Normal, due last.
      for (let n = 1; n <= 30; n++)
        await insert(ctx.store, n, { nextDueAt: T0 + n }, { installationId: 1, rank: 0 });
      for (let n = 1; n <= 3; n++)
        await insert(
          ctx.store,
          n,
          { nextDueAt: T0 + 500 + n },
          { repo: "other/app", installationId: 2, rank: 1 },
        );
      await insert(ctx.store, 1, { nextDueAt: T0 + 900 }, { repo: "third/app", installationId: 3, rank: 2 });
      const claim = (limit: number, busy: Array<[number, number]> = []) =>
        claimDueTimers(ctx.store, {
          now: T0 + 1_000,
          owner: "a",
          leaseMs: 10_000,
          limit,
          perInstallation: { max: 2, busy: new Map(busy) },
        });
      expect(names(await claim(10))).toEqual([
        "acme/app#1:first_response:1",
        "acme/app#2:first_response:1",
        "other/app#1:first_response:1",
        "other/app#2:first_response:1",
        "third/app#1:first_response:1",
      ]);
      // The limit cuts the shares in claim order; an installation at its share is skipped.
      expect(names(await claim(3, [[2, 1]]))).toEqual([
        "acme/app#3:first_response:1",
        "acme/app#4:first_response:1",
        "other/app#3:first_response:1",
      ]);
      // Without a share, the most urgent rank takes the whole claim.
      const plain = await claimDueTimers(ctx.store, {
        now: T0 + 1_000,
        owner: "b",
        leaseMs: 10_000,
        limit: 3,
      });
      expect(names(plain)).toEqual([
        "acme/app#5:first_response:1",
        "acme/app#6:first_response:1",
        "acme/app#7:first_response:1",
      ]);
    });

    it("orders timers due at the same instant by repo, then number, then metric, in both claims", async () => {
      for (const [repo, number, metric, installationId] of [
        ["b/app", 2, "resolution", 2],
        ["a/app", 10, "next_reply", 1],
        ["b/app", 1, "first_response", 2],
        ["a/app", 9, "resolution", 3],
        ["a/app", 10, "first_response", 1],
      ] as const) {
        await insert(ctx.store, number, { metric, nextDueAt: T0 + 7 }, { repo, installationId, rank: 1 });
      }
      // A rank with nothing due yet does not hold the claim up.
      await insert(ctx.store, 1, { nextDueAt: T0 + 5_000 }, { repo: "c/app", rank: 0 });
      const claim = (owner: string, limit: number, max?: number) =>
        claimDueTimers(ctx.store, {
          now: T0 + 1_000,
          owner,
          leaseMs: 10_000,
          limit,
          ...(max === undefined ? {} : { perInstallation: { max, busy: new Map() } }),
        });
      expect(names(await claim("fair", 10, 1))).toEqual([
        "a/app#9:resolution:1",
        "a/app#10:first_response:1",
        "b/app#1:first_response:1",
      ]);
      expect(names(await claim("plain", 10))).toEqual(["a/app#10:next_reply:1", "b/app#2:resolution:1"]);
      expect(await claim("late", 10)).toEqual([]);
    });

    it("reports the next claim at a leased timer's lease end only when the lease outlasts its due instant", async () => {
      await insert(ctx.store, 1, { nextDueAt: T0 + 100 });
      await insert(ctx.store, 2, { nextDueAt: T0 + 300 });
      const [first] = await claimDueTimers(ctx.store, { now: T0 + 100, owner: "a", leaseMs: 500, limit: 1 });
      if (!first) throw new Error("nothing claimed");
      // #1 is leased until T0 + 600: #2 (free, due T0 + 300) is next.
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 300);
      const [second] = await claimDueTimers(ctx.store, { now: T0 + 300, owner: "a", leaseMs: 100, limit: 1 });
      expect(second?.number).toBe(2);
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 400);
      // A write that met #2 while leased (the lease stays) leaves it out: #1's lease end is next.
      await saveTimers(ctx.store, key(2), [
        { kind: "update", ...FR, patch: { state: "met", nextDueAt: null, metAt: T0 + 350 } },
      ]);
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 600);
      // A lease renewed to end before the timer's next due instant counts at that instant.
      await saveTimers(ctx.store, key(1), [{ kind: "update", ...FR, patch: { nextDueAt: T0 + 2_000 } }]);
      expect(await renewTimerLease(ctx.store, first, "a", T0 + 700)).toBe(true);
      expect(await nextTimerClaimAt(ctx.store)).toBe(T0 + 2_000);
      expect(await claimDueTimers(ctx.store, { now: T0 + 1_999, owner: "b", leaseMs: 10, limit: 5 })).toEqual(
        [],
      );
      expect(
        names(await claimDueTimers(ctx.store, { now: T0 + 2_000, owner: "b", leaseMs: 10, limit: 5 })),
      ).toEqual(["acme/app#1:first_response:1"]);
    });

    it("gives every due timer to exactly one of concurrent claimers", async () => {
      for (let n = 1; n <= 40; n++) {
        await insert(ctx.store, n, { nextDueAt: T0 + n }, { installationId: n % 4, rank: n % 3 });
        await insert(ctx.store, n, { metric: "resolution", nextDueAt: T0 + n }, { installationId: n % 4 });
      }
      const other = await ctx.peer();
      const got = await Promise.all(
        Array.from({ length: 6 }, async (_, w) => {
          const taken: string[] = [];
          for (;;) {
            const rows = await claimDueTimers(w % 2 ? other : ctx.store, {
              now: T0 + 1_000,
              owner: `w${w}`,
              leaseMs: 30_000,
              limit: 3,
              ...(w % 3 === 0 ? {} : { perInstallation: { max: 2, busy: new Map() } }),
            });
            if (rows.length === 0) return taken;
            expect(rows.every((r) => r.lease_owner === `w${w}`)).toBe(true);
            taken.push(...names(rows));
          }
        }),
      );
      expect(got.flat()).toHaveLength(80);
      expect(new Set(got.flat()).size).toBe(80);
    });

    it("counts timers per metric and state", async () => {
      await insert(ctx.store, 1);
      await insert(ctx.store, 2);
      await insert(ctx.store, 2, { metric: "post_mortem", state: "breached" });
      await insert(ctx.store, 3, { state: "met" });
      expect(await countTimersByState(ctx.store)).toEqual([
        { metric: "first_response", state: "met", count: 1 },
        { metric: "first_response", state: "pending", count: 2 },
        { metric: "post_mortem", state: "breached", count: 1 },
      ]);
    });
  });
}

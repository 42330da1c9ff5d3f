/**
 * The scheduler: where timers escalate.
 * - due-loop.ts: `DueLoop`, the sleep-claim-process loop (leases in the store, slots per installation).
 * - escalate-timer.ts: `escalateTimer`, what happens to one claimed timer (any metric).
 * - firing.ts: `applyFiring`, the effects of one ladder level firing, through the outbox.
 * - texts.ts: what a firing says (comment, Slack, page), from the domain's renderers.
 */
import type { HandlerDeps } from "../handlers/deps.js";
import { claimDueTimers, nextTimerClaimAt, type TimerRow } from "../store/timer-store.js";
import { DueLoop } from "./due-loop.js";
import { escalateTimer } from "./escalate-timer.js";

export { DueLoop, type DueLoopOptions, type GroupQuota } from "./due-loop.js";
export { ESCALATION_LOUD_AFTER, escalateTimer, escalationRetryDelayMs } from "./escalate-timer.js";

/** How long a claimed timer stays leased to this process while it escalates (renewed on failure). */
export const TIMER_LEASE_MS = 60_000;

/**
 * Most escalations in flight at once. An escalation spends most of its time waiting for its
 * installation's write pacing (one write a second, a comment every 3 s: see `WritePacer`), so
 * slots are cheap; there are enough for every installation of a close-of-business burst to keep
 * its own pacing busy at once, rather than installations waiting for each other's slots.
 */
export const SCHEDULER_SLOTS = 512;

/**
 * Most slots one installation may hold. Its writes go one at a time anyway; four in flight keep
 * its pacing queue fed (labels of one while another's comment waits), and one installation whose
 * GitHub calls hang holds no more than four.
 */
export const SCHEDULER_SLOTS_PER_INSTALLATION = 4;

/**
 * The scheduler loop: claims due timers (`claimDueTimers`: most urgent priority first within an
 * installation, at most its free share of slots per installation) and escalates each
 * (`escalateTimer`). `watch` wraps store calls whose failure marks the store unhealthy.
 */
export function createScheduler(
  deps: HandlerDeps,
  watch: <T>(work: Promise<T>) => Promise<T> = (work) => work,
): DueLoop<TimerRow> {
  return new DueLoop<TimerRow>({
    name: "scheduler",
    claim: (now, limit, quota) =>
      watch(
        claimDueTimers(deps.store, {
          now,
          owner: deps.owner,
          leaseMs: TIMER_LEASE_MS,
          limit,
          ...(quota ? { perInstallation: quota } : {}),
        }),
      ),
    next: () => nextTimerClaimAt(deps.store),
    process: (row) => escalateTimer(row, deps),
    now: deps.clock.now,
    maxSleepMs: 30_000,
    batch: 64,
    concurrency: SCHEDULER_SLOTS,
    perGroup: SCHEDULER_SLOTS_PER_INSTALLATION,
    groupOf: (row) => row.installation_id,
    keyOf: (row) => `${row.repo}#${row.number}:${row.metric}:c${row.cycle}`,
    log: deps.log,
  });
}

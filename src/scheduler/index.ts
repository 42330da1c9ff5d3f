/**
 * The scheduler: where timers escalate.
 * - due-loop.ts: `DueLoop`, the sleep-claim-process loop (leases in the store, slots per installation).
 * - escalate-timer.ts: `escalateTimer`, what happens to one claimed timer (any metric).
 * - firing.ts: `applyFiring`, the effects of one ladder level firing, through the outbox.
 * - post-comment.ts: `postQueuedComment`, a firing's comment, posted when the pacing lets it out.
 * - texts.ts: what a firing says (comment, Slack, page), from the domain's renderers.
 */
import type { HandlerDeps } from "../handlers/deps.js";
import { issueKey } from "../helpers/issue-log.js";
import {
  claimQueuedComments,
  nextQueuedCommentAt,
  type QueuedComment,
} from "../store/comment-queue-store.js";
import { type ClaimedTimer, claimDueTimers, nextTimerClaimAt } from "../store/timer-store.js";
import { DueLoop } from "./due-loop.js";
import { escalateTimer } from "./escalate-timer.js";
import {
  COMMENT_SLOTS,
  COMMENT_SLOTS_PER_INSTALLATION,
  SCHEDULER_CLAIM_BATCH,
  SCHEDULER_SLOTS,
  SCHEDULER_SLOTS_PER_INSTALLATION,
  TIMER_LEASE_MS,
} from "./limits.js";
import { COMMENT_LEASE_MS, postQueuedComment } from "./post-comment.js";
import { RankGate } from "./rank-gate.js";

export { DueLoop, type DueLoopOptions, type GroupQuota } from "./due-loop.js";
export {
  ESCALATION_LOUD_AFTER,
  escalateTimer,
  escalationRetryDelayMs,
  ISSUE_BUSY_RETRY_MS,
} from "./escalate-timer.js";
export * from "./limits.js";
export { COMMENT_HEARTBEAT_MS, COMMENT_LEASE_MS, postQueuedComment } from "./post-comment.js";

/**
 * The scheduler's two loops over the store: `timers` claims due timers and escalates each
 * (`escalateTimer`: cheap signals, the state, the comment queued), `comments` claims queued
 * comments and posts each (`postQueuedComment`). Started, kicked, drained and stopped together.
 */
export class Scheduler {
  constructor(
    readonly timers: DueLoop<ClaimedTimer>,
    readonly comments: DueLoop<QueuedComment>,
  ) {}

  start(): void {
    this.timers.start();
    this.comments.start();
  }

  /** A timer was stored or moved, or the store is back: both loops look now. */
  kick(): void {
    this.timers.kick();
    this.comments.kick();
  }

  /** Escalations and comments in flight. */
  get busy(): number {
    return this.timers.busy + this.comments.busy;
  }

  /** When the later-running of the two loops last completed a pass (epoch ms): the older of the two. */
  get lastPassAt(): number {
    return Math.min(this.timers.lastPassAt, this.comments.lastPassAt);
  }

  /** One claim of each loop, processed and waited for; how many items were claimed (tests use it). */
  async runOnce(): Promise<number> {
    const timers = await this.timers.runOnce();
    return timers + (await this.comments.runOnce());
  }

  /** Everything due now, escalations then their comments (tests and the demo wait for the effects). */
  async drain(): Promise<void> {
    await this.timers.drain();
    await this.comments.drain();
  }

  async stop(): Promise<void> {
    await Promise.all([this.timers.stop(), this.comments.stop()]);
  }
}

/**
 * The scheduler (see `Scheduler`): the timer loop claims due timers (`claimDueTimers`: most urgent
 * priority first within an installation, at most its free share of slots per installation), the
 * comment loop claims queued comments (most urgent first, one per installation at a time). `watch`
 * wraps store calls whose failure marks the store unhealthy.
 */
export function createScheduler(
  deps: HandlerDeps,
  watch: <T>(work: Promise<T>) => Promise<T> = (work) => work,
): Scheduler {
  // Set below: the comment loop holds an installation's comments while it escalates.
  let timers: DueLoop<ClaimedTimer> | undefined;
  // Within an installation, escalations reach GitHub most urgent first.
  const gate = new RankGate();
  const comments = new DueLoop<QueuedComment>({
    name: "comments",
    claim: (now, limit, quota) =>
      watch(
        claimQueuedComments(deps.store, {
          now,
          owner: deps.owner,
          leaseMs: COMMENT_LEASE_MS,
          limit,
          ...(quota ? { perInstallation: quota } : {}),
        }),
      ),
    next: () => nextQueuedCommentAt(deps.store),
    process: (row) => postQueuedComment(row, deps),
    now: deps.clock.now,
    maxSleepMs: 30_000,
    batch: 64,
    concurrency: COMMENT_SLOTS,
    perGroup: COMMENT_SLOTS_PER_INSTALLATION,
    groupOf: (row) => row.installation_id,
    // No comment of an installation starts while its escalations are in flight here: their labels,
    // Slack messages and pages go first, and its comments then go out most urgent first.
    heldGroups: () => timers?.busyByGroup().keys() ?? [],
    keyOf: (row) => row.key,
    log: deps.log,
  });
  timers = new DueLoop<ClaimedTimer>({
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
    process: async (row) => {
      await escalateTimer(row, deps, gate);
      // The installation's last escalation in flight here (this one still counts) ends: its
      // queued comments may go now. While others are in flight, the comment loop holds them anyway.
      if ((timers?.busyByGroup().get(row.installation_id) ?? 0) <= 1) comments.kick();
    },
    now: deps.clock.now,
    maxSleepMs: 30_000,
    batch: SCHEDULER_CLAIM_BATCH,
    concurrency: SCHEDULER_SLOTS,
    perGroup: SCHEDULER_SLOTS_PER_INSTALLATION,
    groupOf: (row) => row.installation_id,
    keyOf: (row) => `${issueKey(row)}:${row.metric}:c${row.cycle}`,
    log: deps.log,
  });
  return new Scheduler(timers, comments);
}

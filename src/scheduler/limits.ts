// The scheduler's sizes: how many escalations and comments run at once, and how many timers one
// claim takes. A module of their own so that the benchmarks read them without loading the app.

/** How long a claimed timer stays leased to this process while it escalates (renewed on failure). */
export const TIMER_LEASE_MS = 60_000;

/**
 * Most escalations in flight at once. An escalation holds its slot while its cheap signals go out
 * (a page, a Slack message, labels: each label write waits for its installation's pacing, one
 * write a second; see `WritePacer`), never while its comment waits (that is queued and posted by
 * the comment loop), so a slot is held for seconds. Enough for every installation of a
 * close-of-business burst to keep its own share busy at once.
 */
export const SCHEDULER_SLOTS = 1024;

/**
 * Most escalations of one installation in flight at once. Its writes go one at a time anyway;
 * eight keep its pacing queue fed with labels (so a queued comment never gets between two issues'
 * cheap signals), while a slot's wait stays far inside the timer's lease (8 escalations × 2 label
 * writes × 1 s = 16 s < `TIMER_LEASE_MS`), and one installation whose GitHub calls hang holds no
 * more than eight.
 */
export const SCHEDULER_SLOTS_PER_INSTALLATION = 8;

/**
 * Most timers one claim leases (`claimDueTimers`); a claim that fills it is followed at once by
 * the next, so this bounds one claim, not the throughput. On SQLite a claim runs on the event
 * loop (better-sqlite3 is synchronous) and its cost grows with the rows it leases (each a row
 * write, and its page in the commit): 16 keep one claim near a millisecond at 400,000 timers
 * (`npm run bench:scale`), where 64 took 2–3 ms (p50) with webhooks waiting meanwhile.
 */
export const SCHEDULER_CLAIM_BATCH = 16;

/**
 * Most comments in flight at once; one per installation (`COMMENT_SLOTS_PER_INSTALLATION`): its
 * comments are posted one at a time in its priority order, the pacing spacing them.
 */
export const COMMENT_SLOTS = 512;
export const COMMENT_SLOTS_PER_INSTALLATION = 1;

import { describeError } from "../helpers/describe-error.js";
import { issueKey, payloadSubject } from "../helpers/issue-log.js";

/**
 * What a claim may take of each group (installation) so that no group holds more than `max` of
 * the loop's slots: at most `max - busy.get(group)` new items of a group, none of a group whose
 * count has reached `max`. A group absent from `busy` has nothing in flight.
 */
export interface GroupQuota {
  /** Most items of one group in flight at once, in this process. */
  max: number;
  /** Items in flight per group (installation id) right now. */
  busy: ReadonlyMap<number, number>;
}

export interface DueLoopOptions<T> {
  name: string;
  /**
   * Atomically takes the items due at `now` (with a lease), at most `limit`, and, when `quota` is
   * given, at most its free share of each group (see GroupQuota). Rejects when the store fails.
   */
  claim: (now: number, limit: number, quota?: GroupQuota) => Promise<T[]>;
  /** The next instant something becomes due, as far as the store knows; null when nothing is. */
  next: () => Promise<number | null>;
  process: (item: T) => Promise<void>;
  now: () => number;
  /** Longest sleep: other replicas may add work this process was not told about. */
  maxSleepMs: number;
  /** Most items taken by one claim. */
  batch: number;
  /** Most items in flight at once (slots). */
  concurrency: number;
  /**
   * The group an item belongs to (its GitHub installation). With `perGroup`, one group never holds
   * more than `perGroup` slots, so one slow installation cannot delay the others.
   */
  groupOf?: (item: T) => number;
  /** Most slots one group may hold; default: `concurrency` (no cap). */
  perGroup?: number;
  /**
   * Groups that take no new item now, whatever their slots (with `groupOf`): the comment loop
   * holds an installation's comments while its escalations are in flight, so its labels go first.
   */
  heldGroups?: () => Iterable<number>;
  /**
   * Identity of an item (delivery id, issue key): an item claimed again while this process still
   * works on it (its lease ran out mid-flight) is not started a second time.
   */
  keyOf?: (item: T) => string;
  log: { error(obj: object, msg: string): void };
}

/**
 * What a log line names of a loop item: the issue of a tracked row (`repo`, `number`), the
 * delivery id and issue of an inbox row. Never the item itself (an inbox row holds the payload).
 */
function itemFields(item: unknown): Record<string, unknown> {
  if (typeof item !== "object" || item === null) return {};
  const { repo, number, delivery_id, payload } = item as {
    repo?: unknown;
    number?: unknown;
    delivery_id?: unknown;
    payload?: unknown;
  };
  if (typeof repo === "string" && typeof number === "number") return { issue: issueKey({ repo, number }) };
  if (typeof delivery_id === "string") return { delivery: delivery_id, ...payloadSubject(payload) };
  return {};
}

/**
 * Sleeps until the next due instant the store knows (or a kick), claims what is due, processes
 * it, and goes back to sleep: no polling of GitHub, nothing kept only in memory, and with a
 * lease per item two replicas never act on the same one.
 *
 * A pool, not a batch: up to `concurrency` items are in flight, and as soon as one finishes the
 * loop claims again for the free slot, so one slow item never holds back the others. With
 * `groupOf` and `perGroup`, one installation holds at most `perGroup` slots and claims skip an
 * installation whose slots are all taken: a hanging installation delays only its own work.
 */
export class DueLoop<T> {
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  /** A kick or a freed slot arrived while the loop was not asleep: the next sleep returns at once. */
  private woken = false;
  private loop: Promise<void> | null = null;
  private inflight = 0;
  private readonly groups = new Map<number, number>();
  private readonly keys = new Set<string>();
  private readonly tasks = new Set<Promise<void>>();
  /** When the loop last completed a pass: the health check reports a stuck loop. */
  lastPassAt = 0;

  constructor(private readonly o: DueLoopOptions<T>) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New or re-planned work: look again now instead of at the next planned wake-up. */
  kick(): void {
    if (this.wake) this.wake();
    else this.woken = true;
  }

  /** Items in flight now. */
  get busy(): number {
    return this.inflight;
  }

  /** Items in flight now per group (installation id); groups with none are absent. */
  busyByGroup(): ReadonlyMap<number, number> {
    return new Map(this.groups);
  }

  private get perGroup(): number {
    return Math.max(1, Math.min(this.o.perGroup ?? this.o.concurrency, this.o.concurrency));
  }

  /** Claims for the free slots (at most `batch`) and starts what it got; returns how many it claimed. */
  private async claimAndStart(): Promise<{ claimed: number; limit: number; started: Promise<void>[] }> {
    const limit = Math.min(this.o.batch, this.o.concurrency - this.inflight);
    if (limit <= 0) return { claimed: 0, limit, started: [] };
    let quota: GroupQuota | undefined;
    if (this.o.groupOf) {
      const busy = new Map(this.groups);
      for (const group of this.o.heldGroups?.() ?? []) busy.set(group, this.perGroup);
      quota = { max: this.perGroup, busy };
    }
    const items = await this.o.claim(this.o.now(), limit, quota);
    const started: Promise<void>[] = [];
    for (const item of items) {
      const task = this.startItem(item);
      if (task) started.push(task);
    }
    return { claimed: items.length, limit, started };
  }

  /** Runs one item in a slot; null when this process is already working on it. */
  private startItem(item: T): Promise<void> | null {
    const key = this.o.keyOf?.(item);
    if (key !== undefined) {
      if (this.keys.has(key)) return null;
      this.keys.add(key);
    }
    const group = this.o.groupOf?.(item);
    this.inflight++;
    if (group !== undefined) this.groups.set(group, (this.groups.get(group) ?? 0) + 1);
    // Started on a later tick, so the clean-up below always runs after `task` is assigned.
    const task: Promise<void> = Promise.resolve()
      .then(() => this.o.process(item))
      .catch((error: unknown) => {
        this.o.log.error(
          { loop: this.o.name, ...itemFields(item), error: describeError(error) },
          "processing a due item failed; it is retried when its lease expires",
        );
      })
      .finally(() => {
        this.inflight--;
        if (group !== undefined) {
          const left = (this.groups.get(group) ?? 1) - 1;
          if (left > 0) this.groups.set(group, left);
          else this.groups.delete(group);
        }
        if (key !== undefined) this.keys.delete(key);
        this.tasks.delete(task);
        // A slot is free: claim again now (the work of other installations waits for no batch).
        if (this.running) this.kick();
      });
    this.tasks.add(task);
    return task;
  }

  /**
   * Claims one batch (as many as there are free slots, at most `batch`), processes it and waits
   * for it; returns how many items it claimed. Tests and the demo use it; the running loop does not.
   */
  async runOnce(): Promise<number> {
    const { claimed, started } = await this.claimAndStart();
    await Promise.all(started);
    this.lastPassAt = this.o.now();
    return claimed;
  }

  /** Processes everything due now (tests and the demo use it to wait for the effects). */
  async drain(): Promise<void> {
    while ((await this.runOnce()) > 0) {
      // keep going until nothing is due
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.inflight >= this.o.concurrency) {
          // Every slot taken: the first item to finish wakes the loop.
          this.lastPassAt = this.o.now();
          await this.sleep(this.o.maxSleepMs);
          continue;
        }
        const { claimed, limit } = await this.claimAndStart();
        this.lastPassAt = this.o.now();
        if (claimed >= limit) continue;
        const next = await this.o.next();
        const now = this.o.now();
        const delay =
          next === null ? this.o.maxSleepMs : Math.min(Math.max(next - now, 0), this.o.maxSleepMs);
        if (delay > 0 || next === null) await this.sleep(delay);
        // Due but not claimable (leased elsewhere, or its installation's slots are all taken
        // here): let the lease holder act; a slot freed here wakes the loop sooner.
        else if (claimed === 0) await this.sleep(500);
      } catch (error) {
        this.o.log.error(
          { loop: this.o.name, error: describeError(error) },
          "loop pass failed; retrying in 1 s",
        );
        await this.sleep(1000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
        this.woken = false;
        resolve();
      };
      this.timer = setTimeout(() => this.wake?.(), ms);
    });
  }

  /** Stops claiming and waits for the items in flight to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
    await Promise.all([...this.tasks]);
  }
}

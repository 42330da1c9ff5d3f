import { describeError } from "./describe-error.js";
import { issueKey, payloadSubject } from "./issue-log.js";

export interface DueLoopOptions<T> {
  name: string;
  /** Atomically takes the items due at `now` (with a lease), at most `limit`. */
  claim: (now: number, limit: number) => Promise<T[]>;
  /** The next instant something becomes due, as far as the store knows; null when nothing is. */
  next: () => Promise<number | null>;
  process: (item: T) => Promise<void>;
  now: () => number;
  /** Longest sleep: other replicas may add work this process was not told about. */
  maxSleepMs: number;
  batch: number;
  concurrency: number;
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
 */
export class DueLoop<T> {
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private inflight = 0;
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
    this.wake?.();
  }

  get busy(): number {
    return this.inflight;
  }

  /** Claims and processes one batch; returns how many items it took. */
  async runOnce(): Promise<number> {
    const items = await this.o.claim(this.o.now(), this.o.batch);
    let index = 0;
    const worker = async () => {
      while (index < items.length) {
        const item = items[index++] as T;
        this.inflight++;
        try {
          await this.o.process(item);
        } catch (error) {
          this.o.log.error(
            { loop: this.o.name, ...itemFields(item), error: describeError(error) },
            "processing a due item failed; it is retried when its lease expires",
          );
        } finally {
          this.inflight--;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, items.length) }, worker));
    this.lastPassAt = this.o.now();
    return items.length;
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
        const taken = await this.runOnce();
        if (taken >= this.o.batch) continue;
        const next = await this.o.next();
        const now = this.o.now();
        const delay =
          next === null ? this.o.maxSleepMs : Math.min(Math.max(next - now, 0), this.o.maxSleepMs);
        if (delay > 0 || next === null) await this.sleep(delay);
        else if (taken === 0) await this.sleep(500); // due but leased elsewhere: let the lease holder act
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
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
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
  }
}

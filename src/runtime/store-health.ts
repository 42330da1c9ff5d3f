/** Whether the store took the last write, as /healthz reports it. */
export interface StoreWriteStatus {
  writable: boolean;
  /** The last write error's message (no customer text: store errors name tables, not rows), or null. */
  error: string | null;
  /** Since when writes fail (epoch ms), or null while they succeed. */
  failingSince: number | null;
}

export interface StoreHealthOptions {
  /** Writes a small row (a heartbeat) and resolves when the store took it; rejects when it did not. */
  probe: () => Promise<void>;
  /** Called once each time writes succeed again after failing (e.g. reconcile at once). */
  onRecovered: () => void;
  now: () => number;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
  /** How often a failing store is probed again, in ms. Default 5 s. */
  retryMs?: number;
}

/**
 * Watches whether the store accepts writes. Any failed write reported to it (a webhook not stored,
 * a loop's claim that failed) or a failed probe marks the store failing; while it fails it is
 * probed every `retryMs`, and the first successful write calls `onRecovered` once, so that what
 * was missed meanwhile (webhooks answered 500) is reconciled at once, not at the next periodic run.
 */
export class StoreHealth {
  #status: StoreWriteStatus = { writable: true, error: null, failingSince: null };
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(private readonly o: StoreHealthOptions) {}

  get status(): StoreWriteStatus {
    return { ...this.#status };
  }

  /** A write failed somewhere: the store is failing until a probe succeeds. */
  reportFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.#status.writable) {
      this.o.log.warn(
        { err: message },
        "the store refuses writes: webhooks are answered 500 until it accepts them again",
      );
      this.#status = { writable: false, error: message, failingSince: this.o.now() };
    } else {
      this.#status = { ...this.#status, error: message };
    }
    this.#schedule();
  }

  /** Probes now (for /healthz); returns the status after the probe. */
  async check(): Promise<StoreWriteStatus> {
    try {
      await this.o.probe();
      this.#recovered();
    } catch (error) {
      this.reportFailure(error);
    }
    return this.status;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #recovered(): void {
    if (this.#status.writable) return;
    const since = this.#status.failingSince;
    this.#status = { writable: true, error: null, failingSince: null };
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.o.log.info(
      { failedForMs: since === null ? null : this.o.now() - since },
      "the store accepts writes again: reconciling what was missed meanwhile",
    );
    this.o.onRecovered();
  }

  #schedule(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.check();
    }, this.o.retryMs ?? 5_000);
    this.#timer.unref();
  }
}

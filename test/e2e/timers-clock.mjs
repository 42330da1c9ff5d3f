/**
 * A test clock for the built server, loaded before it with `node --import` (see `WarpClock` in
 * timers-world.ts). The server reads every instant from `Date.now()`; this preload adds an
 * offset that the test moves forward, so that a repeat of `5m` (the shortest the config accepts)
 * falls due in a test that lasts seconds.
 *
 * - `SUPPORT_SLA_E2E_CLOCK_FILE`: a file holding the offset in ms (a decimal number). Read at
 *   start (a restarted process keeps the test's time) and on every SIGUSR2.
 * - On SIGUSR2, after reading the new offset, every timer set with the global `setTimeout` whose
 *   end (on the shifted clock) has passed fires now: the jump is time passing, for the process's
 *   sleeps too (the scheduler sleeps at most 30 s, it does not poll).
 *
 * Unset, it changes nothing. Never loaded outside the end-to-end tests.
 */
import { readFileSync } from "node:fs";
import { promisify } from "node:util";

const file = process.env.SUPPORT_SLA_E2E_CLOCK_FILE;

if (file) {
  const realNow = Date.now.bind(Date);
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  let offset = 0;

  const readOffset = () => {
    const value = Number(readFileSync(file, "utf8").trim());
    if (Number.isFinite(value)) offset = value;
  };
  readOffset();
  Date.now = () => realNow() + offset;

  /**
   * Pending timers: handle → its end on the shifted clock, whether a jump queued it, whether it
   * ran or was cleared. A timer the jump queued and its owner then clears never runs.
   */
  const pending = new Map();

  const setTimeoutShifted = function setTimeout(callback, delay, ...args) {
    if (typeof callback !== "function") return realSetTimeout(callback, delay, ...args);
    const ms = Math.max(1, Number(delay) || 0);
    const entry = { endAt: Date.now() + ms, queued: false, done: false, run: () => {} };
    const handle = realSetTimeout(() => entry.run(), delay);
    entry.run = () => {
      if (entry.done) return;
      entry.done = true;
      pending.delete(handle);
      callback.apply(handle, args);
    };
    // `refresh()` arms the same timer again, from now.
    const refresh = handle.refresh;
    handle.refresh = function refreshShifted() {
      Object.assign(entry, { endAt: Date.now() + ms, queued: false, done: false });
      pending.set(handle, entry);
      return refresh.call(this);
    };
    pending.set(handle, entry);
    return handle;
  };
  setTimeoutShifted[promisify.custom] = realSetTimeout[promisify.custom];
  globalThis.setTimeout = setTimeoutShifted;
  globalThis.clearTimeout = function clearTimeout(handle) {
    if (handle && typeof handle === "object") {
      const entry = pending.get(handle);
      if (entry) entry.done = true;
      pending.delete(handle);
    }
    return realClearTimeout(handle);
  };

  process.on("SIGUSR2", () => {
    readOffset();
    const now = Date.now();
    for (const [handle, entry] of pending) {
      if (entry.queued || entry.endAt > now) continue;
      // Cleared by its numeric id: it will never run.
      if (handle._destroyed) {
        pending.delete(handle);
        continue;
      }
      entry.queued = true;
      realClearTimeout(handle);
      setImmediate(entry.run);
    }
  });
}

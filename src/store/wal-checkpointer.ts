import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * The checkpointer copies the log once it holds this many pages (32 MB of 4 KB pages) not yet
 * copied. SQLite's own automatic checkpoint runs at 1,000
 * (https://www.sqlite.org/pragma.html#pragma_wal_autocheckpoint); off the app's thread a copy may
 * be larger, and each checkpoint that copies the whole log costs the app's next commit one fsync
 * (it starts the log again), so fewer, larger ones: at 1,000 the scheduler's claim p99 in
 * `npm run bench:scale` was 5–6.6 ms, at 8,000 2.2–3.4 ms.
 */
export const WAL_CHECKPOINT_PAGES = 8_000;

/** A log with fewer pages waiting than that is copied this long (ms) after the last checkpoint. */
export const WAL_CHECKPOINT_INTERVAL_MS = 5_000;

/** How often the checkpointer reads how many pages the log holds (ms). */
const POLL_MS = 100;

/**
 * The checkpointer's thread: its own connection to the database file. Every `pollMs` it reads the
 * log's size from the wal-index (the `-shm` file, https://www.sqlite.org/walformat.html: the
 * header's `mxFrame`, a native-endian u32 at byte 16, the last frame in the log; the checkpoint
 * info's `nBackfill`, at byte 96, the frames already copied), and runs a PASSIVE checkpoint when
 * `pages` or more wait, or some wait and `intervalMs` passed since the last one. When the wal-index
 * cannot be read it checkpoints every `intervalMs`. A PASSIVE checkpoint copies what it can and
 * never waits for, or blocks, the app's connection. One last checkpoint when told to stop.
 * CommonJS (an `eval` worker), so that it runs the same from `dist/` and from the TypeScript
 * sources under test. A checkpoint that fails for another reason than a busy database (a full
 * disk) is reported to the app's thread, once per run of failures, and so is the next one that
 * succeeds; the thread keeps trying (after a failure, at its interval).
 */
const WORKER_SOURCE = `
const { readSync, openSync, closeSync } = require("node:fs");
const { endianness } = require("node:os");
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 0");
const header = Buffer.alloc(100);
const littleEndian = endianness() === "LE";
const u32 = (offset) => (littleEndian ? header.readUInt32LE(offset) : header.readUInt32BE(offset));
/** Pages in the log not yet copied into the database file, or null when the wal-index cannot be read. */
const waiting = () => {
  let fd = null;
  try {
    fd = openSync(workerData.path + "-shm", "r");
    if (readSync(fd, header, 0, 100, 0) < 100) return null;
    const copied = u32(96);
    const last = u32(16);
    return last >= copied ? last - copied : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
};
let timer = null;
let stopped = false;
let failing = false;
let lastCheckpoint = Date.now();
const end = () => {
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
};
/** One PASSIVE checkpoint; the first failure of a run of them, and the success after, reported. */
const checkpoint = () => {
  lastCheckpoint = Date.now();
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
    if (failing) parentPort.postMessage({ recovered: true });
    failing = false;
  } catch (error) {
    if (error && error.code === "SQLITE_BUSY") return;
    if (!failing) parentPort.postMessage({ failed: error && error.message ? error.message : String(error) });
    failing = true;
  }
};
const tick = () => {
  timer = null;
  const pages = waiting();
  const due = Date.now() - lastCheckpoint >= workerData.intervalMs;
  // After a failure only at the interval: a full disk is not retried ten times a second.
  const wanted = pages === null || failing ? due : pages >= workerData.pages || (pages > 0 && due);
  if (wanted) checkpoint();
  if (!stopped) timer = setTimeout(tick, workerData.pollMs);
};
timer = setTimeout(tick, workerData.pollMs);
parentPort.on("message", () => {
  checkpoint();
  end();
});
`;

/** A running background checkpointer. */
export interface WalCheckpointer {
  /** Runs a last checkpoint and ends the thread; resolves once it has ended. Never rejects. */
  stop(): Promise<void>;
}

/**
 * Checkpoints the SQLite database file at `path` (in WAL mode) from a worker thread, so that no
 * commit of the app's connection pays for a checkpoint. SQLite's automatic checkpoint runs inside
 * the commit that takes the log past 1,000 pages (https://www.sqlite.org/wal.html#ckpt): that
 * commit, often the scheduler's claim, waits for every page written since the last one to be
 * copied and synced. This thread runs the same checkpoints beside it: when `pages` (default
 * `WAL_CHECKPOINT_PAGES`) wait to be copied, or fewer but some after `intervalMs` (default
 * `WAL_CHECKPOINT_INTERVAL_MS`). A checkpoint that copied the whole log lets the app's next commit
 * start the log again, which syncs the log's header (one fsync in that commit, as after SQLite's
 * own checkpoints).
 *
 * The caller raises `wal_autocheckpoint` on its own connection to a backstop while this runs
 * (`openStore`). `onFailure` (with the error's message) tells it when the thread could not start
 * or a checkpoint failed, so it can set it back to SQLite's 1,000 pages; `onRecovered` when a
 * checkpoint succeeded again after failing (never after the thread ended). Each is called once
 * per change.
 * PASSIVE checkpoints copy the frames no reader still needs and never block a writer
 * (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html).
 */
export function startWalCheckpointer(
  path: string,
  options: {
    pages?: number;
    intervalMs?: number;
    onFailure: (message: string) => void;
    onRecovered?: () => void;
  },
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  let failed = false;
  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    options.onFailure(message);
  };
  const recovered = () => {
    if (!failed) return;
    failed = false;
    options.onRecovered?.();
  };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      driver,
      pages: options.pages ?? WAL_CHECKPOINT_PAGES,
      intervalMs: options.intervalMs ?? WAL_CHECKPOINT_INTERVAL_MS,
      pollMs: Math.min(POLL_MS, options.intervalMs ?? POLL_MS),
    },
  });
  // The thread never keeps the process alive: the store's close stops it.
  worker.unref();
  const ended = new Promise<void>((resolve) => {
    worker.once("exit", () => resolve());
  });
  let stopping = false;
  worker.on("message", (message: { failed?: string; recovered?: boolean }) => {
    if (message.failed !== undefined) fail(message.failed);
    if (message.recovered) recovered();
  });
  worker.on("error", (error) => fail(error.message));
  worker.once("exit", (code) => {
    if (!stopping) fail(`the checkpoint thread ended (exit code ${code})`);
  });
  return {
    async stop() {
      if (stopping) return ended;
      stopping = true;
      worker.ref(); // until it has ended: a stopping process waits for its last checkpoint
      worker.postMessage("stop");
      return ended;
    },
  };
}

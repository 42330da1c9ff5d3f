import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the background checkpointer copies the write-ahead log into the database file (ms). */
export const WAL_CHECKPOINT_INTERVAL_MS = 5_000;

/** How soon the checkpointer runs again when it could not copy the whole log (ms). */
const CATCH_UP_MS = 50;

/**
 * The checkpointer's thread: its own connection to the database file, a PASSIVE checkpoint every
 * `intervalMs`, or `catchUpMs` after one that could not copy the whole log (it copies what it can
 * and never waits for, or blocks, the app's connection), a last one when told to stop. CommonJS (an `eval` worker), so that it runs the same from `dist/`
 * and from the TypeScript sources under test. A checkpoint that fails for another reason than a
 * busy database is reported to the app's thread and ends the worker.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma("busy_timeout = 0");
let timer = null;
let stopped = false;
const end = () => {
  stopped = true;
  if (timer) clearTimeout(timer);
  db.close();
  parentPort.close();
};
/** One PASSIVE checkpoint: null when it failed, else whether frames were left to copy. */
const checkpoint = () => {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    return result.busy !== 0 || result.checkpointed < result.log;
  } catch (error) {
    if (error && error.code === "SQLITE_BUSY") return true;
    parentPort.postMessage({ failed: error && error.message ? error.message : String(error) });
    return null;
  }
};
const tick = () => {
  timer = null;
  const behind = checkpoint();
  if (behind === null) return end();
  if (!stopped) timer = setTimeout(tick, behind ? workerData.catchUpMs : workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
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
 * copied and synced. The caller raises `wal_autocheckpoint` on its own connection to a backstop
 * while this runs (`openStore`), and `onFailure` (called once, with the error's message) when the
 * thread could not start or a checkpoint failed, so it can set it back to SQLite's 1,000 pages.
 * `intervalMs`: between two checkpoints (default `WAL_CHECKPOINT_INTERVAL_MS`, 5 s: each one that
 * copied the whole log makes the app's next commit start the log again, which syncs its header).
 *
 * PASSIVE checkpoints copy the frames no reader still needs and never block a writer
 * (https://www.sqlite.org/c3ref/wal_checkpoint_v2.html); the app's next write then restarts the
 * log from its beginning, as after an automatic checkpoint.
 */
export function startWalCheckpointer(
  path: string,
  options: { intervalMs?: number; onFailure: (message: string) => void },
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  let failed = false;
  const fail = (message: string) => {
    if (failed) return;
    failed = true;
    options.onFailure(message);
  };
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      driver,
      intervalMs: options.intervalMs ?? WAL_CHECKPOINT_INTERVAL_MS,
      catchUpMs: CATCH_UP_MS,
    },
  });
  // The thread never keeps the process alive: the store's close stops it.
  worker.unref();
  const ended = new Promise<void>((resolve) => {
    worker.once("exit", () => resolve());
  });
  let stopping = false;
  worker.on("message", (message: { failed?: string }) => {
    if (message.failed !== undefined) fail(message.failed);
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

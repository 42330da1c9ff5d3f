import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/db.js";
import { startWalCheckpointer } from "../../src/store/wal-checkpointer.js";
import { storeContract } from "./contract.js";

const dir = mkdtempSync(join(tmpdir(), "support-sla-checkpoint-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Every store behaviour with the checkpoint thread copying the log every 20 ms beside the writes.
storeContract(
  "SQLite file, background checkpoints",
  () =>
    openStore(`sqlite:${join(dir, "contract.db")}`, undefined, {
      checkpoint: "background",
      checkpointIntervalMs: 20,
      onCheckpointFailure: (message) => {
        throw new Error(`the checkpoint thread failed: ${message}`);
      },
    }),
  { shared: true },
);

/**
 * Tracked-issue numbers found in the database file alone (a copy without its write-ahead log);
 * none while not even the schema has reached the file.
 */
function numbersInFileAlone(path: string, name: string): number[] {
  const copy = join(dir, `${name}-copy.db`);
  for (const file of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(file, { force: true });
  copyFileSync(path, copy);
  const db = new SQLite(copy);
  try {
    if (!db.prepare("select 1 from sqlite_master where name = 'tracked_issues'").get()) return [];
    return (
      db.prepare("select number from tracked_issues order by number").all() as { number: number }[]
    ).map((r) => r.number);
  } finally {
    db.close();
  }
}

async function insertIssues(store: Store, numbers: number[]): Promise<void> {
  for (const number of numbers) {
    await sql`insert into tracked_issues (repo, number, installation_id, author, type, priority, intake, created_at, deadline_at, updated_at, state)
      values ('acme/app', ${number}, 1, 'customer', 'problem', 'normal', 'valid', 0, 0, 0, 'pending')`.execute(
      store.db,
    );
  }
}

async function waitFor(check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("the background checkpoint thread", () => {
  it("copies committed writes into the database file without the app's connection checkpointing", async () => {
    const path = join(dir, "background.db");
    const store = await openStore(`sqlite:${path}`, undefined, {
      checkpoint: "background",
      checkpointIntervalMs: 20,
    });
    try {
      // The app's own commits checkpoint only past the backstop, not at SQLite's 1,000 pages.
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      expect(rows[0]?.wal_autocheckpoint).toBe(20_000);
      await insertIssues(store, [1, 2, 3]);
      // A copy taken while the thread writes the file may be torn: read again until one is whole.
      let seen: number[] = [];
      await waitFor(() => {
        try {
          seen = numbersInFileAlone(path, "background");
        } catch {
          return false;
        }
        return seen.length === 3;
      }, 15_000);
      expect(seen).toEqual([1, 2, 3]);
    } finally {
      await store.close();
    }
  });

  it("leaves a few writes in the log with SQLite's automatic checkpoint (the default)", async () => {
    const path = join(dir, "automatic.db");
    const store = await openStore(`sqlite:${path}`);
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
      expect(rows[0]?.wal_autocheckpoint).toBe(1_000);
      await insertIssues(store, [1, 2, 3]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(numbersInFileAlone(path, "automatic")).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("checkpoints once more when the store closes, before its interval came", async () => {
    const path = join(dir, "closing.db");
    const store = await openStore(`sqlite:${path}`, undefined, {
      checkpoint: "background",
      checkpointIntervalMs: 60_000,
    });
    await insertIssues(store, [7, 8]);
    expect(numbersInFileAlone(path, "closing")).toEqual([]);
    // The app's connection is still open (another may be too): only the thread's last pass copies.
    const reader = new SQLite(path);
    try {
      await store.close();
      expect(numbersInFileAlone(path, "closing")).toEqual([7, 8]);
    } finally {
      reader.close();
    }
  });

  it("reports once, with SQLite's reason, when it cannot work, and its stop still resolves", async () => {
    const failures: string[] = [];
    const checkpointer = startWalCheckpointer(join(dir, "missing", "none.db"), {
      intervalMs: 10,
      onFailure: (message) => failures.push(message),
    });
    await waitFor(() => failures.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/unable to open database file|does not exist/);
    await checkpointer.stop();
  });

  it("is not started for a database in memory", async () => {
    const store = await openStore("sqlite::memory:", undefined, { checkpoint: "background" });
    try {
      await insertIssues(store, [1]);
      const { rows } = await sql<{ number: number }>`select number from tracked_issues`.execute(store.db);
      expect(rows).toEqual([{ number: 1 }]);
    } finally {
      await store.close();
    }
  });
});

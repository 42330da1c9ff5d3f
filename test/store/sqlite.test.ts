import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import type { Database } from "../../src/store/schema.js";
import { storeContract } from "./contract.js";
import { checkUpgradeFrom0001, checkUpgradeFrom0005 } from "./upgrade.js";
import { checkUpgradeFrom0007, copyFixture, readFixture } from "./upgrade-0008.js";

const dir = mkdtempSync(join(tmpdir(), "support-sla-store-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract("SQLite file", () => openStore(`sqlite:${join(dir, "contract.db")}`), { shared: true });
storeContract("SQLite in memory", () => openStore("sqlite::memory:"), { shared: false });

describe("SQLite store", () => {
  it("migrates a new file once when several opens race for it", async () => {
    const url = `sqlite:${join(dir, "race.db")}`;
    const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
    const rows = await stores[0]?.db.selectFrom("tracked_issues").selectAll().execute();
    expect(rows).toEqual([]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("upgrades a database written by the intake-only release", async () => {
    const path = join(dir, "upgrade.db");
    const raw = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    await checkUpgradeFrom0001(raw, `sqlite:${path}`);
  });

  it("upgrades a database written before targets were recorded (0005): old rows have none", async () => {
    const path = join(dir, "upgrade-0005.db");
    const raw = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(path) }) });
    await checkUpgradeFrom0005(raw, `sqlite:${path}`);
  });

  it("upgrades the file the release before timers wrote (0007): timers made, tracked rows unchanged", async () => {
    const path = join(dir, "v0007.sqlite");
    copyFixture(path);
    await checkUpgradeFrom0007(`sqlite:${path}`, readFixture(path));
  });
});

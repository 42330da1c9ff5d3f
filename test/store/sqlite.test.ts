import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import { storeContract } from "./contract.js";

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
});

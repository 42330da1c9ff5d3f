import { randomBytes } from "node:crypto";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/db.js";
import { migrationProvider } from "../../src/store/migrations.js";
import type { Database } from "../../src/store/schema.js";
import { storeContract } from "./contract.js";
import { checkUpgradeFrom0001, checkUpgradeFrom0005 } from "./upgrade.js";
import { checkUpgradeFrom0007, readFixture, seed0007 } from "./upgrade-0008.js";

const adminUrl = process.env.TEST_DATABASE_URL;
const HOW =
  "run the tests through scripts/with-postgres.sh (npm test does), e.g. `bash scripts/with-postgres.sh npx vitest run test/store`";

if (!adminUrl) {
  if (process.env.CI) {
    describe("PostgreSQL store", () => {
      it("has a PostgreSQL server to test against", () => {
        throw new Error(`PostgreSQL wasn't started: TEST_DATABASE_URL is not set on CI; ${HOW}`);
      });
    });
  } else {
    console.warn(`PostgreSQL store contract skipped: TEST_DATABASE_URL is not set; ${HOW}`);
    describe.skip(`PostgreSQL store: skipped, TEST_DATABASE_URL is not set; ${HOW}`, () => {
      it("contract", () => undefined);
    });
  }
} else {
  const admin = new pg.Client({ connectionString: adminUrl });
  const created: string[] = [];
  /** A fresh, empty database for this run, dropped afterwards. */
  async function freshDatabase(): Promise<string> {
    const name = `t_${randomBytes(6).toString("hex")}`;
    await admin.query(`CREATE DATABASE ${name}`);
    created.push(name);
    const url = new URL(adminUrl as string);
    url.pathname = `/${name}`;
    return url.toString();
  }
  let contractUrl = "";

  beforeAll(async () => {
    await admin.connect();
    contractUrl = await freshDatabase();
  });
  afterAll(async () => {
    for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  storeContract("PostgreSQL", () => openStore(contractUrl), { shared: true });

  describe("PostgreSQL store", () => {
    it("migrates a new database once when several processes open it at once", async () => {
      const url = await freshDatabase();
      const stores = await Promise.all([openStore(url), openStore(url), openStore(url)]);
      const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        stores[0]?.db as Kysely<unknown>,
      );
      expect(names.rows.map((r) => r.name)).toEqual(
        Object.keys(await migrationProvider.getMigrations()).sort(),
      );
      await Promise.all(stores.map((s) => s.close()));
    });

    it("upgrades a database written by the intake-only release", async () => {
      const url = await freshDatabase();
      const raw = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
      });
      await checkUpgradeFrom0001(raw, url);
    });

    it("upgrades a database written before targets were recorded (0005): old rows have none", async () => {
      const url = await freshDatabase();
      const raw = new Kysely<Database>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
      });
      await checkUpgradeFrom0005(raw, url);
    });

    it("upgrades a 0007 database holding the fixture file's rows: timers made, tracked rows unchanged", async () => {
      const url = await freshDatabase();
      const raw = new Kysely<unknown>({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }),
      });
      const rows = readFixture();
      await seed0007(raw, rows);
      await raw.destroy();
      await checkUpgradeFrom0007(url, rows);
    });
  });
}

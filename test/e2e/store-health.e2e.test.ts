import SQLite from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { requireBuiltApp } from "./harness.js";
import { World } from "./world.js";

/**
 * A store that stops taking writes (a full disk) while it still reads: /healthz must say so, and
 * once writes succeed again what was missed meanwhile is reconciled at once, not at the next
 * 10-minute run. The full disk is made from outside the process with SQLite triggers that fail
 * every write with SQLite's own "database or disk is full" message, and dropped to free it.
 */

const OWNER = "acme";
let worlds: World[] = [];

afterEach(async () => {
  await Promise.allSettled(worlds.map((w) => w.stop()));
  worlds = [];
}, 30_000);

const TABLES = ["inbox", "meta", "tracked_issues", "effects", "leases"];

function fillDisk(path: string): void {
  const db = new SQLite(path);
  for (const table of TABLES) {
    for (const op of ["INSERT", "UPDATE"]) {
      db.exec(
        `CREATE TRIGGER full_${op}_${table} BEFORE ${op} ON ${table} BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`,
      );
    }
  }
  db.close();
}

function freeDisk(path: string): void {
  const db = new SQLite(path);
  for (const table of TABLES)
    for (const op of ["INSERT", "UPDATE"]) db.exec(`DROP TRIGGER full_${op}_${table}`);
  db.close();
}

async function health(url: string): Promise<{ status: number; body: { status: string; database: string } }> {
  const res = await fetch(`${url}/healthz`);
  return { status: res.status, body: (await res.json()) as { status: string; database: string } };
}

describe("a store that refuses writes", () => {
  it("/healthz turns 503 at once; when writes succeed again the issue whose webhook got 500 is handled without waiting for the periodic reconciliation", async () => {
    requireBuiltApp();
    const world = new World();
    worlds.push(world);
    await world.start();
    world.seedRepo(OWNER, "portal");
    const app = await world.startApp({ logLevel: "info" });
    const path = app.sqlitePath as string;
    // The first reconciliation only sets the watermark; wait until it has.
    await world.waitFor(
      () =>
        new SQLite(path, { readonly: true })
          .prepare("select count(*) as n from meta where key like 'reconcil%'")
          .get() as { n: number } | undefined,
      {
        message: "the first reconciliation's watermark",
      },
    );
    expect((await health(app.url)).status).toBe(200);

    fillDisk(path);
    const sick = await health(app.url);
    expect(sick.status).toBe(503);
    expect(sick.body.database).toMatch(/^not writable: .*database or disk is full/);

    const { number } = world.openIssue(OWNER, "portal", {});
    const refused = await app.send("issues", world.gh.issueEvent("opened", OWNER, "portal", number));
    expect(refused.status).toBe(500);
    expect(world.intakeComments(OWNER, "portal", number)).toEqual([]);

    freeDisk(path);
    // No webhook is sent again: the app finds the issue itself, seconds after the disk is free.
    await world.waitFor(() => world.intakeComments(OWNER, "portal", number).length === 1, {
      message: "the intake comment of the issue missed while the store refused writes",
      timeoutMs: 20_000,
    });
    expect((await health(app.url)).status).toBe(200);
    expect(app.output()).toMatch(/the store accepts writes again: reconciling/);
  }, 60_000);
});

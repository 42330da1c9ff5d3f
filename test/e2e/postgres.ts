import { randomBytes } from "node:crypto";
import pg from "pg";

export interface FreshDatabase {
  /** `postgres://…/<fresh name>`: give it to the apps as DATABASE_URL. */
  url: string;
  name: string;
  /** Disconnects whoever is still connected and drops the database. */
  drop(): Promise<void>;
}

async function withAdmin<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the server of `adminUrl` (TEST_DATABASE_URL), one per test. */
export async function createFreshDatabase(adminUrl: string): Promise<FreshDatabase> {
  const name = `support_sla_e2e_${randomBytes(6).toString("hex")}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withAdmin(adminUrl, async (c) => {
        await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [name]);
        await c.query(`DROP DATABASE IF EXISTS ${name}`);
      }),
  };
}

import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compiledOnce } from "../../src/store/compiled-query.js";
import { openStore, type Store } from "../../src/store/db.js";

let store: Store;
beforeAll(async () => {
  store = await openStore("sqlite::memory:");
  for (const [number, author] of [
    [1, "ana"],
    [2, "bo"],
    [3, "ana"],
    [4, "cy"],
  ] as const) {
    await sql`insert into tracked_issues (repo, number, installation_id, author, type, priority, intake, created_at, deadline_at, updated_at, state)
      values ('acme/app', ${number}, 1, ${author}, 'problem', 'normal', 'valid', 0, 0, 0, 'pending')`.execute(
      store.db,
    );
  }
});
afterAll(() => store.close());

/** Numbers of `author`'s issues above `above`, at most `limit`, through a query compiled once. */
async function numbers(values: { author: string; above: number; limit: number }): Promise<number[]> {
  const query = compiledOnce(store.db, "by author", values, (v) =>
    store.db
      .selectFrom("tracked_issues")
      .select("number")
      .where("author", "=", v.author)
      .where("number", ">", v.above)
      .orderBy("number")
      .limit(v.limit),
  );
  return (await store.db.executeQuery<{ number: number }>(query)).rows.map((r) => r.number);
}

describe("compiledOnce", () => {
  it("runs the statement compiled the first time with each call's own values", async () => {
    expect(await numbers({ author: "ana", above: 0, limit: 10 })).toEqual([1, 3]);
    expect(await numbers({ author: "ana", above: 1, limit: 10 })).toEqual([3]);
    expect(await numbers({ author: "bo", above: 0, limit: 10 })).toEqual([2]);
    expect(await numbers({ author: "ana", above: 0, limit: 1 })).toEqual([1]);
  });

  it("fills every place a value is used, and keeps the constants the query was built with", async () => {
    const run = async (n: number) => {
      const query = compiledOnce(store.db, "twice", { n }, (v) =>
        store.db
          .selectFrom("tracked_issues")
          .select("number")
          .where((eb) => eb.or([eb("number", "=", v.n), eb("installation_id", "=", v.n)]))
          .where("repo", "=", "acme/app")
          .orderBy("number"),
      );
      return (await store.db.executeQuery<{ number: number }>(query)).rows.map((r) => r.number);
    };
    expect(await run(2)).toEqual([2]);
    expect(await run(1)).toEqual([1, 2, 3, 4]);
  });

  it("refuses a value the query did not take as it was given", () => {
    expect(() =>
      compiledOnce(store.db, "computed", { above: 1 }, (v) =>
        store.db
          .selectFrom("tracked_issues")
          .select("number")
          .where("number", ">", v.above + 1),
      ),
    ).toThrow(/above did not come through as parameters of their own/);
  });

  it("keeps one statement per shape", async () => {
    const byShape = async (ids: number[]) => {
      const values = Object.fromEntries(ids.map((id, i) => [`x${i}`, id]));
      const query = compiledOnce(store.db, `numbers in ${ids.length}`, values, (v) =>
        store.db
          .selectFrom("tracked_issues")
          .select("number")
          .where(
            "number",
            "in",
            ids.map((_, i) => v[`x${i}`] as number),
          )
          .orderBy("number"),
      );
      return (await store.db.executeQuery<{ number: number }>(query)).rows.map((r) => r.number);
    };
    expect(await byShape([4])).toEqual([4]);
    expect(await byShape([1, 3])).toEqual([1, 3]);
    expect(await byShape([2])).toEqual([2]);
  });
});

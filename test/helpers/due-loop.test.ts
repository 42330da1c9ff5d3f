import { describe, expect, it } from "vitest";
import { DueLoop } from "../../src/helpers/due-loop.js";

describe("DueLoop logs", () => {
  it("names the issue of an item that failed, never the item or the error object", async () => {
    const errors: Array<{ obj: Record<string, unknown>; msg: string }> = [];
    const items = [
      { repo: "acme/portal", number: 12, title: "SECRET title" },
      {
        delivery_id: "d-1",
        payload: {
          issue: { number: 3 },
          repository: { name: "portal", owner: { login: "acme" } },
          body: "SECRET body",
        },
      },
    ];
    const loop = new DueLoop({
      name: "test",
      claim: async () => items.splice(0),
      next: async () => null,
      process: async () => {
        throw Object.assign(new Error("Server Error"), {
          status: 502,
          request: { method: "POST", url: "https://api.github.com/x", body: "SECRET request" },
          response: { status: 502, data: { message: "Server Error", echo: "SECRET response" } },
        });
      },
      now: () => 0,
      maxSleepMs: 1_000,
      batch: 10,
      concurrency: 1,
      log: { error: (obj, msg) => errors.push({ obj: obj as Record<string, unknown>, msg }) },
    });
    await loop.runOnce();
    expect(errors.map((e) => e.obj)).toEqual([
      {
        loop: "test",
        issue: "acme/portal#12",
        error: { status: 502, message: "Server Error", method: "POST", path: "/x" },
      },
      {
        loop: "test",
        delivery: "d-1",
        issue: "acme/portal#3",
        error: { status: 502, message: "Server Error", method: "POST", path: "/x" },
      },
    ]);
    expect(JSON.stringify(errors)).not.toContain("SECRET");
  });
});

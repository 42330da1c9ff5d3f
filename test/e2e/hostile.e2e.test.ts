import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { requireBuiltApp, settle } from "./harness.js";
import { World } from "./world.js";

/** Unauthenticated requests must cost neither memory nor log lines (issue 10, kind 6). */

let worlds: World[] = [];
afterEach(async () => {
  await Promise.allSettled(worlds.map((w) => w.stop()));
  worlds = [];
}, 30_000);

const MB = 1024 * 1024;

/**
 * POSTs to the webhook path; the status or the error code. With `declare`, the request states a
 * Content-Length of `total` but sends only its first 64 KB and waits: a server that refuses on the
 * declared length answers before the body arrives, and the client never writes into a closed socket
 * (which would surface as EPIPE before the 413 is read). Without it, `total` bytes are streamed
 * chunked.
 */
function post(port: number, total: number, declare: boolean, id: string): Promise<string> {
  return new Promise((done) => {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "issues",
      "x-github-delivery": id,
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    };
    if (declare) headers["content-length"] = String(total);
    const req = request(
      { host: "127.0.0.1", port, method: "POST", path: "/api/github/webhooks", headers },
      (res) => {
        res.resume();
        res.on("end", () => {
          done(String(res.statusCode));
          if (declare) req.destroy();
        });
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => done(e.code ?? "error"));
    const chunk = Buffer.alloc(64 * 1024, "x");
    if (declare) {
      req.write(chunk);
      return;
    }
    let sent = 0;
    const pump = (): void => {
      while (sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        if (!req.write(part)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

describe("bodies over GitHub's 25 MB payload cap", () => {
  it("are refused with 413, declared or chunked, with one warn line each and nothing of the body logged", async () => {
    requireBuiltApp();
    const world = new World();
    worlds.push(world);
    await world.start();
    const app = await world.startApp({ logLevel: "info" });
    await settle(1_000);
    const before = app.output().split("\n").length;
    expect(await post(app.port, 30 * MB, true, "declared-1")).toBe("413");
    const chunked = await post(app.port, 30 * MB, false, "chunked-1");
    // The server answers 413 once 25 MB have arrived; the client may still be writing and see the close.
    expect(["413", "EPIPE", "ECONNRESET"]).toContain(chunked);
    await settle(500);
    const lines = app
      .output()
      .split("\n")
      .slice(before - 1)
      .filter((l) => l.trim() !== "");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "webhook refused",
        delivery: "declared-1",
        reason: "payload too large",
      }),
      expect.objectContaining({
        level: 40,
        msg: "webhook refused",
        delivery: "chunked-1",
        reason: "payload too large",
      }),
    ]);
    expect(app.output()).not.toContain("xxxxxxxx");
    expect((await fetch(`${app.url}/ping`)).status).toBe(200);
  }, 60_000);
});

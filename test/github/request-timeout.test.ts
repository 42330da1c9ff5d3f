import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWithTimeout } from "../../src/github/request-timeout.js";
import { describeError } from "../../src/helpers/describe-error.js";

/**
 * A GitHub whose answers hang (kind 8): the request is given up after the timeout instead of
 * holding a slot of the inbox or the scheduler for as long as the connection stays open.
 */
let server: Server;
let baseUrl: string;
const open: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    open.push(res);
    if (req.url?.startsWith("/ok")) {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    } else if (req.url?.startsWith("/stall-body")) {
      // Headers at once, then the body never ends.
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"partial":');
    }
    // anything else: never answered
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((done) => server.close(() => done()));
});

describe("fetchWithTimeout", () => {
  it("gives up a request GitHub never answers, as a 500 RequestError whose log fields say ETIMEDOUT", async () => {
    const octokit = new Octokit({ baseUrl, request: { fetch: fetchWithTimeout(fetch, 150) } });
    const error = await octokit.request("GET /repos/{owner}/{repo}/issues/1", { owner: "a", repo: "b" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(describeError(error)).toMatchObject({
      status: 500,
      message: "GitHub did not answer within 150 ms",
      method: "GET",
      path: "/repos/a/b/issues/1",
      code: "ETIMEDOUT",
    });
  });

  it("also gives up an answer whose body never ends", async () => {
    const octokit = new Octokit({ baseUrl, request: { fetch: fetchWithTimeout(fetch, 150) } });
    const error = await octokit.request("GET /stall-body").then(
      () => null,
      (e: unknown) => e,
    );
    // Never a cut-off body passed on as a good answer (Octokit would read it as "").
    expect(describeError(error)).toMatchObject({ status: 500, code: "ETIMEDOUT" });
  });

  it("leaves a prompt answer alone, and a caller's own signal still aborts", async () => {
    const timed = fetchWithTimeout(fetch, 150);
    const octokit = new Octokit({ baseUrl, request: { fetch: timed } });
    await expect(octokit.request("GET /ok")).resolves.toMatchObject({ status: 200, data: { ok: true } });
    const caller = new AbortController();
    const pending = timed(`${baseUrl}/never`, { signal: caller.signal });
    caller.abort(new Error("caller gave up"));
    await expect(pending).rejects.toThrow("caller gave up");
    expect(fetchWithTimeout(timed, 5)).toBe(timed); // wrapping twice keeps one timeout
  });
});

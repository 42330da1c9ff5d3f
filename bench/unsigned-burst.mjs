#!/usr/bin/env node
// Memory under a burst of large unauthenticated webhook requests (issue 10, kind 6): the built
// server (`node dist/main.js`, SQLite in a temp dir, GitHub pointed at a closed loopback port)
// receives, all at once, N requests of each kind below; the server's resident memory (VmRSS from
// /proc, sampled every 20 ms) is printed against its idle baseline from the same run.
//   A. 100 MB bodies that declare their Content-Length (over GitHub's 25 MB cap): refused (413)
//      before a byte of the body is read.
//   B. 100 MB chunked bodies without Content-Length and a forged signature: read up to the 25 MB
//      cap, within the endpoint's 64 MB budget of bodies held at once, then refused (413 or 503).
//   C. N small valid-looking requests with a forged signature (the ordinary cost of a request).
// Target: the peak stays flat: it does not grow with N (compare --requests 20 and 40), far below
// the N × 25 MB that buffering each body up to the cap would cost.
//   npm run build && node bench/unsigned-burst.mjs [--requests 20]
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const MAIN = join(ROOT, process.env.SUPPORT_SLA_TEST_DIST ?? "dist", "main.js");
const args = process.argv.slice(2);
const n = Number(args[args.indexOf("--requests") + 1] || 20) || 20;
const MB = 1024 * 1024;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

async function freePort() {
  const s = createServer();
  await new Promise((done) => s.listen(0, "127.0.0.1", done));
  const { port } = s.address();
  await new Promise((done) => s.close(done));
  return port;
}

const rss = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

/** Sends `total` bytes of 'a' in 64 KB chunks; resolves with the status (or the error code). */
function send(port, { total, declare, id }) {
  return new Promise((done) => {
    const headers = {
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
        res.on("end", () => done(String(res.statusCode)));
      },
    );
    req.on("error", (e) => done(e.code ?? "error"));
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
        sent += part.length;
        if (!req.write(part)) return req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

async function phase(name, pid, port, make) {
  let peak = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, rss(pid));
      await sleep(20);
    }
  })();
  const started = Date.now();
  const statuses = await Promise.all(Array.from({ length: n }, (_, i) => make(i)).map((o) => send(port, o)));
  sampling = false;
  await sampler;
  const counts = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return { name, peak, ms: Date.now() - started, counts };
}

const dir = mkdtempSync(join(tmpdir(), "support-sla-burst-"));
const port = await freePort();
const closed = await freePort();
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const child = spawn(process.execPath, [MAIN], {
  cwd: dir,
  env: {
    PATH: process.env.PATH,
    APP_ID: "1",
    PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    WEBHOOK_SECRET: "bench-secret",
    HOST: "127.0.0.1",
    PORT: String(port),
    GHE_HOST: `127.0.0.1:${closed}`,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: "error",
    DATABASE_URL: `sqlite:${join(dir, "bench.db")}`,
  },
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/ping`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await sleep(50);
  }
  await sleep(1_000);
  const idle = rss(child.pid);
  const results = [
    await phase("C. small, forged signature", child.pid, port, (i) => ({
      total: 2_000,
      declare: true,
      id: `c${i}`,
    })),
    await phase("A. 100 MB, Content-Length", child.pid, port, (i) => ({
      total: 100 * MB,
      declare: true,
      id: `a${i}`,
    })),
    await phase("B. 100 MB, chunked", child.pid, port, (i) => ({
      total: 100 * MB,
      declare: false,
      id: `b${i}`,
    })),
  ];
  console.log(`server idle RSS: ${idle.toFixed(1)} MB; ${n} concurrent requests per phase`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(30)} peak RSS ${r.peak.toFixed(1).padStart(7)} MB (+${(r.peak - idle).toFixed(1)} MB over idle) ` +
        `in ${r.ms} ms; answers ${JSON.stringify(r.counts)}`,
    );
  }
  console.log(
    `sent in phases A and B: ${((2 * n * 100 * MB) / MB).toFixed(0)} MB; target: peak ≤ idle + 64 MB budget + slack`,
  );
} finally {
  child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { NotifyLogger } from "../../src/notify/retry.js";

/** One request the stand-in received. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A scripted answer; `hang` never answers, to exercise the per-attempt timeout. */
export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  hang?: boolean;
}

/**
 * A real HTTP server on 127.0.0.1 playing Slack or PagerDuty: it answers each request with the
 * next scripted reply, records what it got, and counts requests nobody scripted.
 */
export interface StandIn {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  url: string;
  received: Received[];
  reply(...replies: Reply[]): void;
  /** Scripted replies not yet used. */
  pending(): number;
  /** Requests that arrived with no reply scripted. */
  unexpected(): number;
  close(): Promise<void>;
}

export async function startStandIn(): Promise<StandIn> {
  const queue: Reply[] = [];
  const received: Received[] = [];
  let unexpected = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const next = queue.shift();
      if (!next) {
        unexpected++;
        res.writeHead(599).end("no reply scripted");
        return;
      }
      if (next.hang) return;
      res.writeHead(next.status, next.headers).end(next.body ?? "");
    });
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    reply: (...replies) => queue.push(...replies),
    pending: () => queue.length,
    unexpected: () => unexpected,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens: the port was bound, then released. */
export async function closedPortUrl(path = "/"): Promise<string> {
  const server = createServer();
  await listen(server);
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}${path}`;
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
}

/** Records every log call, so a test can search all of it for a secret. */
export function captureLog(): {
  log: NotifyLogger;
  calls: { level: string; obj: object; msg: string }[];
  dump(): string;
} {
  const calls: { level: string; obj: object; msg: string }[] = [];
  return {
    calls,
    log: {
      info: (obj, msg) => calls.push({ level: "info", obj, msg }),
      warn: (obj, msg) => calls.push({ level: "warn", obj, msg }),
    },
    dump: () => JSON.stringify(calls),
  };
}

/** A sleep that only records how long it was asked to wait. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

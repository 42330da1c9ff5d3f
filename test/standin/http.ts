import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

/** One request as a stand-in saw it, recorded before the response is written. */
export interface RecordedRequest {
  method: string;
  /** Percent-decoded path; for the GitHub stand-in, without the `/api/v3` prefix. */
  path: string;
  /** The path exactly as received (still percent-encoded, with any prefix). */
  rawPath: string;
  query: Record<string, string>;
  /** A subset: authorization, accept, content-type, user-agent, if-none-match, x-github-*, x-hub-signature-256. */
  headers: Record<string, string>;
  /** Parsed JSON body; the raw text when it is not JSON; undefined when empty. */
  body: unknown;
  /** Wall-clock time the request arrived (ms since epoch). */
  timestamp: number;
  status: number;
  /** The route pattern that answered, or null when no route matched (unknown endpoint). */
  route: string | null;
  /** True when the response came from `failNext`. */
  fault: boolean;
}

export type RequestFilter =
  | ((r: RecordedRequest) => boolean)
  | { method?: string; path?: string | RegExp; route?: string; status?: number };

export interface StandInRequest {
  method: string;
  url: URL;
  /** Decoded path (prefix stripped). */
  path: string;
  /** Still-encoded path with the prefix stripped: what routes match against. */
  encodedPath: string;
  rawPath: string;
  headers: IncomingHttpHeaders;
  query: Record<string, string>;
  rawBody: string;
  body: unknown;
  /** True when the body claimed to be JSON and did not parse. */
  badJson: boolean;
}

export interface StandInReply {
  status: number;
  headers?: Record<string, string>;
  /** Objects and arrays are sent as JSON; strings as they are; undefined as an empty body. */
  body?: unknown;
  route?: string | null;
  fault?: boolean;
}

const LOGGED_HEADERS = [
  "authorization",
  "accept",
  "content-type",
  "user-agent",
  "if-none-match",
  "x-github-api-version",
  "x-github-event",
  "x-github-delivery",
  "x-hub-signature-256",
];

/** Start/stop on 127.0.0.1 with an OS-chosen port, body parsing, and a request log. */
export abstract class StandInServer {
  #server: Server | undefined;
  #port = 0;
  #log: RecordedRequest[] = [];

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:PORT` once started. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  async start(): Promise<{ port: number; url: string }> {
    if (this.#server) return { port: this.#port, url: this.url };
    const server = createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`stand-in crashed: ${error instanceof Error ? error.stack : String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    return { port: this.#port, url: this.url };
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    // Keep-alive sockets from the app's fetch would otherwise hold close() open.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Every request so far, oldest first, optionally filtered. Copies: safe to keep. */
  requests(filter?: RequestFilter): RecordedRequest[] {
    return this.#log.filter((r) => matchesFilter(r, filter)).map((r) => structuredClone(r));
  }

  clearLog(): void {
    this.#log = [];
  }

  /** Requests no route answered (typo'd or unsupported endpoints): tests usually expect none. */
  unmatched(): RecordedRequest[] {
    return this.requests((r) => r.route === null && !r.fault);
  }

  protected abstract handle(req: StandInRequest): Promise<StandInReply> | StandInReply;

  /** The path recorded and routed on; subclasses strip a prefix here. */
  protected routePath(rawPath: string): string {
    return rawPath;
  }

  /** Headers every response carries. */
  protected commonHeaders(_req: StandInRequest): Record<string, string> {
    return {};
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const timestamp = Date.now();
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? "/", this.url);
    const contentType = String(req.headers["content-type"] ?? "");
    const parsed = parseBody(rawBody, contentType);
    const routed = this.routePath(url.pathname);
    const request: StandInRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      url,
      path: safeDecode(routed),
      encodedPath: routed,
      rawPath: url.pathname,
      headers: req.headers,
      query: Object.fromEntries(url.searchParams),
      rawBody,
      body: parsed.body,
      badJson: parsed.bad,
    };
    const reply = await this.handle(request);
    this.#log.push({
      method: request.method,
      path: request.path,
      rawPath: request.rawPath,
      query: request.query,
      headers: pickHeaders(req.headers),
      body: parsed.body,
      timestamp,
      status: reply.status,
      route: reply.route ?? null,
      fault: reply.fault ?? false,
    });
    writeReply(res, reply, { ...this.commonHeaders(request) });
  }
}

function writeReply(res: ServerResponse, reply: StandInReply, common: Record<string, string>): void {
  const headers: Record<string, string> = { ...common, ...reply.headers };
  let payload = "";
  if (reply.body !== undefined && reply.status !== 204 && reply.status !== 304) {
    if (typeof reply.body === "string") {
      payload = reply.body;
      headers["content-type"] ??= "text/plain; charset=utf-8";
    } else {
      payload = JSON.stringify(reply.body);
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
  }
  headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string, contentType: string): { body: unknown; bad: boolean } {
  if (raw === "") return { body: undefined, bad: false };
  const claimsJson = /json/i.test(contentType);
  if (claimsJson || /^\s*[[{]/.test(raw)) {
    try {
      return { body: JSON.parse(raw), bad: false };
    } catch {
      return { body: raw, bad: claimsJson };
    }
  }
  return { body: raw, bad: false };
}

function pickHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (LOGGED_HEADERS.includes(name) || name.startsWith("x-github-")) {
      out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

function matchesFilter(r: RecordedRequest, filter: RequestFilter | undefined): boolean {
  if (!filter) return true;
  if (typeof filter === "function") return filter(r);
  if (filter.method && filter.method.toUpperCase() !== r.method) return false;
  if (filter.route !== undefined && filter.route !== r.route) return false;
  if (filter.status !== undefined && filter.status !== r.status) return false;
  if (filter.path !== undefined) {
    if (typeof filter.path === "string" ? filter.path !== r.path : !filter.path.test(r.path)) return false;
  }
  return true;
}

export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A route like `/repos/:owner/:repo/contents/:path*`, matched against the still-encoded path. */
export interface CompiledRoute {
  pattern: string;
  regex: RegExp;
  names: string[];
}

export function compileRoute(pattern: string): CompiledRoute {
  const names: string[] = [];
  const source = pattern
    .split("/")
    .map((segment) => {
      const param = /^:(\w+)(\*)?$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(param[1] as string);
      return param[2] ? "(.*)" : "([^/]+)";
    })
    .join("/");
  return { pattern, regex: new RegExp(`^${source}/?$`), names };
}

/** Params of a match, percent-decoded; null when the path does not match. */
export function matchRoute(route: CompiledRoute, rawPath: string): Record<string, string> | null {
  const m = route.regex.exec(rawPath);
  if (!m) return null;
  const params: Record<string, string> = {};
  route.names.forEach((name, i) => {
    params[name] = safeDecode(m[i + 1] ?? "");
  });
  return params;
}

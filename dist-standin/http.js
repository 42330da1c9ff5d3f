import { createServer } from "node:http";

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
export class StandInServer {
  #server;
  #port = 0;
  #log = [];
  get port() {
    return this.#port;
  }
  /** `http://127.0.0.1:PORT` once started. */
  get url() {
    return `http://127.0.0.1:${this.#port}`;
  }
  async start() {
    if (this.#server) return { port: this.#port, url: this.url };
    const server = createServer((req, res) => {
      this.#serve(req, res).catch((error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`stand-in crashed: ${error instanceof Error ? error.stack : String(error)}`);
      });
    });
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    this.#server = server;
    this.#port = server.address().port;
    return { port: this.#port, url: this.url };
  }
  async stop() {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    // Keep-alive sockets from the app's fetch would otherwise hold close() open.
    const closed = new Promise((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
  /** Every request so far, oldest first, optionally filtered. Copies: safe to keep. */
  requests(filter) {
    return this.#log.filter((r) => matchesFilter(r, filter)).map((r) => structuredClone(r));
  }
  clearLog() {
    this.#log = [];
  }
  /** Requests no route answered (typo'd or unsupported endpoints): tests usually expect none. */
  unmatched() {
    return this.requests((r) => r.route === null && !r.fault);
  }
  /** The path recorded and routed on; subclasses strip a prefix here. */
  routePath(rawPath) {
    return rawPath;
  }
  /** Headers every response carries. */
  commonHeaders(_req) {
    return {};
  }
  async #serve(req, res) {
    const timestamp = Date.now();
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? "/", this.url);
    const contentType = String(req.headers["content-type"] ?? "");
    const parsed = parseBody(rawBody, contentType);
    const routed = this.routePath(url.pathname);
    const request = {
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
function writeReply(res, reply, common) {
  const headers = { ...common, ...reply.headers };
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
async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}
function parseBody(raw, contentType) {
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
function pickHeaders(headers) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (LOGGED_HEADERS.includes(name) || name.startsWith("x-github-")) {
      out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}
function matchesFilter(r, filter) {
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
export function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
export function compileRoute(pattern) {
  const names = [];
  const source = pattern
    .split("/")
    .map((segment) => {
      const param = /^:(\w+)(\*)?$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(param[1]);
      return param[2] ? "(.*)" : "([^/]+)";
    })
    .join("/");
  return { pattern, regex: new RegExp(`^${source}/?$`), names };
}
/** Params of a match, percent-decoded; null when the path does not match. */
export function matchRoute(route, rawPath) {
  const m = route.regex.exec(rawPath);
  if (!m) return null;
  const params = {};
  route.names.forEach((name, i) => {
    params[name] = safeDecode(m[i + 1] ?? "");
  });
  return params;
}

/**
 * What may be logged of an error at info or above: never the error object itself. An Octokit
 * `RequestError` carries the request (a comment body we were posting, which can echo the
 * customer's answers) and the response (an issue, its comments), and its `message` is built from
 * the response body: for a text response it is the whole body, for a 422 it lists the rejected
 * values. So of an HTTP error only the status, the method, the URL path and the response's own
 * `message` field (GitHub's fixed wording: "Server Error", "Validation Failed") are kept, plus the
 * `code`/`resource`/`field` of its `errors` (never their values).
 */
export interface ErrorFields {
  /** HTTP status (GitHub answered, or 500 when Octokit got no answer); absent for other errors. */
  status?: number;
  /** One line, at most 200 characters, free of request and response bodies. */
  message: string;
  method?: string;
  /** The request URL's path only: no host, no query. */
  path?: string;
  /** A system error code (ECONNRESET, ETIMEDOUT, UND_ERR_…) when there is one. */
  code?: string;
  /** The error's class name when it is not an HTTP error (TypeError, SqliteError…). */
  type?: string;
  /** `resource.field code` of each entry of a GitHub validation error's `errors`, values left out. */
  errors?: string[];
  /** Stack frames (without the message line) of an error that is not an HTTP error: a bug's whereabouts. */
  stack?: string;
}

const MAX_MESSAGE = 200;
const MAX_FRAMES = 8;

function oneLine(text: string): string {
  const first = text.split(/\r?\n/, 1)[0] ?? "";
  const trimmed = first.trim();
  return trimmed.length > MAX_MESSAGE ? `${trimmed.slice(0, MAX_MESSAGE - 1)}…` : trimmed;
}

function pathOf(url: unknown): string | undefined {
  if (typeof url !== "string") return undefined;
  try {
    return new URL(url, "http://relative.invalid").pathname;
  } catch {
    return undefined;
  }
}

function systemCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

interface HttpLike {
  status: number;
  request?: { method?: unknown; url?: unknown };
  response?: { status?: unknown; data?: unknown };
}

function isHttpError(error: unknown): error is Error & HttpLike {
  return (
    error instanceof Error &&
    typeof (error as { status?: unknown }).status === "number" &&
    typeof (error as { request?: unknown }).request === "object" &&
    (error as { request?: unknown }).request !== null
  );
}

/** GitHub's `message` and the shape of its `errors`, from a JSON error response; nothing else of it. */
function fromResponse(data: unknown): { message?: string; errors?: string[] } {
  if (typeof data !== "object" || data === null) return {};
  const { message, errors } = data as { message?: unknown; errors?: unknown };
  const out: { message?: string; errors?: string[] } = {};
  if (typeof message === "string" && message.trim()) out.message = oneLine(message);
  if (Array.isArray(errors)) {
    const shapes = errors.slice(0, 5).flatMap((e) => {
      if (typeof e !== "object" || e === null) return [];
      const { resource, field, code } = e as Record<string, unknown>;
      const where = [resource, field].filter((p): p is string => typeof p === "string").join(".");
      const what = typeof code === "string" ? code : "";
      const shape = [where, what].filter(Boolean).join(" ");
      return shape ? [oneLine(shape)] : [];
    });
    if (shapes.length > 0) out.errors = shapes;
  }
  return out;
}

/** The loggable fields of any thrown value; see the module comment for what is left out and why. */
export function describeError(error: unknown): ErrorFields {
  if (isHttpError(error)) {
    const method = typeof error.request?.method === "string" ? error.request.method : undefined;
    const path = pathOf(error.request?.url);
    const code = systemCode(error.cause);
    const fields: ErrorFields = { status: error.status, message: `HTTP ${error.status}` };
    if (error.response) {
      // GitHub answered: its own wording, never the text Octokit built from the whole body.
      const { message, errors } = fromResponse(error.response.data);
      if (message) fields.message = message;
      if (errors) fields.errors = errors;
    } else {
      // No answer (connection refused, reset, aborted): the message is the network layer's.
      fields.message = oneLine(error.message) || fields.message;
    }
    if (method) fields.method = method;
    if (path) fields.path = path;
    if (code) fields.code = code;
    return fields;
  }
  if (error instanceof Error) {
    // JSON.parse quotes the text it could not read: that text may be anyone's.
    const message = error instanceof SyntaxError ? "invalid JSON or syntax" : oneLine(error.message);
    const fields: ErrorFields = { type: error.name, message: message || error.name };
    const code = systemCode(error);
    if (code) fields.code = code;
    const frames = (error.stack ?? "")
      .split("\n")
      .filter((l) => /^\s+at /.test(l))
      .slice(0, MAX_FRAMES)
      .map((l) => l.trim());
    if (frames.length > 0) fields.stack = frames.join("\n");
    return fields;
  }
  return { type: typeof error, message: "a non-Error value was thrown" };
}

/** One line for a stored error (the inbox's `last_error`): status, method, path and message. */
export function errorSummary(fields: ErrorFields): string {
  const where = [fields.method, fields.path].filter(Boolean).join(" ");
  const head = [fields.status, where].filter((p) => p !== undefined && p !== "").join(" ");
  const tail = [fields.message, ...(fields.errors ? [`(${fields.errors.join("; ")})`] : [])].join(" ");
  const code = fields.code ? ` [${fields.code}]` : "";
  return head ? `${head}: ${tail}${code}` : `${fields.type ? `${fields.type}: ` : ""}${tail}${code}`;
}

import type { Logger } from "probot";

/**
 * The key every log line about one issue carries as `issue`: `owner/repo#number`, the repo part
 * lower-cased as the store keys it (`repoKey`), e.g. `acme/portal#12`.
 */
export function issueKey(key: { repo: string; number: number }): string {
  return `${key.repo.toLowerCase()}#${key.number}`;
}

/**
 * `log` bound to `issue` (pino child), unless it already is: a logger handed down from the inbox
 * carries the issue once, not twice.
 */
export function withIssue(log: Logger, issue: string): Logger {
  return bound(log, "issue", issue);
}

/** `log` bound to `field: value` (pino child), unless it already is. */
export function bound(log: Logger, field: string, value: string): Logger {
  const bindings = typeof log.bindings === "function" ? log.bindings() : {};
  return bindings[field] === value ? log : log.child({ [field]: value });
}

/**
 * What a webhook payload is about, for its log lines: `{ issue }` for an issue or comment event,
 * `{ repo }` (lower-cased `owner/repo`) for a push, nothing when it names no repository.
 */
export function payloadSubject(payload: unknown): { issue?: string; repo?: string } {
  const p = payload as {
    issue?: { number?: unknown } | null;
    repository?: { name?: unknown; owner?: { login?: unknown; name?: unknown } | null } | null;
  } | null;
  const owner = p?.repository?.owner?.login ?? p?.repository?.owner?.name;
  const name = p?.repository?.name;
  if (typeof owner !== "string" || typeof name !== "string") return {};
  const repo = `${owner}/${name}`.toLowerCase();
  const number = p?.issue?.number;
  return typeof number === "number" ? { issue: issueKey({ repo, number }) } : { repo };
}

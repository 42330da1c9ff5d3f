export const REDACTED = "[redacted]";

/**
 * Replaces every occurrence of each secret in `text`, also in its URL-encoded form: error
 * messages from fetch and from servers may quote a URL either way. Longer secrets go first, so a
 * webhook URL is hidden whole before its path (also a secret) is looked for.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(encodeURI(secret));
  }
  let out = text;
  for (const form of [...forms].sort((a, b) => b.length - a.length)) {
    out = out.split(form).join(REDACTED);
  }
  return out;
}

/**
 * The secret parts of a webhook URL: the whole URL, and its path and query, which are what make
 * a Slack incoming-webhook URL a credential (the host is public). Short paths such as "/" are not
 * secret and would only blank out unrelated text.
 */
export function urlSecrets(url: string): string[] {
  const secrets = [url];
  try {
    const parsed = new URL(url);
    const tail = `${parsed.pathname}${parsed.search}`;
    if (tail.length >= 8) secrets.push(tail);
    if (parsed.username) secrets.push(parsed.username);
    if (parsed.password) secrets.push(parsed.password);
  } catch {
    // Not a URL: the whole string is all we can hide.
  }
  return secrets;
}

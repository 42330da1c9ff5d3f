/** Any `[bot]` login or an account of type Bot: never a team reply, never a team decision. */
export function isBot(user: { login: string; type?: string | null } | null | undefined): boolean {
  if (!user) return true;
  return user.type === "Bot" || /\[bot\]$/i.test(user.login);
}

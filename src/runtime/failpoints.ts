/**
 * Crash points for the exactly-once tests: `SUPPORT_SLA_FAILPOINT=after-breach-comment` makes the
 * process kill itself with SIGKILL right after that effect and before its commit, the way a power
 * cut would. Unset (always, in production), it does nothing.
 */
export function createFailpoint(spec: string | undefined): (name: string) => void {
  const armed = new Set(
    (spec ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  if (armed.size === 0) return () => {};
  return (name) => {
    if (armed.has(name)) process.kill(process.pid, "SIGKILL");
  };
}

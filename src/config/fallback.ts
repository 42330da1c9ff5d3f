import type { Logger } from "probot";
import { CalendarError } from "../domain/business-hours.js";
import type { Policy } from "../domain/policy.js";
import { defaultPolicy } from "./load.js";

/**
 * Runs `plan` with the repo's policy; when the deadline engine refuses it with a CalendarError
 * (a deadline beyond the 366-day planning horizon, or no business day within it: a config
 * problem that `check-config` and the check run report, met here only if a config got past
 * them), logs one warn line `config problem` with the engine's message (no customer text) and
 * plans with the default policy instead, as a broken config falls back to the default policy.
 * Any other error, or a CalendarError from the default policy itself, is thrown.
 */
export function planWithFallback<T>(policy: Policy, log: Logger, plan: (policy: Policy) => T): T {
  try {
    return plan(policy);
  } catch (error) {
    if (!(error instanceof CalendarError)) throw error;
    log.warn(
      { problem: error.message },
      "config problem: the deadline cannot be planned with this repo's policy; planned with the default policy",
    );
    return plan(defaultPolicy());
  }
}

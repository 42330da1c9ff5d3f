import type { AppDeps, HandlerDeps } from "../handlers/deps.js";
import { type EffectOptions, runEffect } from "./effects.js";

/**
 * Runs a side effect once per key, however often its transition is retried; the outbox records it
 * `done` only once it succeeded (see `runEffect` in outbox/effects.ts for what a failure does).
 * `rerun` effects are idempotent (labels, a comment checked by marker, a PagerDuty event with its
 * dedup key) and run again after an interrupted try; `skip` effects (a Slack message) are not
 * repeated when a try may have landed: at most once beats twice. `options.log` (bound to the
 * issue) takes failure lines; default the handler's log.
 *
 * Returns true when this call made the effect; throws what the effect threw when a later attempt
 * should try again (see `runEffect`).
 */
export async function once(
  deps: AppDeps,
  key: string,
  onInterrupted: "rerun" | "skip",
  effect: () => Promise<void>,
  options: EffectOptions = {},
): Promise<boolean> {
  const log = options.log ?? (deps as Partial<HandlerDeps>).log;
  return await runEffect(deps, key, onInterrupted, effect, { ...options, log });
}

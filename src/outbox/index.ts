/**
 * The outbox: every side effect the app sends (GitHub writes, Slack, PagerDuty) goes through it,
 * keyed, so a retry, a restart or a second replica never doubles one.
 * - effects.ts: `runEffect` (the `effects` table's state machine), `deliver`, `retryAfterOf`.
 * - once.ts: `once`, what handlers and the scheduler call.
 * - keys.ts: the effect keys (`effectKey` per issue cycle, `timerEffectKey` per timer firing).
 */
export {
  deliver,
  EFFECT_GIVE_UP_AFTER_MS,
  type EffectChannel,
  EffectFailedError,
  EffectNotSentError,
  type EffectOptions,
  type OutboxDeps,
  type OutboxLogger,
  retryAfterOf,
  runEffect,
} from "./effects.js";
export { effectKey, type TimerEffectKind, type TimerFiringRef, timerEffectKey } from "./keys.js";
export { once } from "./once.js";

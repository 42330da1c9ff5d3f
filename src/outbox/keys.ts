import type { Metric, TimerEffect } from "../domain/timers/timer.js";

/**
 * Effect keys: the outbox runs each key once (see `runEffect`), so a key names exactly one
 * side effect of one transition. A key starts with `owner/repo#n` (the issue every failure line
 * names, see `issueOfKey` in effects.ts) and ends with the effect's kind (the name of the test
 * crash point `after-<kind>`).
 */

/** `${repo}#${n}:c${cycle}:${name}`: an effect of the first-response cycle (intake, a team reply, the page). */
export function effectKey(row: { repo: string; number: number; cycle: number }, name: string): string {
  return `${row.repo}#${row.number}:c${row.cycle}:${name}`;
}

/** What a timer firing's key names: the timer, its cycle, the ladder level and which firing of it. */
export interface TimerFiringRef {
  repo: string;
  number: number;
  metric: Metric;
  cycle: number;
  /** The ladder level's name (`at-risk`, `breach`, `reminder`, …). */
  level: string;
  /** 0 for the level's first firing, 1… for its repeats. */
  repeat: number;
}

/** The effect kinds a firing can ask for: one of each at most per firing. */
export type TimerEffectKind = TimerEffect["kind"];

/**
 * The first-response firings of the default ladder kept the keys they had before timers existed,
 * so a store upgraded mid-escalation never makes an effect twice: level → effect kind → legacy name.
 */
const LEGACY: ReadonlyMap<string, Partial<Record<TimerEffectKind, string>>> = new Map([
  ["at-risk", { "add-label": "at-risk-label", slack: "at-risk-slack" }],
  [
    "breach",
    {
      "add-label": "breached-label",
      "remove-label": "at-risk-unlabel",
      comment: "breach-comment",
      slack: "breach-slack",
      page: "page",
    },
  ],
]);

/**
 * The outbox key of one effect of one timer firing:
 * - a first-response firing of an `at-risk` or `breach` level (the default ladder's names), first
 *   firing only: today's `${repo}#${n}:c${cycle}:<name>` (`at-risk-label`, `at-risk-slack`,
 *   `breached-label`, `at-risk-unlabel`, `breach-comment`, `breach-slack`, `page`);
 * - every other firing: `${repo}#${n}:${metric}:c${cycle}:${level}:r${repeat}:${kind}`.
 * A firing makes at most one effect of each kind (a level adds one label and removes the
 * previous level's), so keys never collide within a firing.
 */
export function timerEffectKey(firing: TimerFiringRef, kind: TimerEffectKind): string {
  const legacy =
    firing.metric === "first_response" && firing.repeat === 0 ? LEGACY.get(firing.level)?.[kind] : undefined;
  if (legacy !== undefined) return effectKey(firing, legacy);
  const { repo, number, metric, cycle, level, repeat } = firing;
  return `${repo}#${number}:${metric}:c${cycle}:${level}:r${repeat}:${kind}`;
}

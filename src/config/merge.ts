import type { z } from "zod";
import { parseDuration } from "../domain/duration.js";
import {
  DEFAULT_PRIORITIES,
  DEFAULT_TYPES,
  NEW_PRIORITY_DEFAULTS,
  NEW_TYPE_COLOR,
  type PriorityConfig,
  type TypeConfig,
} from "./defaults.js";
import { MAX_ITEMS } from "./limits.js";
import { didYouMean } from "./suggest.js";

/*
 * `priorities` and `types` entries merge per key over the built-in entries: a repo that only
 * wants a slower Urgent writes `urgent: {response: 2h}` and keeps everything else. `null`
 * removes a built-in entry. The checks run as zod refinements and the merges as zod transforms,
 * so their problems join zod's.
 */

type Ctx = z.core.$RefinementCtx<unknown>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The entry checks read each entry as written, valid or not, so that a bad value in one entry
 * does not hide a missing `response` in another (zod runs the merge only once all are valid).
 */
export const whenMapping = { when: (payload: z.core.ParsePayload) => isRecord(payload.value) };

/** The entry of `key` itself: keys such as "constructor" must not find Object.prototype's. */
const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** Built-in keys first (in their order, minus removed ones), then new keys in file order. */
function mergedKeys(defaults: Record<string, unknown>, given: Record<string, unknown>): string[] {
  const keys = Object.keys(defaults).filter((key) => given[key] !== null);
  for (const [key, value] of Object.entries(given)) {
    if (!Object.hasOwn(defaults, key) && value !== null) keys.push(key);
  }
  return keys;
}

/** The name of a new key when the config gives none: `high-impact` is "High impact". */
export function nameOfKey(key: string): string {
  const words = key.replace(/-/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Priority keys are matched against dropdown text without case, spaces or hyphens. */
const looseKey = (key: string): string => key.replace(/-/g, "");

/** Reports a map with more than `max` entries; true when it did (the other checks are then skipped). */
function tooMany(given: Record<string, unknown>, max: number, what: string, ctx: Ctx): boolean {
  const count = Object.keys(given).length;
  if (count <= max) return false;
  ctx.addIssue({
    code: "custom",
    input: given,
    message: `has ${count} entries; at most ${max} ${what} are allowed`,
  });
  return true;
}

/** The keys of a priority that hold a target on its clock. */
const TARGET_KEYS = ["response", "next_reply", "resolution", "updates"] as const;

export function checkPriorityEntries(given: Record<string, unknown>, ctx: Ctx): void {
  if (tooMany(given, MAX_ITEMS.priorities, "priorities", ctx)) return;
  const keys = mergedKeys(DEFAULT_PRIORITIES, given);
  const seenLoose = new Map<string, string>();
  for (const key of keys) {
    const base = own(DEFAULT_PRIORITIES, key);
    const entry = own(given, key) ?? {};
    if (!isRecord(entry)) continue;
    if (base === undefined && entry.response === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key, "response"],
        input: entry,
        message: `a new priority needs a response target, e.g. "4h" or "next-business-day"${didYouMean(key, Object.keys(DEFAULT_PRIORITIES))}`,
      });
    }
    const clock = entry.clock ?? base?.clock ?? NEW_PRIORITY_DEFAULTS.clock;
    // One problem per priority: the clock is what is wrong, whichever targets say next-business-day.
    const businessDays = TARGET_KEYS.filter((name) => {
      const text = entry[name] !== undefined ? entry[name] : base?.[name];
      const target = typeof text === "string" ? parseDuration(text) : undefined;
      return target?.ok === true && target.target.kind === "next-business-day";
    });
    if (businessDays.length > 0 && clock === "calendar") {
      const which =
        businessDays.length === 1 && businessDays[0] === "response" ? "" : ` (${businessDays.join(", ")})`;
      ctx.addIssue({
        code: "custom",
        path: [key, "clock"],
        input: clock,
        message: `next-business-day${which} counts business days, so it needs clock: business (or give the calendar clock a duration such as "24h")`,
      });
    }
    const twin = seenLoose.get(looseKey(key));
    if (twin !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        input: key,
        message: `reads the same as ${twin} when hyphens are ignored, so a form's priority dropdown cannot tell them apart; rename one`,
      });
    }
    seenLoose.set(looseKey(key), key);
  }
  if (keys.length === 0) {
    ctx.addIssue({
      code: "custom",
      input: given,
      message: "no priority is left; keep at least one (null removes a built-in priority)",
    });
  }
}

export function mergePriorities(
  given: Record<string, Partial<PriorityConfig> | null>,
): Record<string, PriorityConfig> {
  const merged: Record<string, PriorityConfig> = {};
  for (const key of mergedKeys(DEFAULT_PRIORITIES, given)) {
    const base = own(DEFAULT_PRIORITIES, key);
    const override = own(given, key) ?? {};
    merged[key] = {
      name: override.name ?? base?.name ?? nameOfKey(key),
      label: override.label ?? base?.label ?? `priority: ${key}`,
      response: override.response ?? base?.response ?? "",
      // A metric written as null is off, even where the built-in priority times it.
      next_reply: override.next_reply !== undefined ? override.next_reply : (base?.next_reply ?? null),
      resolution: override.resolution !== undefined ? override.resolution : (base?.resolution ?? null),
      updates: override.updates !== undefined ? override.updates : (base?.updates ?? null),
      clock: override.clock ?? base?.clock ?? NEW_PRIORITY_DEFAULTS.clock,
      types: override.types !== undefined ? override.types : (base?.types ?? NEW_PRIORITY_DEFAULTS.types),
      page: override.page ?? base?.page ?? NEW_PRIORITY_DEFAULTS.page,
      color: override.color ?? base?.color ?? NEW_PRIORITY_DEFAULTS.color,
      description: override.description ?? base?.description ?? "",
    };
  }
  return merged;
}

export function checkTypeEntries(given: Record<string, unknown>, ctx: Ctx): void {
  if (tooMany(given, MAX_ITEMS.types, "types", ctx)) return;
  const keys = mergedKeys(DEFAULT_TYPES, given);
  const formOwners = new Map<string, string>();
  for (const key of keys) {
    const entry = own(given, key) ?? {};
    if (!isRecord(entry)) continue;
    const form = entry.form !== undefined ? entry.form : (own(DEFAULT_TYPES, key)?.form ?? `${key}.yml`);
    if (typeof form !== "string") continue;
    const owner = formOwners.get(form.toLowerCase());
    if (owner !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [key, "form"],
        input: form,
        message: `${form} is already the form of type ${owner}; a form files exactly one type, so give this type its own form or null`,
      });
    }
    formOwners.set(form.toLowerCase(), key);
  }
  if (keys.length === 0) {
    ctx.addIssue({
      code: "custom",
      input: given,
      message: "no type is left; keep at least one (null removes a built-in type)",
    });
  }
}

export function mergeTypes(given: Record<string, Partial<TypeConfig> | null>): Record<string, TypeConfig> {
  const merged: Record<string, TypeConfig> = {};
  for (const key of mergedKeys(DEFAULT_TYPES, given)) {
    const base = own(DEFAULT_TYPES, key);
    const override = own(given, key) ?? {};
    merged[key] = {
      name: override.name ?? base?.name ?? nameOfKey(key),
      label: override.label ?? base?.label ?? `type: ${key}`,
      form: override.form !== undefined ? override.form : (base?.form ?? `${key}.yml`),
      color: override.color ?? base?.color ?? NEW_TYPE_COLOR,
      description: override.description ?? base?.description ?? "",
    };
  }
  return merged;
}

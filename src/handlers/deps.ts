import type { Policy } from "../config/policy.js";
import { type BusinessCalendar, createCalendar } from "../domain/business-hours.js";
import type { RepoSetupCache } from "../github/repo-setup.js";
import type { KeyedMutex } from "../helpers/keyed-mutex.js";
import type { Store } from "../store/db.js";

export interface Clock {
  now(): number;
}

/** One business calendar per policy object: its per-day cache is reused across events. */
export class CalendarCache {
  private readonly calendars = new WeakMap<Policy, BusinessCalendar>();

  for(policy: Policy): BusinessCalendar {
    let calendar = this.calendars.get(policy);
    if (!calendar) {
      calendar = createCalendar(policy.calendar);
      this.calendars.set(policy, calendar);
    }
    return calendar;
  }
}

/** Everything handlers need from the outside world, built once at start-up from the environment. */
export interface AppDeps {
  store: Store;
  setups: RepoSetupCache;
  calendars: CalendarCache;
  clock: Clock;
  /** Serialises work on one issue within this process. */
  issueLocks: KeyedMutex;
}

import type { CalendarSpec } from "../domain/calendar-types.js";
import type { ChannelsPolicy } from "./sections/channels.js";

/** How the first-response target is measured. */
export type ResponseTarget = { kind: "duration"; ms: number } | { kind: "next-business-day" };
export type ClockKind = "calendar" | "business";

export interface PriorityPolicy {
  key: string;
  /** What customers read, e.g. "Urgent" (`priorities.<key>.name`). */
  name: string;
  label: string;
  response: ResponseTarget;
  clock: ClockKind;
  /** Type keys this priority may be used with; null = every type. */
  types: string[] | null;
  /** Whether a breach (and, for a calendar clock, intake) pages on-call through PagerDuty. */
  page: boolean;
  color: string;
  description: string;
}

export interface TypePolicy {
  key: string;
  /** What customers read, e.g. "Problem / troubleshooting" (`types.<key>.name`). */
  name: string;
  label: string;
  /** File name under .github/ISSUE_TEMPLATE/, or null for a type without a form. */
  form: string | null;
  color: string;
  description: string;
}

/** The validated, defaults-applied policy of one repo: what domain code and handlers consume. */
export interface Policy {
  calendar: CalendarSpec;
  /** In config order. */
  priorities: PriorityPolicy[];
  types: TypePolicy[];
  defaultPriority: string;
  defaultType: string;
  team: { associations: string[]; users: string[]; teams: string[]; ignore: string[] };
  escalation: {
    /** Fraction of the target (0 < warnAt < 1) at which an issue turns at risk. */
    warnAt: number;
    mention: string[];
    phone: string | null;
    chat: string | null;
  };
  labels: { incomplete: string; atRisk: string; breached: string };
  postMortem: { priorities: string[]; dueMs: number; requiredLabel: string; doneLabel: string };
  report: { weekly: boolean };
  /** Which PagerDuty services and Slack channels open issues here; absent in hand-built policies: none. */
  channels?: ChannelsPolicy;
}

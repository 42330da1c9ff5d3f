import type { CalendarSpec } from "./calendar-types.js";

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
  /**
   * Next-reply target (`priorities.<key>.next_reply`): a customer comment after the team's last
   * reply must be answered within it, counted from the oldest unanswered one; null = not timed.
   */
  nextReply: ResponseTarget | null;
  /**
   * Resolution target (`priorities.<key>.resolution`): creation to close (or the resolved label),
   * paused while the waiting label is on; null = not timed.
   */
  resolution: ResponseTarget | null;
  /**
   * Periodic-update interval (`priorities.<key>.updates`): while the issue is open, a team comment
   * is due at least this often; every team comment starts the next interval; null = not timed.
   */
  updates: ResponseTarget | null;
  /** Whether a breach (and, for a calendar clock, intake) pages on-call through PagerDuty. */
  page: boolean;
  color: string;
  description: string;
}

/**
 * What a first-response deadline was planned for: the priority's `response` and its `clock`, as
 * recorded with the deadline (`tracked_issues.target_*`, migration 0006), which the report shows
 * instead of the policy at hand.
 */
export type SlaTarget = Pick<PriorityPolicy, "response" | "clock">;

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

/**
 * One rung of an escalation ladder (`escalation.levels[i]`). A level fires once per timer cycle
 * when its threshold is reached, and again every `repeatMs` (on the timer's clock, pauses
 * excluded) until the timer is met or a later level fires. Levels fire in order; when several are
 * due at once (a process that was down) only the last due one fires and the earlier are skipped.
 */
export interface EscalationLevel {
  /** Shown in explanations, logs and effect keys: `at-risk`, `breach`, `level-3` … (`[a-z0-9-]+`). */
  name: string;
  /**
   * When it fires: `fraction` of the target (0.8 = 80 %, 1 = the deadline), or `ms` after the
   * deadline on the timer's clock (business ms on the business clock).
   */
  at: { kind: "fraction"; fraction: number } | { kind: "after-breach"; ms: number };
  /** Label added when it fires (the previous level's label is removed); null = none. */
  label: string | null;
  /** Post a comment on the issue. */
  comment: boolean;
  /** Handles the comment mentions (`@user`, `@org/team`). */
  mention: string[];
  /** Also mention the assignees in the comment. */
  mentionAssignees: boolean;
  /** Tell the Slack channel. */
  slack: boolean;
  /** Trigger a PagerDuty incident (one per issue cycle, as today). */
  page: boolean;
  /** Fire again this often (ms on the timer's clock) until the timer is met; null = once. */
  repeatMs: number | null;
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
    /**
     * The escalation ladder of the first-response, next-reply and resolution timers
     * (`escalation.levels`), in firing order; null = the default ladder (see `defaultLadder` in
     * domain/timers/ladder.ts: at risk at `warnAt`, breach at 100%, today's behaviour exactly).
     */
    levels: EscalationLevel[] | null;
  };
  labels: {
    incomplete: string;
    atRisk: string;
    breached: string;
    /** `labels.waiting`: a team member adds it while the team waits for the customer (pauses resolution). */
    waiting: string;
    /** `labels.resolved`: adding it meets the resolution timer like a close; null = only a close does. */
    resolved: string | null;
  };
  postMortem: {
    priorities: string[];
    dueMs: number;
    requiredLabel: string;
    doneLabel: string;
    /** `post_mortem.repeat`: the overdue reminder repeats this often (elapsed ms) until done; null = once. */
    repeatMs: number | null;
  };
  report: { weekly: boolean };
  /** Which PagerDuty services and Slack channels open issues here; absent in hand-built policies: none. */
  channels?: ChannelsPolicy;
}

/** The channels part of a repo's policy, in the app's vocabulary. */
export interface ChannelsPolicy {
  pagerduty: {
    services: string[];
    type: string;
    urgency: { high: string; low: string };
    /** PagerDuty user id → GitHub login (without `@`). */
    users: Record<string, string>;
    closeOnResolve: boolean;
    notes: boolean;
  } | null;
  slack: {
    channels: string[];
    /** null: the policy's default type. */
    type: string | null;
    priority: string;
  } | null;
}

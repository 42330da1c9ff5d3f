// Shared by the timer benchmarks (bench/burst.mjs, bench/escalation.mjs, bench/timers-scale.mjs):
// a repo config whose business calendar puts the bench's instants where the scenario needs them,
// and timers built with the app's own domain functions (startTimer, decideDue), so that what the
// scheduler reads back is exactly what the app would have stored itself. Imports the BUILT code
// (dist/, or SUPPORT_SLA_TEST_DIST), never src/.
import { availableParallelism, loadavg } from "node:os";
import { DIST, importBuilt } from "../../scripts/lib/harness.mjs";

const MINUTE = 60_000;
const HOUR = 3_600_000;
const WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** The built modules the timer benches use. */
export async function loadTimerModules() {
  const [load, hours, timer, ladder, db, intake, timers] = await Promise.all([
    importBuilt(`${DIST}/config/load.js`),
    importBuilt(`${DIST}/domain/business-hours.js`),
    importBuilt(`${DIST}/domain/timers/timer.js`),
    importBuilt(`${DIST}/domain/timers/ladder.js`),
    importBuilt(`${DIST}/store/db.js`),
    importBuilt(`${DIST}/store/intake-store.js`),
    importBuilt(`${DIST}/store/timer-store.js`),
  ]);
  return {
    parseConfig: load.parseConfig,
    createCalendar: hours.createCalendar,
    startTimer: timer.startTimer,
    decideDue: timer.decideDue,
    ladderFor: ladder.ladderFor,
    metricTarget: ladder.metricTarget,
    openStore: db.openStore,
    saveTrackedIssue: intake.saveTrackedIssue,
    saveTimers: timers.saveTimers,
    getTimers: timers.getTimers,
    claimDueTimers: timers.claimDueTimers,
    nextTimerClaimAt: timers.nextTimerClaimAt,
    releaseTimerLease: timers.releaseTimerLease,
    countTimersByState: timers.countTimersByState,
    timerRow: timers.timerRow,
  };
}

/** `instant` rounded up to the next whole minute (epoch ms). */
export function ceilMinute(instant) {
  return Math.ceil(instant / MINUTE) * MINUTE;
}

/**
 * The close-of-business calendar for an instant `close` (a whole minute): a fixed-offset IANA zone
 * (`Etc/GMT±N`, no daylight saving) in which `close` is 16:MM local, open every day 08:00-16:MM.
 * So every Normal issue opened yesterday (next-business-day) and every Urgent issue opened an hour
 * of business time earlier falls due at `close`, as on a Tuesday at close of business.
 * IANA's `Etc/GMT-5` is UTC+5 (POSIX sign), hence the inverted sign below.
 */
export function closeOfBusinessCalendar(close) {
  if (close % MINUTE !== 0) throw new Error("the close of business must be a whole minute");
  const at = new Date(close);
  let offset = 16 - at.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  const timezone = offset === 0 ? "Etc/GMT" : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
  const local = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(at);
  if (!local.startsWith("16:")) throw new Error(`${timezone}: ${at.toISOString()} is ${local}, not 16:MM`);
  return { timezone, hours: Object.fromEntries(WEEK.map((day) => [day, [`08:00-${local}`]])) };
}

/** A calendar open around the clock (UTC, every day 00:00-24:00): business time is elapsed time. */
export function alwaysOpenCalendar() {
  return { timezone: "UTC", hours: Object.fromEntries(WEEK.map((day) => [day, ["00:00-24:00"]])) };
}

/** `.github/support-sla.yml` with the bench calendar (no public holidays) and the default priorities. */
export function benchConfigYaml(calendar, extra = "") {
  const hours = Object.entries(calendar.hours)
    .map(([day, ranges]) => `  ${day}: [${ranges.map((r) => JSON.stringify(r)).join(", ")}]`)
    .join("\n");
  return `# support-sla benchmark config (written by bench/lib/timers.mjs)\ntimezone: ${calendar.timezone}\nbusiness_hours:\n${hours}\n${extra}`;
}

/** The policy and business calendar the app derives from `yaml` (the built config loader). */
export function policyOf(mods, yaml) {
  const parsed = mods.parseConfig(yaml, { source: "the bench config" });
  if (!parsed.ok) {
    throw new Error(
      `the bench config is invalid: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    );
  }
  return { policy: parsed.policy, calendar: mods.createCalendar(parsed.policy.calendar) };
}

/** The priority `key` of `policy`, with its rank (config order, 0 = most urgent). */
export function priorityOf(policy, key) {
  const rank = policy.priorities.findIndex((p) => p.key === key);
  if (rank < 0) throw new Error(`no priority ${key} in the bench policy`);
  return { priority: policy.priorities[rank], rank };
}

/**
 * A timer of `metric` for `priorityKey` whose deadline is exactly `deadline` (epoch ms), built with
 * the app's own `startTimer`. Its start is found on the priority's clock: the target before the
 * deadline when that lands on it (calendar clock, open hours), else the earliest start whose
 * deadline is `deadline` (binary search; e.g. next-business-day: just after the previous close).
 * With `atRiskFired`, the ladder's first level (the at-risk warning) has already fired, through
 * the app's own `decideDue` at its instant: the timer is `at-risk` and next due at the deadline,
 * where the breach fires. Throws when the calendar cannot put a deadline there.
 */
export function timerDueAt(
  mods,
  { policy, calendar },
  { priorityKey, metric, deadline, cycle = 1, atRiskFired },
) {
  const { priority } = priorityOf(policy, priorityKey);
  const planned = mods.metricTarget(policy, priority, metric);
  if (!planned) throw new Error(`${metric} is off for ${priorityKey} in the bench policy`);
  const ladder = mods.ladderFor(policy, priority, metric);
  const spec = { metric, cycle, clock: planned.clock, target: planned.target };
  const start = (at) => mods.startTimer(spec, at, calendar, ladder);
  const guess =
    planned.target.kind === "duration" ? deadline - planned.target.ms : deadline - 24 * HOUR - 2 * HOUR;
  let timer = start(guess);
  if (timer.deadlineAt !== deadline) {
    // Deadlines grow with the start: the smallest start whose deadline reaches `deadline`.
    let lo = deadline - 10 * 24 * HOUR;
    let hi = deadline;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if ((start(mid).deadlineAt ?? Number.POSITIVE_INFINITY) >= deadline) hi = mid;
      else lo = mid;
    }
    timer = start(hi);
  }
  if (timer.deadlineAt !== deadline) {
    throw new Error(
      `no ${metric} timer of ${priorityKey} falls due at ${new Date(deadline).toISOString()} (nearest ${new Date(timer.deadlineAt).toISOString()})`,
    );
  }
  if (atRiskFired) {
    const decision = mods.decideDue(timer, timer.nextDueAt, calendar, ladder, new Set());
    if (!decision) throw new Error(`${metric}/${priorityKey}: nothing fires at the first level's instant`);
    const atRiskAt = timer.nextDueAt;
    timer = { ...timer, ...decision.patch };
    if (timer.state !== "at-risk" || timer.nextDueAt !== deadline) {
      throw new Error(
        `${metric}/${priorityKey}: after the first level the timer is ${timer.state}, next due ${timer.nextDueAt}, not at-risk and due at the deadline`,
      );
    }
    return { timer, ladder, priority, atRiskAt };
  }
  return { timer, ladder, priority, atRiskAt: null };
}

/**
 * The tracked row of a seeded issue (what intake stores), consistent with its first-response timer.
 * `saveTimers` projects the timer onto it again; this only makes sure the row exists.
 */
export function trackedRowFor({
  repo,
  number,
  installationId,
  author,
  type,
  priority,
  timer,
  atRiskAt,
  title,
  url,
  intakeCommentId,
}) {
  return {
    repo,
    number,
    installation_id: installationId,
    author,
    type,
    priority,
    priority_override: null,
    body_priority: priority,
    intake: "valid",
    created_at: timer.startedAt,
    deadline_at: timer.deadlineAt,
    intake_comment_id: intakeCommentId,
    intake_comment_digest: null,
    updated_at: timer.startedAt,
    state: timer.state,
    cycle: timer.cycle,
    cycle_started_at: timer.startedAt,
    at_risk_at: atRiskAt ?? timer.deadlineAt,
    next_due_at: timer.nextDueAt,
    title,
    html_url: url,
  };
}

/**
 * Runs `work(storeInTx)` in one transaction of `store`: `storeInTx` is the store with its `db`
 * replaced by the transaction, whose own `transaction()` runs inline (Kysely does not nest them),
 * so the store's functions (saveTimers opens a transaction of its own) write many issues in one
 * commit. For seeding only: a failure rolls back the whole batch.
 */
export async function inOneTransaction(store, work) {
  await store.db.transaction().execute(async (trx) => {
    const db = new Proxy(trx, {
      get(target, prop) {
        if (prop === "transaction") return () => ({ execute: (fn) => fn(target) });
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    await work({ ...store, db });
  });
}

/** Seeds one issue's tracked row and timers (`writes` as for saveTimers: inserts). */
export async function seedIssue(mods, store, row, writes) {
  await mods.saveTrackedIssue(store, row);
  const ok = await mods.saveTimers(store, { repo: row.repo, number: row.number }, writes);
  if (ok === false) throw new Error(`saveTimers refused the seed of ${row.repo}#${row.number}`);
}

// ---- numbers -----------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32): the same mix on every run. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `list` in place with `random` (Fisher-Yates). */
export function shuffle(list, random) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** The cumulative buckets of a Prometheus histogram, summed over every series whose line contains `labelMatch`. */
export function histogram(text, name, labelMatch) {
  const byLe = new Map();
  let count = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || !line.includes(labelMatch)) continue;
    const value = Number(line.split(" ").at(-1));
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (line.startsWith(`${name}_bucket`) && le) {
      const bound = le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + value);
    } else if (line.startsWith(`${name}_count`)) count += value;
  }
  const buckets = [...byLe].map(([le, value]) => ({ le, value })).sort((a, b) => a.le - b.le);
  return { buckets, count };
}

/** Prometheus' histogram_quantile: linear interpolation within the bucket holding the rank. */
export function quantile({ buckets, count }, q) {
  if (count === 0 || buckets.length === 0) return Number.NaN;
  const rank = q * count;
  let lower = 0;
  let below = 0;
  for (const b of buckets) {
    if (b.value >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return lower; // the highest finite bound, as Prometheus does
      return lower + ((b.le - lower) * (rank - below)) / (b.value - below || 1);
    }
    lower = b.le;
    below = b.value;
  }
  return lower;
}

/** The machine the figures were measured on: CPUs and load average (other work skews timings). */
export function machineLine() {
  const [one, five] = loadavg();
  return `${availableParallelism()} CPUs, load average ${one.toFixed(1)} (1 min) / ${five.toFixed(1)} (5 min), Node ${process.versions.node}`;
}

/**
 * The app's own log lines at warn or above (pino JSON, level >= 40) in `output`: how many, and the
 * five most frequent messages with their counts. Messages are the app's fixed texts.
 */
export function appWarnings(output) {
  const counts = new Map();
  let total = 0;
  for (const text of output.split("\n")) {
    if (!text.startsWith("{")) continue;
    let entry;
    try {
      entry = JSON.parse(text);
    } catch {
      continue;
    }
    if (typeof entry.level !== "number" || entry.level < 40) continue;
    total++;
    const msg = String(entry.msg ?? "");
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  return { total, top: [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5) };
}

/**
 * One line about the bench process's event-loop delay (a `monitorEventLoopDelay` histogram, ns):
 * the stand-ins answer from this process, so a long delay means they, not the app, held requests.
 */
export function loopDelayLine(h) {
  const ms = (ns) => (ns / 1e6).toFixed(0);
  const verdict =
    h.max / 1e6 > 1_000 ? " (over 1 s: the stand-ins were slow to answer; figures are skewed)" : "";
  return `bench process (stand-ins) event-loop delay: p99 ${ms(h.percentile(99))} ms, max ${ms(h.max)} ms${verdict}`;
}

/** `quantile` as text; "> B" when the rank falls in the +Inf bucket (B: the highest finite bound). */
export function quantileText(hist, q, digits = 1) {
  const finite = hist.buckets.filter((b) => b.le !== Number.POSITIVE_INFINITY).at(-1);
  if (finite && hist.count > 0 && finite.value < q * hist.count) return `> ${finite.le}`;
  return fmt(quantile(hist, q), digits);
}

export const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : "n/a");

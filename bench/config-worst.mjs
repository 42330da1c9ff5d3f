// Kind 5 of issue 10: the CPU time one webhook costs for the worst config that passes
// `check-config`, against the default config, measured in the same run.
//
//   npm run build && node bench/config-worst.mjs   (SUPPORT_SLA_TEST_DIST=.dist-mine runs another build)
//
// One "webhook" is the pure work of an intake with a cold cache: parse and validate the config
// text, build a fresh business calendar, plan the deadline and the at-risk instant, render the
// intake comment. The worst config: the size limit filled, every string at its length limit,
// every list at its item limit, 12 opening ranges of one minute on every day (the slowest
// schedule: each planned date costs the most conversions), a holiday calendar, and a business-
// clock target as long as the 366-day horizon allows, so each deadline walks the whole horizon.
// Figures are CPU time (process.cpuUsage, user + system) per webhook; target ≤ 200 ms.
// Nothing here asserts; it prints.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dist = pathToFileURL(
  `${resolve(process.env.SUPPORT_SLA_TEST_DIST ?? process.env.SUPPORT_SLA_BENCH_DIST ?? "dist")}/`,
);
const load = await import(new URL("config/load.js", dist).href);
const { BusinessCalendar } = await import(new URL("domain/business-hours.js", dist).href);
const { computeDeadline, atRiskInstant } = await import(new URL("domain/deadline.js", dist).href);
const { renderIntakeComment } = await import(new URL("github/intake-comment.js", dist).href);
const { MAX_CHARS, MAX_ITEMS } = await import(new URL("config/limits.js", dist).href);
const { guaranteedBusinessMs } = await import(new URL("config/horizon.js", dist).href);

const TARGET_MS = 200;
const RUNS = Number(process.env.RUNS ?? 20);

// ---------------------------------------------------------------- the worst config

const pad = (prefix, length, fill = "x") => prefix + fill.repeat(Math.max(0, length - prefix.length));
const q = (text) => JSON.stringify(text);

function worstConfig() {
  // 12 one-minute ranges a day, every day: 84 min of business a week.
  const ranges = Array.from({ length: MAX_ITEMS.rangesPerDay }, (_, i) => {
    const h = String(i * 2).padStart(2, "0");
    return `${h}:00-${h}:01`;
  });
  const days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
  // Holidays at the item limit, one a month from 1900: about a dozen fall in any 366-day span.
  const holidays = Array.from({ length: MAX_ITEMS.holidays }, (_, i) => {
    const year = 1950 + Math.floor(i / 12);
    return `${year}-${String((i % 12) + 1).padStart(2, "0")}-15`;
  });
  const input = {
    business_hours: Object.fromEntries(days.map((d) => [d, ranges])),
    holidays,
    holiday_calendar: { country: "BE" },
  };
  // The longest business-clock target the horizon check lets through, in whole hours.
  const hours = Math.floor(guaranteedBusinessMs(input) / 3_600_000);
  const lines = [
    "timezone: America/Argentina/ComodRivadavia",
    "business_hours:",
    ...days.flatMap((d) => [`  ${d}:`, ...ranges.map((r) => `    - "${r}"`)]),
    "holidays:",
    ...holidays.map((h) => `  - "${h}"`),
    "holiday_calendar: {country: BE}",
    "priorities:",
  ];
  const keys = [];
  for (let i = 0; i < MAX_ITEMS.priorities - 3; i++) {
    const key = pad(`p${i}-`, MAX_CHARS.key, "k");
    keys.push(key);
    lines.push(
      `  ${key}:`,
      `    label: ${q(pad(`priority ${i} `, 50))}`,
      `    response: ${hours}h`,
      "    clock: business",
      "    page: true",
      `    description: ${q(pad("d", 100))}`,
    );
  }
  lines.push(
    "  production-down: null",
    "  urgent: null",
    "  normal: null",
    `default_priority: ${keys[0]}`,
    "types:",
  );
  for (let i = 0; i < MAX_ITEMS.types; i++) {
    const key = pad(`t${i}-`, MAX_CHARS.key, "k");
    lines.push(
      `  ${key}:`,
      `    label: ${q(pad(`type ${i} `, 50))}`,
      `    form: ${q(`${pad(`f${i}-`, MAX_CHARS.form - 4, "f")}.yml`)}`,
      `    description: ${q(pad("d", 100))}`,
    );
  }
  const login = (i) => pad(`u${i}-`, 39, "u");
  const team = (i) => `${pad(`o${i}-`, 39, "o")}/${pad("t", MAX_CHARS.team - 41, "t")}`;
  lines.push(
    "team:",
    "  associations: [OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR]",
    "  users:",
    ...Array.from({ length: MAX_ITEMS.people }, (_, i) => `    - ${login(i)}`),
    "  teams:",
    ...Array.from({ length: MAX_ITEMS.people }, (_, i) => `    - ${team(i)}`),
    "  ignore:",
    ...Array.from({ length: MAX_ITEMS.people }, (_, i) => `    - ${login(i + 1000)}`),
    "escalation:",
    "  warn_at: 99%",
    "  mention:",
    ...Array.from({ length: MAX_ITEMS.mentions }, (_, i) => `    - "@${team(i)}"`),
    `  phone: ${q(`+32 ${"1".repeat(MAX_CHARS.phone - 4)}`)}`,
    `  chat: ${q(`https://acme.slack.com/${"c".repeat(MAX_CHARS.url - 23)}`)}`,
    "labels:",
    `  incomplete: ${q(pad("incomplete ", 50))}`,
    `  at_risk: ${q(pad("at risk ", 50))}`,
    `  breached: ${q(pad("breached ", 50))}`,
    "post_mortem:",
    `  priorities: [${keys.slice(0, MAX_ITEMS.postMortemPriorities).join(", ")}]`,
    "  due: 8760h",
    `  required_label: ${q(pad("pm required ", 50))}`,
    `  done_label: ${q(pad("pm done ", 50))}`,
    "report: {weekly: true}",
  );
  let text = `${lines.join("\n")}\n`;
  // Fill the rest of the size limit with comment lines (the parser still reads every one).
  const room = load.MAX_CONFIG_CHARS - text.length;
  const comment = `# ${"c".repeat(78)}\n`;
  text += comment.repeat(Math.floor(room / comment.length));
  return text;
}

// ---------------------------------------------------------------- one webhook

const START = Date.parse("2026-11-27T16:30:00Z");

function webhook(text) {
  const parsed = load.parseConfig(text, { source: ".github/support-sla.yml" });
  if (!parsed.ok) throw new Error(parsed.problems.map(load.formatProblem).join("\n"));
  const { policy } = parsed;
  const calendar = new BusinessCalendar(policy.calendar); // a cold calendar: no cached blocks
  const priority = policy.priorities.find((p) => p.key === policy.defaultPriority) ?? policy.priorities[0];
  const deadline = computeDeadline(calendar, priority, START);
  const atRisk = atRiskInstant(calendar, priority, START, deadline, policy.escalation.warnAt);
  const body = renderIntakeComment({
    typeLabel: policy.types[0].label,
    priorityLabel: priority.label,
    productionDown: true,
    pagesNow: true,
    deadlineMs: deadline,
    timezone: policy.calendar.timezone,
    intake: "valid",
    errors: [],
    notes: [],
    formLinks: null,
    phone: policy.escalation.phone,
    chat: policy.escalation.chat,
  });
  return { deadline, atRisk, size: body.length };
}

function measure(text) {
  webhook(text); // warm the JIT, not the caches (each run parses and fills anew)
  const samples = [];
  let last;
  for (let i = 0; i < RUNS; i++) {
    const before = process.cpuUsage();
    last = webhook(text);
    const used = process.cpuUsage(before);
    samples.push((used.user + used.system) / 1000);
  }
  samples.sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { mean, p50: samples[Math.floor(samples.length / 2)], max: samples[samples.length - 1], last };
}

const worst = worstConfig();
if (process.env.DUMP) (await import("node:fs")).writeFileSync(process.env.DUMP, worst);
const check = load.parseConfig(worst);
if (!check.ok) {
  console.error("the worst config does not pass check-config:");
  for (const p of check.problems) console.error(`  ${load.formatProblem(p)}`);
  process.exit(1);
}
const baseline = measure("");
const result = measure(worst);
const days = (r) => ((r.last.deadline - START) / 86_400_000).toFixed(1);
const ms = (n) => `${n.toFixed(2)} ms`;

// A config that fails: a 256 KB time zone (the "did you mean" case), CPU time to refuse it.
const hostile = `timezone: ${"Europe/Brussels".padEnd(load.MAX_CONFIG_CHARS - 20, "s")}\n`;
const refuseBefore = process.cpuUsage();
const refused = load.parseConfig(hostile);
const refuseUsed = process.cpuUsage(refuseBefore);

console.log(`dist: ${dist.pathname}   runs: ${RUNS}`);
console.log(
  `worst config: ${worst.length} characters (limit ${load.MAX_CONFIG_CHARS}), deadline ${days(result)} days after opening`,
);
console.log("CPU time per webhook (parse + validate + fresh calendar + deadline + at-risk + comment):");
console.log(
  `  default config  mean ${ms(baseline.mean)}  p50 ${ms(baseline.p50)}  max ${ms(baseline.max)}  (deadline ${days(baseline)} days)`,
);
console.log(
  `  worst config    mean ${ms(result.mean)}  p50 ${ms(result.p50)}  max ${ms(result.max)}  (${(result.mean / baseline.mean).toFixed(1)}× the default)`,
);
console.log(`  target ≤ ${TARGET_MS} ms: ${result.max <= TARGET_MS ? "met" : "NOT met"} (max)`);
console.log(
  `refusing a ${hostile.length}-character timezone: ${ms((refuseUsed.user + refuseUsed.system) / 1000)} CPU, ${refused.ok ? "accepted?!" : `${refused.problems.length} problem(s)`}`,
);

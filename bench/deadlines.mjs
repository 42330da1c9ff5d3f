// Deadlines per second: our business-hours engine against moment-business-time, same schedule
// (Europe/Brussels, Mon–Fri 09:00–17:00), same holidays (Belgian public holidays 2026–2028 as an
// explicit list), same start instants spread deterministically over 2026.
//
//   npx tsc -p tsconfig.build.json && node bench/deadlines.mjs
//
// Builds are imported from dist/; nothing here is a test (no timing assertions anywhere).
import { cpus } from "node:os";
import moment from "moment-timezone";
import { BusinessCalendar, createCalendar } from "../dist/domain/business-hours.js";
import { computeDeadline } from "../dist/domain/deadline.js";
import { publicHolidayDates } from "../dist/domain/holidays.js";

await import("moment-business-time"); // patches the moment instance moment-timezone shares

const TZ = "Europe/Brussels";
const HOUR = 3_600_000;
const OFFICE = [{ start: 9 * 60, end: 17 * 60 }];
const holidays = [2026, 2027, 2028].flatMap((year) => [
  ...publicHolidayDates({ country: "BE" }, year).keys(),
]);
const spec = {
  timezone: TZ,
  week: {
    monday: OFFICE,
    tuesday: OFFICE,
    wednesday: OFFICE,
    thursday: OFFICE,
    friday: OFFICE,
    saturday: [],
    sunday: [],
  },
  holidays,
};
const calendar = createCalendar(spec);

moment.updateLocale("en", {
  workinghours: {
    0: null,
    1: ["09:00:00", "17:00:00"],
    2: ["09:00:00", "17:00:00"],
    3: ["09:00:00", "17:00:00"],
    4: ["09:00:00", "17:00:00"],
    5: ["09:00:00", "17:00:00"],
    6: null,
  },
  holidays,
});

// Deterministic spread over 2026: a stride co-prime with the year's length in seconds scatters the
// starts over every day and time of day in a scrambled order, so consecutive calls rarely share a day.
const YEAR_START = Date.UTC(2026, 0, 1);
const YEAR_SECONDS = 365 * 86_400;
const starts = Array.from({ length: 20_000 }, (_, k) => YEAR_START + ((k * 7_919_993) % YEAR_SECONDS) * 1000);

const urgent = { response: { kind: "duration", ms: HOUR }, clock: "business" };
const normal = { response: { kind: "next-business-day" }, clock: "business" };
const businessHours = (hours) => ({ response: { kind: "duration", ms: hours * HOUR }, clock: "business" });

const ours = {
  "1 h business": (t) => computeDeadline(calendar, urgent, t),
  "next-business-day": (t) => computeDeadline(calendar, normal, t),
  "40 h business": (t) => computeDeadline(calendar, businessHours(40), t),
};
const viaMoment = {
  "1 h business": (t) => moment.tz(t, TZ).addWorkingTime(1, "hours").valueOf(),
  "next-business-day": (t) =>
    moment.tz(t, TZ).nextWorkingDay().hours(17).minutes(0).seconds(0).milliseconds(0).valueOf(),
  "40 h business": (t) => moment.tz(t, TZ).addWorkingTime(40, "hours").valueOf(),
};

let sink = 0;
/**
 * Calls per second of fn cycling over `inputs` until `budgetMs` has passed, after `warmup` untimed
 * calls; also returns the results of the first pass (as far as it got) to compare engines.
 */
function measure(fn, inputs, budgetMs, warmup) {
  for (let k = 0; k < warmup; k++) sink ^= fn(inputs[k % inputs.length]);
  const results = [];
  let calls = 0;
  let elapsed = 0;
  const begin = performance.now();
  for (;;) {
    const result = fn(inputs[calls % inputs.length]);
    if (calls < inputs.length) results.push(result);
    sink ^= result;
    calls++;
    if ((calls & 63) === 0) {
      elapsed = performance.now() - begin;
      if (elapsed >= budgetMs) break;
    }
  }
  return { perSecond: (calls / elapsed) * 1000, nsPerCall: (elapsed * 1e6) / calls, results };
}

const fmt = (n) => Math.round(n).toLocaleString("en-US");

console.log(`node ${process.version}, ${cpus().length} CPU(s): ${cpus()[0]?.model ?? "?"}`);
console.log(
  `schedule ${TZ} Mon–Fri 09:00–17:00, ${holidays.length} holidays, ${starts.length} starts over 2026\n`,
);

// Cold start: a fresh calendar (no memo) and its first deadline, which fills one 64-day block.
for (const label of ["first in this process", "another one"]) {
  const begin = performance.now();
  const fresh = new BusinessCalendar(spec);
  sink ^= fresh.addBusinessTime(starts[label.length * 97], HOUR);
  console.log(
    `cold start (new calendar + first deadline), ${label}: ${(performance.now() - begin).toFixed(2)} ms`,
  );
}

console.log("\n(agree = results identical to the millisecond, over the starts moment got through)");
console.log("case                 ours/s        moment/s      ours/moment   agree");
for (const name of Object.keys(ours)) {
  const a = measure(ours[name], starts, 1_500, starts.length);
  const b = measure(viaMoment[name], starts, 2_000, 20);
  const agree = b.results.filter((result, k) => result === a.results[k]).length;
  console.log(
    `${name.padEnd(20)} ${fmt(a.perSecond).padStart(12)} ${fmt(b.perSecond).padStart(14)} ${`${(a.perSecond / b.perSecond).toFixed(0)}×`.padStart(13)}   ${agree}/${b.results.length}`,
  );
}

console.log("\ncost vs business days spanned (ns per deadline)");
const spans = [
  [8, 1],
  [80, 10],
  [800, 100],
];
const line = [];
const momentLine = [];
for (const [hours, days] of spans) {
  const target = businessHours(hours);
  const a = measure((t) => computeDeadline(calendar, target, t), starts, 1_000, starts.length);
  line.push(`${`${hours} h (${days} d)`.padEnd(13)} ${fmt(a.nsPerCall).padStart(12)} ns`);
  const b = measure((t) => moment.tz(t, TZ).addWorkingTime(hours, "hours").valueOf(), starts, 1_500, 3);
  momentLine.push(`${`${hours} h (${days} d)`.padEnd(13)} ${fmt(b.nsPerCall).padStart(12)} ns`);
}
console.log(`ours:   ${line.join("   ")}`);
console.log(`moment: ${momentLine.join("   ")}`);
console.log(`\n(checksum ${sink})`);

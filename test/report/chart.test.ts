import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../../src/config/load.js";
import { buildReport } from "../../src/report/aggregate.js";
import {
  BAR_MARK,
  CHART_STATES,
  chartSpec,
  chartView,
  renderChartPng,
  renderChartSvg,
} from "../../src/report/chart.js";
import type { ReportRow, SlaReport } from "../../src/report/types.js";
import { MIN, NOW, nov, SEED, type SeedRow, toTracked } from "./seed.js";
import { barsOf, overlap, sceneBoxes, xmlProblems } from "./svg.js";

const policy = defaultPolicy();
const rowsOf = (seed: SeedRow[]) => seed.map((row) => ({ ...toTracked(row) }) as ReportRow);
const reportOf = (seed: SeedRow[], options: { since?: number } = {}) =>
  buildReport(rowsOf(seed), { repo: "acme/app", now: NOW, policy, ...options });
const report = reportOf(SEED);
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const NAMES = ["Production down", "Urgent", "Normal"];

/** The demo's story: one Urgent issue (8 s target) nobody answered, escalated. Nothing else. */
const LONE_BREACH: SeedRow[] = [
  {
    number: 1,
    priority: "urgent",
    type: "problem",
    state: "breached",
    start: nov(25, 11),
    deadline: nov(25, 11) + 8_000,
    target: { response: { kind: "duration", ms: 8_000 }, clock: "business" },
  },
];

/** `Urgent, breached: 3 of 9 issues …` → ["Urgent", "breached", 3]. */
function parseBar(label: string): [string, string, number] {
  const match = /^(.+?), (met|breached|still running): (\d+) of /.exec(label);
  if (!match) throw new Error(`unexpected bar label ${JSON.stringify(label)}`);
  return [match[1] ?? "", match[2] ?? "", Number(match[3])];
}

async function scene(r: SlaReport) {
  const view = chartView(r);
  try {
    await view.runAsync();
    // Vega's types leave out the scenegraph's root, which it documents and returns.
    return sceneBoxes((view.scenegraph() as unknown as { root: unknown }).root);
  } finally {
    view.finalize();
  }
}

describe("chart: met, breached and still running per priority", () => {
  it("is a Vega-Lite spec of grouped bars with their counts, and no line or text inside the plot", () => {
    const spec = chartSpec(report) as unknown as { layer: { name?: string; mark: { type: string } }[] };
    expect(spec.layer.map((l) => l.mark.type)).toEqual(["bar", "text"]);
    expect(spec.layer[0]?.name).toBe(BAR_MARK);
  });

  it("draws one bar per state per priority, in policy order, each as tall as its count", async () => {
    const svg = await renderChartSvg(report);
    expect(xmlProblems(svg)).toEqual([]);
    const bars = barsOf(svg, `${BAR_MARK}_marks`);
    expect(bars.map((b) => parseBar(b.label).slice(0, 2))).toEqual(
      NAMES.flatMap((name) => CHART_STATES.map((state) => [name, state])),
    );
    // From the seed: production-down 1 met, 1 breached; urgent 3, 3 (2 unanswered), 2 running;
    // normal 1, 2, 1. The unanswered issues are counted: breached past the deadline, or running.
    expect(bars.map((b) => parseBar(b.label)[2])).toEqual([1, 1, 0, 3, 3, 2, 1, 2, 1]);
    const unit = bars[0]?.height ?? 0;
    expect(unit).toBeGreaterThan(0);
    for (const bar of bars) expect(bar.height).toBeCloseTo(unit * parseBar(bar.label)[2], 6);
    expect(new Set(bars.filter((_, i) => i % 3 === 1).map((b) => b.fill)).size).toBe(1);
    expect(bars[4]?.label).toBe(
      "Urgent, breached: 3 of 9 issues (1 answered late, 2 unanswered); attainment 50% (3 of 6); target 1 h business time",
    );
  });

  it("names each priority's target and attainment under its bars, and the totals in the subtitle", async () => {
    const labels = (await scene(report)).filter((b) => b.role === "axis-label").map((b) => b.text);
    expect(labels).toContain("Urgent\ntarget: 1 h business time\nattainment 50% (3 of 6)");
    expect(labels).toContain("Normal\ntarget: next business day\nattainment 33.3% (1 of 3)");
    const svg = await renderChartSvg(report);
    expect(svg).toContain(
      "All priorities: 5 met, 6 breached, 3 still running, 1 cancelled (not counted); attainment 45.5% (5 of 11)",
    );
  });

  it("a repo at 0% with one unanswered breach shows a red bar and 0%, not an empty chart", async () => {
    const lone = reportOf(LONE_BREACH);
    const svg = await renderChartSvg(lone);
    const bars = barsOf(svg, `${BAR_MARK}_marks`);
    const urgent = bars.filter((b) => parseBar(b.label)[0] === "Urgent");
    expect(urgent.map((b) => [parseBar(b.label)[1], b.height > 0])).toEqual([
      ["met", false],
      ["breached", true],
      ["still running", false],
    ]);
    expect(urgent[1]?.fill).toBe("#cf222e");
    expect(urgent[1]?.label).toContain(
      "1 of 1 issue (1 unanswered); attainment 0% (0 of 1); target 8 s business time",
    );
    const labels = (await scene(lone)).filter((b) => b.role === "axis-label").map((b) => b.text);
    expect(labels).toContain("Urgent\ntarget: 8 s business time\nattainment 0% (0 of 1)");
    expect(svg).not.toContain("no answered issues");
  });

  it("a still-running unanswered issue has its bar", async () => {
    const running = reportOf([
      { ...(LONE_BREACH[0] as SeedRow), state: "pending", deadline: NOW + 10 * MIN },
    ]);
    const bars = barsOf(await renderChartSvg(running), `${BAR_MARK}_marks`);
    const urgent = bars.filter((b) => parseBar(b.label)[0] === "Urgent");
    expect(urgent.map((b) => b.height > 0)).toEqual([false, false, true]);
    expect(urgent[2]?.label).toContain("attainment — (none due yet)");
  });

  it.each([
    ["the seeded repo", report],
    ["a lone breach", reportOf(LONE_BREACH)],
    ["an empty window", reportOf(SEED, { since: NOW + MIN })],
    [
      "mixed targets",
      reportOf([
        ...SEED,
        ...[20, 21, 22].map((n) => ({
          ...(LONE_BREACH[0] as SeedRow),
          number: n,
          target: { response: { kind: "duration" as const, ms: n * 1000 }, clock: "business" as const },
        })),
      ]),
    ],
  ])("no text sits on a bar or on another text: %s", async (_, r) => {
    const boxes = await scene(r);
    const bars = boxes.filter((b) => b.marktype === "rect" && b.role === "mark");
    const texts = boxes.filter((b) => b.marktype === "text" && b.text !== "");
    expect(bars).toHaveLength(NAMES.length * CHART_STATES.length);
    expect(texts.length).toBeGreaterThan(NAMES.length * CHART_STATES.length);
    const onBars = texts.flatMap((t) => bars.filter((b) => overlap(t, b)).map(() => t.text));
    expect(onBars).toEqual([]);
    const clashes = texts.flatMap((t, i) =>
      texts.slice(i + 1).flatMap((u) => (overlap(t, u) ? [`${t.text} / ${u.text}`] : [])),
    );
    expect(clashes).toEqual([]);
  });

  it("the overlap check itself sees a label placed on a bar", () => {
    const box = (x1: number, y1: number, x2: number, y2: number) => ({
      marktype: "",
      role: "",
      text: "",
      x1,
      y1,
      x2,
      y2,
    });
    expect(overlap(box(0, 0, 10, 10), box(5, 5, 20, 20))).toBe(true);
    expect(overlap(box(0, 0, 10, 10), box(10, 0, 20, 10))).toBe(false);
    expect(overlap(box(0, 0, 10, 10), box(2, 10, 8, 10))).toBe(false);
  });

  it("rasterises to PNG", async () => {
    const png = await renderChartPng(await renderChartSvg(report));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    expect(png.length).toBeGreaterThan(5_000);
  });
});

import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { formatPercent } from "./markdown.js";
import {
  REPORT_METRICS,
  type ReportMetricKey,
  type ReportStats,
  type ReportTimerStats,
  type SlaReport,
} from "./types.js";

/** The name of the bar layer: its Vega marks group carries `${BAR_MARK}_marks` as a class. */
export const BAR_MARK = "outcome_bars";

/** The outcomes the chart shows per priority, in bar order; cancelled issues (and timers) are left out. */
export const CHART_STATES = ["met", "breached", "still running"] as const;
export type ChartState = (typeof CHART_STATES)[number];

const COLORS: Record<ChartState, string> = {
  met: "#2da44e",
  breached: "#cf222e",
  "still running": "#0969da",
};

/** Characters per line of an axis label: the text stays within its priority's band. */
const LABEL_LINE_CHARS = 36;

interface ChartDatum {
  /** The x band: the priority's axis label, one `\n`-separated line per row of text. */
  axis: string;
  state: ChartState;
  count: number;
  /** What a screen reader (and the SVG's `aria-label`) says about the bar. */
  description: string;
}

/** What the chart draws: the first response (the default) or one of the timed metrics. */
export type ChartMetric = "first_response" | ReportMetricKey;

/** One group's figures, whatever the metric: issues for the first response, timers for the others. */
interface BarStats {
  total: number;
  met: number;
  breached: number;
  /** Of breached: met after the deadline. */
  late: number;
  /** Of breached: not met. */
  unmet: number;
  running: number;
  cancelled: number;
  attainment: number | null;
}

/** How the chart names a metric's things. */
interface ChartWords {
  noun: string;
  late: string;
  unmet: string;
  title: string;
  /** What the three bars mean. */
  legend: string;
}

const fromIssues = (s: ReportStats): BarStats => ({
  total: s.issues,
  met: s.met,
  breached: s.breached,
  late: s.breachedAnswered,
  unmet: s.breachedUnanswered,
  running: s.running,
  cancelled: s.cancelled,
  attainment: s.attainment,
});

const fromTimers = (s: ReportTimerStats): BarStats => ({
  total: s.timers,
  met: s.met,
  breached: s.breached,
  late: s.breachedMet,
  unmet: s.breachedOpen,
  running: s.running,
  cancelled: s.cancelled,
  attainment: s.attainment,
});

const LEGENDS: Record<ChartMetric, string> = {
  first_response:
    "met, breached (answered late or not at all) and still running (unanswered, deadline ahead)",
  next_reply:
    "replies owed: met, breached (answered late or not at all) and still running (unanswered, deadline ahead)",
  resolution:
    "met, breached (resolved late, or unresolved past the deadline) and still running (deadline ahead); paused time does not count",
};

/** One group of bars per priority: its name, its targets and its figures. */
interface ChartGroup {
  name: string;
  target: string;
  stats: BarStats;
}

/**
 * The chart's groups and words for `metric`. The first response shows every priority of the
 * report; a timed metric shows the priorities that had timers of it. Throws when the report was
 * built without timers and a timed metric is asked for.
 */
function chartInput(
  report: SlaReport,
  metric: ChartMetric,
): { groups: ChartGroup[]; overall: BarStats; words: ChartWords } {
  const named = (key: string) => report.priorities.find((x) => x.key === key);
  if (metric === "first_response") {
    return {
      groups: report.byPriority.map(({ priority, stats }) => ({
        name: named(priority)?.name ?? priority,
        target: named(priority)?.target ?? "—",
        stats: fromIssues(stats),
      })),
      overall: fromIssues(report.overall),
      words: {
        noun: "issue",
        late: "answered late",
        unmet: "unanswered",
        title: "First response",
        legend: LEGENDS.first_response,
      },
    };
  }
  const figures = report.metrics?.find((m) => m.metric === metric);
  const meta = REPORT_METRICS.find((m) => m.key === metric);
  if (!figures || !meta) throw new Error(`the report has no ${metric} figures: it was built without timers`);
  return {
    groups: figures.byPriority
      .filter((p) => p.stats.timers + p.stats.cancelled > 0)
      .map((p) => ({
        name: named(p.priority)?.name ?? p.priority,
        target: p.target,
        stats: fromTimers(p.stats),
      })),
    overall: fromTimers(figures.overall),
    words: {
      noun: "timer",
      late: meta.metLate,
      unmet: meta.unmet,
      title: meta.name,
      legend: LEGENDS[metric],
    },
  };
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;

/** `attainment 0% (0 of 1)`, or why there is none. */
function attainmentText(s: BarStats, noun: string): string {
  if (s.total === 0) return `no ${noun}s`;
  if (s.attainment === null) return "attainment — (none due yet)";
  return `attainment ${formatPercent(s.attainment)} (${s.met} of ${s.met + s.breached})`;
}

function countOf(s: BarStats, state: ChartState): number {
  if (state === "met") return s.met;
  if (state === "breached") return s.breached;
  return s.running;
}

function detail(s: BarStats, state: ChartState, words: ChartWords): string {
  if (state !== "breached" || s.breached === 0) return "";
  const parts = [
    s.late > 0 ? `${s.late} ${words.late}` : "",
    s.unmet > 0 ? `${s.unmet} ${words.unmet}` : "",
  ].filter(Boolean);
  return ` (${parts.join(", ")})`;
}

function chartData(groups: readonly ChartGroup[], words: ChartWords): ChartDatum[] {
  return groups.flatMap(({ name, target, stats }) => {
    // Several targets: one per line (then wrapped), so each reads as a whole.
    const targetLines = `target: ${target}`.split("; ").flatMap((t) => wrapWords(t, LABEL_LINE_CHARS));
    const axis = [
      name,
      ...targetLines,
      ...wrapWords(attainmentText(stats, words.noun), LABEL_LINE_CHARS),
    ].join("\n");
    return CHART_STATES.map((state) => {
      const count = countOf(stats, state);
      return {
        axis,
        state,
        count,
        description:
          `${name}, ${state}: ${count} of ${plural(stats.total, words.noun)}` +
          `${detail(stats, state, words)}; ${attainmentText(stats, words.noun)}; target ${target}`,
      };
    });
  });
}

function overallText(s: BarStats, noun: string): string {
  return (
    `All priorities: ${s.met} met, ${s.breached} breached, ${s.running} still running` +
    `${s.cancelled > 0 ? `, ${s.cancelled} cancelled (not counted)` : ""}; ${attainmentText(s, noun)}`
  );
}

/**
 * Per priority, one bar per outcome: met, breached (answered late or not at all) and still
 * running (unanswered, deadline ahead), each with its count above it, so a priority whose only
 * issue breached shows a red bar and "attainment 0% (0 of 1)" rather than an empty plot. The
 * priority's axis label names it, the targets its issues were tracked under and its attainment
 * (met / (met + breached)); the legend names the colours. Every text sits outside the bars:
 * counts above them, names below the axis, the legend above the plot.
 *
 * Grouped bars are Vega-Lite's `xOffset` channel ("Grouped Bar Chart",
 * https://vega.github.io/vega-lite/examples/bar_grouped.html), with the step set per bar
 * (`width.step` `for: "offset"`). Bars keep the default band size: a relative `width.band` is not
 * applied to the offset channel and shifts the bars off their labels (vega/vega-lite#9177). Each
 * bar's `description` channel ("Encoding", https://vega.github.io/vega-lite/docs/encoding.html)
 * becomes its SVG `aria-label`, which the tests read back.
 *
 * `metric` `next_reply` or `resolution` draws the same chart of that metric's timers (a report
 * built with timers; otherwise it throws), for the priorities that had any: a bar counts timers,
 * the labels name the targets the timers ran under.
 */
export function chartSpec(report: SlaReport, metric: ChartMetric = "first_response"): TopLevelSpec {
  const { groups, overall, words } = chartInput(report, metric);
  const data = chartData(groups, words);
  const most = Math.max(0, ...data.map((d) => d.count));
  // Room above the tallest bar for its count; at least 1 so an empty report still has a scale.
  const top = Math.max(1, Math.ceil(most * 1.15));
  const x = {
    field: "axis",
    type: "nominal",
    sort: null,
    title: null,
    axis: { labelAngle: 0, labelExpr: "split(datum.label, '\\n')", labelLimit: 0, labelPadding: 6 },
  } as const;
  const xOffset = {
    field: "state",
    type: "nominal",
    sort: [...CHART_STATES],
    scale: { paddingInner: 0.2 },
  } as const;
  const y = {
    field: "count",
    type: "quantitative",
    title: `${words.noun}s`,
    // A mutable array: vega-lite's types take no readonly tuple.
    scale: { domain: [0, top] as number[], nice: true },
    axis: { tickMinStep: 1, format: "d" },
  } as const;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `${words.title} by priority: ${report.repo}`,
      subtitle: [words.legend, overallText(overall, words.noun)],
      anchor: "start",
    },
    background: "white",
    padding: 12,
    // The step is per bar (the offset band): three bars of 80 px make a 240 px band per priority.
    width: { step: 80, for: "offset" },
    height: 260,
    data: { values: data },
    layer: [
      {
        name: BAR_MARK,
        mark: { type: "bar" },
        encoding: {
          x,
          xOffset,
          y,
          color: {
            field: "state",
            type: "nominal",
            title: null,
            scale: { domain: [...CHART_STATES], range: CHART_STATES.map((s) => COLORS[s]) },
            legend: { orient: "top", direction: "horizontal" },
          },
          description: { field: "description" },
        },
      },
      {
        mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 11, aria: false },
        encoding: { x, xOffset, y, text: { field: "count", type: "quantitative", format: "d" } },
      },
    ],
  };
  return spec;
}

/** A Vega view of the chart, not rendered to any surface (for SVG output and for tests). */
export function chartView(report: SlaReport, metric: ChartMetric = "first_response"): View {
  return new View(parse(compile(chartSpec(report, metric)).spec), { renderer: "none" });
}

/** The chart (of `metric`, see {@link chartSpec}) as a standalone SVG document, rendered headless by Vega. */
export async function renderChartSvg(
  report: SlaReport,
  metric: ChartMetric = "first_response",
): Promise<string> {
  const view = chartView(report, metric);
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * The SVG rasterised to PNG by resvg (a prebuilt native binary from the npm registry, loaded only
 * here so the rest of the CLI runs where it is missing). Text uses the system's fonts.
 */
export async function renderChartPng(svg: string): Promise<Uint8Array> {
  const { Resvg } = await import("@resvg/resvg-js");
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: 2 },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}

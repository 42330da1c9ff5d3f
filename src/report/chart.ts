import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { formatDuration } from "../domain/duration.js";
import type { SlaReport } from "./types.js";

/** The name of the bar layer: its Vega marks group carries `${BAR_MARK}_marks` as a class. */
export const BAR_MARK = "priority_bars";

const OVER = "#cf222e";
const UNDER = "#2da44e";
const EMPTY = "#8c959f";

interface ChartDatum {
  priority: string;
  axisLabel: string;
  /** Median first response as % of the time its deadline allowed; 0 when nothing was answered. */
  percent: number;
  answered: number;
  text: string;
  description: string;
}

function chartData(report: SlaReport): ChartDatum[] {
  return report.byPriority.map(({ priority, stats }) => {
    const p = report.priorities.find((x) => x.key === priority);
    const name = p?.name ?? priority;
    const median = stats.ofTarget.median;
    const percent = median === null ? 0 : Math.round(median * 1000) / 10;
    const business = stats.businessMs.median;
    const text =
      median === null || business === null
        ? "no answered issues"
        : `${formatDuration(business)}, ${percent}% (n=${stats.answered})`;
    return {
      priority: name,
      axisLabel: `${name}\ntarget: ${p?.target ?? "?"}`,
      percent,
      answered: stats.answered,
      text,
      description: `${name}: median first response ${text}; target ${p?.target ?? "unknown"}`,
    };
  });
}

/**
 * One bar per priority: the median first-response time as a percentage of the time each issue's
 * deadline allowed (on the priority's clock), against a rule at 100% (the deadline). Normalising
 * puts a 30-minute and a next-business-day target on one axis; the label gives the time itself.
 */
export function chartSpec(report: SlaReport): TopLevelSpec {
  const data = chartData(report);
  // Not shared through a top-level encoding: the rule must span the plot, not sit in one band.
  const x = {
    field: "axisLabel",
    type: "nominal",
    sort: null,
    title: null,
    axis: { labelAngle: 0, labelExpr: "split(datum.label, '\\n')", labelLimit: 400 },
  } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `First response against target: ${report.repo}`,
      subtitle: "median time to first response (business time) as % of the time its deadline allowed",
    },
    background: "white",
    padding: 12,
    width: { step: 180 },
    height: 260,
    data: { values: data },
    layer: [
      {
        name: BAR_MARK,
        mark: { type: "bar", width: { band: 0.6 } },
        encoding: {
          x,
          y: {
            field: "percent",
            type: "quantitative",
            title: "median first response, % of target",
            scale: { domainMin: 0, nice: true },
          },
          color: {
            condition: [
              { test: "datum.answered === 0", value: EMPTY },
              { test: "datum.percent > 100", value: OVER },
            ],
            value: UNDER,
          },
          description: { field: "description" },
        },
      },
      {
        mark: { type: "text", dy: -6, baseline: "bottom", fontSize: 11 },
        encoding: { x, y: { field: "percent", type: "quantitative" }, text: { field: "text" } },
      },
      {
        mark: { type: "rule", color: OVER, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { datum: 100 } },
      },
      {
        mark: { type: "text", align: "right", baseline: "bottom", dx: -4, dy: -3, color: OVER, fontSize: 11 },
        encoding: { x: { value: "width" }, y: { datum: 100 }, text: { value: "deadline (100%)" } },
      },
    ],
  } as TopLevelSpec;
}

/** The chart as a standalone SVG document, rendered headless by Vega. */
export async function renderChartSvg(report: SlaReport): Promise<string> {
  const view = new View(parse(compile(chartSpec(report)).spec), { renderer: "none" });
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

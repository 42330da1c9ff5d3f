import { describe, expect, it } from "vitest";
import { defaultPolicy } from "../../src/config/load.js";
import { buildReport } from "../../src/report/aggregate.js";
import { renderChartSvg } from "../../src/report/chart.js";
import { formatPercent, renderMarkdown } from "../../src/report/markdown.js";
import type { ReportRow } from "../../src/report/types.js";
import { NOW, nov, SEED, toTracked } from "./seed.js";
import { xmlProblems } from "./svg.js";

const policy = defaultPolicy();
// The aggregation is pure: the rows can come straight from the seed, as the store returns them.
const rows = SEED.map((row) => ({ ...toTracked(row) }) as ReportRow);
const report = buildReport(rows, { repo: "acme/app", now: NOW, policy });

describe("renderMarkdown", () => {
  const md = renderMarkdown(report);

  it("has the totals per priority with the overall line", () => {
    expect(md).toContain("## Totals by priority");
    expect(md).toContain(
      "| Urgent | 1 h business time | 9 | 3 | 3 (2 unanswered) | 2 | 1 | 50% | 40 min | 2 h 30 min | 40 min | 16 h 45 min |",
    );
    expect(md).toContain(
      "| **All** |  | **15** | **5** | **6 (3 unanswered)** | **3** | **1** | **45.5%** | **45 min** | **10 h 30 min** | **1 h** | **90 h 30 min** |",
    );
  });

  it("has a table per priority by type, and says so when a priority had no issues", () => {
    expect(md).toContain("### Normal (target: next business day)");
    expect(md).toContain(
      "| Guidance | 2 | 0 | 1 | 1 | 0 | 0% | 10 h 30 min | 10 h 30 min | 90 h 30 min | 90 h 30 min |",
    );
    const quiet = renderMarkdown(
      buildReport(rows, { repo: "acme/app", since: nov(23, 0), now: NOW, policy }),
    );
    expect(quiet).toMatch(/### Production down \(target: 30 min, 24\/7\)\n\nNo issues\./);
  });

  it("lists breaches with links, neutralised titles, the reply or 'no reply yet', and how overdue", () => {
    expect(md).toContain("## Breaches (6)");
    expect(md).toContain(
      "| [acme/app#4](https://github.com/acme/app/issues/4) Issue 4 \\| @\u200Dsomeone \\[x\\]\\(y\\) | Urgent | Problem | Mon 23 Nov 2026, 15:00 CET | no reply yet | 46 h and counting |",
    );
    expect(md).toContain("| Sun 22 Nov 2026, 22:00 CET by engineer | 30 min |");
    expect(md).toContain("| none (closed without a reply) | 17 h |");
    expect(md).not.toMatch(/(^|[^\u200D])@someone/);
  });

  it("says what the figures mean and when it was generated", () => {
    expect(md).toContain("Attainment = met / (met + breached)");
    expect(md).toContain("nearest-rank percentiles");
    expect(md).toContain("Generated at Wed 25 Nov 2026, 13:00 CET (2026-11-25 12:00 UTC) by support-sla.");
    expect(md).toContain("Every tracked issue.");
  });

  it("describes the window in the policy's zone, and caps the breaches listed when asked", () => {
    const week = buildReport(rows, {
      repo: "acme/app",
      since: nov(22, 23),
      until: nov(29, 23),
      now: NOW,
      policy,
    });
    const text = renderMarkdown(week, { level: 2, maxBreaches: 2 });
    expect(text).toContain(
      "Issues whose clock started from Mon 23 Nov 2026, 00:00 CET up to (not including) Mon 30 Nov 2026, 00:00 CET.",
    );
    expect(text.startsWith("## SLA report: acme/app")).toBe(true);
    expect(text).toContain(`### Breaches (${week.breaches.length})`);
    expect(text).toContain(`…and ${week.breaches.length - 2} more, with later deadlines.`);
  });

  it("formats attainment as a percentage with one decimal, and a missing one as a dash", () => {
    expect([formatPercent(1), formatPercent(5 / 11), formatPercent(1 / 3), formatPercent(null)]).toEqual([
      "100%",
      "45.5%",
      "33.3%",
      "—",
    ]);
  });
});

describe("JSON", () => {
  it("round-trips through JSON with the documented top-level shape", () => {
    const parsed = JSON.parse(JSON.stringify(report));
    expect(parsed).toEqual(report);
    expect(Object.keys(parsed)).toEqual([
      "format",
      "repo",
      "generatedAt",
      "timezone",
      "window",
      "priorities",
      "types",
      "cells",
      "byPriority",
      "overall",
      "breaches",
      "byChannel",
    ]);
    expect(parsed).toMatchObject({
      format: "support-sla.report/1",
      generatedAt: "2026-11-25T12:00:00.000Z",
      timezone: "Europe/Brussels",
      window: { since: null, until: null },
    });
  });
});

describe("chart SVG", () => {
  it("the well-formedness check itself catches broken documents", () => {
    expect(xmlProblems("<svg><g></svg>")).not.toEqual([]);
    expect(xmlProblems('<svg a="1 & 2"/>')).not.toEqual([]);
    expect(xmlProblems("<svg/><svg/>")).not.toEqual([]);
    expect(xmlProblems('<svg a="x"><g><path d="M0"/></g></svg>')).toEqual([]);
  });

  it("is well-formed, and starts and ends as a standalone SVG document", async () => {
    const svg = await renderChartSvg(report);
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(xmlProblems(svg)).toEqual([]);
  });
});

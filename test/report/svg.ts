/**
 * A tiny well-formedness check for the SVG documents Vega writes (no DTD, no CDATA): tags nest and
 * close in order, attributes are quoted, `&` starts an entity and there is one root element.
 * Returns the problems found (none for a well-formed document).
 */
export function xmlProblems(text: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  let roots = 0;
  const token =
    /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    checkText(text.slice(last, m.index), problems);
    last = token.lastIndex;
    const [, closing, name, attributes, selfClosing] = m;
    if (!name) continue; // comment or processing instruction
    checkText(attributes ?? "", problems);
    if (closing) {
      const open = stack.pop();
      if (open !== name) problems.push(`</${name}> closes <${open ?? "nothing"}>`);
    } else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) {
      roots++;
    }
  }
  checkText(text.slice(last), problems);
  if (stack.length > 0) problems.push(`unclosed: ${stack.join(" > ")}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}

function checkText(text: string, problems: string[]): void {
  if (text.includes("<")) problems.push(`stray or malformed tag near ${JSON.stringify(text.slice(0, 60))}`);
  for (const amp of text.matchAll(/&[^;\s]*;?/g)) {
    if (!/^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(amp[0])) {
      problems.push(`bad entity ${JSON.stringify(amp[0])}`);
    }
  }
}

/** The `<path>` items inside the marks group whose class list contains every given class. */
export function markItems(svg: string, ...classes: string[]): string[][] {
  const groups = [...svg.matchAll(/<g class="([^"]*)"[^>]*>/g)].filter((g) => {
    const list = (g[1] ?? "").split(/\s+/);
    return classes.every((c) => list.includes(c));
  });
  return groups.map((g) => {
    // Rect marks hold their items as sibling <path> elements, with no nested group.
    const body = svg.slice((g.index ?? 0) + g[0].length, svg.indexOf("</g>", g.index));
    return [...body.matchAll(/<path\b[^>]*>/g)].map((p) => p[0]);
  });
}

/** An item of a rendered Vega scene: its mark type and role, its text, and its box in chart pixels. */
export interface SceneBox {
  marktype: string;
  role: string;
  text: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface SceneMark {
  marktype: string;
  role?: string;
  items?: SceneItem[];
}
interface SceneItem {
  x?: number;
  y?: number;
  text?: string | string[];
  bounds: { x1: number; y1: number; x2: number; y2: number };
  items?: SceneMark[];
}

/**
 * Every leaf item of a Vega scenegraph (after `view.runAsync()`), with its bounds moved from its
 * group's coordinates into the chart's: Vega keeps each item's bounds relative to the group it
 * sits in, so the offsets of the enclosing groups are added up.
 */
export function sceneBoxes(root: unknown): SceneBox[] {
  const out: SceneBox[] = [];
  const walk = (mark: SceneMark, dx: number, dy: number) => {
    for (const item of mark.items ?? []) {
      if (mark.marktype === "group") {
        for (const child of item.items ?? []) walk(child, dx + (item.x ?? 0), dy + (item.y ?? 0));
        continue;
      }
      const text = Array.isArray(item.text) ? item.text.join("\n") : (item.text ?? "");
      const { x1, y1, x2, y2 } = item.bounds;
      out.push({
        marktype: mark.marktype,
        role: mark.role ?? "",
        text,
        x1: x1 + dx,
        y1: y1 + dy,
        x2: x2 + dx,
        y2: y2 + dy,
      });
    }
  };
  walk(root as SceneMark, 0, 0);
  return out;
}

/** Whether two boxes share an area (boxes that only touch, or have no area, do not). */
export function overlap(a: SceneBox, b: SceneBox): boolean {
  return Math.min(a.x2, b.x2) > Math.max(a.x1, b.x1) && Math.min(a.y2, b.y2) > Math.max(a.y1, b.y1);
}

/** The bars of the chart's bar layer: aria-label and height, read from each `<path>` Vega wrote. */
export function barsOf(svg: string, markClass: string): { label: string; height: number; fill: string }[] {
  const groups = markItems(svg, "mark-rect", "role-mark", markClass);
  if (groups.length !== 1) throw new Error(`expected one bar layer, found ${groups.length}`);
  return (groups[0] ?? []).map((path) => {
    const label = /aria-label="([^"]*)"/.exec(path)?.[1] ?? "";
    // A rect is drawn as M x,y h width v height h -width Z.
    const height = Number(/d="M[-\d.e]+,[-\d.e]+h[-\d.e]+v([-\d.e]+)h/.exec(path)?.[1] ?? Number.NaN);
    const fill = /fill="([^"]*)"/.exec(path)?.[1] ?? "";
    return { label, height, fill };
  });
}

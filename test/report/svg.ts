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

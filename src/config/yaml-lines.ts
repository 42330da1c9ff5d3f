import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter } from "yaml";

/**
 * The 1-based line of a config path in the YAML the user wrote: the line of its key (or list
 * item), or of the nearest ancestor that is written out when the path itself came from a default.
 * Undefined when not even the top-level key is in the file.
 */
export function lineOf(
  doc: Document,
  lines: LineCounter,
  path: ReadonlyArray<string | number>,
): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    let start: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined || !isScalar(pair.key)) break;
      start = pair.key.range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (item === undefined || item === null) break;
      start = isScalar(item) || isMap(item) || isSeq(item) || isAlias(item) ? item.range?.[0] : undefined;
      node = item;
    } else {
      break;
    }
    if (start !== undefined) line = lines.linePos(start).line;
  }
  return line;
}

/** Line of the document's top-level value, for problems about the file as a whole. */
export function rootLine(doc: Document, lines: LineCounter): number | undefined {
  const contents: unknown = doc.contents;
  const start = isScalar(contents) || isMap(contents) || isSeq(contents) ? contents.range?.[0] : undefined;
  return start === undefined ? undefined : lines.linePos(start).line;
}

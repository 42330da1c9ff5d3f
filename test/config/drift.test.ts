import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import {
  configJsonSchema,
  configJsonSchemaText,
  configReferenceMarkdown,
  currentConfigReference,
  JSON_SCHEMA_PATH,
  README_PATH,
  README_PLACEHOLDER,
  spliceConfigReference,
} from "../../src/config/json-schema.js";

// UPDATE_CONFIG_DOCS=1 npx vitest run test/config/drift.test.ts rewrites both files, like `npm run gen:config`.
const update = process.env.UPDATE_CONFIG_DOCS === "1";
const file = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const read = (path: string): string | undefined =>
  existsSync(file(path)) ? readFileSync(file(path), "utf8") : undefined;

describe("generated config docs", () => {
  test(`${JSON_SCHEMA_PATH} is what the zod schema generates`, () => {
    const wanted = configJsonSchemaText();
    if (update) {
      mkdirSync(dirname(file(JSON_SCHEMA_PATH)), { recursive: true });
      writeFileSync(file(JSON_SCHEMA_PATH), wanted);
    }
    expect(read(JSON_SCHEMA_PATH), `${JSON_SCHEMA_PATH} is out of date: run npm run gen:config`).toBe(wanted);
  });

  test(`the config reference in ${README_PATH} is what the zod schema generates`, () => {
    const wanted = configReferenceMarkdown();
    if (update) {
      writeFileSync(
        file(README_PATH),
        spliceConfigReference(read(README_PATH) ?? README_PLACEHOLDER, wanted),
      );
    }
    const readme = read(README_PATH) ?? "";
    expect(
      currentConfigReference(readme),
      `the config reference in ${README_PATH} is out of date: run npm run gen:config`,
    ).toBe(wanted);
  });

  test("splicing keeps the text around the markers and is idempotent", () => {
    const readme =
      "# Title\n\nintro\n\n<!-- config-reference:start -->\nold\n<!-- config-reference:end -->\n\noutro\n";
    const once = spliceConfigReference(readme, "new table");
    expect(once).toBe(
      "# Title\n\nintro\n\n<!-- config-reference:start -->\nnew table\n<!-- config-reference:end -->\n\noutro\n",
    );
    expect(spliceConfigReference(once, "new table")).toBe(once);
    expect(currentConfigReference(once)).toBe("new table");
    expect(() => spliceConfigReference("# no markers\n", "x")).toThrow(/needs the markers/);
  });
});

describe("the generated JSON Schema", () => {
  type Node = {
    type?: string;
    properties?: Record<string, Node>;
    additionalProperties?: unknown;
    anyOf?: Node[];
    items?: Node;
    required?: string[];
    default?: unknown;
  };
  const schema = configJsonSchema() as Node & Record<string, unknown>;
  const props = schema.properties ?? {};

  test("names its dialect and title, and refuses unknown keys at every level", () => {
    expect(Object.keys(schema).slice(0, 3)).toEqual(["$schema", "title", "description"]);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.title).toBe("support-sla configuration");
    expect(schema.additionalProperties).toBe(false);
    for (const section of ["business_hours", "team", "escalation", "labels"]) {
      expect(props[section]?.additionalProperties, section).toBe(false);
    }
    expect(props.holiday_calendar?.anyOf?.[0]?.additionalProperties).toBe(false);
    const priorityEntry = (props.priorities?.additionalProperties as Node | undefined)?.anyOf?.[0];
    expect(priorityEntry?.additionalProperties).toBe(false);
    const levels = props.escalation?.properties?.levels?.anyOf?.find((option) => option.type === "array");
    expect(levels?.items?.additionalProperties).toBe(false);
    expect(levels?.items?.required).toEqual(["name", "at"]);
  });

  test("the timer metrics: optional targets, the ladder and the new labels, with their defaults", () => {
    const priorityEntry = (props.priorities?.additionalProperties as Node | undefined)?.anyOf?.[0];
    for (const metric of ["next_reply", "resolution", "updates"]) {
      expect(
        priorityEntry?.properties?.[metric]?.anyOf?.map((option) => option.type),
        metric,
      ).toEqual(["string", "null"]);
    }
    const defaults = props.priorities?.default as Record<string, Record<string, unknown>>;
    expect(defaults["production-down"]?.updates).toBe("30m");
    expect(defaults.urgent?.updates).toBeNull();
    expect(props.escalation?.properties?.levels?.default).toBeNull();
    expect(props.labels?.properties?.waiting?.default).toBe("status: waiting for customer");
    expect(props.labels?.properties?.resolved?.default).toBeNull();
    expect(props.post_mortem?.properties?.repeat?.default).toBe("24h");
  });

  test("carries the defaults of the support process", () => {
    expect(props.timezone?.default).toBe("Europe/Brussels");
    expect(props.default_priority?.default).toBe("normal");
    expect(Object.keys(props.priorities?.default as object)).toEqual(["production-down", "urgent", "normal"]);
  });

  test("the README table has a row for every key, map entries as <key>", () => {
    const markdown = configReferenceMarkdown();
    for (const key of [
      ...Object.keys(props),
      "business_hours.sunday",
      "priorities.<key>.response",
      "priorities.<key>.next_reply",
      "priorities.<key>.resolution",
      "priorities.<key>.updates",
      "types.<key>.form",
      "escalation.levels",
      "escalation.levels[].name",
      "escalation.levels[].at",
      "escalation.levels[].repeat",
      "labels.waiting",
      "labels.resolved",
      "post_mortem.repeat",
    ]) {
      expect(markdown, key).toContain(`| \`${key}\` |`);
    }
  });
});

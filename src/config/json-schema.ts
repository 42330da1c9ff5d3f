import { stringify } from "yaml";
import { z } from "zod";
import { defaultConfig } from "./load.js";
import { configSchema } from "./schema.js";

/*
 * The JSON Schema and the README's options table are generated from the zod schema, never
 * written by hand: `npm run gen:config` writes them, and test/config/drift.test.ts fails when
 * the committed copies differ from what these functions produce.
 */

export const JSON_SCHEMA_PATH = "schema/support-sla.schema.json";
export const README_PATH = "README.md";
export const REFERENCE_START = "<!-- config-reference:start -->";
export const REFERENCE_END = "<!-- config-reference:end -->";
export const README_PLACEHOLDER = `# support-sla\n\n${REFERENCE_START}\n${REFERENCE_END}\n`;

type JsonSchema = {
  type?: string;
  enum?: unknown[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  default?: unknown;
  description?: string;
  [key: string]: unknown;
};

/** JSON Schema (draft 2020-12) of `.github/support-sla.yml`, for editors and other tools. */
export function configJsonSchema(): Record<string, unknown> {
  // "input": the schema of what a file may contain (defaults optional), not of the parsed result.
  const generated = z.toJSONSchema(configSchema, { io: "input", target: "draft-2020-12" }) as JsonSchema;
  const { $schema, title, description, ...rest } = generated;
  return { $schema, title, description, ...rest };
}

/** The exact text of schema/support-sla.schema.json. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

// ---------------------------------------------------------------- README reference

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" or ");
  if ("const" in schema) return `\`${String(schema.const)}\``;
  // Long enumerations are spelled out in the description instead.
  if (schema.enum && schema.enum.length <= 3)
    return schema.enum.map((value) => `\`${String(value)}\``).join(" or ");
  switch (schema.type) {
    case "array":
      return `list of ${schema.items ? typeOf(schema.items) : "values"}`;
    case "object":
      if (schema.properties) return "mapping";
      // A map of plain values (channels.pagerduty.users: id → login) says what its values are.
      return typeof schema.additionalProperties === "object" && schema.additionalProperties.type !== "object"
        ? `map of key to ${typeOf(schema.additionalProperties)}`
        : "map of key to mapping";
    case "string":
      return "text";
    case undefined:
      return "any";
    default:
      return schema.type;
  }
}

/** Defaults short enough for a table cell, in YAML flow style; longer ones point to the full config. */
function defaultOf(schema: JsonSchema): string {
  if (!("default" in schema)) return "";
  const flow = stringify(schema.default, {
    collectionStyle: "flow",
    flowCollectionPadding: false,
    lineWidth: 0,
  }).trim();
  return flow.length <= 40 ? `\`${flow}\`` : "see the defaults below";
}

interface Row {
  key: string;
  schema: JsonSchema;
}

/** Every key path of the schema, depth first; map entries appear as `<key>`, list items as `[]`. */
function rows(schema: JsonSchema, prefix: string, key = ""): Row[] {
  const list = schema.anyOf?.find((option) => option.type === "array") ?? schema;
  if (list.type === "array" && list.items?.properties) return rows(list.items, `${key}[].`);
  const object = schema.anyOf?.find((option) => option.type === "object") ?? schema;
  const out: Row[] = [];
  for (const [name, child] of Object.entries(object.properties ?? {})) {
    const path = `${prefix}${name}`;
    out.push({ key: path, schema: child }, ...rows(child, `${path}.`, path));
  }
  if (!object.properties && typeof object.additionalProperties === "object") {
    out.push(...rows(object.additionalProperties, `${prefix}<key>.`));
  }
  return out;
}

/** The README's config reference (the text between its markers): options table and the defaults in full. */
export function configReferenceMarkdown(): string {
  const schema = configJsonSchema() as JsonSchema;
  const table = rows(schema, "").map(
    ({ key, schema: child }) =>
      `| \`${key}\` | ${cell(typeOf(child))} | ${cell(defaultOf(child))} | ${cell(child.description ?? "")} |`,
  );
  const defaults = stringify(defaultConfig(), { lineWidth: 0 }).trimEnd();
  return [
    "<!-- Generated from src/config/schema.ts by `npm run gen:config`: edit the schema, not this section. -->",
    "",
    cell(String(schema.description ?? "")),
    "",
    `The JSON Schema of the file is [\`${JSON_SCHEMA_PATH}\`](${JSON_SCHEMA_PATH}) (for editors with a YAML language server).`,
    "",
    "| Key | Type | Default | Description |",
    "|---|---|---|---|",
    ...table,
    "",
    "The defaults in full, as a config file:",
    "",
    "```yaml",
    defaults,
    "```",
  ].join("\n");
}

/** `readme` with the text between the config-reference markers replaced by `section`. */
export function spliceConfigReference(readme: string, section: string): string {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start === -1 || end === -1 || end < start) {
    throw new Error(
      `${README_PATH} needs the markers ${REFERENCE_START} and ${REFERENCE_END}, in that order`,
    );
  }
  return `${readme.slice(0, start + REFERENCE_START.length)}\n${section}\n${readme.slice(end)}`;
}

/** The README section between the markers, as it stands in `readme`; undefined without markers. */
export function currentConfigReference(readme: string): string | undefined {
  const start = readme.indexOf(REFERENCE_START);
  const end = readme.indexOf(REFERENCE_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  return readme
    .slice(start + REFERENCE_START.length, end)
    .replace(/^\n/, "")
    .replace(/\n$/, "");
}

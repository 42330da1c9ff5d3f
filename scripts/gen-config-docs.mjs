// Writes schema/support-sla.schema.json and the config reference section of README.md from the
// zod schema, and the shipped forms in .github/ISSUE_TEMPLATE/ from the default config (what
// `support-sla init` writes outside a clone), as built into dist/ (`npm run build` first;
// `npm run gen:config` does both; SUPPORT_SLA_DIST=DIR reads a build in DIR instead, e.g. one made
// with `npx tsc -p tsconfig.build.json --outDir DIR`). test/config/drift.test.ts and
// test/config/forms-drift.test.ts fail when the committed files differ from what this writes.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url);
const dist = `${(process.env.SUPPORT_SLA_DIST ?? "dist").replace(/\/+$/, "")}/`;
const built = new URL(`${dist}config/json-schema.js`, root);
if (!existsSync(built)) {
  console.error(
    `${fileURLToPath(built)} is missing: run \`npm run build\` first (or \`npm run gen:config\`)`,
  );
  process.exit(2);
}
const docs = await import(built.href);

const schemaFile = fileURLToPath(new URL(docs.JSON_SCHEMA_PATH, root));
mkdirSync(dirname(schemaFile), { recursive: true });
writeFileSync(schemaFile, docs.configJsonSchemaText());

const readmeFile = fileURLToPath(new URL(docs.README_PATH, root));
const readme = existsSync(readmeFile) ? readFileSync(readmeFile, "utf8") : docs.README_PLACEHOLDER;
writeFileSync(readmeFile, docs.spliceConfigReference(readme, docs.configReferenceMarkdown()));

const forms = await import(new URL(`${dist}domain/forms/shipped.js`, root).href);
const { defaultPolicy } = await import(new URL(`${dist}config/load.js`, root).href);
const written = forms
  .renderShippedFiles(defaultPolicy(), { repoUrl: null })
  .filter((f) => f.path.startsWith("ISSUE_TEMPLATE/"));
for (const f of written) writeFileSync(fileURLToPath(new URL(`.github/${f.path}`, root)), f.text);

console.log(
  `wrote ${docs.JSON_SCHEMA_PATH}, the config reference in ${docs.README_PATH} and ${written.length} files in ${forms.ISSUE_TEMPLATE_DIR}`,
);

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { defaultPolicy, parseConfig } from "../../src/config/load.js";
import { renderShippedFiles } from "../../src/domain/forms/shipped.js";

// UPDATE_SHIPPED_FORMS=1 npx vitest run test/config/forms-drift.test.ts rewrites the shipped forms,
// like `npm run gen:config`: edit src/domain/forms/shipped.ts (or promise.ts), not the YAML.
const update = process.env.UPDATE_SHIPPED_FORMS === "1";
const GITHUB_DIR = fileURLToPath(new URL("../../.github/", import.meta.url));
const FORMS_DIR = join(GITHUB_DIR, "ISSUE_TEMPLATE");

/** What `support-sla init` writes into `.github/ISSUE_TEMPLATE/` for the default config, outside a clone. */
const rendered = renderShippedFiles(defaultPolicy(), { repoUrl: null }).filter((f) =>
  f.path.startsWith("ISSUE_TEMPLATE/"),
);

describe("the shipped forms are what init writes for the default config", () => {
  test.each(rendered.map((f) => [f.path, f.text] as const))("%s", (path, text) => {
    if (update) writeFileSync(join(GITHUB_DIR, path), text);
    expect(
      readFileSync(join(GITHUB_DIR, path), "utf8"),
      `.github/${path} differs from what init writes: run npm run gen:config`,
    ).toBe(text);
  });

  test("no shipped file in .github/ISSUE_TEMPLATE/ that init does not write", () => {
    expect(readdirSync(FORMS_DIR).sort()).toEqual(
      rendered.map((f) => f.path.slice("ISSUE_TEMPLATE/".length)).sort(),
    );
  });

  test("the starter config init writes renders the same forms as the default config", () => {
    const starter = parseConfig(readFileSync(join(GITHUB_DIR, "support-sla.yml"), "utf8"));
    if (!starter.ok) throw new Error(starter.problems.map((p) => p.message).join("; "));
    expect(renderShippedFiles(starter.policy, { repoUrl: null })).toEqual(
      renderShippedFiles(defaultPolicy(), { repoUrl: null }),
    );
  });
});

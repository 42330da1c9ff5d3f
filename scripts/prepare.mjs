// `npm ci` / `npm install` in a clone (and `npm pack`) build dist/ so that `npm start` runs it as is.
// After `npm ci --omit=dev` TypeScript is not installed: the dist/ built before is used unchanged.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc");
} catch {
  tsc = null;
}
if (tsc) {
  await import("./build.mjs");
} else if (existsSync(new URL("../dist/main.js", import.meta.url))) {
  console.log("support-sla: TypeScript is not installed (production install): using the dist/ built before");
} else {
  console.error(
    "support-sla: dist/ is not built and TypeScript is not installed (npm ci --omit=dev). " +
      "Build first with `npm ci` (it builds), then `npm ci --omit=dev` keeps that dist/.",
  );
  process.exit(1);
}

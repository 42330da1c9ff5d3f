// npm links `bin` entries as executables; a fresh `tsc` build writes them without the x bit.
import { chmodSync } from "node:fs";

for (const bin of ["cli.js", "main.js"]) chmodSync(new URL(`../dist/${bin}`, import.meta.url), 0o755);

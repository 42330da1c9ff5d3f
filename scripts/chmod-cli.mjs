// npm links `bin` entries as executables; a fresh `tsc` build writes dist/cli.js without the x bit.
import { chmodSync } from "node:fs";

chmodSync(new URL("../dist/cli.js", import.meta.url), 0o755);

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run } from "probot";
import { shippedFiles } from "./cli/init.js";
import { parseIssueForm } from "./domain/forms/form.js";
import { type RepoForm, RepoSetupCache } from "./github/repo-setup.js";
import { CalendarCache } from "./handlers/deps.js";
import { KeyedMutex } from "./helpers/keyed-mutex.js";
import { createApp } from "./index.js";
import { DEFAULT_DATABASE_URL, openStore } from "./store/db.js";

/** The forms shipped with the app, used for repos that have none of their own. */
function shippedForms(): RepoForm[] {
  const dir = fileURLToPath(new URL("../.github/", import.meta.url));
  return shippedFiles()
    .filter((f) => f.startsWith("ISSUE_TEMPLATE/") && !/config\.ya?ml$/.test(f))
    .flatMap((f) => {
      const parsed = parseIssueForm(readFileSync(`${dir}${f}`, "utf8"));
      return parsed.ok ? [{ file: f.slice("ISSUE_TEMPLATE/".length), form: parsed.form }] : [];
    });
}

const clock = { now: () => Date.now() };
const store = await openStore(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
const deps = {
  store,
  clock,
  calendars: new CalendarCache(),
  issueLocks: new KeyedMutex(),
  setups: new RepoSetupCache({ ttlMs: 10 * 60_000, fallbackForms: shippedForms(), now: clock.now }),
};

const server = await run(createApp(deps));

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await server.stop().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(0);
  });
}

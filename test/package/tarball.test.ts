import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, REPO_ROOT, requireBuiltApp, waitFor } from "../e2e/harness.js";
import { generatePrivateKey } from "../standin/keys.js";

/**
 * What an admin gets from the registry: `npm pack` of this project, installed into an empty folder
 * with npm, offline, production dependencies only, then run through its `bin` entries.
 *
 * Offline: the empty folder gets a lockfile made from this project's package-lock.json (the same
 * versions, without the dev dependencies), so npm takes every package from its cache, which the
 * project's own `npm ci` filled. Install scripts are skipped (`--ignore-scripts`): the one that
 * matters, better-sqlite3's native build, already ran for this project with the same version on
 * the same Node, and its result is copied in; compiling it again would only cost two minutes.
 */

const npm = process.platform === "win32" ? "npm.cmd" : "npm";
let work = "";
let installDir = "";
let bin = "";

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 180_000 });
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", error: r.error };
}

/** A lockfile for `{ dependencies: { support-sla: file:TARBALL } }` pinning this project's versions. */
function lockfileFor(tarball: string): { pkg: object; lock: object } {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"));
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    "": { name: "admin-install", dependencies: { "support-sla": spec } },
    "node_modules/support-sla": {
      version: pkg.version,
      resolved: spec,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(
    lock.packages as Record<string, { dev?: boolean; link?: boolean }>,
  )) {
    if (path === "" || entry.dev || entry.link) continue;
    packages[path] = entry;
  }
  return {
    pkg: { name: "admin-install", private: true, dependencies: { "support-sla": spec } },
    lock: { name: "admin-install", lockfileVersion: 3, requires: true, packages },
  };
}

beforeAll(() => {
  requireBuiltApp();
  work = mkdtempSync(join(tmpdir(), "support-sla-pack-"));
  // --ignore-scripts: dist/ is already built (npm test builds first); `prepare` would rebuild it
  // under the feet of the other tests.
  const pack = run(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], REPO_ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const tarball = (JSON.parse(pack.stdout) as { filename: string }[])[0]?.filename as string;
  installDir = join(work, "install");
  mkdirSync(installDir);
  copyFileSync(join(work, tarball), join(installDir, tarball));
  const { pkg, lock } = lockfileFor(tarball);
  writeFileSync(join(installDir, "package.json"), JSON.stringify(pkg, null, 2));
  writeFileSync(join(installDir, "package-lock.json"), JSON.stringify(lock, null, 2));
  const install = run(
    npm,
    ["ci", "--offline", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"],
    installDir,
    { ...process.env, npm_config_loglevel: "error" },
  );
  if (install.code !== 0) throw new Error(`offline install of the tarball failed:\n${install.stderr}`);
  const addon = "node_modules/better-sqlite3/build/Release/better_sqlite3.node";
  mkdirSync(join(installDir, "node_modules/better-sqlite3/build/Release"), { recursive: true });
  copyFileSync(join(REPO_ROOT, addon), join(installDir, addon));
  bin = join(installDir, "node_modules", ".bin");
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed tarball, installed offline into an empty folder", () => {
  it("holds the built files, the shipped forms and the manifest, and no sources or tests", () => {
    const pkgDir = join(installDir, "node_modules", "support-sla");
    for (const f of [
      "dist/cli.js",
      "dist/main.js",
      "app.yml",
      ".github/support-sla.yml",
      ".github/ISSUE_TEMPLATE/config.yml",
    ]) {
      expect(existsSync(join(pkgDir, f)), f).toBe(true);
    }
    expect(readdirSync(pkgDir).sort()).not.toContain("src");
    expect(readdirSync(pkgDir).sort()).not.toContain("test");
    // Production install: no dev-only package came with it.
    expect(existsSync(join(installDir, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(join(installDir, "node_modules", "vitest"))).toBe(false);
  });

  it("`support-sla --help` runs from the installed bin", () => {
    const r = run(join(bin, "support-sla"), ["--help"], installDir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: support-sla/);
    expect(r.stdout).toMatch(/init/);
  });

  it("`support-sla init DIR` writes the forms and the starter config, which check-config accepts", () => {
    const repo = join(work, "customer-repo");
    mkdirSync(repo);
    const r = run(join(bin, "support-sla"), ["init", repo], installDir);
    expect(r.code, r.stderr).toBe(0);
    const forms = readdirSync(join(repo, ".github", "ISSUE_TEMPLATE"));
    expect(forms).toContain("config.yml");
    expect(forms).toContain("problem.yml");
    const check = run(
      join(bin, "support-sla"),
      [
        "check-config",
        join(repo, ".github", "support-sla.yml"),
        "--forms",
        join(repo, ".github", "ISSUE_TEMPLATE"),
      ],
      installDir,
    );
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  describe("support-sla-server, the built server, started from the install without compiling", () => {
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const c of children) c.kill("SIGKILL");
    });

    function start(env: Record<string, string>) {
      const child = spawn(join(bin, "support-sla-server"), [], {
        cwd: work,
        env: { PATH: process.env.PATH ?? "", HOME: work, LOG_FORMAT: "json", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.push(child);
      let output = "";
      child.stdout?.on("data", (c: Buffer) => {
        output += c.toString();
      });
      child.stderr?.on("data", (c: Buffer) => {
        output += c.toString();
      });
      const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
      return { child, exited, output: () => output };
    }

    it("runs on SQLite with nothing else, says what it runs, and stops on SIGTERM", async () => {
      const port = await freePort();
      const dead = await freePort(); // GitHub unreachable: the app must still start and say so later
      const server = start({
        APP_ID: "4242",
        PRIVATE_KEY: generatePrivateKey(),
        WEBHOOK_SECRET: "s3cret",
        HOST: "127.0.0.1",
        PORT: String(port),
        GHE_HOST: `127.0.0.1:${dead}`,
        GHE_PROTOCOL: "http",
        DATABASE_URL: `sqlite:${join(work, "server.db")}`,
      });
      const line = await waitFor(
        () =>
          server
            .output()
            .split("\n")
            .find((l) => l.includes('"support-sla running"')),
        { timeoutMs: 20_000, diagnostics: server.output },
      );
      const started = JSON.parse(line);
      expect(started).toMatchObject({
        database: `sqlite:${join(work, "server.db")}`,
        slack: "off",
        pagerduty: "off",
        webhookPath: "/api/github/webhooks",
      });
      const ping = await fetch(`http://127.0.0.1:${port}/ping`);
      expect(ping.status).toBe(200);
      expect(existsSync(join(work, "server.db"))).toBe(true);
      server.child.kill("SIGTERM");
      expect(await server.exited).toBe(0);
    });

    it("with APP_ID but a broken key exits 1 with one line naming the variable", async () => {
      const server = start({
        APP_ID: "4242",
        PRIVATE_KEY_PATH: join(work, "missing.pem"),
        WEBHOOK_SECRET: "x",
      });
      expect(await server.exited).toBe(1);
      expect(server.output().trim().split("\n")).toEqual([
        expect.stringMatching(
          /^support-sla: PRIVATE_KEY_PATH: cannot read the private key file .*missing\.pem/,
        ),
      ]);
    });
  });
});

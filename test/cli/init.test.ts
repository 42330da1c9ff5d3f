import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repositoryWebUrl } from "../../src/cli/init.js";
import { runCli } from "../../src/cli/main.js";
import { parseIssueForm, parseTemplateConfig } from "../../src/domain/forms/form.js";

const tmp = mkdtempSync(join(tmpdir(), "support-sla-init-"));
const SHIPPED = join(import.meta.dirname, "../../.github/ISSUE_TEMPLATE");

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { out: (l) => out.push(l), err: (l) => err.push(l), cwd: tmp });
  return { code, out, err, stdout: out.join("\n"), stderr: err.join("\n") };
}

let repos = 0;
/** A fresh folder to init into, optionally a clone whose origin remote is `origin`. */
function repo(origin?: string): string {
  const dir = join(tmp, `repo-${++repos}`);
  mkdirSync(dir);
  if (origin !== undefined) {
    mkdirSync(join(dir, ".git"));
    writeFileSync(
      join(dir, ".git", "config"),
      `[core]\n\tbare = false\n[remote "upstream"]\n\turl = git@github.com:someone/else.git\n[remote "origin"]\n\turl = ${origin}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
    );
  }
  return dir;
}

function config(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

const read = (dir: string, path: string) => readFileSync(join(dir, ".github", path), "utf8");

/** The priority dropdown's line for one priority, e.g. the `**Urgent**: …` line of a form. */
function priorityLine(dir: string, form: string, name: string): string | undefined {
  const parsed = parseIssueForm(read(dir, `ISSUE_TEMPLATE/${form}`));
  if (!parsed.ok) throw new Error(parsed.problems.join("; "));
  const description = parsed.form.fields.find((f) => f.id === "priority")?.description ?? "";
  return description.split("\n").find((l) => l.startsWith(`**${name}**:`));
}

const FORMS = [
  "add-remove-user.yml",
  "change-request.yml",
  "guidance.yml",
  "on-call.yml",
  "other.yml",
  "problem.yml",
];

describe("support-sla init", () => {
  it("without --config writes exactly the shipped forms, a support page and the starter config", async () => {
    const dir = repo();
    const r = await cli("init", dir);
    expect(r.code, r.stderr).toBe(0);
    for (const file of readdirSync(SHIPPED)) {
      expect(read(dir, `ISSUE_TEMPLATE/${file}`), file).toBe(readFileSync(join(SHIPPED, file), "utf8"));
    }
    expect(readdirSync(join(dir, ".github")).sort()).toEqual([
      "ISSUE_TEMPLATE",
      "SUPPORT.md",
      "support-sla.yml",
    ]);
    expect(r.stdout).toContain("Next: set escalation.phone");
  });

  it("writes each priority's response time from the config: urgent 4h makes every form say 4 business hours", async () => {
    const dir = repo();
    const file = config("urgent-4h.yml", "priorities:\n  urgent: { response: 4h }\n");
    const r = await cli("init", dir, "--config", file);
    expect(r.code, r.stderr).toBe(0);
    for (const form of FORMS) {
      expect(priorityLine(dir, form, "Urgent"), form).toMatch(/; we respond within 4 business hours\.$/);
      expect(read(dir, `ISSUE_TEMPLATE/${form}`), form).not.toContain("1 business hour");
      expect(priorityLine(dir, form, "Normal"), form).toMatch(
        /we respond by the end of the next business day\.$/,
      );
    }
    expect(priorityLine(dir, "problem.yml", "Production down")).toMatch(
      /we respond within 30 minutes, 24\/7\.$/,
    );
    // The config it rendered from is the repo's config now, and the two agree.
    expect(read(dir, "support-sla.yml")).toBe("priorities:\n  urgent: { response: 4h }\n");
    const check = await cli(
      "check-config",
      join(dir, ".github/support-sla.yml"),
      "--forms",
      join(dir, ".github/ISSUE_TEMPLATE"),
    );
    expect(check.stdout).toMatch(/valid, with the forms in/);
    expect(check.code).toBe(0);
  });

  it("says calendar targets, minutes and seconds the way the config counts them", async () => {
    const dir = repo();
    const file = config(
      "clocks.yml",
      "priorities:\n  production-down: { response: 15m }\n  urgent: { response: 90m, clock: calendar }\n  normal: { response: 45s }\n",
    );
    expect((await cli("init", dir, "--config", file)).code).toBe(0);
    expect(priorityLine(dir, "problem.yml", "Production down")).toMatch(/within 15 minutes, 24\/7\.$/);
    expect(priorityLine(dir, "problem.yml", "Urgent")).toMatch(/within 90 minutes, 24\/7\.$/);
    expect(priorityLine(dir, "problem.yml", "Normal")).toMatch(/within 45 business seconds\.$/);
  });

  it("puts the escalation number where customers read it: the forms, the chooser and the support page", async () => {
    const dir = repo();
    const file = config(
      "phone.yml",
      'escalation:\n  phone: "+32 2 123 45 67"\n  chat: https://acme.slack.com/archives/C0123ABCD\n',
    );
    const r = await cli("init", dir, "--config", file, "--repo", "acme/shop");
    expect(r.code, r.stderr).toBe(0);
    expect(read(dir, "ISSUE_TEMPLATE/problem.yml")).toContain(
      "**Is production down or badly hampered for many end users?** Call the escalation number **+32 2 123 45 67** first",
    );
    expect(priorityLine(dir, "problem.yml", "Production down")).toBe(
      "**Production down**: production is down or hampered for a lot of end users. Call the escalation number **+32 2 123 45 67** as well; we respond within 30 minutes, 24/7.",
    );
    expect(read(dir, "ISSUE_TEMPLATE/on-call.yml")).toContain(
      "If production is down right now, call the escalation number **+32 2 123 45 67** instead.",
    );
    expect(read(dir, "ISSUE_TEMPLATE/change-request.yml")).toContain(
      "open a **Problem / troubleshooting** issue and call the escalation number **+32 2 123 45 67**.",
    );
    expect(priorityLine(dir, "guidance.yml", "Urgent")).toBe(
      "**Urgent**: the answer is blocking your work. Also tell us in the [support chat](https://acme.slack.com/archives/C0123ABCD); we respond within 1 business hour.",
    );
    expect(read(dir, "SUPPORT.md")).toContain("## Escalation number\n\n**+32 2 123 45 67**, at any hour");

    const chooser = parseTemplateConfig(read(dir, "ISSUE_TEMPLATE/config.yml"));
    if (!chooser.ok) throw new Error(chooser.problems.join("; "));
    expect(chooser.config.contactLinks).toEqual([
      {
        name: "Production down? Call +32 2 123 45 67 (24/7)",
        url: "https://github.com/acme/shop/blob/HEAD/.github/SUPPORT.md#escalation-number",
        about: expect.stringContaining("Problem / troubleshooting issue with priority Production down"),
      },
      {
        name: "Urgent? Tell us in the support chat",
        url: "https://acme.slack.com/archives/C0123ABCD",
        about: expect.any(String),
      },
    ]);
    expect(r.stdout).toContain(
      "The chooser's escalation link opens https://github.com/acme/shop/blob/HEAD/.github/SUPPORT.md#escalation-number (repository from --repo).",
    );
  });

  it("leaves a chat link GitHub would not show out of the chooser, and says so", async () => {
    const dir = repo();
    const file = config("plain-http.yml", "escalation:\n  chat: http://chat.example.com/support\n");
    const r = await cli("init", dir, "--config", file, "--repo", "acme/shop");
    expect(r.code).toBe(0);
    const chooser = parseTemplateConfig(read(dir, "ISSUE_TEMPLATE/config.yml"));
    expect(chooser.ok && chooser.config.contactLinks.map((l) => new URL(l.url).protocol)).toEqual(["https:"]);
    expect(r.stdout).toMatch(/escalation\.chat is not an https:\/\/ link/);
    expect(priorityLine(dir, "other.yml", "Urgent")).toContain(
      "[support chat](http://chat.example.com/support)",
    );
  });

  it("links the chooser to the repository of the clone's origin remote", async () => {
    const dir = repo("git@github.com:acme/shop.git");
    const r = await cli("init", dir);
    expect(r.code).toBe(0);
    expect(read(dir, "ISSUE_TEMPLATE/config.yml")).toContain(
      "url: https://github.com/acme/shop/blob/HEAD/.github/SUPPORT.md#escalation-number",
    );
    expect(r.stdout).toContain("(repository from the origin remote)");
  });

  it("never writes the remote's credentials into the link", async () => {
    const dir = repo("https://deploy:ghp_secret@ghe.example.com/acme/shop.git");
    expect((await cli("init", dir)).code).toBe(0);
    const chooser = read(dir, "ISSUE_TEMPLATE/config.yml");
    expect(chooser).toContain("url: https://ghe.example.com/acme/shop/blob/HEAD/.github/SUPPORT.md");
    expect(chooser).not.toContain("ghp_secret");
  });

  it("outside a clone, points the link at OWNER/REPO and says how to fix it", async () => {
    const dir = repo();
    const r = await cli("init", dir);
    expect(read(dir, "ISSUE_TEMPLATE/config.yml")).toContain("url: https://github.com/OWNER/REPO/blob/HEAD/");
    expect(r.stdout).toMatch(
      /points at https:\/\/github\.com\/OWNER\/REPO: run init again with --repo OWNER\/NAME/,
    );
  });

  it("re-renders the forms in place from the repo's own config, leaving the config as written", async () => {
    const dir = repo();
    expect((await cli("init", dir, "--repo", "acme/shop")).code).toBe(0);
    const own = join(dir, ".github/support-sla.yml");
    const edited = `${readFileSync(own, "utf8").replace("response: 1h, clock: business", "response: 2h, clock: business")}`;
    expect(edited).toContain("response: 2h");
    writeFileSync(own, edited);
    expect((await cli("init", dir, "--config", own, "--repo", "acme/shop")).code).toBe(1);
    const r = await cli("init", dir, "--config", own, "--repo", "acme/shop", "--force");
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.filter((l) => l.startsWith("wrote")).some((l) => l.endsWith("support-sla.yml"))).toBe(false);
    expect(readFileSync(own, "utf8")).toBe(edited);
    expect(priorityLine(dir, "other.yml", "Urgent")).toMatch(/within 2 business hours\.$/);
  });

  it("writes a form for a type the config adds, with the priorities it allows, that check-config accepts", async () => {
    const dir = repo();
    const file = config(
      "more.yml",
      [
        "priorities:",
        "  low: { name: Low, response: 16h, description: Nice to have }",
        "types:",
        "  billing: { name: Billing question, description: Invoices and payments }",
        "  guidance: null",
        "",
      ].join("\n"),
    );
    const r = await cli("init", dir, "--config", file);
    expect(r.code, r.stderr).toBe(0);
    const forms = readdirSync(join(dir, ".github/ISSUE_TEMPLATE")).sort();
    expect(forms).toContain("billing.yml");
    expect(forms).not.toContain("guidance.yml");
    const billing = parseIssueForm(read(dir, "ISSUE_TEMPLATE/billing.yml"));
    if (!billing.ok) throw new Error(billing.problems.join("; "));
    expect(billing.form).toMatchObject({ name: "Billing question", labels: ["type: billing"] });
    expect(billing.form.fields.find((f) => f.id === "priority")).toMatchObject({
      options: ["Urgent", "Normal", "Low"],
    });
    expect(priorityLine(dir, "billing.yml", "Low")).toBe(
      "**Low**: Nice to have; we respond within 16 business hours.",
    );
    const check = await cli(
      "check-config",
      join(dir, ".github/support-sla.yml"),
      "--forms",
      join(dir, ".github/ISSUE_TEMPLATE"),
    );
    expect(check.stdout).toMatch(/valid/);
    expect(check.code).toBe(0);
  });

  it("checks every promise it writes, also for priority names holding markdown characters", async () => {
    const dir = repo();
    const names = [
      "Low *priority*",
      "Sev-2 [major]",
      "Niveau 3 — bas_niveau",
      "A `code` one",
      "~~Sev~~ 1",
      "A &amp; B",
    ];
    const priorities = (response: string) =>
      [
        "priorities:",
        ...names.map((n, i) => `  p${i}: { name: ${JSON.stringify(n)}, response: ${response} }`),
      ].join("\n");
    const file = join(dir, "support-sla.yml");
    writeFileSync(file, `${priorities("90m")}\n`);
    expect((await cli("init", dir, "--config", file)).code).toBe(0);
    const forms = join(dir, ".github/ISSUE_TEMPLATE");
    expect((await cli("check-config", file, "--forms", forms)).code).toBe(0);
    writeFileSync(file, `${priorities("2h")}\n`);
    const check = await cli("check-config", file, "--forms", forms);
    expect(check.code).toBe(1);
    for (const name of names) {
      // Each name's stale promise is named, in the one form that offers these priorities.
      expect(
        check.out.filter(
          (l) => l.includes(`for ${name}, but`) && l.includes("respond within 90 business minutes"),
        ),
        name,
      ).not.toHaveLength(0);
    }
  });

  it("writes nothing from a config with problems (exit 1), and refuses a --repo that names no repository (exit 2)", async () => {
    const dir = repo();
    const bad = await cli(
      "init",
      dir,
      "--config",
      config("bad.yml", "priorities:\n  urgent: { response: 0m }\n"),
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/priorities\.urgent\.response: "0m" is zero/);
    expect(bad.stderr).toMatch(/nothing written/);
    expect(readdirSync(dir)).toEqual([]);
    const repoFlag = await cli("init", dir, "--repo", "not a repo");
    expect(repoFlag.code).toBe(2);
    expect(repoFlag.stderr).toMatch(/--repo "not a repo" is not a repository; write OWNER\/NAME/);
    expect((await cli("init", dir, "--config", join(tmp, "absent.yml"))).code).toBe(2);
  });
});

describe("repositoryWebUrl", () => {
  it.each([
    ["acme/shop", "https://github.com/acme/shop"],
    ["git@github.com:acme/shop.git", "https://github.com/acme/shop"],
    ["ssh://git@ghe.example.com:2222/acme/shop.git", "https://ghe.example.com/acme/shop"],
    ["https://github.com/acme/shop.git", "https://github.com/acme/shop"],
    ["https://user:token@ghe.example.com:8443/acme/shop/", "https://ghe.example.com:8443/acme/shop"],
    ["git://github.com/acme/shop", "https://github.com/acme/shop"],
  ])("%s → %s", (remote, url) => {
    expect(repositoryWebUrl(remote)).toBe(url);
  });

  it.each([
    ["gitlab.com:group/sub/project.git"],
    ["https://github.com/acme"],
    ["file:///srv/git/shop.git"],
    ["../shop"],
    ["acme/.."],
  ])("%s names no single repository", (remote) => {
    expect(repositoryWebUrl(remote)).toBeNull();
  });
});

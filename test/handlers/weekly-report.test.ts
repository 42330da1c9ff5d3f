import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/db.js";
import { saveTrackedIssue } from "../../src/store/intake-store.js";
import { saveTimers } from "../../src/store/timer-store.js";
import {
  API,
  createHarness,
  type Harness,
  mockSetupReads,
  mockToken,
  shippedFormTexts,
} from "../helpers/harness.js";
import { INSTALLATION_ID } from "../helpers/payloads.js";

const forms = shippedFormTexts();
const harnesses: Harness[] = [];
let store: Store | undefined;
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close().catch(() => undefined);
  await store?.close().catch(() => undefined);
  expect(nock.pendingMocks()).toEqual([]);
});

async function seed(s: Store) {
  const created = Date.parse("2026-11-24T09:00:00Z");
  await saveTrackedIssue(s, {
    repo: "acme/support",
    number: 1,
    installation_id: INSTALLATION_ID,
    author: "carla",
    type: "problem",
    priority: "urgent",
    priority_override: null,
    body_priority: "urgent",
    intake: "valid",
    created_at: created,
    deadline_at: created + 3_600_000,
    intake_comment_id: 1,
    intake_comment_digest: null,
    updated_at: created,
    state: "met",
    first_response_at: created + 600_000,
    first_response_business_ms: 600_000,
    title: "VPN down",
    html_url: "https://github.com/acme/support/issues/1",
  });
  // A next reply answered in 30 minutes of its 4 h target.
  const asked = created + 3_600_000;
  await saveTimers(s, { repo: "acme/support", number: 1 }, [
    {
      kind: "insert",
      installationId: INSTALLATION_ID,
      rank: 1,
      timer: {
        metric: "next_reply",
        cycle: 1,
        state: "met",
        clock: "calendar",
        target: { kind: "duration", ms: 4 * 3_600_000 },
        targetMs: 4 * 3_600_000,
        startedAt: asked,
        pauses: [],
        deadlineAt: asked + 4 * 3_600_000,
        level: 0,
        firings: 0,
        nextDueAt: null,
        metAt: asked + 1_800_000,
        metBy: "eva",
        countedMs: 1_800_000,
        late: false,
        breachedAt: null,
        paged: false,
      },
    },
  ]);
}

describe("weekly SLA report", () => {
  it("two replicas on one database post last week's report once", async () => {
    // A file, not :memory:, so that both replicas really share it.
    store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), "weekly-")), "db.sqlite")}`);
    await seed(store);
    for (const owner of ["replica-a", "replica-b"]) {
      harnesses.push(await createHarness({ store, owner, now: "2026-11-30T08:05:00Z" }));
      mockToken();
      mockSetupReads({ forms, config: "report:\n  weekly: true\n" });
    }
    const titles: string[] = [];
    const bodies: string[] = [];
    // Persisted: a second post would be accepted, and counted.
    nock(API)
      .persist()
      .post("/repos/acme/support/issues", (b) => {
        titles.push(b.title);
        bodies.push(b.body);
        return true;
      })
      .reply(201, { number: 2 });

    await Promise.all(harnesses.map((h) => h.runtime.weeklyReports()));
    await Promise.all(harnesses.map((h) => h.runtime.weeklyReports()));

    expect(titles).toHaveLength(1);
    expect(titles[0]).toMatch(/2026-W48/);
    // The week's next replies are in the issue too (timers, issue 12).
    expect(bodies[0]).toMatch(/## Next reply/);
    expect(bodies[0]).toMatch(/\| \*\*All\*\* \|[^\n]*\*\*100%\*\*/);
    const meta = await store.db
      .selectFrom("meta")
      .selectAll()
      .where("key", "=", "weekly_report:acme/support")
      .executeTakeFirst();
    expect(meta?.value).toBe("2026-W48");
  });
});

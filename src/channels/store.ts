import type { Kysely, Selectable } from "kysely";
import type { Store } from "../store/db.js";

/** The two inbound channels of issue 13. */
export type ChannelKind = "pagerduty" | "slack";

/** One repo's claim on a PagerDuty service or a Slack channel (table `channel_claims`, 0007). */
export interface ChannelClaimsTable {
  kind: ChannelKind;
  /** A PagerDuty service id or a Slack channel id, as written in the config. */
  channel_key: string;
  /** `owner/name`, lower-cased. */
  repo: string;
  installation_id: number;
  /** Epoch ms of the refresh that wrote it. */
  updated_at: number;
}

/**
 * Which issue one incident or Slack request became (table `channel_links`, 0007). `origin`
 * `channel`: the app opened the issue for it; `app`: the incident is the app's own page of an
 * issue (matched back by its dedup key, never a second issue).
 */
export interface ChannelLinksTable {
  kind: ChannelKind;
  /** PagerDuty incident id, or Slack `team:channel:message ts`. */
  source_id: string;
  origin: "channel" | "app";
  repo: string;
  /** The issue number; null while the issue is being opened (or after a crash in between). */
  number: number | null;
  installation_id: number;
  type: string;
  priority: string;
  /** When the first-response clock starts (incident creation, Slack message ts), epoch ms. */
  clock_start: number;
  /** JSON of channel-specific facts (Slack thread, response URL, requester); no secrets. */
  detail: string;
  created_at: number;
  updated_at: number;
}

interface ChannelDatabase {
  channel_claims: ChannelClaimsTable;
  channel_links: ChannelLinksTable;
}

export type ChannelLink = Selectable<ChannelLinksTable>;

/** The store's database seen with the channel tables (they are not part of the core schema type). */
function db(store: Store): Kysely<ChannelDatabase> {
  return store.db as unknown as Kysely<ChannelDatabase>;
}

/** One claim to record: a service or channel this repo's config lists. */
export interface ClaimKey {
  kind: ChannelKind;
  key: string;
}

/**
 * Replaces every claim of `repo` by `claims` (one transaction): what a push of the repo's config
 * or a rebuild found. An empty list removes the repo from the index.
 */
export async function replaceRepoClaims(
  store: Store,
  repo: string,
  installationId: number,
  claims: ClaimKey[],
  now: number,
): Promise<void> {
  await db(store)
    .transaction()
    .execute(async (tx) => {
      await tx.deleteFrom("channel_claims").where("repo", "=", repo).execute();
      if (claims.length === 0) return;
      await tx
        .insertInto("channel_claims")
        .values(
          claims.map((c) => ({
            kind: c.kind,
            channel_key: c.key,
            repo,
            installation_id: installationId,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.columns(["kind", "channel_key", "repo"]).doNothing())
        .execute();
    });
}

/** Removes the claims not refreshed since `before` (repos no longer installed or gone). */
export async function pruneClaims(store: Store, before: number): Promise<number> {
  const result = await db(store)
    .deleteFrom("channel_claims")
    .where("updated_at", "<", before)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every repo claiming one service or channel, repo order. */
export async function claimsOf(
  store: Store,
  kind: ChannelKind,
  key: string,
): Promise<Array<{ repo: string; installation_id: number }>> {
  return await db(store)
    .selectFrom("channel_claims")
    .select(["repo", "installation_id"])
    .where("kind", "=", kind)
    .where("channel_key", "=", key)
    .orderBy("repo")
    .execute();
}

/** Every claim on any of `keys` of `kind`, all repos. */
export async function claimsOn(
  store: Store,
  kind: ChannelKind,
  keys: string[],
): Promise<Array<{ channel_key: string; repo: string; installation_id: number }>> {
  if (keys.length === 0) return [];
  return await db(store)
    .selectFrom("channel_claims")
    .select(["channel_key", "repo", "installation_id"])
    .where("kind", "=", kind)
    .where("channel_key", "in", keys)
    .orderBy("repo")
    .execute();
}

/** The services and channels one repo claims in the index (its last valid default-branch config). */
export async function claimsOfRepo(store: Store, repo: string): Promise<ClaimKey[]> {
  const rows = await db(store)
    .selectFrom("channel_claims")
    .select(["kind", "channel_key"])
    .where("repo", "=", repo)
    .orderBy("kind")
    .orderBy("channel_key")
    .execute();
  return rows.map((r) => ({ kind: r.kind, key: r.channel_key }));
}

export async function countClaims(store: Store): Promise<number> {
  const row = await db(store)
    .selectFrom("channel_claims")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function getLink(
  store: Store,
  kind: ChannelKind,
  sourceId: string,
): Promise<ChannelLink | undefined> {
  return await db(store)
    .selectFrom("channel_links")
    .selectAll()
    .where("kind", "=", kind)
    .where("source_id", "=", sourceId)
    .executeTakeFirst();
}

/** The link of a channel-opened issue (origin `channel`), if this issue is one. */
export async function channelLinkOfIssue(
  store: Store,
  key: { repo: string; number: number },
): Promise<ChannelLink | undefined> {
  return await db(store)
    .selectFrom("channel_links")
    .selectAll()
    .where("repo", "=", key.repo)
    .where("number", "=", key.number)
    .where("origin", "=", "channel")
    .executeTakeFirst();
}

export type NewLink = Omit<ChannelLink, "updated_at">;

/**
 * Records a link unless one exists for the same source (the first writer wins across replicas).
 * Returns the stored link: the new one, or the one that was there.
 */
export async function insertLink(
  store: Store,
  link: NewLink,
): Promise<{ link: ChannelLink; created: boolean }> {
  const inserted = await db(store)
    .insertInto("channel_links")
    .values({ ...link, updated_at: link.created_at })
    .onConflict((oc) => oc.columns(["kind", "source_id"]).doNothing())
    .returning("source_id")
    .executeTakeFirst();
  const stored = await getLink(store, link.kind, link.source_id);
  if (!stored) throw new Error(`channel link ${link.kind}:${link.source_id} vanished after insert`);
  return { link: stored, created: inserted !== undefined };
}

export async function setLinkIssue(
  store: Store,
  kind: ChannelKind,
  sourceId: string,
  number: number,
  now: number,
): Promise<void> {
  await db(store)
    .updateTable("channel_links")
    .set({ number, updated_at: now })
    .where("kind", "=", kind)
    .where("source_id", "=", sourceId)
    .execute();
}

export async function setLinkDetail(
  store: Store,
  kind: ChannelKind,
  sourceId: string,
  detail: unknown,
  now: number,
): Promise<void> {
  await db(store)
    .updateTable("channel_links")
    .set({ detail: JSON.stringify(detail), updated_at: now })
    .where("kind", "=", kind)
    .where("source_id", "=", sourceId)
    .execute();
}

/** The link's `detail` JSON, parsed; `{}` when unreadable. */
export function linkDetail<T extends object>(link: Pick<ChannelLink, "detail">): Partial<T> {
  try {
    const value = JSON.parse(link.detail) as unknown;
    return typeof value === "object" && value !== null ? (value as Partial<T>) : {};
  } catch {
    return {};
  }
}

import { type GitHub, httpStatus } from "./octokit.js";

/**
 * Whether a user is an active member of one of the configured teams (`org/slug`), asked through
 * the API and remembered for a while: a busy issue does not ask GitHub for every comment.
 */
export class TeamMembership {
  private readonly cache = new Map<string, { member: boolean; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  private async isMember(gh: GitHub, team: string, login: string): Promise<boolean> {
    const key = `${team}:${login}`.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.member;
    const [org, slug] = team.replace(/^@/, "").split("/");
    if (!org || !slug) return false;
    let member = false;
    try {
      const res = await gh.request("GET /orgs/{org}/teams/{team_slug}/memberships/{username}", {
        org,
        team_slug: slug,
        username: login,
      });
      member = (res.data as { state?: string }).state === "active";
    } catch (error) {
      if (httpStatus(error) !== 404) throw error;
    }
    this.cache.set(key, { member, at: this.now() });
    return member;
  }

  /** The lower-cased logins among `[login]` that belong to one of `teams`: the set the response rule takes. */
  async membersAmong(gh: GitHub, teams: string[], login: string): Promise<Set<string>> {
    for (const team of teams) if (await this.isMember(gh, team, login)) return new Set([login.toLowerCase()]);
    return new Set();
  }
}

import { describe, expect, it } from "vitest";
import {
  commentAuthorRole,
  isTeamResponse,
  needsTeamLookup,
  normalizeLogin,
  type ResponseComment,
  type TeamRule,
} from "../../../src/domain/sla/response.js";
import { testPolicy } from "../../helpers/policy.js";

const issue = { authorLogin: "Customer-Carla" };
const DEFAULT_TEAM = testPolicy().team;
const CONFIGURED: TeamRule = {
  associations: ["OWNER", "MEMBER", "COLLABORATOR"],
  users: ["@Contractor-Cleo", "outsourced-olga"],
  teams: ["acme/support"],
  ignore: ["@Sales-Sam"],
};
/** Lower-case logins of acme/support, as the caller resolves them through the API. */
const MEMBERS: ReadonlySet<string> = new Set(["team-tim", "sales-sam"]);

function comment(login: string | null, association: string, type: "User" | "Bot" = "User"): ResponseComment {
  return { user: login === null ? null : { login, type }, author_association: association };
}

describe("isTeamResponse with the default team (OWNER, MEMBER, COLLABORATOR)", () => {
  it.each([
    ["an OWNER", comment("owner-olivia", "OWNER"), true, "association OWNER"],
    ["a MEMBER", comment("member-max", "MEMBER"), true, "association MEMBER"],
    ["a COLLABORATOR", comment("collab-cora", "COLLABORATOR"), true, "association COLLABORATOR"],
    [
      "a CONTRIBUTOR",
      comment("contrib-carl", "CONTRIBUTOR"),
      false,
      "not on the team (association CONTRIBUTOR)",
    ],
    ["anyone else (NONE)", comment("random-rita", "NONE"), false, "not on the team (association NONE)"],
    ["an association in lower case", comment("member-max", "member"), true, "association MEMBER"],
    ["a bot by its [bot] login, even as MEMBER", comment("renovate[bot]", "MEMBER"), false, "is a bot"],
    ["a bot by type, even as OWNER", comment("ci-robot", "OWNER", "Bot"), false, "is a bot"],
    ["this app itself", comment("support-sla[bot]", "NONE", "Bot"), false, "is a bot"],
    ["the issue's author, even as OWNER", comment("customer-carla", "OWNER"), false, "opened the issue"],
    ["a deleted account", comment(null, "MEMBER"), false, "deleted account"],
  ] as const)("%s", (_, c, counts, reason) => {
    const verdict = isTeamResponse(c, issue, DEFAULT_TEAM, new Set());
    expect(verdict.counts).toBe(counts);
    expect(verdict.reason).toContain(reason);
    expect(needsTeamLookup(c, issue, DEFAULT_TEAM)).toBe(false);
  });
});

describe("isTeamResponse with users, teams and an ignore list", () => {
  it.each([
    [
      "a configured user (config wrote @Contractor-Cleo)",
      comment("contractor-cleo", "NONE"),
      true,
      "configured user",
    ],
    ["a configured user in another case", comment("Outsourced-Olga", "CONTRIBUTOR"), true, "configured user"],
    ["a member of a configured team", comment("Team-Tim", "NONE"), true, "member of acme/support"],
    ["someone in no team", comment("random-rita", "NONE"), false, "not in acme/support"],
    ["an ignored user, even as MEMBER and team member", comment("sales-sam", "MEMBER"), false, "is ignored"],
  ] as const)("%s", (_, c, counts, reason) => {
    const verdict = isTeamResponse(c, issue, CONFIGURED, MEMBERS);
    expect(verdict).toEqual({ counts, reason: expect.stringContaining(reason) });
  });

  it("never counts the issue's author, even when listed as a user or a team member", () => {
    const byAuthor = comment("Customer-Carla", "NONE");
    const team = { ...CONFIGURED, users: ["customer-carla"] };
    expect(isTeamResponse(byAuthor, issue, team, new Set(["customer-carla"]))).toEqual({
      counts: false,
      reason: "@Customer-Carla opened the issue",
    });
  });

  it("never counts a bot listed as a user or a team member", () => {
    const bot = comment("helper[bot]", "NONE");
    const team = { ...CONFIGURED, users: ["helper[bot]"] };
    expect(isTeamResponse(bot, issue, team, new Set(["helper[bot]"])).counts).toBe(false);
  });

  it("compares the issue author without case or leading @", () => {
    expect(
      isTeamResponse(
        comment("CUSTOMER-carla", "OWNER"),
        { authorLogin: "@customer-Carla" },
        CONFIGURED,
        MEMBERS,
      ),
    ).toMatchObject({ counts: false });
  });

  it("lets associations be configured beyond the default (CONTRIBUTOR)", () => {
    const team = { ...DEFAULT_TEAM, associations: ["CONTRIBUTOR"] };
    expect(isTeamResponse(comment("contrib-carl", "CONTRIBUTOR"), issue, team, new Set()).counts).toBe(true);
    expect(isTeamResponse(comment("owner-olivia", "OWNER"), issue, team, new Set()).counts).toBe(false);
  });
});

describe("needsTeamLookup", () => {
  it.each([
    ["an undecided commenter with teams configured", comment("random-rita", "NONE"), CONFIGURED, true],
    ["a MEMBER (decided by association)", comment("member-max", "MEMBER"), CONFIGURED, false],
    ["a configured user", comment("contractor-cleo", "NONE"), CONFIGURED, false],
    ["a bot", comment("renovate[bot]", "NONE"), CONFIGURED, false],
    ["a bot by type", comment("ci-robot", "NONE", "Bot"), CONFIGURED, false],
    ["the issue's author", comment("customer-carla", "NONE"), CONFIGURED, false],
    ["an ignored user", comment("sales-sam", "NONE"), CONFIGURED, false],
    ["a deleted account", comment(null, "NONE"), CONFIGURED, false],
    ["anyone when no team is configured", comment("random-rita", "NONE"), DEFAULT_TEAM, false],
  ] as const)("%s → %s", (_, c, team, expected) => {
    expect(needsTeamLookup(c, issue, team)).toBe(expected);
  });

  it("agrees with isTeamResponse: without a lookup the verdict does not depend on the members", () => {
    const comments = [
      comment("random-rita", "NONE"),
      comment("member-max", "MEMBER"),
      comment("contractor-cleo", "NONE"),
      comment("renovate[bot]", "NONE"),
      comment("sales-sam", "NONE"),
      comment("team-tim", "NONE"),
    ];
    for (const c of comments) {
      const withMembers = isTeamResponse(c, issue, CONFIGURED, MEMBERS);
      const without = isTeamResponse(c, issue, CONFIGURED, new Set());
      expect(withMembers.counts !== without.counts).toBe(
        needsTeamLookup(c, issue, CONFIGURED) && withMembers.counts,
      );
    }
  });
});

describe("normalizeLogin", () => {
  it.each([
    ["octocat", "octocat"],
    ["@OctoCat", "octocat"],
    ["  @octocat ", "octocat"],
  ])("%j → %j", (input, expected) => {
    expect(normalizeLogin(input)).toBe(expected);
  });
});

describe("commentAuthorRole: whose turn a comment says it is (the timers)", () => {
  it.each([
    ["the issue's author", comment("customer-carla", "NONE"), "customer"],
    ["the author even when an OWNER (the response rule)", comment("Customer-Carla", "OWNER"), "customer"],
    ["a colleague of the author (NONE)", comment("colleague-cody", "NONE"), "customer"],
    ["an outside CONTRIBUTOR", comment("contrib-carl", "CONTRIBUTOR"), "customer"],
    ["a MEMBER", comment("member-max", "MEMBER"), "team"],
    ["a configured user", comment("outsourced-olga", "NONE"), "team"],
    ["a member of a configured team", comment("team-tim", "NONE"), "team"],
    ["an ignored user, even on the team", comment("sales-sam", "MEMBER"), "none"],
    ["a bot (this app's own comments)", comment("support-sla[bot]", "NONE", "Bot"), "none"],
    ["a deleted account", comment(null, "NONE"), "none"],
  ] as const)("%s → %s", (_what, c, role) => {
    expect(commentAuthorRole(c, issue, CONFIGURED, MEMBERS)).toBe(role);
  });
});

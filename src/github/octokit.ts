import type { Context } from "probot";

/** The authenticated installation client Probot hands to each event (REST, paginate, config plugin). */
export type GitHub = Context["octokit"];

export interface IssueRef {
  owner: string;
  repo: string;
  issue_number: number;
}

export function httpStatus(error: unknown): number | undefined {
  return typeof error === "object" && error !== null ? (error as { status?: number }).status : undefined;
}

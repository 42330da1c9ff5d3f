import { fitBody, GITHUB_COMMENT_MAX } from "../helpers/limits.js";
import type { AppIdentity } from "./app-identity.js";
import { type GitHub, httpStatus, type IssueRef } from "./octokit.js";

/**
 * Finds our comment by its marker among the issue's comments (oldest first). Only a comment the
 * app wrote itself counts (`AppIdentity.marked`): a customer or another bot quoting the marker is
 * never taken for ours, so it is never edited. Throws what the GitHub calls throw.
 */
async function findMarked(
  gh: GitHub,
  issue: IssueRef,
  marker: string,
  self: AppIdentity,
): Promise<number | null> {
  for await (const page of gh.paginate.iterator(gh.rest.issues.listComments, { ...issue, per_page: 100 })) {
    for (const comment of page.data) if (await self.marked(comment, marker)) return comment.id;
  }
  return null;
}

/**
 * Writes the issue's one marked comment: edits the known one, else (when one may already exist,
 * e.g. a crash after posting) looks for it by marker among the app's own comments (`self`), else
 * posts it. Returns the comment id. Throws what the GitHub calls throw (a 404 on the edit posts
 * the comment again).
 */
export async function upsertStickyComment(
  gh: GitHub,
  issue: IssueRef,
  marker: string,
  body: string,
  known: { id: number | null; mayExist: boolean },
  self: AppIdentity,
): Promise<number> {
  // A body over GitHub's limit is a 422 and no comment at all: renderers budget for it, this holds it.
  body = fitBody(body, GITHUB_COMMENT_MAX);
  let id = known.id;
  if (id === null && known.mayExist) id = await findMarked(gh, issue, marker, self);
  if (id !== null) {
    try {
      await gh.rest.issues.updateComment({ owner: issue.owner, repo: issue.repo, comment_id: id, body });
      return id;
    } catch (error) {
      if (httpStatus(error) !== 404) throw error; // deleted by someone: post it again
    }
  }
  const created = await gh.rest.issues.createComment({ ...issue, body });
  return created.data.id;
}

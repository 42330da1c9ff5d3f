import { type GitHub, httpStatus, type IssueRef } from "./octokit.js";

/** Finds our comment by its marker among the issue's comments (oldest first). */
async function findMarked(gh: GitHub, issue: IssueRef, marker: string): Promise<number | null> {
  for await (const page of gh.paginate.iterator(gh.rest.issues.listComments, { ...issue, per_page: 100 })) {
    const hit = page.data.find((c) => c.body?.includes(marker) && c.user?.type === "Bot");
    if (hit) return hit.id;
  }
  return null;
}

/**
 * Writes the issue's one marked comment: edits the known one, else (when one may already exist,
 * e.g. a crash after posting) looks for it by marker, else posts it. Returns the comment id.
 */
export async function upsertStickyComment(
  gh: GitHub,
  issue: IssueRef,
  marker: string,
  body: string,
  known: { id: number | null; mayExist: boolean },
): Promise<number> {
  let id = known.id;
  if (id === null && known.mayExist) id = await findMarked(gh, issue, marker);
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

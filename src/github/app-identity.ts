/**
 * Who the app is on GitHub, asked from the API and never guessed, so that the app recognises its
 * own hidden markers (`<!-- support-sla:… -->`) only in comments it wrote itself. A customer (or
 * another app) who pastes a marker into a comment gets no say over the app's sticky comment, its
 * breach comment or any future marked comment.
 *
 * - `GET /app` with the app's JWT returns the app's `id` and `slug`
 *   (https://docs.github.com/en/rest/apps/apps#get-the-authenticated-app).
 * - Everything an installation token writes is attributed to the app's bot account, login
 *   `<slug>[bot]`, type `Bot`
 *   (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation).
 *   Square brackets are not allowed in the login of a user or organisation, so no person can
 *   hold that login.
 * - A comment also carries `performed_via_github_app` when an app wrote it on someone's behalf
 *   (https://docs.github.com/en/rest/issues/comments#get-an-issue-comment); this app never acts for
 *   a user, so that app id equal to ours is ours too.
 */

/** The app as `GET /app` describes it. */
export interface AppSelf {
  /** The app's numeric id (`APP_ID`). */
  id: number;
  /** The app's URL name, e.g. `support-sla`; its bot account is `<slug>[bot]`. */
  slug: string;
}

/** The fields of an issue comment (REST or webhook payload) that say who wrote it. */
export interface CommentAuthorship {
  body?: string | null;
  user?: { login: string; type?: string | null } | null;
  performed_via_github_app?: { id?: number | null } | null;
}

/**
 * The app's own identity, read once from `GET /app` and cached for the life of the process (a
 * failed read is not cached: the next call asks again). `fetchSelf` throws what Octokit throws
 * (e.g. a RequestError with `status` 5xx while GitHub is down); every method passes that on, so
 * the caller's work fails and is retried rather than guessing.
 */
export class AppIdentity {
  #self: Promise<AppSelf> | null = null;

  constructor(private readonly fetchSelf: () => Promise<AppSelf>) {}

  /** The app's id and slug; throws when GitHub cannot be asked (not cached then). */
  self(): Promise<AppSelf> {
    if (!this.#self) {
      const pending = this.fetchSelf().then((self) => {
        if (!Number.isInteger(self.id) || typeof self.slug !== "string" || self.slug === "") {
          throw new Error("GET /app answered without the app's id and slug");
        }
        return self;
      });
      pending.catch(() => {
        if (this.#self === pending) this.#self = null;
      });
      this.#self = pending;
    }
    return this.#self;
  }

  /** The bot account the app writes as, e.g. `support-sla[bot]`. */
  async botLogin(): Promise<string> {
    return `${(await this.self()).slug}[bot]`;
  }

  /**
   * Whether the app itself wrote this comment: the author is a `Bot` account whose login is the
   * app's `<slug>[bot]` (case-insensitive, as GitHub logins are), or `performed_via_github_app`
   * names this app. Asks GitHub for the identity only for a bot-written comment (the first time).
   */
  async wrote(comment: CommentAuthorship): Promise<boolean> {
    const user = comment.user;
    const viaApp = comment.performed_via_github_app?.id;
    if (user?.type !== "Bot" && (viaApp === undefined || viaApp === null)) return false;
    const self = await this.self();
    if (viaApp !== undefined && viaApp !== null && viaApp === self.id) return true;
    return user?.type === "Bot" && user.login.toLowerCase() === `${self.slug}[bot]`.toLowerCase();
  }

  /** Whether the comment carries `marker` and was written by the app itself (see `wrote`). */
  async marked(comment: CommentAuthorship, marker: string): Promise<boolean> {
    if (!comment.body?.includes(marker)) return false;
    return await this.wrote(comment);
  }
}

/**
 * The app's identity from a client authenticated as the app (JWT), e.g. Probot's `app.auth()`.
 * Throws (when called) what `GET /app` throws.
 */
export function appIdentityFrom(
  appClient: () => Promise<{ rest: { apps: { getAuthenticated(): Promise<{ data: unknown }> } } }>,
): AppIdentity {
  return new AppIdentity(async () => {
    const { data } = await (await appClient()).rest.apps.getAuthenticated();
    const app = (data ?? {}) as { id?: unknown; slug?: unknown };
    return { id: Number(app.id), slug: String(app.slug ?? "") };
  });
}

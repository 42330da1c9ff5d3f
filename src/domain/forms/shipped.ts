/** Where GitHub looks for issue forms and the template chooser's config. */
export const ISSUE_TEMPLATE_DIR = ".github/ISSUE_TEMPLATE";

/**
 * The issue forms this project ships, one per request type of the default policy, each applying
 * that type's label. The files live in `.github/ISSUE_TEMPLATE/`; reading them is the caller's job.
 */
export const SHIPPED_FORMS = [
  { file: "add-remove-user.yml", type: "add-remove-user", label: "type: add/remove user" },
  { file: "change-request.yml", type: "change-request", label: "type: change request" },
  { file: "guidance.yml", type: "guidance", label: "type: guidance" },
  { file: "on-call.yml", type: "on-call", label: "type: on-call" },
  { file: "problem.yml", type: "problem", label: "type: problem" },
  { file: "other.yml", type: "other", label: "type: other" },
] as const;

/** The template chooser's config shipped beside the forms. */
export const SHIPPED_TEMPLATE_CONFIG = "config.yml";

/** The longest id taken from a request (incident, channel, webhook, event id) that a log line holds. */
export const MAX_LOGGED_ID = 100;

/**
 * An id from a request as a log field: at most `MAX_LOGGED_ID` code units (a longer one is cut
 * and ends in `…`), so a sender cannot fill the log through an id it chose.
 */
export function logId(id: string): string {
  return id.length <= MAX_LOGGED_ID ? id : `${id.slice(0, MAX_LOGGED_ID - 1)}…`;
}

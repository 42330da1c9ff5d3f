/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment), for typo hints. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((above[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (above[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

/**
 * Inputs longer than this get no suggestion: a typo hint is for a key or a name someone typed
 * (the longest IANA time zone name has 30 characters), and the edit distance costs
 * input length × candidate length per candidate, so a long value (a config may hold 256 KB)
 * would otherwise keep the shared event loop busy for a minute.
 */
export const MAX_SUGGEST_CHARS = 64;

/** Case, `_`, `-`, spaces and `/` are the usual ways one key gets written several ways. */
const loose = (text: string): string => text.toLowerCase().replace(/[\s_\-/]/g, "");

/**
 * The candidate the user most likely meant, or undefined when none is close: same letters
 * ignoring case and separators, or at most a couple of edits away (fewer for short words).
 * Inputs over {@link MAX_SUGGEST_CHARS} characters get undefined at once, and candidates whose
 * length alone puts them out of reach are skipped, so a call costs at most
 * 64 × (longest candidate) steps per candidate.
 */
export function closest(input: string, candidates: readonly string[]): string | undefined {
  if (input.length > MAX_SUGGEST_CHARS) return undefined;
  const exactish = candidates.find((c) => loose(c) === loose(input));
  if (exactish !== undefined) return exactish;
  const budget = Math.min(3, Math.max(1, Math.floor(input.length / 3)));
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of candidates) {
    // The edit distance is at least the difference in length.
    if (Math.abs(candidate.length - input.length) >= bestDistance) continue;
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** ` (did you mean X?)`, or nothing. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closest(input, candidates);
  return match === undefined || match === input ? "" : ` (did you mean ${match}?)`;
}

/**
 * Other names for the config's keys: the words of the help desks people come from (Zendesk's
 * "first reply time", "next reply time", "periodic update"; Jira Service Management's "time to
 * resolution"; Freshdesk's "every response"; a paused "on hold" status) and near-synonyms too far
 * from the key for {@link closest}. Loose spelling (see `loose`) → the keys it may mean, in order;
 * the first that the mapping at hand accepts is suggested.
 */
const KEY_ALIASES = new Map<string, readonly string[]>(
  Object.entries({
    firstreply: ["response"],
    firstreplytime: ["response"],
    firstresponse: ["response"],
    firstresponsetime: ["response"],
    timetofirstresponse: ["response"],
    nextresponse: ["next_reply"],
    nextresponsetime: ["next_reply"],
    nextreplytime: ["next_reply"],
    everyresponse: ["next_reply"],
    replytime: ["next_reply"],
    resolve: ["resolution", "resolved"],
    resolvetime: ["resolution"],
    resolutiontime: ["resolution"],
    timetoresolution: ["resolution"],
    timetoresolve: ["resolution"],
    solved: ["resolved"],
    periodicupdate: ["updates"],
    periodicupdates: ["updates"],
    updateinterval: ["updates"],
    updateevery: ["updates"],
    waitingforcustomer: ["waiting"],
    waitingoncustomer: ["waiting"],
    awaitingcustomer: ["waiting"],
    onhold: ["waiting"],
    paused: ["waiting"],
    pending: ["waiting"],
    ladder: ["levels"],
    escalationlevels: ["levels"],
    steps: ["levels"],
    tiers: ["levels"],
    threshold: ["at"],
    after: ["at"],
    when: ["at"],
    every: ["repeat"],
    interval: ["repeat"],
    repeatevery: ["repeat"],
    mentionassignees: ["assignees"],
    assignee: ["assignees"],
    pagerduty: ["page"],
  }),
);

/**
 * The key an unknown key most likely meant among `allowed` (the keys of the mapping it sits in),
 * or undefined: a known other name for one of them first, else the closest spelling ({@link closest}).
 */
export function closestKey(input: string, allowed: readonly string[]): string | undefined {
  const alias = KEY_ALIASES.get(loose(input))?.find((key) => allowed.includes(key));
  return alias ?? closest(input, allowed);
}

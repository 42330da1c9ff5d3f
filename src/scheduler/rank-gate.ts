/** One escalation in flight, in `RankGate`. */
export interface RankTicket {
  readonly group: number;
  readonly rank: number;
}

interface Entry extends RankTicket {
  done: boolean;
  finished: Promise<void>;
  finish: () => void;
}

/**
 * Keeps the priority order of escalations within an installation in this process: an escalation
 * applies its effects only once every escalation of the same installation (`group`) in flight with
 * a more urgent priority (lower `rank`) has finished. Claims already take the most
 * urgent first; this keeps that order on GitHub, where a Normal escalation with nothing to page
 * would otherwise reach its installation's write queue before an Urgent one still paging.
 * Escalations of equal rank, and of other installations, never wait for each other; a more urgent
 * one never waits for a less urgent one, so there is no cycle.
 */
export class RankGate {
  private readonly groups = new Map<number, Set<Entry>>();

  /** Registers an escalation as it starts; `leave` it when it ends, whatever happened. */
  enter(group: number, rank: number): RankTicket {
    let finish = () => {};
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const entry: Entry = { group, rank, done: false, finished, finish };
    let entries = this.groups.get(group);
    if (!entries) {
      entries = new Set();
      this.groups.set(group, entries);
    }
    entries.add(entry);
    return entry;
  }

  /** Resolves once every more urgent escalation of the group in flight now has left. */
  async ready(ticket: RankTicket): Promise<void> {
    const ahead = [...(this.groups.get(ticket.group) ?? [])].filter(
      (e) => e !== ticket && !e.done && e.rank < ticket.rank,
    );
    await Promise.all(ahead.map((e) => e.finished));
  }

  /** Ends an escalation: those waiting for it go on. */
  leave(ticket: RankTicket): void {
    const entry = ticket as Entry;
    entry.done = true;
    entry.finish();
    const entries = this.groups.get(entry.group);
    entries?.delete(entry);
    if (entries?.size === 0) this.groups.delete(entry.group);
  }
}

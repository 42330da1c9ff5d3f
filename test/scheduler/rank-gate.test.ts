import { describe, expect, it } from "vitest";
import { RankGate } from "../../src/scheduler/rank-gate.js";

/** Runs escalations claimed together through one gate; returns the order in which they applied their effects. */
async function order(
  escalations: { name: string; group: number; rank: number; workMs: number }[],
): Promise<string[]> {
  const gate = new RankGate();
  const applied: string[] = [];
  // All claimed in one pass: each enters as it starts, and reaches its effects after its reads.
  const tickets = escalations.map((e) => gate.enter(e.group, e.rank));
  await Promise.all(
    escalations.map(async (e, i) => {
      const ticket = tickets[i] as ReturnType<RankGate["enter"]>;
      try {
        await gate.ready(ticket);
        applied.push(e.name);
        await new Promise((r) => setTimeout(r, e.workMs));
      } finally {
        gate.leave(ticket);
      }
    }),
  );
  return applied;
}

describe("RankGate", () => {
  it("lets a Normal escalation apply its effects only after the installation's Urgent and Production-down ones", async () => {
    expect(
      await order([
        { name: "normal#1", group: 1, rank: 2, workMs: 0 },
        { name: "urgent#2", group: 1, rank: 1, workMs: 20 },
        { name: "prod-down#3", group: 1, rank: 0, workMs: 20 },
        { name: "normal#4", group: 1, rank: 2, workMs: 0 },
      ]),
    ).toEqual(["prod-down#3", "urgent#2", "normal#1", "normal#4"]);
  });

  it("never holds another installation's escalations, nor those of equal rank", async () => {
    const applied = await order([
      { name: "a:urgent#1", group: 1, rank: 1, workMs: 30 },
      { name: "b:normal#1", group: 2, rank: 2, workMs: 0 },
      { name: "a:urgent#2", group: 1, rank: 1, workMs: 0 },
    ]);
    expect(applied).toEqual(["a:urgent#1", "b:normal#1", "a:urgent#2"]);
  });

  it("lets the waiting go on when the more urgent escalation fails", async () => {
    const gate = new RankGate();
    const urgent = gate.enter(7, 0);
    const normal = gate.enter(7, 2);
    let ready = false;
    const waiting = gate.ready(normal).then(() => {
      ready = true;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(ready).toBe(false);
    gate.leave(urgent); // as escalateTimer's finally does after a failed attempt
    await waiting;
    expect(ready).toBe(true);
    gate.leave(normal);
  });
});

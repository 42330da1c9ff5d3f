import { describe, expect, it } from "vitest";
import { logId, MAX_LOGGED_ID } from "../../src/channels/log-id.js";

describe("logId", () => {
  it("keeps a normal id and cuts a sender-chosen long one to 100 characters", () => {
    expect(logId("Q1ABCDEF")).toBe("Q1ABCDEF");
    const long = logId("P".repeat(10_000));
    expect(long).toHaveLength(MAX_LOGGED_ID);
    expect(MAX_LOGGED_ID).toBe(100);
    expect(long.endsWith("…")).toBe(true);
  });
});

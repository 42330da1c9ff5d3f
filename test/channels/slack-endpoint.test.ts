import { describe, expect, it } from "vitest";
import { isOutsideWindow, isSslCheck, SLACK_TIMESTAMP_WINDOW_S } from "../../src/channels/slack-endpoint.js";

/** Request checks of `POST /api/slack/commands` that need no server (issue 13). */

const NOW_MS = Date.UTC(2026, 10, 30, 8, 0);
const NOW_S = NOW_MS / 1000;

describe("isOutsideWindow (Slack request timestamps)", () => {
  it("refuses more than five minutes in the past and in the future, as Slack's SDK does", () => {
    expect(SLACK_TIMESTAMP_WINDOW_S).toBe(300);
    expect(isOutsideWindow(NOW_S - 301, NOW_MS)).toBe(true);
    expect(isOutsideWindow(NOW_S + 301, NOW_MS)).toBe(true);
    expect(isOutsideWindow(NOW_S - 300, NOW_MS)).toBe(false);
    expect(isOutsideWindow(NOW_S + 300, NOW_MS)).toBe(false);
    expect(isOutsideWindow(NOW_S, NOW_MS)).toBe(false);
  });
});

describe("isSslCheck", () => {
  it("is Slack's ssl_check=1 form body, and nothing else", () => {
    expect(isSslCheck("ssl_check=1&token=deprecated-verification-token")).toBe(true);
    expect(isSslCheck("token=x&ssl_check=1")).toBe(true);
    expect(isSslCheck("ssl_check=0")).toBe(false);
    expect(isSslCheck("command=%2Fsupport&text=ssl_check%3D1")).toBe(false);
  });
});

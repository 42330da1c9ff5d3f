import { describe, expect, it } from "vitest";
import { bodyHeadings } from "../../../src/domain/forms/body.js";
import { headingKey, stripClosingHashes } from "../../../src/domain/forms/text.js";

describe("headingKey: one key for a field label and the heading GitHub renders from it", () => {
  it("reads a label the way GitHub's `### <label>` heading reads", () => {
    // Each label, written under `### ` as GitHub does, must come back as the label's own key.
    for (const label of [
      "Order #",
      "Order ##",
      "C#",
      "Order \\#",
      "**Order** number",
      "Use `npm ci`",
      "See [the docs](https://example.com)",
      "![logo](x.png) Product",
      "A_b_c and *stars*",
      "~~old~~ new",
      "Tom &amp; Jerry",
      "Version <!-- hidden -->",
      "<b>Bold</b> text",
      "Environment(s)",
      "What happens?",
      "#",
    ]) {
      expect(bodyHeadings(`### ${label}\n\nanswer`), label).toEqual([headingKey(label)]);
    }
  });

  it("drops what rendering drops, so headings that look the same match", () => {
    expect(headingKey("Order #")).toBe("Order");
    expect(headingKey("Order #")).toBe(headingKey("Order"));
    expect(headingKey("Order \\#")).toBe("Order #");
    expect(headingKey("**Order** \\#")).toBe("Order #");
    expect(headingKey("C#")).toBe("C#");
    expect(headingKey("A # B")).toBe("A # B");
    expect(headingKey("Use `npm ci` ")).toBe("Use npm ci");
    expect(headingKey("Use `` a`b ``")).toBe("Use a`b");
    expect(headingKey("See [the docs](https://example.com) and <https://x.y>")).toBe(
      "See the docs and https://x.y",
    );
    expect(headingKey("snake_case_name")).toBe("snake_case_name");
    expect(headingKey("_Priority_")).toBe("Priority");
    expect(headingKey("\\*not emphasis\\*")).toBe("*not emphasis*");
    expect(headingKey("Tom &amp; Jerry &#35;1")).toBe("Tom & Jerry #1");
    expect(headingKey("\u200BYour   version ")).toBe("Your version");
  });

  it("strips an ATX closing sequence only when a space precedes it", () => {
    expect(stripClosingHashes("Order #")).toBe("Order");
    expect(stripClosingHashes("Order ###   ")).toBe("Order");
    expect(stripClosingHashes("Order#")).toBe("Order#");
    expect(stripClosingHashes("###")).toBe("");
  });
});

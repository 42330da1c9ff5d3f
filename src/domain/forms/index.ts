export * from "./body.js";
export * from "./classify.js";
export * from "./form.js";
export * from "./shipped.js";
export * from "./text.js";
export * from "./validate.js";

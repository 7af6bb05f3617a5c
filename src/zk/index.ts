export * from "./batch";
export * from "./circuits";
export * from "./prove";
export * from "./ptau";
export * from "./sample";

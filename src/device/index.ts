export * from "./identity";
export * from "./client";
export * from "./registry";
export * from "./simulator";

export * from "./identity";
export * from "./client";

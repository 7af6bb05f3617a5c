export * from "./deployments";
export * from "./contracts";
export * from "./errors";

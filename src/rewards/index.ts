export * from "./claims";
export * from "./multiproof";
export * from "./replay";

export * from "./field";
export * from "./babyjub";
export * from "./registry";
export * from "./did";
export * from "./eip712";
export * from "./eddsa";

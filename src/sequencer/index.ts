export * from "./batcher";
export * from "./chain-view";
export * from "./ingest";
export * from "./server";
export * from "./store";

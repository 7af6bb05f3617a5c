export * from "./state-tree";

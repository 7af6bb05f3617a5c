/** circomkit set up for this repository: circom2 through the `circuits/bin/circom` shim. */
import * as path from "node:path";
import { Circomkit } from "circomkit";

import { PUBLIC_SIGNAL_NAMES, type CircuitShape } from "../../src/zk/batch";

const ROOT = path.resolve(__dirname, "../..");
const SHIM_DIR = path.join(ROOT, "circuits", "bin");
if (!(process.env.PATH ?? "").split(path.delimiter).includes(SHIM_DIR)) {
  process.env.PATH = `${SHIM_DIR}${path.delimiter}${process.env.PATH}`;
}

export const circomkit = new Circomkit({
  dirCircuits: path.join(ROOT, "circuits"),
  dirBuild: path.join(ROOT, "circuits", "build", "circomkit"),
  circomPath: path.join(SHIM_DIR, "circom"),
  include: [path.join(ROOT, "node_modules")],
  verbose: false,
  logLevel: "silent",
});

/** A witness tester of BatchProof with this shape (compiled once per shape and test run). */
export function batchTester(shape: CircuitShape) {
  return circomkit.WitnessTester(`batch_${shape.R}_${shape.D}_${shape.K}_${shape.depth}`, {
    file: "src/batch",
    template: "BatchProof",
    params: [shape.R, shape.D, shape.K, shape.depth],
    pubs: [...PUBLIC_SIGNAL_NAMES],
  });
}

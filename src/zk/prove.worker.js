// Worker thread of src/zk/prove.ts: one fullProve, progress lines posted to the parent.
// Plain CommonJS so that it runs without a TypeScript loader.
const { parentPort, workerData } = require("node:worker_threads");
const snarkjs = require("snarkjs");

async function main() {
  const { system, input, key } = workerData;
  const logger = {
    debug() {},
    info: (message) => parentPort.postMessage({ type: "progress", message }),
    warn: (message) => parentPort.postMessage({ type: "progress", message }),
    error: (message) => parentPort.postMessage({ type: "progress", message }),
  };
  const started = performance.now();
  const { proof, publicSignals } = await snarkjs[system].fullProve(input, key.wasm, key.zkey, logger);
  parentPort.postMessage({ type: "done", result: { system, proof, publicSignals, ms: performance.now() - started } });
  if (globalThis.curve_bn128 !== undefined) await globalThis.curve_bn128.terminate();
}

main().catch((err) => {
  parentPort.postMessage({ type: "error", error: err && err.stack ? err.stack : String(err) });
});

// Prover process of src/zk/prove.ts: one fullProve per message, progress lines sent to
// the parent over IPC. A separate process rather than a worker thread: snarkjs's
// ffjavascript starts its own thread pool, which it cannot do inside a worker thread.
// Plain CommonJS so that it runs without a TypeScript loader.
const snarkjs = require("snarkjs");

process.on("message", async ({ system, input, key }) => {
  const logger = {
    debug() {},
    info: (message) => process.send({ type: "progress", message }),
    warn: (message) => process.send({ type: "progress", message }),
    error: (message) => process.send({ type: "progress", message }),
  };
  try {
    const started = performance.now();
    const { proof, publicSignals } = await snarkjs[system].fullProve(input, key.wasm, key.zkey, logger);
    process.send({ type: "done", result: { system, proof, publicSignals, ms: performance.now() - started } });
  } catch (err) {
    process.send({ type: "error", error: err && err.stack ? err.stack : String(err) });
  } finally {
    if (globalThis.curve_bn128 !== undefined) await globalThis.curve_bn128.terminate();
    delete globalThis.curve_bn128;
    if (process.connected) process.disconnect();
  }
});

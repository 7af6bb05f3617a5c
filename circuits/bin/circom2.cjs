#!/usr/bin/env node
/**
 * circom 2.2 from the npm `circom2` package (WebAssembly under its WASI shim), as its own
 * cli.js runs it, with one fix: WebAssembly hands i32 arguments to JavaScript as signed
 * numbers, so once the compiler's heap grows past 2 GiB (the `prod` configuration,
 * 1.7 M constraints) a pointer arrives negative and the shim's
 * `Buffer.from(memory, ptr, len)` throws "Start offset -… is outside the bounds of the
 * buffer" (seen in path_open after writing prod.r1cs; whether it happens depends on where
 * the heap lands, so it came and went with the build directory's path). Every i32 of the
 * WASI preview-1 interface is unsigned (pointers, lengths, descriptors, flags), so the
 * imports get their numbers as unsigned 32-bit values; 64-bit ones arrive as BigInts and
 * are left alone.
 */
const fs = require("node:fs");
const path = require("node:path");
const { CircomRunner, bindings } = require("circom2");

/** Every parent of the working directory as a relative preopen, as circom2's cli.js does. */
function preopens() {
  const out = {};
  let dir = process.cwd();
  for (;;) {
    const rel = path.relative(process.cwd(), dir) || ".";
    out[rel] = rel;
    const next = path.dirname(dir);
    if (next === dir) return out;
    dir = next;
  }
}

async function main() {
  const args = process.argv.slice(2).map((a) => (a.startsWith("-") ? a : path.relative(process.cwd(), a)));
  if (args.length === 0) args.push("--help");
  const circom = new CircomRunner({
    args,
    env: process.env,
    preopens: preopens(),
    bindings: {
      ...bindings,
      exit: (code) => process.exit(code),
      kill: (signal) => process.kill(process.pid, signal),
      fs,
    },
  });
  const imports = circom.wasi.wasiImport;
  for (const [name, f] of Object.entries(imports)) {
    if (typeof f !== "function") continue;
    imports[name] = (...a) => f(...a.map((x) => (typeof x === "number" && x < 0 ? x >>> 0 : x)));
  }
  await circom.execute(fs.readFileSync(require.resolve("circom2/circom.wasm")));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

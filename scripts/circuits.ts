/**
 * npm run circuits:build [-- --config dev --config tiny] [--ptau ceremony.ptau]
 * npm run circuits:check           rebuild; fail if a committed verifier or count drifted
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import {
  CONSTRAINTS_FILE,
  buildCircuits,
  constraintsPerMessage,
  type ConstraintsFile,
} from "../src/zk/build";
import { CIRCUIT_CONFIGS, repoRoot, type CircuitName } from "../src/zk/circuits";

function args() {
  const argv = process.argv.slice(2);
  const mode = argv[0];
  const configs: CircuitName[] = [];
  let ptau: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === "--config") configs.push(argv[++i] as CircuitName);
    else if (argv[i] === "--ptau") ptau = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  for (const c of configs) if (!(c in CIRCUIT_CONFIGS)) throw new Error(`unknown configuration ${c}`);
  if (mode !== "build" && mode !== "check")
    throw new Error("usage: circuits.ts build|check [--config NAME]… [--ptau FILE]");
  return { mode, configs: configs.length > 0 ? configs : undefined, ptau };
}

function summary(c: ConstraintsFile): string {
  const lines = Object.entries(c).map(([name, r]) => {
    const msgs = r.shape.D * r.shape.K;
    const extra =
      r.plonkGates !== undefined ? `, PLONK gates ${r.plonkGates} (from --O1 R1CS ${r.r1csO1})` : "";
    return `  ${name.padEnd(8)} R=${r.shape.R} D=${r.shape.D} K=${r.shape.K} depth=${r.shape.depth}: ${r.r1cs} constraints, ${Math.round(r.r1cs / msgs)} per message slot${extra}`;
  });
  const per = constraintsPerMessage(c);
  if (per !== undefined)
    lines.push(`  per message at K=8, depth 20 (one 8-message slot, state update included): ${per}`);
  return lines.join("\n");
}

async function main() {
  const { mode, configs, ptau } = args();
  const root = repoRoot();
  const result = await buildCircuits({ configs, ceremonyPtau: ptau, root });
  const constraintsPath = path.join(root, CONSTRAINTS_FILE);
  const committed: ConstraintsFile = JSON.parse(
    (await fs.readFile(constraintsPath, "utf8").catch(() => "{}")) as string,
  );
  const merged: ConstraintsFile = { ...committed, ...result.constraints };
  const files: Record<string, string> = {
    ...result.outputs,
    [constraintsPath]: JSON.stringify(merged, null, 2) + "\n",
  };

  if (mode === "build") {
    for (const [file, text] of Object.entries(files)) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, text);
    }
    console.log(summary(result.constraints));
    return;
  }
  const drifted: string[] = [];
  for (const [file, text] of Object.entries(files)) {
    const current = await fs.readFile(file, "utf8").catch(() => undefined);
    if (current !== text) drifted.push(path.relative(root, file));
  }
  if (drifted.length > 0) {
    console.error(
      `error: generated files drifted from their sources (run npm run circuits:build):\n  ${drifted.join("\n  ")}`,
    );
    process.exitCode = 1;
  } else {
    console.log(
      `circuits:check: ${Object.keys(files).length} generated files and the pinned constraint counts match\n${summary(result.constraints)}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

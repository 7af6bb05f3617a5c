/**
 * Toolchain glue: Solidity compiled offline from the npm `solc` package, and compiler
 * warnings treated as errors.
 *
 * The soliditylang.org download host is not reachable from the machines this kit is
 * built on, so the `solc` npm package (pinned in package.json to SOLC_VERSION) is the
 * compiler. A version mismatch fails loudly instead of silently compiling with another
 * compiler.
 */
import { subtask } from "hardhat/config";
import { HardhatPluginError } from "hardhat/plugins";
import {
  TASK_COMPILE_SOLIDITY_CHECK_ERRORS,
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
} from "hardhat/builtin-tasks/task-names";

export const SOLC_VERSION = "0.8.28";

interface SolcOutputError {
  severity: "error" | "warning" | "info";
  formattedMessage?: string;
  message: string;
  sourceLocation?: { file: string };
}

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solcPackage = require("solc/package.json") as { version: string };
  if (solcPackage.version !== solcVersion) {
    throw new HardhatPluginError(
      "depin-kit",
      `solc ${solcVersion} requested but the npm solc package is ${solcPackage.version}; ` +
        `pin "solc": "${solcVersion}" in package.json`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: solcVersion,
    longVersion: solc.version().replace(/\.Emscripten.*$/, ""),
  };
});

subtask(TASK_COMPILE_SOLIDITY_CHECK_ERRORS).setAction(
  async (args: { output: { errors?: SolcOutputError[] } }, _hre, runSuper) => {
    await runSuper(args);
    const warnings = (args.output.errors ?? []).filter((e) => e.severity === "warning");
    if (warnings.length > 0) {
      throw new HardhatPluginError(
        "depin-kit",
        `${warnings.length} compiler warning(s); warnings fail the build:\n` +
          warnings.map((w) => w.formattedMessage ?? w.message).join("\n"),
      );
    }
  },
);

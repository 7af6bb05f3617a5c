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
  errorCode?: string;
  formattedMessage?: string;
  message: string;
  sourceLocation?: { file: string };
}

/**
 * The one tolerated warning: snarkjs's generated PLONK and FFLONK verifiers read their
 * parameters with calldataload in assembly, which solc reports as unused parameters
 * (5667). Generated files are never edited, so that warning is dropped for them only.
 */
const GENERATED_VERIFIERS = "contracts/verifiers/generated/";
const UNUSED_PARAMETER = "5667";

function tolerated(e: SolcOutputError): boolean {
  return (
    e.severity === "warning" &&
    e.errorCode === UNUSED_PARAMETER &&
    (e.sourceLocation?.file ?? "").startsWith(GENERATED_VERIFIERS)
  );
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
  async (args: { output: { errors?: SolcOutputError[] } }, hre, runSuper) => {
    // solidity-coverage's instrumentation makes solc warn (unreachable code, mutability
    // hints): under `npm run coverage` only errors fail the build.
    const coverage = (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean })
      .__SOLIDITY_COVERAGE_RUNNING;
    if (args.output.errors !== undefined)
      args.output.errors = args.output.errors.filter(
        (e) => !tolerated(e) && !(coverage === true && e.severity === "warning"),
      );
    await runSuper(args);
    const warnings = (args.output.errors ?? []).filter((e) => e.severity === "warning");
    if (warnings.length > 0) {
      throw new HardhatPluginError(
        "depin-kit",
        `${warnings.length} compiler warning(s) above; warnings fail the build`,
      );
    }
  },
);

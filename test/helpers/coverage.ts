/**
 * Inside `npm run coverage` (solidity-coverage) contracts are instrumented and unoptimized,
 * so their gas figures mean nothing: tests that pin gas skip only those comparisons then.
 */
import hre from "hardhat";

/** True while `hardhat coverage` runs (the plugin sets this flag on the runtime environment). */
export function coverageRunning(): boolean {
  return (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
}

/**
 * Run profiles for property and stateful suites: the quick one runs inside `npm test`;
 * `npm run test:full` sets INVARIANT_PROFILE=full (≥ 200 runs per invariant, longer
 * command sequences). INVARIANT_SEED replays a failing run.
 */
export type InvariantProfile = "quick" | "full";

export const PROFILE: InvariantProfile = process.env.INVARIANT_PROFILE === "full" ? "full" : "quick";

/** fast-check parameters for a model-based (stateful) property. */
export function stateful(quick: { numRuns: number; maxCommands: number }): {
  numRuns: number;
  maxCommands: number;
  seed?: number;
} {
  const seed = process.env.INVARIANT_SEED === undefined ? undefined : Number(process.env.INVARIANT_SEED);
  return PROFILE === "full"
    ? { numRuns: Math.max(200, quick.numRuns), maxCommands: Math.max(60, quick.maxCommands * 3), seed }
    : { ...quick, seed };
}

/** Mocha timeout for a suite, by profile. */
export const SUITE_TIMEOUT_MS = PROFILE === "full" ? 3_600_000 : 600_000;

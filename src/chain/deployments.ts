/**
 * Deployment ids, shared by deploy scripts, tasks and tests so that the wiring is named
 * in one place.
 */
export const DEPLOYMENTS = {
  poseidonT3: "PoseidonT3",
  poseidonT4: "PoseidonT4",
  poseidonT5: "PoseidonT5",
  poseidonT5Tail: "PoseidonT5Tail",
  projectRegistry: "ProjectRegistry",
  deviceRegistry: "DeviceRegistry",
  accountRegistry: "ERC6551Registry",
  deviceAccount: "DeviceAccount",
  verifierRegistry: "VerifierRegistry",
  stakingToken: "StakingToken",
  proverPool: "ProverPool",
  rewardDistributor: "RewardDistributor",
  rewardToken: "DePINToken",
  batchManager: "BatchManager",
} as const;

/** Deployment name of a configuration's generated verifier or of its IBatchVerifier adapter. */
export function verifierDeploymentName(
  config: string,
  system: string,
  part: "generated" | "adapter",
): string {
  return `${part === "generated" ? "Verifier" : "BatchVerifier"}_${config}_${system}`;
}

/** hardhat-deploy tags: `deployments.fixture([TAGS.registries])` deploys what it needs. */
export const TAGS = {
  poseidon: "poseidon",
  registries: "registries",
  verifiers: "verifiers",
  settlement: "settlement",
  rewards: "rewards",
} as const;

export interface KitAddresses {
  projectRegistry: string;
  deviceRegistry: string;
  /** The block the DeviceRegistry was deployed in: where event scans start. */
  fromBlock?: number;
}

/**
 * A tag no deploy script carries: added to `deployments.fixture` tags, it keys
 * hardhat-deploy's fixture snapshots by state depth, so that deployments at different
 * `STATE_DEPTH`s in one test run never revert to each other's snapshot.
 */
export function depthTag(depth: number): string {
  return `state-depth-${depth}`;
}

/**
 * Whether the deploy scripts treat the network as a local development chain (mock staking
 * token, reference reward token). `DEPIN_DEPLOY_TARGET` names the live network a dry run
 * (`deploy:plan`) simulates on a fork, so the scripts take that network's branch.
 */
export function isLocalNetwork(networkName: string): boolean {
  const target = process.env.DEPIN_DEPLOY_TARGET;
  if (target !== undefined && target !== "" && target !== "hardhat" && target !== "localhost") return false;
  return networkName === "hardhat" || networkName === "localhost";
}

/**
 * @depin-kit/contracts — the kit's contracts for dapps: typed (typechain, ethers v6)
 * handles to every contract of a deployment, found by network name or chain id.
 *
 *   import { connect } from "@depin-kit/contracts";
 *   const kit = connect("iotexTestnet", provider);          // or a Signer, or 4690
 *   const project = await kit.projectRegistry.project(1n);
 *
 * `deployments` lists the addresses per network (from the kit's hardhat-deploy folders);
 * `abis` holds each contract's ABI; the typechain factories are exported under `factories`.
 */
import type { ContractRunner } from "ethers";

import deploymentsJson from "./deployments.json";
import {
  BatchManager__factory,
  DePINToken__factory,
  DeviceAccount__factory,
  DeviceRegistry__factory,
  IERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  RewardDistributor__factory,
  VerifierRegistry__factory,
} from "./typechain";
import type {
  BatchManager,
  DePINToken,
  DeviceAccount,
  DeviceRegistry,
  IERC20,
  ProjectRegistry,
  ProverPool,
  RewardDistributor,
  VerifierRegistry,
} from "./typechain";

export * from "./typechain";
export * as factories from "./typechain/factories";
/** Struct types of the interfaces (`IDeviceRegistry.DeviceStructOutput`, …). */
export type { IBatchManager } from "./typechain/BatchManager";
export type { IDeviceRegistry } from "./typechain/DeviceRegistry";
export type { IProjectRegistry } from "./typechain/ProjectRegistry";
export type { IProverPool } from "./typechain/ProverPool";
export type { IRewardDistributor } from "./typechain/RewardDistributor";
export type { IVerifierRegistry } from "./typechain/VerifierRegistry";

/** Deployment names of the kit's contracts (hardhat-deploy). */
export type DeploymentName =
  | "ProjectRegistry"
  | "DeviceRegistry"
  | "ERC6551Registry"
  | "DeviceAccount"
  | "VerifierRegistry"
  | "ProverPool"
  | "BatchManager"
  | "RewardDistributor"
  | "StakingToken"
  | "DePINToken";

export interface NetworkDeployment {
  chainId: number;
  contracts: Partial<Record<DeploymentName, string>> & Record<string, string>;
}

/** Every network this package knows, by hardhat network name. */
export const deployments: Record<string, NetworkDeployment> = deploymentsJson as Record<
  string,
  NetworkDeployment
>;

export interface DePINKit {
  network: string;
  chainId: number;
  addresses: NetworkDeployment["contracts"];
  projectRegistry: ProjectRegistry;
  deviceRegistry: DeviceRegistry;
  verifierRegistry: VerifierRegistry;
  proverPool: ProverPool;
  batchManager: BatchManager;
  rewardDistributor: RewardDistributor;
  /** The token provers stake (an ERC-20). */
  stakingToken: IERC20;
  /** The kit's reward token, when the network has one deployed. */
  rewardToken?: DePINToken;
}

/** The deployment of a network given by name (`iotexTestnet`) or chain id (4690). */
export function deploymentOf(network: string | number | bigint): {
  name: string;
  deployment: NetworkDeployment;
} {
  const entries = Object.entries(deployments);
  const found =
    typeof network === "string" && !/^[0-9]+$/.test(network)
      ? entries.find(([name]) => name === network)
      : entries.find(([, d]) => BigInt(d.chainId) === BigInt(network));
  if (found === undefined) {
    throw new Error(
      `@depin-kit/contracts has no deployment for network ${String(network)} (known: ${
        entries.map(([n, d]) => `${n} (${d.chainId})`).join(", ") || "none"
      })`,
    );
  }
  return { name: found[0], deployment: found[1] };
}

/** Every contract of the kit on `network`, connected to `runner` (a Provider or a Signer). */
export function connect(network: string | number | bigint, runner: ContractRunner): DePINKit {
  const { name, deployment } = deploymentOf(network);
  const a = deployment.contracts;
  const need = (n: DeploymentName): string => {
    const address = a[n];
    if (address === undefined) throw new Error(`network ${name} has no ${n} deployment`);
    return address;
  };
  return {
    network: name,
    chainId: deployment.chainId,
    addresses: a,
    projectRegistry: ProjectRegistry__factory.connect(need("ProjectRegistry"), runner),
    deviceRegistry: DeviceRegistry__factory.connect(need("DeviceRegistry"), runner),
    verifierRegistry: VerifierRegistry__factory.connect(need("VerifierRegistry"), runner),
    proverPool: ProverPool__factory.connect(need("ProverPool"), runner),
    batchManager: BatchManager__factory.connect(need("BatchManager"), runner),
    rewardDistributor: RewardDistributor__factory.connect(need("RewardDistributor"), runner),
    stakingToken: IERC20__factory.connect(need("StakingToken"), runner),
    rewardToken: a.DePINToken === undefined ? undefined : DePINToken__factory.connect(a.DePINToken, runner),
  };
}

/**
 * The ERC-6551 token-bound account of an ioID, connected to `runner`: it belongs to whoever
 * owns the ioID and may hold the device's rewards. The address is valid before the account
 * is deployed (`deviceRegistry.createAccount(deviceId)` deploys it).
 */
export async function deviceAccount(
  kit: DePINKit,
  deviceId: bigint,
  runner?: ContractRunner,
): Promise<DeviceAccount> {
  const address = await kit.deviceRegistry.accountOf(deviceId);
  return DeviceAccount__factory.connect(address, runner ?? kit.deviceRegistry.runner);
}

/** Typed clients of a DePIN Kit deployment (typechain, ethers v6). */
import type { ContractRunner } from "ethers";

import {
  BatchManager__factory,
  DeviceRegistry__factory,
  IERC20__factory,
  RewardDistributor__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  type BatchManager,
  type DeviceRegistry,
  type IERC20,
  type ProjectRegistry,
  type ProverPool,
  type RewardDistributor,
} from "../../typechain-types";
import type { KitAddresses } from "./deployments";

export interface Kit {
  projectRegistry: ProjectRegistry;
  deviceRegistry: DeviceRegistry;
  /** Where event scans start (the DeviceRegistry's deployment block; 0 if unknown). */
  fromBlock: number;
}

/** The settlement and incentive layers' clients: pool, batch manager, rewards and tokens. */
export interface SettlementKit {
  pool: ProverPool;
  manager: BatchManager;
  rewards: RewardDistributor;
  stakingToken: IERC20;
  feeToken: IERC20;
}

export async function connectSettlement(
  addresses: { proverPool: string; batchManager: string; rewardDistributor: string },
  runner: ContractRunner,
): Promise<SettlementKit> {
  const pool = ProverPool__factory.connect(addresses.proverPool, runner);
  const manager = BatchManager__factory.connect(addresses.batchManager, runner);
  return {
    pool,
    manager,
    rewards: RewardDistributor__factory.connect(addresses.rewardDistributor, runner),
    stakingToken: IERC20__factory.connect(await pool.asset(), runner),
    feeToken: IERC20__factory.connect(await manager.feeToken(), runner),
  };
}

export function connectKit(addresses: KitAddresses, runner: ContractRunner): Kit {
  return {
    projectRegistry: ProjectRegistry__factory.connect(addresses.projectRegistry, runner),
    deviceRegistry: DeviceRegistry__factory.connect(addresses.deviceRegistry, runner),
    fromBlock: addresses.fromBlock ?? 0,
  };
}

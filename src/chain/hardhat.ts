/**
 * The one adapter between Hardhat and the library: finds a network's DePIN Kit deployment
 * and its signer. Everything else in `src/` takes plain ethers objects.
 */
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { UserError } from "../errors";
import { connectKit, connectSettlement, type Kit, type SettlementKit } from "./contracts";
import { DEPLOYMENTS, TAGS, type KitAddresses } from "./deployments";

export const MISSING_KEY_MESSAGE =
  "no signing key for this network: set DEPLOYER_PRIVATE_KEY in the environment " +
  "or run `npx hardhat vars set DEPLOYER_PRIVATE_KEY`";

/** The kit's addresses on the current network; deploys first on the in-process network. */
export async function kitAddresses(hre: HardhatRuntimeEnvironment): Promise<KitAddresses> {
  const { deployments, network } = hre;
  let projectRegistry = await deployments.getOrNull(DEPLOYMENTS.projectRegistry);
  if (!projectRegistry && network.name === "hardhat") {
    // The in-process chain starts empty on every run: deploying is the only thing to do.
    await deployments.fixture([TAGS.registries], { keepExistingDeployments: true });
    projectRegistry = await deployments.getOrNull(DEPLOYMENTS.projectRegistry);
  }
  const deviceRegistry = await deployments.getOrNull(DEPLOYMENTS.deviceRegistry);
  if (!projectRegistry || !deviceRegistry) {
    throw new UserError(
      `no DePIN Kit deployment on network "${network.name}": ` +
        `run \`npx hardhat deploy --network ${network.name}\` first`,
    );
  }
  return {
    projectRegistry: projectRegistry.address,
    deviceRegistry: deviceRegistry.address,
    fromBlock: deviceRegistry.receipt?.blockNumber ?? 0,
  };
}

/** The first configured account of the network, or a one-line error when there is none. */
export async function requireSigner(hre: HardhatRuntimeEnvironment): Promise<Signer> {
  // Checked on the config first: a live network without a key must fail before any RPC call.
  const accounts = hre.network.config.accounts;
  if (Array.isArray(accounts) && accounts.length === 0) throw new UserError(MISSING_KEY_MESSAGE);
  const signers = await hre.ethers.getSigners();
  if (signers.length === 0) throw new UserError(MISSING_KEY_MESSAGE);
  return signers[0];
}

/** The kit's contracts on the current network, connected to its first signer. */
export async function kitFromHardhat(hre: HardhatRuntimeEnvironment): Promise<{ kit: Kit; signer: Signer }> {
  const signer = await requireSigner(hre);
  const addresses = await kitAddresses(hre);
  return { kit: connectKit(addresses, signer), signer };
}

/** The settlement contracts on the current network, connected to its first signer. */
export async function settlementFromHardhat(
  hre: HardhatRuntimeEnvironment,
): Promise<{ kit: Kit; settlement: SettlementKit; signer: Signer }> {
  const { kit, signer } = await kitFromHardhat(hre);
  const pool = await hre.deployments.getOrNull(DEPLOYMENTS.proverPool);
  const manager = await hre.deployments.getOrNull(DEPLOYMENTS.batchManager);
  const rewards = await hre.deployments.getOrNull(DEPLOYMENTS.rewardDistributor);
  if (!pool || !manager || !rewards) {
    if (hre.network.name === "hardhat") {
      await hre.deployments.fixture([TAGS.rewards], { keepExistingDeployments: true });
      return settlementFromHardhat(hre);
    }
    throw new UserError(
      `no settlement deployment on network "${hre.network.name}": run \`npx hardhat deploy\``,
    );
  }
  return {
    kit,
    settlement: await connectSettlement(
      { proverPool: pool.address, batchManager: manager.address, rewardDistributor: rewards.address },
      signer,
    ),
    signer,
  };
}

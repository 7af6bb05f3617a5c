/**
 * The deploy scripts' contracts on a local chain, connected for scripts (benchmarks, gas
 * figures, the demo): the deployment's fixture at a state depth, the usual roles, and
 * typed clients. Signers: deployer, project owner, sequencer, relayer, device owner, then
 * provers.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS, depthTag } from "../../src/chain/deployments";
import {
  BatchManager__factory,
  DePINToken__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  RewardDistributor__factory,
  VerifierRegistry__factory,
} from "../../typechain-types";

export async function localKit(hre: HardhatRuntimeEnvironment, depth: number) {
  const { deployments, ethers } = hre;
  const previous = process.env.STATE_DEPTH;
  process.env.STATE_DEPTH = String(depth);
  try {
    // On a node (`--network localhost`) the deployment is the node's own.
    if (hre.network.name === "hardhat") await deployments.fixture([TAGS.rewards, depthTag(depth)]);
  } finally {
    if (previous === undefined) delete process.env.STATE_DEPTH;
    else process.env.STATE_DEPTH = previous;
  }
  const [deployer, owner, sequencer, relayer, deviceOwner, ...provers] = await ethers.getSigners();
  const at = async (n: string) => (await deployments.get(n)).address;
  return {
    signers: { deployer, owner, sequencer, relayer, deviceOwner, provers },
    /** What src/chain/scenario.ts takes. */
    scenario: {
      projectRegistry: ProjectRegistry__factory.connect(await at(DEPLOYMENTS.projectRegistry), deployer),
      pool: ProverPool__factory.connect(await at(DEPLOYMENTS.proverPool), deployer),
      manager: BatchManager__factory.connect(await at(DEPLOYMENTS.batchManager), deployer),
      token: MockERC20__factory.connect(await at(DEPLOYMENTS.stakingToken), deployer),
    },
    deviceRegistry: DeviceRegistry__factory.connect(await at(DEPLOYMENTS.deviceRegistry), relayer),
    rewards: RewardDistributor__factory.connect(await at(DEPLOYMENTS.rewardDistributor), relayer),
    rewardToken: DePINToken__factory.connect(await at(DEPLOYMENTS.rewardToken), deployer),
    verifiers: VerifierRegistry__factory.connect(await at(DEPLOYMENTS.verifierRegistry), deployer),
    at,
  };
}

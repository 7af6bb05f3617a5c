/**
 * The settlement and rewards deployment (deploy scripts, tag "rewards") at the state depth of the
 * `dev` circuit, with a project, three staked provers and funded fees.
 */
import { deployments, ethers } from "hardhat";

import { DEPLOYMENTS, TAGS, depthTag } from "../../src/chain/deployments";
import { createProject, fundFees, stakeProvers } from "../../src/chain/scenario";
import { CIRCUIT_CONFIGS, circuitId } from "../../src/zk/circuits";
import {
  BatchManager__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  DePINToken__factory,
  RewardDistributor__factory,
  VerifierRegistry__factory,
} from "../../typechain-types";

export const STAKES = [200n, 300n, 500n].map((x) => x * 10n ** 18n);
export const FEE = 10n ** 16n;
export const FEES_DEPOSIT = 10n ** 18n;
export const SETTLEMENT_SETTINGS = {
  circuitId: circuitId("dev"),
  proofSystem: 0,
  minInterval: 60,
  maxUnits: 1_000n,
  proverFee: FEE,
  rewardRate: 3n,
};

export const settlementFixture = deployments.createFixture(async () => {
  const previous = process.env.STATE_DEPTH;
  process.env.STATE_DEPTH = String(CIRCUIT_CONFIGS.dev.depth);
  try {
    await deployments.fixture([TAGS.rewards, depthTag(CIRCUIT_CONFIGS.dev.depth)]);
  } finally {
    if (previous === undefined) delete process.env.STATE_DEPTH;
    else process.env.STATE_DEPTH = previous;
  }
  const [deployer, projectOwner, sequencer, relayer, stranger, deviceOwner, ...provers] =
    await ethers.getSigners();
  const at = async (name: string) => (await deployments.get(name)).address;
  const projectRegistry = ProjectRegistry__factory.connect(await at(DEPLOYMENTS.projectRegistry), deployer);
  const deviceRegistry = DeviceRegistry__factory.connect(await at(DEPLOYMENTS.deviceRegistry), relayer);
  const verifierRegistry = VerifierRegistry__factory.connect(
    await at(DEPLOYMENTS.verifierRegistry),
    deployer,
  );
  const token = MockERC20__factory.connect(await at(DEPLOYMENTS.stakingToken), deployer);
  const pool = ProverPool__factory.connect(await at(DEPLOYMENTS.proverPool), deployer);
  const manager = BatchManager__factory.connect(await at(DEPLOYMENTS.batchManager), deployer);
  const rewards = RewardDistributor__factory.connect(await at(DEPLOYMENTS.rewardDistributor), deployer);
  const rewardToken = DePINToken__factory.connect(await at(DEPLOYMENTS.rewardToken), deployer);

  const contracts = { projectRegistry, pool, manager, token };
  const projectId = await createProject(contracts, projectOwner, sequencer.address, SETTLEMENT_SETTINGS);
  const staked = provers.slice(0, STAKES.length);
  await stakeProvers(contracts, staked, STAKES);
  await fundFees(contracts, projectOwner, projectId, FEES_DEPOSIT);

  return {
    projectRegistry,
    deviceRegistry,
    verifierRegistry,
    token,
    pool,
    manager,
    rewards,
    rewardToken,
    projectId,
    deployer,
    projectOwner,
    sequencer,
    relayer,
    stranger,
    deviceOwner,
    provers: staked,
    unstaked: provers.slice(STAKES.length),
  };
});

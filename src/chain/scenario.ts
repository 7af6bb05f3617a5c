/**
 * A local settlement scenario: a project with a sequencer and settings, staked provers and
 * funded fees, on contracts from the deploy scripts. Used by tests, gas scripts and demos on
 * local chains (it mints the mock staking token).
 */
import type { Signer } from "ethers";

import type { BatchManager, MockERC20, ProjectRegistry, ProverPool } from "../../typechain-types";

export interface ScenarioContracts {
  projectRegistry: ProjectRegistry;
  pool: ProverPool;
  manager: BatchManager;
  token: MockERC20;
}

export interface ProjectSettingsInput {
  circuitId: string;
  proofSystem: number;
  minInterval: number;
  maxUnits: bigint;
  proverFee: bigint;
  rewardRate: bigint;
}

export async function createProject(
  c: ScenarioContracts,
  owner: Signer,
  sequencer: string,
  settings: ProjectSettingsInput,
  name = "Weather Mesh",
): Promise<bigint> {
  const registry = c.projectRegistry.connect(owner);
  await (await registry.register(name, "ipfs://config", "0x" + "00".repeat(32))).wait();
  const projectId = await c.projectRegistry.projectCount();
  await (await registry.setSequencer(projectId, sequencer)).wait();
  await (await registry.setSettings(projectId, settings)).wait();
  return projectId;
}

export async function stakeProvers(c: ScenarioContracts, provers: Signer[], stakes: bigint[]): Promise<void> {
  const pool = await c.pool.getAddress();
  for (const [i, p] of provers.entries()) {
    await (await c.token.mint(await p.getAddress(), stakes[i])).wait();
    await (await c.token.connect(p).approve(pool, stakes[i])).wait();
    await (await c.pool.connect(p).stake(stakes[i])).wait();
  }
}

export async function fundFees(
  c: ScenarioContracts,
  owner: Signer,
  projectId: bigint,
  amount: bigint,
): Promise<void> {
  await (await c.token.mint(await owner.getAddress(), amount)).wait();
  await (await c.token.connect(owner).approve(await c.manager.getAddress(), amount)).wait();
  await (await c.manager.connect(owner).depositFees(projectId, amount)).wait();
}

import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS, isLocalNetwork } from "../src/chain/deployments";
import { emptyRoot } from "../src/trees/state-tree";

/** Settlement parameters; override with the environment on live networks. */
const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const MIN_STAKE = BigInt(env("PROVER_MIN_STAKE", (10n ** 18n * 100n).toString()));
const UNBONDING = Number(env("PROVER_UNBONDING_SECONDS", String(7 * 24 * 3600)));
const BENEFICIARY_BPS = Number(env("SLASH_BENEFICIARY_BPS", "5000"));
const POOL_CAPACITY = Number(env("PROVER_POOL_CAPACITY", "1024"));
const PROOF_WINDOW = Number(env("PROOF_WINDOW_SECONDS", "3600"));
const SLASH_AMOUNT = BigInt(env("SLASH_AMOUNT", (10n ** 18n * 10n).toString()));
const HOOK_GAS = Number(env("APP_HOOK_GAS", "100000"));

/**
 * ProverPool (staking WIOTX on IoTeX — WIOTX_ADDRESS — and a mintable mock token on local
 * chains), the RewardDistributor (it receives every settled state root), and the
 * BatchManager wired to the registries, the verifier registry, the pool (its one slasher)
 * and the distributor.
 */
const deploy: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployer } = await hre.getNamedAccounts();
  const { deploy: deployContract, execute, get, read } = hre.deployments;
  const local = isLocalNetwork(hre.network.name);

  let staking = process.env.WIOTX_ADDRESS;
  let fee = process.env.FEE_TOKEN_ADDRESS ?? staking;
  if (local) {
    staking = (
      await deployContract(DEPLOYMENTS.stakingToken, {
        contract: "MockERC20",
        from: deployer,
        args: ["Wrapped IOTX (mock)", "WIOTX"],
        log: true,
      })
    ).address;
    fee = staking;
  }
  if (staking === undefined || fee === undefined)
    throw new Error("set WIOTX_ADDRESS (and optionally FEE_TOKEN_ADDRESS) for this network");

  const treasury = process.env.TREASURY_ADDRESS ?? deployer;
  const pool = await deployContract(DEPLOYMENTS.proverPool, {
    contract: "ProverPool",
    from: deployer,
    args: [deployer, staking, MIN_STAKE, UNBONDING, BENEFICIARY_BPS, treasury, POOL_CAPACITY],
    log: true,
  });
  const rewards = await deployContract(DEPLOYMENTS.rewardDistributor, {
    contract: "RewardDistributor",
    from: deployer,
    args: [(await get(DEPLOYMENTS.projectRegistry)).address, (await get(DEPLOYMENTS.deviceRegistry)).address],
    libraries: {
      PoseidonT3: (await get(DEPLOYMENTS.poseidonT3)).address,
      PoseidonT5: (await get(DEPLOYMENTS.poseidonT5)).address,
    },
    log: true,
  });
  const depth = Number(await read(DEPLOYMENTS.deviceRegistry, "stateDepth"));
  const manager = await deployContract(DEPLOYMENTS.batchManager, {
    contract: "BatchManager",
    from: deployer,
    args: [
      {
        projects: (await get(DEPLOYMENTS.projectRegistry)).address,
        devices: (await get(DEPLOYMENTS.deviceRegistry)).address,
        verifiers: (await get(DEPLOYMENTS.verifierRegistry)).address,
        pool: pool.address,
        feeToken: fee,
        rewards: rewards.address,
        emptyStateRoot: emptyRoot(depth),
        proofWindow: PROOF_WINDOW,
        slashAmount: SLASH_AMOUNT,
        hookGas: HOOK_GAS,
      },
    ],
    log: true,
  });
  if (!(await read(DEPLOYMENTS.proverPool, "isSlasher", manager.address))) {
    await execute(DEPLOYMENTS.proverPool, { from: deployer, log: true }, "setSlasher", manager.address, true);
  }
  if ((await read(DEPLOYMENTS.rewardDistributor, "batchManager")) !== manager.address) {
    await execute(
      DEPLOYMENTS.rewardDistributor,
      { from: deployer, log: true },
      "setBatchManager",
      manager.address,
    );
  }
};

deploy.tags = [TAGS.settlement];
deploy.dependencies = [TAGS.registries, TAGS.verifiers];
export default deploy;

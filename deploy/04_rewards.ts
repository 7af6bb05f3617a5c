import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS, isLocalNetwork } from "../src/chain/deployments";

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const UNIT = 10n ** 18n;

/**
 * The reference reward token (DePINToken: capped, role-gated minting, halving emission),
 * on local chains always and on live networks when DEPIN_TOKEN=1. The deployer is its
 * admin and first minter. Projects may use any ERC-20 as their reward token instead.
 */
const deploy: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const local = isLocalNetwork(hre.network.name);
  if (!local && process.env.DEPIN_TOKEN !== "1") return;
  const { deployer } = await hre.getNamedAccounts();
  const { deploy: deployContract, execute, read } = hre.deployments;
  const latest = await hre.ethers.provider.getBlock("latest");
  const token = await deployContract(DEPLOYMENTS.rewardToken, {
    contract: "DePINToken",
    from: deployer,
    args: [
      {
        name: env("DEPIN_TOKEN_NAME", "DePIN Kit Token"),
        symbol: env("DEPIN_TOKEN_SYMBOL", "DPN"),
        cap: BigInt(env("DEPIN_TOKEN_CAP", (1_000_000_000n * UNIT).toString())),
        premint: BigInt(env("DEPIN_TOKEN_PREMINT", (10_000_000n * UNIT).toString())),
        admin: deployer,
        emissionStart: Number(env("DEPIN_TOKEN_EMISSION_START", String(latest!.timestamp))),
        initialRate: BigInt(env("DEPIN_TOKEN_RATE", (5n * UNIT).toString())),
        halvingInterval: Number(env("DEPIN_TOKEN_HALVING_SECONDS", String(2 * 365 * 24 * 3600))),
      },
    ],
    log: true,
    // Its emission start defaults to "now": a later run must not read that as a change and
    // deploy a second token (deploy:plan found it).
    skipIfAlreadyDeployed: true,
  });
  const minter = await read(DEPLOYMENTS.rewardToken, "MINTER_ROLE");
  if (token.newlyDeployed && !(await read(DEPLOYMENTS.rewardToken, "hasRole", minter, deployer))) {
    await execute(DEPLOYMENTS.rewardToken, { from: deployer, log: true }, "grantRole", minter, deployer);
  }
};

deploy.tags = [TAGS.rewards];
deploy.dependencies = [TAGS.settlement];
export default deploy;

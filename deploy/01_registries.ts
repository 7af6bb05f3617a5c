import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS, isLocalNetwork } from "../src/chain/deployments";
import { CANONICAL_ERC6551_REGISTRY, DEFAULT_STATE_DEPTH } from "../src/constants";

/**
 * ProjectRegistry, the ERC-6551 registry and the ioID account implementation, then
 * DeviceRegistry wired to them. `STATE_DEPTH` (default 20) fixes the depth of every
 * project's state tree, and so a project's device capacity, for the lifetime of the
 * deployment; it must equal the STATE_DEPTH of the project circuits.
 *
 * ERC-6551 registry: `ERC6551_REGISTRY=<address>` uses an existing one (it must have
 * code); otherwise the canonical registry (0x000000006551c19487814612e58FE06813775758) on a
 * real network that has it, and a fresh `ERC6551Registry` on local networks and on networks
 * without it. The accounts' addresses then follow from that registry's address.
 */
const deploy: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployer } = await hre.getNamedAccounts();
  const { deploy: deployContract, get, log } = hre.deployments;
  const stateDepth = Number(process.env.STATE_DEPTH ?? DEFAULT_STATE_DEPTH);

  const projectRegistry = await deployContract(DEPLOYMENTS.projectRegistry, {
    contract: "ProjectRegistry",
    from: deployer,
    log: true,
  });

  const accountRegistry = await erc6551Registry(hre, deployer);
  const deviceAccount = await deployContract(DEPLOYMENTS.deviceAccount, {
    contract: "DeviceAccount",
    from: deployer,
    log: true,
  });
  log(`ERC-6551 registry: ${accountRegistry}`);

  const poseidonT4 = await get(DEPLOYMENTS.poseidonT4);
  await deployContract(DEPLOYMENTS.deviceRegistry, {
    contract: "DeviceRegistry",
    from: deployer,
    args: [projectRegistry.address, stateDepth, accountRegistry, deviceAccount.address],
    libraries: { PoseidonT4: poseidonT4.address },
    log: true,
  });
};

async function erc6551Registry(hre: HardhatRuntimeEnvironment, deployer: string): Promise<string> {
  const { ethers, deployments } = hre;
  const configured = process.env.ERC6551_REGISTRY;
  if (configured !== undefined && configured !== "") {
    if (!ethers.isAddress(configured)) throw new Error(`ERC6551_REGISTRY is not an address: ${configured}`);
    if ((await ethers.provider.getCode(configured)) === "0x") {
      throw new Error(`ERC6551_REGISTRY ${configured} has no code on ${hre.network.name}`);
    }
    return ethers.getAddress(configured);
  }
  if (
    !isLocalNetwork(hre.network.name) &&
    (await ethers.provider.getCode(CANONICAL_ERC6551_REGISTRY)) !== "0x"
  ) {
    return CANONICAL_ERC6551_REGISTRY;
  }
  const own = await deployments.deploy(DEPLOYMENTS.accountRegistry, {
    contract: "ERC6551Registry",
    from: deployer,
    log: true,
  });
  return own.address;
}

deploy.tags = [TAGS.registries];
deploy.dependencies = [TAGS.poseidon];
export default deploy;

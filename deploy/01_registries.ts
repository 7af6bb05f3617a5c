import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS } from "../src/chain/deployments";
import { DEFAULT_STATE_DEPTH } from "../src/constants";

/**
 * ProjectRegistry, then DeviceRegistry wired to it. `STATE_DEPTH` (default 20) fixes the
 * depth of every project's state tree, and so a project's device capacity, for the
 * lifetime of the deployment; it must equal the STATE_DEPTH of the project circuits.
 */
const deploy: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployer } = await hre.getNamedAccounts();
  const { deploy: deployContract, get } = hre.deployments;
  const stateDepth = Number(process.env.STATE_DEPTH ?? DEFAULT_STATE_DEPTH);

  const projectRegistry = await deployContract(DEPLOYMENTS.projectRegistry, {
    contract: "ProjectRegistry",
    from: deployer,
    log: true,
  });
  const poseidonT4 = await get(DEPLOYMENTS.poseidonT4);
  await deployContract(DEPLOYMENTS.deviceRegistry, {
    contract: "DeviceRegistry",
    from: deployer,
    args: [projectRegistry.address, stateDepth],
    libraries: { PoseidonT4: poseidonT4.address },
    log: true,
  });
};

deploy.tags = [TAGS.registries];
deploy.dependencies = [TAGS.poseidon];
export default deploy;

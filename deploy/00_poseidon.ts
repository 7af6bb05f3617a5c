import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS } from "../src/chain/deployments";

/**
 * Poseidon libraries from poseidon-solidity (circomlib's constants), linked into the
 * contracts that hash registry ops and state-tree nodes.
 */
const deploy: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployer } = await hre.getNamedAccounts();
  await hre.deployments.deploy(DEPLOYMENTS.poseidonT4, {
    contract: "poseidon-solidity/PoseidonT4.sol:PoseidonT4",
    from: deployer,
    log: true,
  });
};

deploy.tags = [TAGS.poseidon];
export default deploy;

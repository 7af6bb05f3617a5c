import * as fs from "node:fs";
import * as path from "node:path";
import type { DeployFunction } from "hardhat-deploy/types";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS, TAGS, verifierDeploymentName } from "../src/chain/deployments";
import { GENERATED_DIR, verifierContractName } from "../src/zk/build";
import { CIRCUIT_CONFIGS, PROOF_SYSTEM_ID, circuitId, type ProofSystem } from "../src/zk/circuits";

/** Seconds between proposing a change to a live verifier and applying it (default 2 days). */
const DEFAULT_CHANGE_DELAY = 2 * 24 * 3600;

const ADAPTER: Record<ProofSystem, string> = {
  groth16: "Groth16BatchVerifier",
  plonk: "PlonkBatchVerifier",
  fflonk: "FflonkBatchVerifier",
};

/**
 * VerifierRegistry, then for every generated verifier (contracts/verifiers/generated/):
 * the verifier, its IBatchVerifier adapter, and its registration under the circuit's id.
 */
const deploy: DeployFunction = async (hre: HardhatRuntimeEnvironment) => {
  const { deployer } = await hre.getNamedAccounts();
  const { deploy: deployContract, execute, read } = hre.deployments;
  const delay = Number(process.env.VERIFIER_CHANGE_DELAY ?? DEFAULT_CHANGE_DELAY);
  await deployContract(DEPLOYMENTS.verifierRegistry, {
    contract: "VerifierRegistry",
    from: deployer,
    args: [deployer, delay],
    log: true,
  });

  for (const [name, config] of Object.entries(CIRCUIT_CONFIGS)) {
    for (const system of config.systems as readonly ProofSystem[]) {
      const contract = verifierContractName(name, system);
      if (!fs.existsSync(path.join(hre.config.paths.root, GENERATED_DIR, `${contract}.sol`))) continue;
      const verifier = await deployContract(verifierDeploymentName(name, system, "generated"), {
        contract,
        from: deployer,
        log: true,
      });
      const adapter = await deployContract(verifierDeploymentName(name, system, "adapter"), {
        contract: ADAPTER[system],
        from: deployer,
        args: [verifier.address],
        log: true,
      });
      const id = circuitId(name);
      const live = await read(DEPLOYMENTS.verifierRegistry, "verifierOf", id, PROOF_SYSTEM_ID[system]);
      if (live === hre.ethers.ZeroAddress) {
        await execute(
          DEPLOYMENTS.verifierRegistry,
          { from: deployer, log: true },
          "register",
          id,
          PROOF_SYSTEM_ID[system],
          adapter.address,
        );
      }
    }
  }
};

deploy.tags = [TAGS.verifiers];
export default deploy;

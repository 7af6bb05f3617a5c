import { task } from "hardhat/config";

import { kitAction, parseAddressArg, parseIntegerArg } from "./lib/action";

const ZERO_HASH = "0x" + "00".repeat(32);

async function configHashOf(args: { configHash?: string; configFile?: string }): Promise<string> {
  const { configFileHash } = await import("../src/chain/projects");
  const { UserError } = await import("../src/errors");
  if (args.configFile !== undefined) return configFileHash(args.configFile);
  if (args.configHash === undefined) return ZERO_HASH;
  if (!/^0x[0-9a-fA-F]{64}$/.test(args.configHash)) {
    throw new UserError(`--config-hash must be 32 bytes of 0x-hex, got "${args.configHash}"`);
  }
  return args.configHash;
}

task("project:register", "Registers a project and mints its NFT to the signer")
  .addParam("name", "Project name")
  .addOptionalParam("configUri", "URI of the project file", "")
  .addOptionalParam("configHash", "keccak-256 of the project file (0x…)")
  .addOptionalParam("configFile", "Local project file to hash (instead of --config-hash)")
  .setAction(
    kitAction("project:register", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { registerProject } = await import("../src/chain/projects");
      const { kit } = await kitFromHardhat(hre);
      const result = await registerProject(kit, {
        name: args.name,
        configURI: args.configUri,
        configHash: await configHashOf(args),
      });
      console.log(`project ${result.projectId} registered (tx ${result.txHash})`);
      return result;
    }),
  );

task("project:set-config", "Points a project at a new project file (owner or operator)")
  .addParam("project", "Project id")
  .addParam("configUri", "URI of the project file")
  .addOptionalParam("configHash", "keccak-256 of the project file (0x…)")
  .addOptionalParam("configFile", "Local project file to hash (instead of --config-hash)")
  .setAction(
    kitAction("project:set-config", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { setProjectConfig } = await import("../src/chain/projects");
      const { kit } = await kitFromHardhat(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const txHash = await setProjectConfig(kit, projectId, args.configUri, await configHashOf(args));
      console.log(`project ${projectId} config set (tx ${txHash})`);
      return { projectId, txHash };
    }),
  );

task("project:set-sequencer", "Sets the address that submits a project's batches (owner)")
  .addParam("project", "Project id")
  .addParam("sequencer", "Sequencer address")
  .setAction(
    kitAction("project:set-sequencer", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { setProjectSequencer } = await import("../src/chain/projects");
      const { kit } = await kitFromHardhat(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const sequencer = await parseAddressArg("sequencer", args.sequencer);
      const txHash = await setProjectSequencer(kit, projectId, sequencer);
      console.log(`project ${projectId} sequencer set to ${sequencer} (tx ${txHash})`);
      return { projectId, sequencer, txHash };
    }),
  );

task("project:show", "Prints a project")
  .addParam("project", "Project id")
  .setAction(
    kitAction("project:show", async (args, hre) => {
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { describeProject } = await import("../src/chain/projects");
      const { kit } = await kitFromHardhat(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const p = await describeProject(kit, projectId);
      const admission = ["open", "operator approval"][Number(p.admission)];
      console.log(
        [
          `project ${projectId}: ${p.name}`,
          `  owner      ${p.owner}`,
          `  config     ${p.configURI || "(none)"} ${p.configHash}`,
          `  sequencer  ${p.sequencer}`,
          `  admission  ${admission}${p.paused ? " (paused)" : ""}`,
        ].join("\n"),
      );
      return p;
    }),
  );

import { task } from "hardhat/config";

import { kitAction, parseAddressArg, parseIntegerArg } from "./lib/action";

const ZERO_HASH = "0x" + "00".repeat(32);

async function configHashOf(args: { configHash?: string; configFile?: string }): Promise<string> {
  const { UserError } = await import("../src/errors");
  if (args.configFile !== undefined) {
    const { projectFileHash, readProjectFile } = await import("../src/project/file");
    return projectFileHash(await readProjectFile(args.configFile));
  }
  if (args.configHash === undefined) return ZERO_HASH;
  if (!/^0x[0-9a-fA-F]{64}$/.test(args.configHash)) {
    throw new UserError(`--config-hash must be 32 bytes of 0x-hex, got "${args.configHash}"`);
  }
  return args.configHash;
}

task("project:register", "Registers a project and mints its NFT to the signer")
  .addParam("name", "Project name")
  .addOptionalParam("configUri", "URI of the project file", "")
  .addOptionalParam("configHash", "The project file's canonical hash (0x…; project:validate prints it)")
  .addOptionalParam(
    "configFile",
    "Local project file: validated, its canonical hash used (instead of --config-hash)",
  )
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
  .addOptionalParam("configHash", "The project file's canonical hash (0x…; project:validate prints it)")
  .addOptionalParam(
    "configFile",
    "Local project file: validated, its canonical hash used (instead of --config-hash)",
  )
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

task("project:init", "Writes a valid starter project file to edit (schema depin-kit/project@1)")
  .addOptionalParam("out", "Where to write it", "project.json")
  .addOptionalParam("name", "Project name", "Weather Mesh")
  .addOptionalParam("sequencerUrl", "The sequencer's public URL", "http://127.0.0.1:7070")
  .addFlag("force", "Overwrite an existing file")
  .setAction(
    kitAction("project:init", async (args) => {
      const { promises: fs } = await import("node:fs");
      const { UserError } = await import("../src/errors");
      const { projectFileHash, starterProjectFile } = await import("../src/project/file");
      const file = starterProjectFile(args.name, args.sequencerUrl);
      try {
        await fs.writeFile(args.out, JSON.stringify(file, null, 2) + "\n", { flag: args.force ? "w" : "wx" });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST")
          throw new UserError(`${args.out} exists (pass --force to overwrite)`);
        throw new UserError(`cannot write ${args.out}: ${(err as NodeJS.ErrnoException).code}`);
      }
      const hash = projectFileHash(file);
      console.log(
        `wrote ${args.out} (config hash ${hash}); edit it, then project:validate --file ${args.out}`,
      );
      return { file: args.out, hash };
    }),
  );

task("project:validate", "Validates a project file; with --project, checks it against the chain")
  .addParam("file", "The project file")
  .addOptionalParam("project", "Project id whose config hash and settings must match the file")
  .setAction(
    kitAction("project:validate", async (args, hre) => {
      const { UserError } = await import("../src/errors");
      const { compareWithChain, projectFileHash, readProjectFile } = await import("../src/project/file");
      const file = await readProjectFile(args.file);
      const hash = projectFileHash(file);
      console.log(`${args.file}: valid ${file.schema} project file "${file.name}", config hash ${hash}`);
      if (args.project === undefined) return { hash, mismatches: [] };
      const { kitFromHardhat } = await import("../src/chain/hardhat");
      const { describeProject } = await import("../src/chain/projects");
      const { kit } = await kitFromHardhat(hre);
      const projectId = await parseIntegerArg("project", args.project);
      const p = await describeProject(kit, projectId);
      const mismatches = compareWithChain(file, p);
      if (mismatches.length > 0) {
        throw new UserError(
          `project ${projectId} does not match ${args.file}:\n` +
            mismatches.map((m) => `  ${m.field}: chain ${m.chain}, file ${m.file}`).join("\n"),
        );
      }
      console.log(`project ${projectId} matches it (config hash and settings)`);
      return { hash, mismatches };
    }),
  );

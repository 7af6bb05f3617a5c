/** Project operations over a connected kit: what the `project:*` tasks do. */
import type { IProjectRegistry } from "../../typechain-types";
import { UserError } from "../errors";
import type { Kit } from "./contracts";

/** Throws a one-line error unless `projectId` exists. */
export async function requireProject(kit: Kit, projectId: bigint): Promise<void> {
  const count = await kit.projectRegistry.projectCount();
  if (projectId < 1n || projectId > count) {
    throw new UserError(`project ${projectId} does not exist (this registry has ${count} project(s))`);
  }
}

export async function registerProject(
  kit: Kit,
  params: { name: string; configURI: string; configHash: string },
): Promise<{ projectId: bigint; txHash: string }> {
  if (params.name.trim() === "") throw new UserError("a project needs a name");
  const tx = await kit.projectRegistry.register(params.name, params.configURI, params.configHash);
  const receipt = (await tx.wait())!;
  const event = receipt.logs
    .map((log) => kit.projectRegistry.interface.parseLog(log))
    .find((parsed) => parsed?.name === "ProjectRegistered");
  return { projectId: event!.args.projectId as bigint, txHash: receipt.hash };
}

export async function setProjectConfig(
  kit: Kit,
  projectId: bigint,
  configURI: string,
  configHash: string,
): Promise<string> {
  await requireProject(kit, projectId);
  const tx = await kit.projectRegistry.setConfig(projectId, configURI, configHash);
  return (await tx.wait())!.hash;
}

export async function setProjectSequencer(kit: Kit, projectId: bigint, sequencer: string): Promise<string> {
  await requireProject(kit, projectId);
  const tx = await kit.projectRegistry.setSequencer(projectId, sequencer);
  return (await tx.wait())!.hash;
}

export async function describeProject(
  kit: Kit,
  projectId: bigint,
): Promise<IProjectRegistry.ProjectViewStructOutput> {
  await requireProject(kit, projectId);
  return kit.projectRegistry.project(projectId);
}

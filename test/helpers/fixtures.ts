/**
 * Fixtures run the real deploy scripts (hardhat-deploy tags), then connect typed clients.
 * Use them through `loadFixture` in every test.
 */
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { connectKit } from "../../src/chain/contracts";
import { DEPLOYMENTS, TAGS } from "../../src/chain/deployments";
import { DeviceClient, generateIdentity, type DeviceIdentity } from "../../src/device";
import { ONE_HOUR, PROJECT_NAME, SAMPLE_CONFIG_HASH, SAMPLE_CONFIG_URI } from "./constants";

export async function registriesFixture() {
  await deployments.fixture([TAGS.registries]);
  const [deployer, projectOwner, operator, sequencer, deviceOwner, stranger, relayer] =
    await ethers.getSigners();
  const kit = connectKit(
    {
      projectRegistry: (await deployments.get(DEPLOYMENTS.projectRegistry)).address,
      deviceRegistry: (await deployments.get(DEPLOYMENTS.deviceRegistry)).address,
    },
    deployer,
  );
  return { ...kit, deployer, projectOwner, operator, sequencer, deviceOwner, stranger, relayer };
}

/** A deployment with one open project (id 1) owned by `projectOwner`, with one operator. */
export async function projectFixture() {
  const base = await registriesFixture();
  const projects = base.projectRegistry.connect(base.projectOwner);
  await projects.register(PROJECT_NAME, SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH);
  const projectId = await base.projectRegistry.projectCount();
  await projects.setOperator(projectId, base.operator.address, true);
  return { ...base, projectId };
}

/** A device client whose transactions are sent by `relayer` (devices rarely hold gas). */
export function deviceClient(
  base: Awaited<ReturnType<typeof registriesFixture>>,
  identity: DeviceIdentity = generateIdentity(),
): DeviceClient {
  return new DeviceClient(identity, base.deviceRegistry.connect(base.relayer));
}

export async function deadlineIn(seconds: bigint = ONE_HOUR): Promise<bigint> {
  return BigInt(await time.latest()) + seconds;
}

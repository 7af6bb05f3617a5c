/**
 * Fixtures run the real deploy scripts (hardhat-deploy tags), then connect typed clients.
 * Each is a `deployments.createFixture`: call it at the top of every test; the first call
 * deploys and snapshots, later calls revert to the snapshot. (hardhat-deploy's snapshots
 * survive fixtures nested on `deployments.fixture`, where `loadFixture`'s do not.)
 */
import { deployments, ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { connectKit } from "../../src/chain/contracts";
import { DEPLOYMENTS, TAGS } from "../../src/chain/deployments";
import { DeviceClient, generateIdentity, type DeviceIdentity } from "../../src/device";
import { ONE_HOUR, PROJECT_NAME, SAMPLE_CONFIG_HASH, SAMPLE_CONFIG_URI } from "./constants";

export const registriesFixture = deployments.createFixture(async () => {
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
});

export type RegistriesFixture = Awaited<ReturnType<typeof registriesFixture>>;

/** A deployment with one open project (id 1) owned by `projectOwner`, with one operator. */
export const projectFixture = deployments.createFixture(async () => {
  const base = await registriesFixture();
  const projects = base.projectRegistry.connect(base.projectOwner);
  await projects.register(PROJECT_NAME, SAMPLE_CONFIG_URI, SAMPLE_CONFIG_HASH);
  const projectId = await base.projectRegistry.projectCount();
  await projects.setOperator(projectId, base.operator.address, true);
  return { ...base, projectId };
});

/** A device client whose transactions are sent by `relayer` (devices rarely hold gas). */
export function deviceClient(
  base: RegistriesFixture,
  identity: DeviceIdentity = generateIdentity(),
): DeviceClient {
  return new DeviceClient(identity, base.deviceRegistry.connect(base.relayer));
}

export async function deadlineIn(seconds: bigint = ONE_HOUR): Promise<bigint> {
  return BigInt(await time.latest()) + seconds;
}

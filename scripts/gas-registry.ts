/**
 * Gas of the identity layer, from receipts on the in-process chain:
 *   npx hardhat run scripts/gas-registry.ts
 * Registration of the 1st, 2nd and 1,000th device of a project, registerBatch per device
 * at 50, and ProjectRegistry.register. Set GAS_DEVICES to measure further (e.g. 10000).
 */
import hre from "hardhat";
import { Wallet } from "ethers";

import { connectKit } from "../src/chain/contracts";
import { DEPLOYMENTS, TAGS } from "../src/chain/deployments";
import { ZERO_ADDRESS } from "../src/constants";
import { generateBabyJubKey } from "../src/crypto/babyjub";
import { deviceRegistryDomain, signRegistration, type RegistrationRequest } from "../src/crypto/eip712";

const BATCH = 50;
const TARGET_DEVICE = Number(process.env.GAS_DEVICES ?? 1000);

async function main() {
  const { deployments, ethers } = hre;
  await deployments.fixture([TAGS.registries]);
  const [deployer, owner, freshOwner] = await ethers.getSigners();
  const kit = connectKit(
    {
      projectRegistry: (await deployments.get(DEPLOYMENTS.projectRegistry)).address,
      deviceRegistry: (await deployments.get(DEPLOYMENTS.deviceRegistry)).address,
    },
    deployer,
  );
  const domain = deviceRegistryDomain(
    (await ethers.provider.getNetwork()).chainId,
    await kit.deviceRegistry.getAddress(),
  );
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 86_400n;

  const gas = async (p: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>) =>
    (await (await p).wait())!.gasUsed;

  const projectFirst = await gas(
    kit.projectRegistry.connect(owner).register("Weather Mesh", "ipfs://config", "0x" + "ab".repeat(32)),
  );
  const projectSecond = await gas(
    kit.projectRegistry.connect(owner).register("Air Quality", "ipfs://config", "0x" + "ab".repeat(32)),
  );
  const projectId = 1n;

  async function request(to: string): Promise<{ request: RegistrationRequest; signature: string }> {
    const device = Wallet.createRandom();
    const key = generateBabyJubKey();
    const request: RegistrationRequest = {
      owner: to,
      projectId,
      device: device.address,
      ax: key.ax,
      ay: key.ay,
      didHash: "0x" + "cd".repeat(32),
      didURI: "ipfs://bafybeigdyrztdiddocument",
      nonce: 0n,
      deadline,
      approver: ZERO_ADDRESS,
      approverSignature: "0x",
    };
    return { request, signature: await signRegistration(device, domain, request) };
  }
  const registerOne = async (to: string) => {
    const r = await request(to);
    return gas(kit.deviceRegistry.register(r.request, r.signature));
  };

  const first = await registerOne(owner.address); // new project counters, new owner balance
  const second = await registerOne(owner.address); // the steady state
  const secondFreshOwner = await registerOne(freshOwner.address);

  const batch = await Promise.all(Array.from({ length: BATCH }, () => request(owner.address)));
  const batchGas = await gas(
    kit.deviceRegistry.registerBatch(
      batch.map((b) => b.request),
      batch.map((b) => b.signature),
    ),
  );

  let count = Number(await kit.deviceRegistry.deviceCount(projectId));
  while (count < TARGET_DEVICE - 1) {
    const n = Math.min(BATCH, TARGET_DEVICE - 1 - count);
    const rs = await Promise.all(Array.from({ length: n }, () => request(owner.address)));
    await (
      await kit.deviceRegistry.registerBatch(
        rs.map((b) => b.request),
        rs.map((b) => b.signature),
      )
    ).wait();
    count += n;
  }
  const nth = await registerOne(owner.address);

  const rows: [string, bigint | number][] = [
    ["ProjectRegistry.register (first project of an owner)", projectFirst],
    ["ProjectRegistry.register (owner's second project)", projectSecond],
    ["DeviceRegistry.register, 1st device of a project (new owner)", first],
    ["DeviceRegistry.register, 2nd device (owner holds an ioID)", second],
    ["DeviceRegistry.register, 3rd device to a new owner", secondFreshOwner],
    [`DeviceRegistry.register, device #${TARGET_DEVICE}`, nth],
    [`DeviceRegistry.registerBatch(${BATCH}) per device`, Number(batchGas) / BATCH],
  ];
  for (const [name, value] of rows)
    console.log(`${name.padEnd(64)} ${Math.round(Number(value)).toLocaleString("en-US")}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});

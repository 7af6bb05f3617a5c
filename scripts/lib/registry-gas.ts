/**
 * Gas of the identity layer, from receipts on the in-process chain (used by
 * `npm run gas:registry` and `npm run bench`): ProjectRegistry.register, DeviceRegistry.register
 * for the 1st, 2nd and n-th device of a project, registerBatch per device, and registration
 * with an ERC-6551 account (and creating one later).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Wallet, hexlify, randomBytes } from "ethers";

import { connectKit } from "../../src/chain/contracts";
import { DEPLOYMENTS, TAGS } from "../../src/chain/deployments";
import { ZERO_ADDRESS } from "../../src/constants";
import { generateBabyJubKey } from "../../src/crypto/babyjub";
import { deviceRegistryDomain, signRegistration, type RegistrationRequest } from "../../src/crypto/eip712";

export interface RegistrationGas {
  projectFirst: bigint;
  projectSecond: bigint;
  /** The 1st device of a project, to an owner with no ioID yet. */
  deviceFirst: bigint;
  /** The 2nd device (the owner already holds an ioID). */
  deviceSecond: bigint;
  /** The 3rd device, to another new owner. */
  deviceFreshOwner: bigint;
  /** `register` of device number n (the owner already holds ioIDs), per checkpoint n. */
  deviceAt: Record<number, bigint>;
  batchSize: number;
  batchPerDevice: bigint;
  /** `register` when the project deploys an ERC-6551 account per device (steady state). */
  deviceWithAccount: bigint;
  /** `createAccount` of an existing device's ERC-6551 account, later and by anyone. */
  accountCreate: bigint;
}

type Sent = Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;
const gasOf = async (p: Sent) => (await (await p).wait())!.gasUsed;

/**
 * Registers devices up to the largest checkpoint, measuring `register` at each one (the
 * devices in between go in batches of `batchSize`). `onProgress` gets the device count.
 */
export async function measureRegistrationGas(
  hre: HardhatRuntimeEnvironment,
  checkpoints: number[],
  batchSize = 50,
  onProgress?: (devices: number) => void,
): Promise<RegistrationGas> {
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
  const configHash = "0x" + "ab".repeat(32);
  const projectFirst = await gasOf(
    kit.projectRegistry.connect(owner).register("Weather Mesh", "ipfs://config", configHash),
  );
  const projectSecond = await gasOf(
    kit.projectRegistry.connect(owner).register("Air Quality", "ipfs://config", configHash),
  );
  const projectId = 1n;

  async function request(to: string): Promise<{ request: RegistrationRequest; signature: string }> {
    const device = new Wallet(hexlify(randomBytes(32)));
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
    return gasOf(kit.deviceRegistry.register(r.request, r.signature));
  };
  const registerBatch = async (n: number) => {
    const rs = await Promise.all(Array.from({ length: n }, () => request(owner.address)));
    return gasOf(
      kit.deviceRegistry.registerBatch(
        rs.map((b) => b.request),
        rs.map((b) => b.signature),
      ),
    );
  };

  const deviceFirst = await registerOne(owner.address); // new project counters, new owner balance
  const deviceSecond = await registerOne(owner.address); // the steady state
  const deviceFreshOwner = await registerOne(freshOwner.address);
  const batchPerDevice = (await registerBatch(batchSize)) / BigInt(batchSize);

  const deviceAt: Record<number, bigint> = { 1: deviceFirst, 2: deviceSecond };
  let count = Number(await kit.deviceRegistry.deviceCount(projectId));
  for (const target of [...checkpoints].sort((a, b) => a - b)) {
    if (target <= count) continue;
    while (count < target - 1) {
      const n = Math.min(batchSize, target - 1 - count);
      await registerBatch(n);
      count += n;
      onProgress?.(count);
    }
    deviceAt[target] = await registerOne(owner.address);
    count++;
    onProgress?.(count);
  }
  // ERC-6551: the same steady-state registration with an account deployed in it, and an
  // account created for an existing device.
  const plain = await request(owner.address);
  await gasOf(kit.deviceRegistry.register(plain.request, plain.signature));
  const accountCreate = await gasOf(kit.deviceRegistry.createAccount(BigInt(plain.request.device)));
  await gasOf(kit.deviceRegistry.connect(owner).setAccountPolicy(projectId, true, false));
  const deviceWithAccount = await registerOne(owner.address);
  await gasOf(kit.deviceRegistry.connect(owner).setAccountPolicy(projectId, false, false));
  return {
    projectFirst,
    projectSecond,
    deviceFirst,
    deviceSecond,
    deviceFreshOwner,
    deviceAt,
    batchSize,
    batchPerDevice,
    deviceWithAccount,
    accountCreate,
  };
}

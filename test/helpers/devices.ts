/** Helpers that build signed registry requests for tests. */
import { ethers } from "hardhat";
import { Wallet, type Signer } from "ethers";

import {
  deviceRegistryDomain,
  signRegistration,
  type RegistrationRequest,
  type TypedDataSigner,
} from "../../src/crypto/eip712";
import { generateBabyJubKey } from "../../src/crypto/babyjub";
import { ZERO_ADDRESS, ZERO_HASH } from "../../src/constants";
import type { DeviceRegistry } from "../../typechain-types";
import { SAMPLE_DID_URI } from "./constants";

export async function domainOf(registry: DeviceRegistry, chainId?: bigint) {
  const id = chainId ?? (await ethers.provider.getNetwork()).chainId;
  return deviceRegistryDomain(id, await registry.getAddress());
}

/**
 * A registration request for `device` (an address; pass `signer` to sign it), with a fresh
 * BabyJubJub key unless given.
 */
export function makeRequest(fields: {
  owner: string;
  projectId: bigint;
  device: string;
  deadline: bigint;
  ax?: bigint;
  ay?: bigint;
}): RegistrationRequest {
  const key = fields.ax === undefined ? generateBabyJubKey() : { ax: fields.ax, ay: fields.ay! };
  return {
    owner: fields.owner,
    projectId: fields.projectId,
    device: fields.device,
    ax: key.ax,
    ay: key.ay,
    didHash: ZERO_HASH.replace(/0$/, "1"),
    didURI: SAMPLE_DID_URI,
    nonce: 0n,
    deadline: fields.deadline,
    approver: ZERO_ADDRESS,
    approverSignature: "0x",
  };
}

export async function signWith(
  signer: TypedDataSigner | Signer,
  registry: DeviceRegistry,
  request: RegistrationRequest,
  chainId?: bigint,
): Promise<string> {
  return signRegistration(signer as TypedDataSigner, await domainOf(registry, chainId), request);
}

/** A fresh EOA device and its signed registration request (fields may be overridden). */
export async function signedRegistration(
  base: { deviceRegistry: DeviceRegistry; deviceOwner: { address: string }; projectId: bigint },
  deadline: bigint,
  overrides: Partial<RegistrationRequest> = {},
) {
  const device = Wallet.createRandom();
  const request = {
    ...makeRequest({
      owner: base.deviceOwner.address,
      projectId: base.projectId,
      device: device.address,
      deadline,
    }),
    ...overrides,
  };
  const signature = await signWith(device, base.deviceRegistry, request);
  return { device, request, signature };
}

/** `count` fresh devices of one manufacturer batch: their requests and signatures, in order. */
export async function signedBatch(
  base: { deviceRegistry: DeviceRegistry; deviceOwner: { address: string }; projectId: bigint },
  deadline: bigint,
  count: number,
) {
  const entries = [];
  for (let i = 0; i < count; i++) entries.push(await signedRegistration(base, deadline));
  return {
    devices: entries.map((e) => e.device),
    requests: entries.map((e) => e.request),
    signatures: entries.map((e) => e.signature),
  };
}

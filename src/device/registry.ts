/** Device operations over a connected kit: what the `device:*` tasks do. */
import type { Provider } from "ethers";

import { requireProject } from "../chain/projects";
import type { Kit } from "../chain/contracts";
import { deviceAddressOf, deviceIdOf, didOf } from "../crypto/did";
import { UserError } from "../errors";
import { DeviceClient } from "./client";
import { withNewBabyJubKey, type DeviceIdentity } from "./identity";

const STATUS = ["none", "active", "revoked"] as const;

/** Throws a one-line error unless `deadline` is after the chain's latest block. */
export async function requireFutureDeadline(provider: Provider, deadline: bigint): Promise<void> {
  const block = await provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  if (deadline <= now) {
    throw new UserError(`deadline ${deadline} has passed (chain time is ${now})`);
  }
}

export async function defaultDeadline(provider: Provider, ttlSeconds: number): Promise<bigint> {
  const block = await provider.getBlock("latest");
  return BigInt(block!.timestamp) + BigInt(ttlSeconds);
}

export interface DeviceRegistration {
  deviceId: bigint;
  did: string;
  index: bigint;
  txHash: string;
  gasUsed: bigint;
}

export async function registerDevice(
  kit: Kit,
  identity: DeviceIdentity,
  params: { owner: string; projectId: bigint; deadline: bigint; didURI?: string },
): Promise<DeviceRegistration> {
  const provider = kit.deviceRegistry.runner!.provider!;
  await requireFutureDeadline(provider, params.deadline);
  await requireProject(kit, params.projectId);
  const client = new DeviceClient(identity, kit.deviceRegistry);
  const receipt = await client.register(params);
  const device = await kit.deviceRegistry.deviceOf(client.deviceId);
  return {
    deviceId: client.deviceId,
    did: didOf(client.address),
    index: device.index,
    txHash: receipt.hash,
    gasUsed: receipt.gasUsed,
  };
}

/** Rotates the device's BabyJubJub key; returns the identity holding the new key. */
export async function rotateDevice(
  kit: Kit,
  identity: DeviceIdentity,
  deadline: bigint,
): Promise<{ identity: DeviceIdentity; txHash: string }> {
  await requireFutureDeadline(kit.deviceRegistry.runner!.provider!, deadline);
  await requireActive(kit, deviceIdOf(identity.wallet.address));
  const next = withNewBabyJubKey(identity);
  const receipt = await new DeviceClient(identity, kit.deviceRegistry).rotateKey(next.babyJub, deadline);
  return { identity: next, txHash: receipt.hash };
}

export async function revokeDevice(kit: Kit, deviceId: bigint): Promise<string> {
  await requireActive(kit, deviceId);
  const tx = await kit.deviceRegistry.revoke(deviceId);
  return (await tx.wait())!.hash;
}

async function requireActive(kit: Kit, deviceId: bigint): Promise<void> {
  const info = await describeDevice(kit, deviceId);
  if (info.status !== "active") {
    throw new UserError(`device ${info.did} is ${info.status === "none" ? "not registered" : info.status}`);
  }
}

export interface DeviceDescription {
  deviceId: bigint;
  did: string;
  status: (typeof STATUS)[number];
  owner?: string;
  projectId?: bigint;
  index?: bigint;
  nonce?: bigint;
  keyHash?: bigint;
  didHash?: string;
  didURI?: string;
}

/** What the chain knows of a device: storage for status, events for its key and document. */
export async function describeDevice(kit: Kit, deviceId: bigint): Promise<DeviceDescription> {
  const did = didOf(deviceAddressOf(deviceId));
  const registry = kit.deviceRegistry;
  let stored;
  try {
    stored = await registry.deviceOf(deviceId);
  } catch {
    return { deviceId, did, status: "none" };
  }
  const [keyLogs, registered, updates] = await Promise.all([
    registry.queryFilter(registry.filters.RegistryOpAppended(stored.projectId), kit.fromBlock),
    registry.queryFilter(registry.filters.DeviceRegistered(deviceId), kit.fromBlock),
    registry.queryFilter(registry.filters.DeviceDocumentUpdated(deviceId), kit.fromBlock),
  ]);
  const lastOp = keyLogs.filter((l) => l.args.index === stored.index).at(-1);
  // The first document comes with the registration; later ones in their own events.
  const lastDoc = updates.at(-1)?.args ?? registered.at(-1)?.args;
  return {
    deviceId,
    did,
    status: STATUS[Number(stored.status)],
    owner: await registry.ownerOf(deviceId),
    projectId: stored.projectId,
    index: stored.index,
    nonce: stored.nonce,
    keyHash: lastOp?.args.keyHash,
    didHash: lastDoc?.didHash,
    didURI: lastDoc?.didURI,
  };
}

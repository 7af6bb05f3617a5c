/**
 * Batch scenarios for circuit and prover tests: a project's state tree with registered
 * devices, and signed messages for them, built with the library the prover uses.
 */
import { generateBabyJubKey, signEddsaPoseidon, type BabyJubKeyPair } from "../../src/crypto";
import { keyHash, OpChain, type RegistryOp } from "../../src/crypto/registry";
import { StateTree } from "../../src/trees";
import {
  messageDigest,
  type BatchContext,
  type DeviceMessage,
  type DeviceMessages,
} from "../../src/zk/batch";

export const DOMAIN = 0x1234_5678_9abc_def0n;
export const PROVER = 0xa11ce00000000000000000000000000000000001n;
export const SETTINGS = { minInterval: 60n, maxUnits: 1_000n, rewardRate: 3n };
export const START = 1_700_000_000n;

export interface SimDevice {
  deviceId: bigint;
  index: number;
  key: BabyJubKeyPair;
}

export function simDevice(index: number): SimDevice {
  return { deviceId: 0xd00000n + BigInt(index), index, key: generateBabyJubKey() };
}

export function registerOp(device: SimDevice): RegistryOp {
  return { index: BigInt(device.index), keyHash: keyHash(device.deviceId, device.key.ax, device.key.ay) };
}

/** A project whose state already holds `count` registered devices (their ops applied). */
export function projectState(depth: number, count: number) {
  const tree = new StateTree(depth);
  const chain = new OpChain();
  const devices = Array.from({ length: count }, (_, i) => simDevice(i));
  for (const d of devices) {
    const op = registerOp(d);
    tree.applyOp(op);
    chain.append(op);
  }
  const context: BatchContext = {
    domain: DOMAIN,
    opsChainFrom: chain.head,
    prover: PROVER,
    settings: SETTINGS,
  };
  return { tree, chain, devices, context };
}

export function signedMessage(
  device: SimDevice,
  timestamp: bigint,
  units: bigint,
  domain = DOMAIN,
): DeviceMessage {
  const payloadHash = timestamp * 7n + units;
  const digest = messageDigest(domain, device.deviceId, timestamp, units, payloadHash);
  return { timestamp, units, payloadHash, signature: signEddsaPoseidon(device.key.privateKey, digest) };
}

export function messagesFor(
  device: SimDevice,
  units: bigint[],
  start = START,
  spacing = 60n,
): DeviceMessages {
  return {
    deviceId: device.deviceId,
    index: device.index,
    key: { ax: device.key.ax, ay: device.key.ay },
    messages: units.map((u, i) => signedMessage(device, start + BigInt(i) * spacing, u)),
  };
}

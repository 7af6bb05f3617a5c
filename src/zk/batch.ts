/**
 * The batch builder: registry ops and signed device messages → the input of
 * `BatchProof(R, D, K, STATE_DEPTH)` and its public signals (DESIGN.md §3, §4), applying
 * the batch to the project's state tree on the way. It checks every rule the circuit
 * checks and names the first one a batch breaks, so that a bad batch fails here, in
 * milliseconds, rather than as an unsatisfiable witness.
 */
import { poseidon } from "../crypto/poseidon";

import { verifyEddsaPoseidon, type EddsaSignature } from "../crypto/eddsa";
import { keyHash as computeKeyHash, nextOpsChain, type RegistryOp } from "../crypto/registry";
import type { StateTree } from "../trees/state-tree";

/** The shape of a batch circuit: op slots, device slots, messages per slot, tree depth. */
export interface CircuitShape {
  R: number;
  D: number;
  K: number;
  depth: number;
}

/** What the contract records with a batch when it is submitted. */
export interface BatchSettings {
  minInterval: bigint;
  maxUnits: bigint;
  rewardRate: bigint;
}

export interface DeviceMessage {
  timestamp: bigint;
  units: bigint;
  payloadHash: bigint;
  signature: EddsaSignature;
}

/** A device's messages in a batch, in order. More than K are split over several slots. */
export interface DeviceMessages {
  deviceId: bigint;
  index: number;
  key: { ax: bigint; ay: bigint };
  messages: DeviceMessage[];
}

export interface BatchContext {
  domain: bigint;
  opsChainFrom: bigint;
  prover: bigint;
  settings: BatchSettings;
}

/** The public signals in DESIGN.md §3's order. */
export const PUBLIC_SIGNAL_NAMES = [
  "domain",
  "oldStateRoot",
  "newStateRoot",
  "opsChainFrom",
  "opsChainTo",
  "messagesHash",
  "totalUnits",
  "prover",
  "minInterval",
  "maxUnits",
  "rewardRate",
] as const;

export type PublicSignals = Record<(typeof PUBLIC_SIGNAL_NAMES)[number], bigint>;

export type CircuitInput = Record<string, string | string[] | string[][]>;

export interface BuiltBatch {
  input: CircuitInput;
  signals: PublicSignals;
  /** The signals as the verifier takes them, in order. */
  publicSignals: bigint[];
  digests: bigint[];
}

export class BatchError extends Error {
  override name = "BatchError";
}

/** Poseidon(domain, deviceId, timestamp, units, payloadHash): what a device signs. */
export function messageDigest(
  domain: bigint,
  deviceId: bigint,
  timestamp: bigint,
  units: bigint,
  payloadHash: bigint,
): bigint {
  return poseidon([domain, deviceId, timestamp, units, payloadHash]);
}

/** The batch commitment: h(0) = 0, h(i+1) = Poseidon(h(i), digest(i)). */
export function messagesHashOf(digests: bigint[]): bigint {
  return digests.reduce((h, d) => poseidon([h, d]), 0n);
}

const UINT64 = 1n << 64n;
const UINT32 = 1n << 32n;
const UINT128 = 1n << 128n;

const zeros = (n: number) => Array.from({ length: n }, () => "0");
const str = (x: bigint | number) => x.toString();

/** Splits each device's messages into slots of at most K, keeping order. */
export function deviceSlots(devices: DeviceMessages[], K: number): DeviceMessages[] {
  return devices.flatMap((d) => {
    if (d.messages.length === 0) return [];
    const slots: DeviceMessages[] = [];
    for (let i = 0; i < d.messages.length; i += K) slots.push({ ...d, messages: d.messages.slice(i, i + K) });
    return slots;
  });
}

/**
 * Builds the circuit input for a batch and applies it to `tree` (pass a clone to keep the
 * original). Throws BatchError naming the rule a batch breaks.
 */
export function buildBatch(
  shape: CircuitShape,
  tree: StateTree,
  context: BatchContext,
  ops: RegistryOp[],
  devices: DeviceMessages[],
  options: { check?: boolean } = {},
): BuiltBatch {
  // `check: false` skips the rules the circuit enforces (tests build invalid witnesses
  // with it, to see the circuit reject them); shape limits are always checked.
  const check = options.check ?? true;
  const { R, D, K, depth } = shape;
  const { settings } = context;
  if (tree.depth !== depth) throw new BatchError(`state tree depth ${tree.depth} ≠ circuit depth ${depth}`);
  if (settings.minInterval < 0n || settings.minInterval >= UINT32)
    throw new BatchError("minInterval must fit 32 bits");
  if (settings.maxUnits < 0n || settings.maxUnits >= UINT64)
    throw new BatchError("maxUnits must fit 64 bits");
  if (settings.rewardRate < 0n || settings.rewardRate >= UINT128)
    throw new BatchError("rewardRate must fit 128 bits");
  const slots = deviceSlots(devices, K);
  if (ops.length > R) throw new BatchError(`${ops.length} registry ops exceed the circuit's ${R} op slots`);
  if (slots.length > D) throw new BatchError(`${slots.length} device slots exceed the circuit's ${D}`);

  const oldStateRoot = tree.root;
  const input: CircuitInput = {};
  const set = (name: string, value: string | string[] | string[][]) => (input[name] = value);

  // 1. Registry ops, in order.
  let chain = context.opsChainFrom;
  const op = {
    enabled: [] as string[],
    index: [] as string[],
    keyHash: [] as string[],
    leaf: [] as string[][],
    siblings: [] as string[][],
  };
  for (let r = 0; r < R; r++) {
    const o = ops[r];
    if (o === undefined) {
      op.enabled.push("0");
      op.index.push("0");
      op.keyHash.push("0");
      op.leaf.push(zeros(4));
      op.siblings.push(zeros(depth));
      continue;
    }
    const index = Number(o.index);
    const before = tree.leaf(index);
    op.enabled.push("1");
    op.index.push(str(o.index));
    op.keyHash.push(str(o.keyHash));
    op.leaf.push(
      [before.keyHash, before.cumulativeUnits, before.lastTimestamp, before.accruedReward].map(str),
    );
    op.siblings.push(tree.siblings(index).map(str));
    tree.applyOp(o);
    chain = nextOpsChain(chain, o);
  }

  // 2. Device slots.
  const digests: bigint[] = [];
  let totalUnits = 0n;
  const dev = {
    enabled: [] as string[],
    id: [] as string[],
    index: [] as string[],
    ax: [] as string[],
    ay: [] as string[],
    leaf: [] as string[][],
    siblings: [] as string[][],
  };
  const msg = {
    enabled: [] as string[][],
    timestamp: [] as string[][],
    units: [] as string[][],
    payloadHash: [] as string[][],
    r8x: [] as string[][],
    r8y: [] as string[][],
    s: [] as string[][],
  };
  const padMessages = (k: number) => {
    msg.enabled.push(zeros(k));
    msg.timestamp.push(zeros(k));
    msg.units.push(zeros(k));
    msg.payloadHash.push(zeros(k));
    msg.r8x.push(zeros(k));
    msg.r8y.push(Array.from({ length: k }, () => "1"));
    msg.s.push(zeros(k));
  };

  for (let d = 0; d < D; d++) {
    const slot = slots[d];
    if (slot === undefined) {
      dev.enabled.push("0");
      dev.id.push("0");
      dev.index.push("0");
      dev.ax.push("0");
      dev.ay.push("1");
      dev.leaf.push(zeros(4));
      dev.siblings.push(zeros(depth));
      padMessages(K);
      continue;
    }
    const leaf = tree.leaf(slot.index);
    const expectedKeyHash = computeKeyHash(slot.deviceId, slot.key.ax, slot.key.ay);
    if (check && leaf.keyHash === 0n)
      throw new BatchError(`device ${slot.deviceId}: no usable key (not registered yet, or revoked)`);
    if (check && leaf.keyHash !== expectedKeyHash) {
      throw new BatchError(`device ${slot.deviceId}: key does not match the key hash of leaf ${slot.index}`);
    }
    dev.enabled.push("1");
    dev.id.push(str(slot.deviceId));
    dev.index.push(str(slot.index));
    dev.ax.push(str(slot.key.ax));
    dev.ay.push(str(slot.key.ay));
    dev.leaf.push([leaf.keyHash, leaf.cumulativeUnits, leaf.lastTimestamp, leaf.accruedReward].map(str));
    dev.siblings.push(tree.siblings(slot.index).map(str));

    let last = leaf.lastTimestamp;
    let units = 0n;
    const m = {
      enabled: [] as string[],
      ts: [] as string[],
      units: [] as string[],
      ph: [] as string[],
      r8x: [] as string[],
      r8y: [] as string[],
      s: [] as string[],
    };
    for (let k = 0; k < K; k++) {
      const message = slot.messages[k];
      if (message === undefined) {
        m.enabled.push("0");
        m.ts.push("0");
        m.units.push("0");
        m.ph.push("0");
        m.r8x.push("0");
        m.r8y.push("1");
        m.s.push("0");
        continue;
      }
      const where = `device ${slot.deviceId} message at ${message.timestamp}`;
      if (check && (message.units < 0n || message.units > settings.maxUnits)) {
        throw new BatchError(`${where}: units ${message.units} exceed maxUnits ${settings.maxUnits}`);
      }
      if (message.timestamp < 0n || message.timestamp >= UINT64)
        throw new BatchError(`${where}: timestamp must fit 64 bits`);
      if (check && message.timestamp < last + settings.minInterval) {
        throw new BatchError(`${where}: less than minInterval ${settings.minInterval} s after ${last}`);
      }
      const digest = messageDigest(
        context.domain,
        slot.deviceId,
        message.timestamp,
        message.units,
        message.payloadHash,
      );
      if (check && !verifyEddsaPoseidon(digest, message.signature, slot.key))
        throw new BatchError(`${where}: bad signature`);
      digests.push(digest);
      m.enabled.push("1");
      m.ts.push(str(message.timestamp));
      m.units.push(str(message.units));
      m.ph.push(str(message.payloadHash));
      m.r8x.push(str(message.signature.R8x));
      m.r8y.push(str(message.signature.R8y));
      m.s.push(str(message.signature.S));
      last = message.timestamp;
      units += message.units;
    }
    msg.enabled.push(m.enabled);
    msg.timestamp.push(m.ts);
    msg.units.push(m.units);
    msg.payloadHash.push(m.ph);
    msg.r8x.push(m.r8x);
    msg.r8y.push(m.r8y);
    msg.s.push(m.s);

    tree.set(slot.index, {
      keyHash: leaf.keyHash,
      cumulativeUnits: leaf.cumulativeUnits + units,
      lastTimestamp: last,
      accruedReward: leaf.accruedReward + units * settings.rewardRate,
    });
    totalUnits += units;
  }

  const signals: PublicSignals = {
    domain: context.domain,
    oldStateRoot,
    newStateRoot: tree.root,
    opsChainFrom: context.opsChainFrom,
    opsChainTo: chain,
    messagesHash: messagesHashOf(digests),
    totalUnits,
    prover: context.prover,
    minInterval: settings.minInterval,
    maxUnits: settings.maxUnits,
    rewardRate: settings.rewardRate,
  };
  for (const name of PUBLIC_SIGNAL_NAMES) set(name, str(signals[name]));
  set("opEnabled", op.enabled);
  set("opIndex", op.index);
  set("opKeyHash", op.keyHash);
  set("opLeaf", op.leaf);
  set("opSiblings", op.siblings);
  set("devEnabled", dev.enabled);
  set("devId", dev.id);
  set("devIndex", dev.index);
  set("devAx", dev.ax);
  set("devAy", dev.ay);
  set("devLeaf", dev.leaf);
  set("devSiblings", dev.siblings);
  set("msgEnabled", msg.enabled);
  set("msgTimestamp", msg.timestamp);
  set("msgUnits", msg.units);
  set("msgPayloadHash", msg.payloadHash);
  set("msgR8x", msg.r8x);
  set("msgR8y", msg.r8y);
  set("msgS", msg.s);
  return { input, signals, publicSignals: PUBLIC_SIGNAL_NAMES.map((n) => signals[n]), digests };
}

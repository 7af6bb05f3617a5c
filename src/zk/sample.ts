/**
 * Sample batches for benchmarks and the demo: a project with registered devices, one
 * registry op and every device slot full of signed messages, built with the library.
 */
import { generateBabyJubKey, signEddsaPoseidon } from "../crypto";
import { OpChain, keyHash } from "../crypto/registry";
import { StateTree } from "../trees";
import { buildBatch, messageDigest, type BuiltBatch, type DeviceMessages } from "./batch";
import { CIRCUIT_CONFIGS, type CircuitName } from "./circuits";

const DOMAIN = 0xd0a1n;
const PROVER = 0xb0bn;
const SETTINGS = { minInterval: 60n, maxUnits: 1_000n, rewardRate: 5n };
const START = 1_700_000_000n;

export function sampleBatchFor(name: CircuitName): BuiltBatch {
  const shape = CIRCUIT_CONFIGS[name];
  const tree = new StateTree(shape.depth);
  const chain = new OpChain();
  const devices = Array.from({ length: shape.D + 1 }, (_, i) => ({
    deviceId: 0xd000n + BigInt(i),
    index: i,
    key: generateBabyJubKey(),
  }));
  const ops = devices.map((d) => ({
    index: BigInt(d.index),
    keyHash: keyHash(d.deviceId, d.key.ax, d.key.ay),
  }));
  for (const op of ops.slice(0, shape.D)) {
    tree.applyOp(op);
    chain.append(op);
  }
  const slots: DeviceMessages[] = devices.slice(0, shape.D).map((d) => ({
    deviceId: d.deviceId,
    index: d.index,
    key: { ax: d.key.ax, ay: d.key.ay },
    messages: Array.from({ length: shape.K }, (_, k) => {
      const timestamp = START + BigInt(k) * 60n;
      const units = BigInt(k + 1);
      const payloadHash = timestamp ^ units;
      const digest = messageDigest(DOMAIN, d.deviceId, timestamp, units, payloadHash);
      return { timestamp, units, payloadHash, signature: signEddsaPoseidon(d.key.privateKey, digest) };
    }),
  }));
  return buildBatch(
    shape,
    tree,
    { domain: DOMAIN, opsChainFrom: chain.head, prover: PROVER, settings: SETTINGS },
    [ops[shape.D]],
    slots,
  );
}

/**
 * Registry-op formats (DESIGN.md §3), computed with the same Poseidon as the contracts
 * (poseidon-solidity) and the circuits (circomlib): poseidon-lite.
 */
import { poseidon } from "./poseidon";

/** `keyHash = Poseidon(deviceId, Ax, Ay)`; 0 means "no usable key". */
export function keyHash(deviceId: bigint, ax: bigint, ay: bigint): bigint {
  return poseidon([deviceId, ax, ay]);
}

/** One registry op: a device index and its new key hash (0 for a revocation). */
export interface RegistryOp {
  index: bigint;
  keyHash: bigint;
}

/** `opsChain(n+1) = Poseidon(opsChain(n), index, keyHash)`. */
export function nextOpsChain(previous: bigint, op: RegistryOp): bigint {
  return poseidon([previous, op.index, op.keyHash]);
}

/** A project's op chain with every checkpoint, `checkpoints[n] = opsChain(n)`. */
export class OpChain {
  readonly checkpoints: bigint[] = [0n];
  readonly ops: RegistryOp[] = [];

  /** Appends an op and returns the new checkpoint. */
  append(op: RegistryOp): bigint {
    const next = nextOpsChain(this.head, op);
    this.ops.push(op);
    this.checkpoints.push(next);
    return next;
  }

  /** The latest checkpoint, `opsChain(opCount)`. */
  get head(): bigint {
    return this.checkpoints[this.checkpoints.length - 1];
  }

  get opCount(): number {
    return this.ops.length;
  }
}

/**
 * A project's state tree (DESIGN.md §3): binary, fixed depth, Poseidon(2) nodes, leaf
 * index = device index, leaf = Poseidon(keyHash, cumulativeUnits, lastTimestamp,
 * accruedReward), every leaf starting as Poseidon(0, 0, 0, 0). Sparse: only non-empty
 * nodes are stored, empty subtrees come from precomputed zero hashes.
 */
import { poseidon } from "../crypto/poseidon";

import type { RegistryOp } from "../crypto/registry";

/** The fields of a leaf. */
export interface LeafData {
  keyHash: bigint;
  cumulativeUnits: bigint;
  lastTimestamp: bigint;
  accruedReward: bigint;
}

export const EMPTY_LEAF: Readonly<LeafData> = Object.freeze({
  keyHash: 0n,
  cumulativeUnits: 0n,
  lastTimestamp: 0n,
  accruedReward: 0n,
});

export function leafHash(leaf: LeafData): bigint {
  return poseidon([leaf.keyHash, leaf.cumulativeUnits, leaf.lastTimestamp, leaf.accruedReward]);
}

const zeroCache: bigint[] = [leafHash(EMPTY_LEAF)];

/** zeroHashes(depth)[i] is the root of an empty subtree of height i. */
export function zeroHashes(depth: number): bigint[] {
  while (zeroCache.length <= depth) {
    const z = zeroCache[zeroCache.length - 1];
    zeroCache.push(poseidon([z, z]));
  }
  return zeroCache.slice(0, depth + 1);
}

/** The root of an empty tree of this depth: every project's initial state root. */
export function emptyRoot(depth: number): bigint {
  return zeroHashes(depth)[depth];
}

export class StateTree {
  private readonly zeros: bigint[];
  /** levels[h] maps a node index at height h to its hash (non-empty nodes only). */
  private readonly levels: Map<number, bigint>[];
  private readonly leaves = new Map<number, LeafData>();

  constructor(readonly depth: number) {
    if (!Number.isInteger(depth) || depth < 1 || depth > 32)
      throw new Error(`state depth must be 1..32, got ${depth}`);
    this.zeros = zeroHashes(depth);
    this.levels = Array.from({ length: depth + 1 }, () => new Map());
  }

  get capacity(): number {
    return 2 ** this.depth;
  }

  get root(): bigint {
    return this.node(this.depth, 0);
  }

  leaf(index: number): LeafData {
    this.checkIndex(index);
    return this.leaves.get(index) ?? { ...EMPTY_LEAF };
  }

  /** Indices of the leaves ever set (non-empty, or emptied after being set). */
  indices(): number[] {
    return [...this.leaves.keys()].sort((a, b) => a - b);
  }

  /** The siblings of leaf `index`, from the leaf level up. */
  siblings(index: number): bigint[] {
    this.checkIndex(index);
    const out: bigint[] = [];
    let i = index;
    for (let h = 0; h < this.depth; h++) {
      out.push(this.node(h, i ^ 1));
      i >>= 1;
    }
    return out;
  }

  /** Replaces leaf `index` and updates its path. */
  set(index: number, leaf: LeafData): void {
    this.checkIndex(index);
    this.leaves.set(index, { ...leaf });
    let i = index;
    let hash = leafHash(leaf);
    this.levels[0].set(i, hash);
    for (let h = 0; h < this.depth; h++) {
      const left = i % 2 === 0 ? hash : this.node(h, i - 1);
      const right = i % 2 === 0 ? this.node(h, i + 1) : hash;
      hash = poseidon([left, right]);
      i >>= 1;
      this.levels[h + 1].set(i, hash);
    }
  }

  /** Applies a registry op: the leaf's key hash changes, its other fields stay. */
  applyOp(op: RegistryOp): void {
    const index = Number(op.index);
    this.set(index, { ...this.leaf(index), keyHash: op.keyHash });
  }

  /** A deep copy (provers try a batch on a copy before committing to it). */
  clone(): StateTree {
    const copy = new StateTree(this.depth);
    this.levels.forEach((level, h) => level.forEach((v, k) => copy.levels[h].set(k, v)));
    this.leaves.forEach((v, k) => copy.leaves.set(k, { ...v }));
    return copy;
  }

  /** The hash of node `index` at `height` (0: the leaves), empty subtrees included. */
  node(height: number, index: number): bigint {
    return this.levels[height].get(index) ?? this.zeros[height];
  }

  private checkIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.capacity) {
      throw new Error(`leaf index ${index} outside a tree of depth ${this.depth}`);
    }
  }
}

/** Recomputes a root from a leaf and its siblings (what the circuit and a claim do). */
export function rootFromPath(index: number, leaf: bigint, siblings: bigint[]): bigint {
  let hash = leaf;
  let i = index;
  for (const sibling of siblings) {
    hash = i % 2 === 0 ? poseidon([hash, sibling]) : poseidon([sibling, hash]);
    i >>= 1;
  }
  return hash;
}

/**
 * Multiproofs over a project's state tree, in the order `RewardDistributor.claimMany`
 * (contracts/libraries/StateTreeProofs.sol) consumes them: leaves by strictly increasing
 * index; level by level from the leaves up, left to right, every node whose sibling is not
 * known (a given leaf, or a node computed from given leaves) comes from the proof. Devices
 * with adjacent indices share every node above their common subtree.
 */
import { poseidon } from "../crypto/poseidon";

import type { StateTree } from "../trees/state-tree";

function checkSorted(indices: number[], depth: number): void {
  if (indices.length === 0) throw new Error("a multiproof needs at least one leaf");
  for (let i = 1; i < indices.length; i++) {
    if (indices[i] <= indices[i - 1]) throw new Error(`leaf indices must be strictly increasing (at ${i})`);
  }
  if (indices[0] < 0 || indices[indices.length - 1] >= 2 ** depth)
    throw new Error(`leaf indices must lie in [0, 2^${depth})`);
}

/**
 * Walks the levels as the contract does; `sibling(height, index)` supplies a node the
 * leaves do not determine and `hash` combines a pair (null: skip hashing).
 */
function walk(
  indices: number[],
  nodes: bigint[],
  depth: number,
  sibling: (height: number, index: number) => bigint,
  hash: ((left: bigint, right: bigint) => bigint) | null,
): bigint {
  let idx = [...indices];
  let known = [...nodes];
  for (let h = 0; h < depth; h++) {
    const nextIdx: number[] = [];
    const nextKnown: bigint[] = [];
    for (let i = 0; i < idx.length;) {
      const index = idx[i];
      let left: bigint;
      let right: bigint;
      if (index % 2 === 0) {
        left = known[i];
        if (i + 1 < idx.length && idx[i + 1] === index + 1) {
          right = known[i + 1];
          i += 2;
        } else {
          right = sibling(h, index + 1);
          i += 1;
        }
      } else {
        left = sibling(h, index - 1);
        right = known[i];
        i += 1;
      }
      nextIdx.push(Math.floor(index / 2));
      nextKnown.push(hash === null ? 0n : hash(left, right));
    }
    idx = nextIdx;
    known = nextKnown;
  }
  return known[0];
}

/** The proof nodes for the leaves at `indices` (strictly increasing) of `tree`. */
export function buildMultiproof(tree: StateTree, indices: number[]): bigint[] {
  checkSorted(indices, tree.depth);
  const proof: bigint[] = [];
  walk(
    indices,
    indices.map(() => 0n),
    tree.depth,
    (h, i) => {
      const node = tree.node(h, i);
      proof.push(node);
      return node;
    },
    null,
  );
  return proof;
}

/** The root a multiproof leads to (what the contract computes); throws on a bad length. */
export function multiproofRoot(
  indices: number[],
  leafHashes: bigint[],
  proof: bigint[],
  depth: number,
): bigint {
  checkSorted(indices, depth);
  if (leafHashes.length !== indices.length) throw new Error("one leaf hash per index");
  let used = 0;
  const root = walk(
    indices,
    leafHashes,
    depth,
    () => {
      if (used === proof.length) throw new Error("multiproof too short");
      return proof[used++];
    },
    (l, r) => poseidon([l, r]),
  );
  if (used !== proof.length) throw new Error("multiproof has unused nodes");
  return root;
}

/** How many proof nodes (calldata words) a set of leaves needs: Σ over levels. */
export function multiproofSize(indices: number[], depth: number): number {
  checkSorted(indices, depth);
  let count = 0;
  walk(
    indices,
    indices.map(() => 0n),
    depth,
    () => {
      count++;
      return 0n;
    },
    null,
  );
  return count;
}

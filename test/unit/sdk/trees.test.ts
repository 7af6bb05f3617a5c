import { expect } from "chai";
import { poseidon2, poseidon4 } from "poseidon-lite";

import { EMPTY_LEAF, StateTree, emptyRoot, leafHash, rootFromPath, zeroHashes } from "../../../src/trees";

const DEPTH = 6;

describe("StateTree", function () {
  it("starts from Poseidon(0,0,0,0) leaves and precomputed empty subtrees", function () {
    const zeros = zeroHashes(DEPTH);
    expect(zeros[0]).to.equal(poseidon4([0n, 0n, 0n, 0n]));
    expect(zeros[1]).to.equal(poseidon2([zeros[0], zeros[0]]));
    expect(new StateTree(DEPTH).root).to.equal(emptyRoot(DEPTH));
    expect(leafHash(EMPTY_LEAF)).to.equal(zeros[0]);
  });

  it("updates a leaf along its path and proves it", function () {
    const tree = new StateTree(DEPTH);
    const leaves = [3, 17, 40, 63].map((i) => ({
      i,
      leaf: { keyHash: BigInt(i + 1), cumulativeUnits: 5n, lastTimestamp: 9n, accruedReward: 7n },
    }));
    for (const { i, leaf } of leaves) tree.set(i, leaf);
    for (const { i, leaf } of leaves) {
      expect(rootFromPath(i, leafHash(leaf), tree.siblings(i))).to.equal(tree.root);
      expect(tree.leaf(i)).to.deep.equal(leaf);
    }
    // An untouched index opens as an empty leaf under the same root.
    expect(rootFromPath(20, leafHash(EMPTY_LEAF), tree.siblings(20))).to.equal(tree.root);
  });

  it("applies a registry op to the key hash only, and clones deeply", function () {
    const tree = new StateTree(DEPTH);
    tree.set(2, { keyHash: 1n, cumulativeUnits: 10n, lastTimestamp: 11n, accruedReward: 12n });
    const copy = tree.clone();
    tree.applyOp({ index: 2n, keyHash: 0n });
    expect(tree.leaf(2)).to.deep.equal({
      keyHash: 0n,
      cumulativeUnits: 10n,
      lastTimestamp: 11n,
      accruedReward: 12n,
    });
    expect(copy.leaf(2).keyHash).to.equal(1n);
    expect(copy.root).to.not.equal(tree.root);
  });

  it("rejects indices outside the tree and bad depths", function () {
    const tree = new StateTree(DEPTH);
    expect(() => tree.leaf(64)).to.throw("outside");
    expect(() => tree.set(-1, EMPTY_LEAF)).to.throw("outside");
    expect(() => new StateTree(0)).to.throw("depth");
  });
});

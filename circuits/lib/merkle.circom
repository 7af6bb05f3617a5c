pragma circom 2.2.0;

// MerklePathUpdate(DEPTH)
//
// Proves: `oldRoot` is the root of a binary Poseidon(2) Merkle tree of depth DEPTH whose
// leaf at `index` is `oldLeaf`, and `newRoot` is the root of the same tree with that leaf
// replaced by `newLeaf`. Both roots are computed along one path: the same siblings and the
// same index bits, so an update cannot touch any other leaf.
//
// `index` is range-checked to DEPTH bits here. Node order: bit i of the index is 0 when
// the node at level i is the left child (Poseidon(node, sibling)), 1 when it is the right.
//
// NOTE: this template does not compare either root with anything; the caller constrains
// `oldRoot` to its running root and uses `newRoot`.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

template MerklePathUpdate(DEPTH) {
    assert(DEPTH >= 1);
    assert(DEPTH <= 32);

    signal input index;
    signal input oldLeaf;
    signal input newLeaf;
    signal input siblings[DEPTH];
    signal output oldRoot;
    signal output newRoot;

    // The index as DEPTH bits (also its range check).
    signal bits[DEPTH] <== Num2Bits(DEPTH)(index);

    signal oldNode[DEPTH + 1];
    signal newNode[DEPTH + 1];
    signal oldLeft[DEPTH];
    signal newLeft[DEPTH];
    oldNode[0] <== oldLeaf;
    newNode[0] <== newLeaf;

    for (var i = 0; i < DEPTH; i++) {
        // left = bit ? sibling : node; right = node + sibling - left (linear).
        oldLeft[i] <== oldNode[i] + bits[i] * (siblings[i] - oldNode[i]);
        oldNode[i + 1] <== Poseidon(2)([oldLeft[i], oldNode[i] + siblings[i] - oldLeft[i]]);
        newLeft[i] <== newNode[i] + bits[i] * (siblings[i] - newNode[i]);
        newNode[i + 1] <== Poseidon(2)([newLeft[i], newNode[i] + siblings[i] - newLeft[i]]);
    }

    oldRoot <== oldNode[DEPTH];
    newRoot <== newNode[DEPTH];
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonT3} from "./poseidon/PoseidonT3.sol";

/// @title StateTreeProofs
/// @notice Roots of a project's state tree (DESIGN.md §3: binary, fixed depth,
/// `node = Poseidon(left, right)`) from one leaf and its path, or from several leaves and
/// one multiproof.
/// @dev Multiproof format (what `src/rewards/multiproof.ts` builds): leaves sorted by
/// strictly increasing index; level by level from the leaves up, and left to right within
/// a level, every node whose sibling is not itself known (a given leaf or a node computed
/// from them) is taken from `proof`, in order. Every proof node must be used.
library StateTreeProofs {
    /// @notice The root above leaf `index` with hash `leaf` and siblings `siblings` (leaf level
    /// first); `ok` is false when `index` does not fit the path's depth (it would alias a
    /// lower index).
    function root(
        uint256 index,
        uint256 leaf,
        uint256[] calldata siblings
    ) internal pure returns (bool ok, uint256 rootHash) {
        if (siblings.length < 256 && index >> siblings.length != 0) return (false, 0);
        uint256[2] memory pair;
        uint256 hash = leaf;
        uint256 length = siblings.length;
        for (uint256 h = 0; h < length; ++h) {
            if (index & 1 == 0) {
                pair[0] = hash;
                pair[1] = siblings[h];
            } else {
                pair[0] = siblings[h];
                pair[1] = hash;
            }
            hash = PoseidonT3.hash(pair);
            index >>= 1;
        }
        return (true, hash);
    }

    /// @notice The root above `leaves` at `indices` (strictly increasing, checked by the
    /// caller) of a tree of `depth` levels, with the multiproof `proof`; `ok` is false when
    /// an index does not fit the depth, or the proof runs out of nodes or has nodes left over.
    /// @dev Works in place on the two memory arrays: at each level the known nodes are
    /// paired with their sibling (the next known node, or the next proof node) and replaced
    /// by their parents, which stay strictly increasing.
    function multiRoot(
        uint256[] memory indices,
        uint256[] memory leaves,
        uint256[] calldata proof,
        uint256 depth
    ) internal pure returns (bool ok, uint256 rootHash) {
        uint256 n = leaves.length;
        // Sorted: the last index is the largest.
        if (n == 0 || (depth < 256 && indices[n - 1] >> depth != 0)) return (false, 0);
        uint256[2] memory pair;
        uint256 used = 0;
        for (uint256 h = 0; h < depth; ++h) {
            uint256 m = 0;
            for (uint256 i = 0; i < n;) {
                uint256 index = indices[i];
                if (index & 1 == 0) {
                    pair[0] = leaves[i];
                    if (i + 1 < n && indices[i + 1] == index + 1) {
                        pair[1] = leaves[i + 1];
                        i += 2;
                    } else {
                        if (used == proof.length) return (false, 0);
                        pair[1] = proof[used++];
                        ++i;
                    }
                } else {
                    if (used == proof.length) return (false, 0);
                    pair[0] = proof[used++];
                    pair[1] = leaves[i];
                    ++i;
                }
                indices[m] = index >> 1;
                leaves[m] = PoseidonT3.hash(pair);
                ++m;
            }
            n = m;
        }
        return (used == proof.length && n == 1, leaves[0]);
    }
}

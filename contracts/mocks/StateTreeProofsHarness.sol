// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StateTreeProofs} from "../libraries/StateTreeProofs.sol";

/// @notice Test helper: exposes the state-tree proof library, for inputs the registry
/// never produces (indices beyond the depth).
contract StateTreeProofsHarness {
    function root(
        uint256 index,
        uint256 leaf,
        uint256[] calldata siblings
    ) external pure returns (bool, uint256) {
        return StateTreeProofs.root(index, leaf, siblings);
    }

    function multiRoot(
        uint256[] calldata indices,
        uint256[] calldata leaves,
        uint256[] calldata proof,
        uint256 depth
    ) external pure returns (bool, uint256) {
        return StateTreeProofs.multiRoot(indices, leaves, proof, depth);
    }
}

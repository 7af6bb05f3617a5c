// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {PoseidonT4} from "./poseidon/PoseidonT4.sol";

/// @title RegistryOps
/// @notice The registry-op formats of DESIGN.md §3, shared by every contract that
/// computes them: `keyHash = Poseidon(deviceId, Ax, Ay)` and
/// `opsChain(n+1) = Poseidon(opsChain(n), index, keyHash)` over the BN254 scalar field.
library RegistryOps {
    /// @notice The BN254 scalar field modulus `r`: every Poseidon input and public signal
    /// is below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice The key hash of a device's BabyJubJub key; zero is reserved for "no key".
    function keyHash(uint256 deviceId, uint256 ax, uint256 ay) internal pure returns (uint256) {
        return PoseidonT4.hash([deviceId, ax, ay]);
    }

    /// @notice The op chain after appending op `(index, keyHash_)` to `previous`.
    function chain(uint256 previous, uint256 index, uint256 keyHash_) internal pure returns (uint256) {
        return PoseidonT4.hash([previous, index, keyHash_]);
    }
}

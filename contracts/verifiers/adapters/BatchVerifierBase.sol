// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier} from "../../interfaces/IBatchVerifier.sol";

/// @notice Shared checks of the adapters: proof length and canonical public signals.
abstract contract BatchVerifierBase is IBatchVerifier {
    /// @dev The BN254 scalar field modulus.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev A proof of every system here is 24 or 8 words; each adapter states its length.
    function _checkLength(bytes calldata proof, uint256 expected) internal pure {
        if (proof.length != expected) revert MalformedProof(expected, proof.length);
    }

    /// @dev Signals must be field elements: a value at or above r would alias another one.
    function _canonical(uint256[BATCH_PUBLIC_SIGNALS] calldata signals) internal pure returns (bool) {
        for (uint256 i = 0; i < BATCH_PUBLIC_SIGNALS; ++i) {
            if (signals[i] >= SNARK_SCALAR_FIELD) return false;
        }
        return true;
    }
}

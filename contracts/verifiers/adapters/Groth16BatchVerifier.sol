// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {IGroth16Verifier11} from "../../interfaces/ISnarkjsVerifiers.sol";
import {BatchVerifierBase} from "./BatchVerifierBase.sol";

/// @title Groth16BatchVerifier
/// @notice IBatchVerifier over a snarkjs Groth16 verifier. Proof bytes:
/// `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)` in snarkjs's calldata order.
/// @dev Groth16 proofs are malleable (a valid proof can be turned into another valid proof
/// of the same statement); replay protection belongs to the settlement contract, which
/// accepts one proof per batch.
contract Groth16BatchVerifier is BatchVerifierBase {
    constructor(address verifier_) BatchVerifierBase(verifier_, 8 * 32) {}

    /// @inheritdoc IBatchVerifier
    function proofSystem() external pure returns (ProofSystem) {
        return ProofSystem.Groth16;
    }

    function _verifyProof(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) internal view override returns (bool) {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = abi.decode(
            proof,
            (uint256[2], uint256[2][2], uint256[2])
        );
        return IGroth16Verifier11(_VERIFIER).verifyProof(a, b, c, publicSignals);
    }
}

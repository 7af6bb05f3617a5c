// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {BatchVerifierBase} from "./BatchVerifierBase.sol";
import {IGroth16Verifier11} from "../../interfaces/ISnarkjsVerifiers.sol";

/// @title Groth16BatchVerifier
/// @notice IBatchVerifier over a snarkjs Groth16 verifier. Proof bytes:
/// `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)` (snarkjs's calldata order,
/// b's coordinates already swapped as snarkjs exports them).
/// @dev Groth16 proofs are malleable (a proof can be re-randomised into another valid proof
/// of the same statement); replay protection belongs to the settlement contract, which
/// accepts one proof per batch.
contract Groth16BatchVerifier is BatchVerifierBase {
    uint256 private constant PROOF_LENGTH = 8 * 32;
    IGroth16Verifier11 private immutable _verifier;

    constructor(address verifier_) {
        _verifier = IGroth16Verifier11(verifier_);
    }

    /// @inheritdoc IBatchVerifier
    function proofSystem() external pure returns (ProofSystem) {
        return ProofSystem.Groth16;
    }

    /// @notice The generated verifier behind this adapter.
    function verifier() external view returns (address) {
        return address(_verifier);
    }

    /// @inheritdoc IBatchVerifier
    function verify(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) external view returns (bool) {
        _checkLength(proof, PROOF_LENGTH);
        if (!_canonical(publicSignals)) return false;
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = abi.decode(
            proof,
            (uint256[2], uint256[2][2], uint256[2])
        );
        return _verifier.verifyProof(a, b, c, publicSignals);
    }
}

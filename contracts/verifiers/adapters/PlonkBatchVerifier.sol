// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {BatchVerifierBase} from "./BatchVerifierBase.sol";
import {IPlonkVerifier11} from "../../interfaces/ISnarkjsVerifiers.sol";

/// @title PlonkBatchVerifier
/// @notice IBatchVerifier over a snarkjs PLONK verifier. Proof bytes: `abi.encode(uint256[24])`.
contract PlonkBatchVerifier is BatchVerifierBase {
    uint256 private constant PROOF_LENGTH = 24 * 32;
    IPlonkVerifier11 private immutable _verifier;

    constructor(address verifier_) {
        _verifier = IPlonkVerifier11(verifier_);
    }

    /// @inheritdoc IBatchVerifier
    function proofSystem() external pure returns (ProofSystem) {
        return ProofSystem.Plonk;
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
        return _verifier.verifyProof(abi.decode(proof, (uint256[24])), publicSignals);
    }
}

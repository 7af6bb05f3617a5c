// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {IPlonkVerifier11} from "../../interfaces/ISnarkjsVerifiers.sol";
import {BatchVerifierBase} from "./BatchVerifierBase.sol";

/// @title PlonkBatchVerifier
/// @notice IBatchVerifier over a snarkjs PLONK verifier. Proof bytes: `abi.encode(uint256[24])`.
contract PlonkBatchVerifier is BatchVerifierBase {
    constructor(address verifier_) BatchVerifierBase(verifier_, 24 * 32) {}

    /// @inheritdoc IBatchVerifier
    function proofSystem() external pure returns (ProofSystem) {
        return ProofSystem.Plonk;
    }

    function _verifyProof(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) internal view override returns (bool) {
        return IPlonkVerifier11(_VERIFIER).verifyProof(abi.decode(proof, (uint256[24])), publicSignals);
    }
}

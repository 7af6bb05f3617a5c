// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {IFflonkVerifier11} from "../../interfaces/ISnarkjsVerifiers.sol";
import {BatchVerifierBase} from "./BatchVerifierBase.sol";

/// @title FflonkBatchVerifier
/// @notice IBatchVerifier over a snarkjs FFLONK verifier. Proof bytes: `abi.encode(bytes32[24])`.
contract FflonkBatchVerifier is BatchVerifierBase {
    constructor(address verifier_) BatchVerifierBase(verifier_, 24 * 32) {}

    /// @inheritdoc IBatchVerifier
    function proofSystem() external pure returns (ProofSystem) {
        return ProofSystem.Fflonk;
    }

    function _verifyProof(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) internal view override returns (bool) {
        return IFflonkVerifier11(_VERIFIER).verifyProof(abi.decode(proof, (bytes32[24])), publicSignals);
    }
}

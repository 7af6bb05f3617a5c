// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {BatchVerifierBase} from "./BatchVerifierBase.sol";
import {IFflonkVerifier11} from "../../interfaces/ISnarkjsVerifiers.sol";

/// @title FflonkBatchVerifier
/// @notice IBatchVerifier over a snarkjs FFLONK verifier. Proof bytes: `abi.encode(bytes32[24])`.
contract FflonkBatchVerifier is BatchVerifierBase {
    uint256 private constant PROOF_LENGTH = 24 * 32;
    IFflonkVerifier11 private immutable _verifier;

    constructor(address verifier_) {
        _verifier = IFflonkVerifier11(verifier_);
    }

    /// @inheritdoc IBatchVerifier
    function proofSystem() external pure returns (ProofSystem) {
        return ProofSystem.Fflonk;
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
        return _verifier.verifyProof(abi.decode(proof, (bytes32[24])), publicSignals);
    }
}

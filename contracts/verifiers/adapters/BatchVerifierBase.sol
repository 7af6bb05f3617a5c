// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier} from "../../interfaces/IBatchVerifier.sol";

/// @notice What the three adapters share: the generated verifier they wrap, the proof-length
/// check and the rejection of non-canonical public signals. Each adapter decodes its proof
/// and calls its verifier in `_verifyProof`.
abstract contract BatchVerifierBase is IBatchVerifier {
    /// @dev The BN254 scalar field modulus.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    address internal immutable _VERIFIER;
    uint256 private immutable _proofLength;

    constructor(address verifier_, uint256 proofLength_) {
        _VERIFIER = verifier_;
        _proofLength = proofLength_;
    }

    /// @notice The generated verifier behind this adapter.
    function verifier() external view returns (address) {
        return _VERIFIER;
    }

    /// @inheritdoc IBatchVerifier
    function verify(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) external view returns (bool) {
        if (proof.length != _proofLength) revert MalformedProof(_proofLength, proof.length);
        // A signal at or above r would alias another one.
        for (uint256 i = 0; i < BATCH_PUBLIC_SIGNALS; ++i) {
            if (publicSignals[i] >= SNARK_SCALAR_FIELD) return false;
        }
        return _verifyProof(publicSignals, proof);
    }

    /// @dev Decodes `proof` (of the checked length) and asks the generated verifier.
    function _verifyProof(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) internal view virtual returns (bool);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../../interfaces/IBatchVerifier.sol";

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

/// @title Groth16BatchVerifier
/// @notice IBatchVerifier over a snarkjs Groth16 verifier. Proof bytes:
/// `abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c)` (snarkjs's calldata order,
/// b's coordinates already swapped as snarkjs exports them).
/// @dev Groth16 proofs are malleable (a proof can be re-randomised into another valid proof
/// of the same statement); replay protection belongs to the settlement contract, which
/// accepts one proof per batch.
contract Groth16BatchVerifier is BatchVerifierBase {
    uint256 private constant PROOF_LENGTH = 8 * 32;
    IGroth16Verifier11Like private immutable _verifier;

    constructor(address verifier_) {
        _verifier = IGroth16Verifier11Like(verifier_);
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

/// @title PlonkBatchVerifier
/// @notice IBatchVerifier over a snarkjs PLONK verifier. Proof bytes: `abi.encode(uint256[24])`.
contract PlonkBatchVerifier is BatchVerifierBase {
    uint256 private constant PROOF_LENGTH = 24 * 32;
    IPlonkVerifier11Like private immutable _verifier;

    constructor(address verifier_) {
        _verifier = IPlonkVerifier11Like(verifier_);
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

/// @title FflonkBatchVerifier
/// @notice IBatchVerifier over a snarkjs FFLONK verifier. Proof bytes: `abi.encode(bytes32[24])`.
contract FflonkBatchVerifier is BatchVerifierBase {
    uint256 private constant PROOF_LENGTH = 24 * 32;
    IFflonkVerifier11Like private immutable _verifier;

    constructor(address verifier_) {
        _verifier = IFflonkVerifier11Like(verifier_);
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

/// @dev The generated verifiers take memory-compatible arguments through an external call.
interface IGroth16Verifier11Like {
    function verifyProof(
        uint256[2] memory pA,
        uint256[2][2] memory pB,
        uint256[2] memory pC,
        uint256[BATCH_PUBLIC_SIGNALS] memory pubSignals
    ) external view returns (bool);
}

interface IPlonkVerifier11Like {
    function verifyProof(
        uint256[24] memory proof,
        uint256[BATCH_PUBLIC_SIGNALS] memory pubSignals
    ) external view returns (bool);
}

interface IFflonkVerifier11Like {
    function verifyProof(
        bytes32[24] memory proof,
        uint256[BATCH_PUBLIC_SIGNALS] memory pubSignals
    ) external view returns (bool);
}

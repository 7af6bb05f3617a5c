// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Number of public signals of a batch proof (DESIGN.md §3): domain, oldStateRoot,
// newStateRoot, opsChainFrom, opsChainTo, messagesHash, totalUnits, prover, minInterval,
// maxUnits, rewardRate.
uint256 constant BATCH_PUBLIC_SIGNALS = 11;

// The proof systems the kit builds verifiers for.
enum ProofSystem {
    Groth16,
    Plonk,
    Fflonk
}

/// @title IBatchVerifier
/// @notice Verifies a batch proof against its public signals. Every proof system's
/// verifier is used through this interface; the snarkjs-generated contracts sit behind
/// adapters.
interface IBatchVerifier {
    /// @notice Thrown when the proof bytes do not have the system's encoding length.
    error MalformedProof(uint256 expectedLength, uint256 actualLength);

    /// @notice The proof system this verifier checks.
    function proofSystem() external view returns (ProofSystem);

    /// @notice Whether `proof` proves the circuit's statement for `publicSignals`. A signal at
    /// or above the BN254 scalar field modulus makes it false.
    /// @param publicSignals the signals in DESIGN.md §3's order.
    /// @param proof the proof, ABI-encoded as the system's adapter documents.
    function verify(
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) external view returns (bool);
}

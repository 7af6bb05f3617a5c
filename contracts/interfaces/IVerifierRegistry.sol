// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "./IBatchVerifier.sol";

/// @title IVerifierRegistry
/// @notice Circuit id × proof system → verifier. A project names its circuit in its settings;
/// a prover names the proof system when it settles. Registering a verifier for a new pair is
/// immediate (owner only); replacing or retiring a live one is time-locked: proposed, then
/// executable after `changeDelay` seconds, so that projects and provers can react.
interface IVerifierRegistry {
    /// @notice A pending replacement of a live verifier.
    struct PendingChange {
        IBatchVerifier verifier;
        uint64 executableAt;
    }

    /// @notice Emitted when a verifier is registered for a new (circuit, system) pair.
    event VerifierRegistered(bytes32 indexed circuitId, ProofSystem indexed system, IBatchVerifier verifier);

    /// @notice Emitted when a replacement (zero: retirement) of a live verifier is proposed.
    event VerifierChangeProposed(
        bytes32 indexed circuitId,
        ProofSystem indexed system,
        IBatchVerifier verifier,
        uint64 executableAt
    );

    /// @notice Emitted when a proposed change is cancelled.
    event VerifierChangeCancelled(bytes32 indexed circuitId, ProofSystem indexed system);

    /// @notice Emitted when a proposed change takes effect.
    event VerifierChanged(
        bytes32 indexed circuitId,
        ProofSystem indexed system,
        IBatchVerifier previous,
        IBatchVerifier verifier
    );

    /// @notice Thrown when registering over a live verifier (propose a change instead).
    error VerifierAlreadyRegistered(bytes32 circuitId, ProofSystem system);

    /// @notice Thrown when a (circuit, system) pair has no verifier.
    error UnknownVerifier(bytes32 circuitId, ProofSystem system);

    /// @notice Thrown when registering the zero address.
    error ZeroVerifier();

    /// @notice Thrown when a verifier reports another proof system than it is registered for.
    error ProofSystemMismatch(ProofSystem expected, ProofSystem actual);

    /// @notice Thrown when executing or cancelling a change that was not proposed.
    error NoPendingChange(bytes32 circuitId, ProofSystem system);

    /// @notice Thrown when executing a change before its delay has passed.
    error ChangeNotReady(uint64 executableAt);

    /// @notice Registers the first verifier of a (circuit, system) pair. Owner only.
    function register(bytes32 circuitId, ProofSystem system, IBatchVerifier verifier) external;

    /// @notice Proposes replacing (or, with zero, retiring) a live verifier. Owner only.
    function proposeChange(bytes32 circuitId, ProofSystem system, IBatchVerifier verifier) external;

    /// @notice Applies a proposed change after its delay. Anyone may call it.
    function executeChange(bytes32 circuitId, ProofSystem system) external;

    /// @notice Drops a proposed change. Owner only.
    function cancelChange(bytes32 circuitId, ProofSystem system) external;

    /// @notice The live verifier of a pair (zero if none).
    function verifierOf(bytes32 circuitId, ProofSystem system) external view returns (IBatchVerifier);

    /// @notice The pending change of a pair (zero verifier and time if none).
    function pendingChange(
        bytes32 circuitId,
        ProofSystem system
    ) external view returns (PendingChange memory);

    /// @notice The delay, in seconds, between proposing and executing a change.
    function changeDelay() external view returns (uint64);

    /// @notice Verifies a proof with the pair's live verifier; reverts if there is none.
    function verify(
        bytes32 circuitId,
        ProofSystem system,
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) external view returns (bool);
}

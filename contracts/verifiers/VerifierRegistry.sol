// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

import {BATCH_PUBLIC_SIGNALS, IBatchVerifier, ProofSystem} from "../interfaces/IBatchVerifier.sol";
import {IVerifierRegistry} from "../interfaces/IVerifierRegistry.sol";

/// @title VerifierRegistry
/// @notice See {IVerifierRegistry}.
contract VerifierRegistry is Ownable2Step, IVerifierRegistry {
    uint64 private immutable _changeDelay;

    mapping(bytes32 circuitId => mapping(ProofSystem system => IBatchVerifier)) private _verifiers;
    mapping(bytes32 circuitId => mapping(ProofSystem system => PendingChange)) private _pending;

    /// @param owner_ who registers verifiers and proposes changes.
    /// @param changeDelay_ seconds between proposing a change to a live verifier and applying it.
    constructor(address owner_, uint64 changeDelay_) Ownable(owner_) {
        _changeDelay = changeDelay_;
    }

    /// @inheritdoc IVerifierRegistry
    function register(bytes32 circuitId, ProofSystem system, IBatchVerifier verifier) external onlyOwner {
        // A live verifier changes only through the time lock.
        if (address(_verifiers[circuitId][system]) != address(0)) {
            revert VerifierAlreadyRegistered(circuitId, system);
        }
        _checkVerifier(system, verifier);
        _verifiers[circuitId][system] = verifier;
        emit VerifierRegistered(circuitId, system, verifier);
    }

    /// @inheritdoc IVerifierRegistry
    function proposeChange(
        bytes32 circuitId,
        ProofSystem system,
        IBatchVerifier verifier
    ) external onlyOwner {
        if (address(_verifiers[circuitId][system]) == address(0)) revert UnknownVerifier(circuitId, system);
        if (address(verifier) != address(0)) _checkVerifier(system, verifier);
        uint64 executableAt = uint64(block.timestamp) + _changeDelay;
        _pending[circuitId][system] = PendingChange(verifier, executableAt);
        emit VerifierChangeProposed(circuitId, system, verifier, executableAt);
    }

    /// @inheritdoc IVerifierRegistry
    function executeChange(bytes32 circuitId, ProofSystem system) external {
        PendingChange memory change = _pending[circuitId][system];
        if (change.executableAt == 0) revert NoPendingChange(circuitId, system);
        if (block.timestamp < change.executableAt) revert ChangeNotReady(change.executableAt);
        IBatchVerifier previous = _verifiers[circuitId][system];
        delete _pending[circuitId][system];
        _verifiers[circuitId][system] = change.verifier;
        emit VerifierChanged(circuitId, system, previous, change.verifier);
    }

    /// @inheritdoc IVerifierRegistry
    function cancelChange(bytes32 circuitId, ProofSystem system) external onlyOwner {
        if (_pending[circuitId][system].executableAt == 0) revert NoPendingChange(circuitId, system);
        delete _pending[circuitId][system];
        emit VerifierChangeCancelled(circuitId, system);
    }

    /// @inheritdoc IVerifierRegistry
    function verifierOf(bytes32 circuitId, ProofSystem system) external view returns (IBatchVerifier) {
        return _verifiers[circuitId][system];
    }

    /// @inheritdoc IVerifierRegistry
    function pendingChange(
        bytes32 circuitId,
        ProofSystem system
    ) external view returns (PendingChange memory) {
        return _pending[circuitId][system];
    }

    /// @inheritdoc IVerifierRegistry
    function changeDelay() external view returns (uint64) {
        return _changeDelay;
    }

    /// @inheritdoc IVerifierRegistry
    function verify(
        bytes32 circuitId,
        ProofSystem system,
        uint256[BATCH_PUBLIC_SIGNALS] calldata publicSignals,
        bytes calldata proof
    ) external view returns (bool) {
        IBatchVerifier verifier = _verifiers[circuitId][system];
        if (address(verifier) == address(0)) revert UnknownVerifier(circuitId, system);
        return verifier.verify(publicSignals, proof);
    }

    function _checkVerifier(ProofSystem system, IBatchVerifier verifier) private view {
        if (address(verifier) == address(0)) revert ZeroVerifier();
        ProofSystem actual = verifier.proofSystem();
        if (actual != system) revert ProofSystemMismatch(system, actual);
    }
}

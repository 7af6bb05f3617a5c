// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardReceiver} from "./IRewardReceiver.sol";

/// @title IStateRootLog
/// @notice The minimal reward receiver: keeps every state root that was current and what
/// settled batches owe each project's reward pool, from the BatchManager only.
interface IStateRootLog is IRewardReceiver {
    event StateRootRecorded(
        uint256 indexed projectId,
        uint256 indexed batchId,
        uint256 stateRoot,
        uint256 amountOwed
    );
    event BatchManagerSet(address batchManager);

    error NotBatchManager(address account);
    error BatchManagerAlreadySet();

    /// @notice Wires the BatchManager, once (deploy scripts).
    function setBatchManager(address batchManager) external;

    /// @notice Whether `stateRoot` was ever current for the project.
    function wasCurrent(uint256 projectId, uint256 stateRoot) external view returns (bool);

    /// @notice The latest state root of the project (0 before its first settlement).
    function currentRoot(uint256 projectId) external view returns (uint256);

    /// @notice Σ totalUnits × rewardRate over the project's settled batches.
    function totalOwed(uint256 projectId) external view returns (uint256);
}

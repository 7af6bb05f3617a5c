// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IRewardReceiver
/// @notice Receives every proven state root of every project, and what the settled batch
/// owes to the project's reward pool. Implemented by the incentive layer.
interface IRewardReceiver {
    /// @notice Called by the BatchManager for every settled batch.
    /// @param amountOwed `totalUnits × rewardRate`, the rate recorded when the batch was submitted.
    function onStateRoot(uint256 projectId, uint256 batchId, uint256 stateRoot, uint256 amountOwed) external;
}

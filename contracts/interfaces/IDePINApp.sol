// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDePINApp
/// @notice A project's application hook, called by the BatchManager after each settlement
/// with a capped amount of gas. A hook that reverts or runs out of gas does not stop the
/// settlement; the BatchManager emits `AppHookFailed` instead.
interface IDePINApp {
    /// @notice Called once per settled batch.
    function onBatchSettled(
        uint256 projectId,
        uint256 batchId,
        uint256 stateRoot,
        uint256 totalUnits
    ) external;
}

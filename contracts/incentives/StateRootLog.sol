// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRewardReceiver} from "../interfaces/IRewardReceiver.sol";
import {IStateRootLog} from "../interfaces/IStateRootLog.sol";

/// @title StateRootLog
/// @notice See {IStateRootLog}. The incentive layer's RewardDistributor will take its place.
contract StateRootLog is IStateRootLog {
    address private immutable _deployer;
    address private _batchManager;
    mapping(uint256 projectId => mapping(uint256 stateRoot => bool)) private _wasCurrent;
    mapping(uint256 projectId => uint256) private _current;
    mapping(uint256 projectId => uint256) private _owed;

    constructor() {
        _deployer = msg.sender;
    }

    /// @inheritdoc IStateRootLog
    function setBatchManager(address batchManager) external {
        if (msg.sender != _deployer) revert NotBatchManager(msg.sender);
        if (_batchManager != address(0)) revert BatchManagerAlreadySet();
        _batchManager = batchManager;
        emit BatchManagerSet(batchManager);
    }

    /// @inheritdoc IRewardReceiver
    function onStateRoot(uint256 projectId, uint256 batchId, uint256 stateRoot, uint256 amountOwed) external {
        if (msg.sender != _batchManager) revert NotBatchManager(msg.sender);
        _wasCurrent[projectId][stateRoot] = true;
        _current[projectId] = stateRoot;
        _owed[projectId] += amountOwed;
        emit StateRootRecorded(projectId, batchId, stateRoot, amountOwed);
    }

    /// @inheritdoc IStateRootLog
    function wasCurrent(uint256 projectId, uint256 stateRoot) external view returns (bool) {
        return _wasCurrent[projectId][stateRoot];
    }

    /// @inheritdoc IStateRootLog
    function currentRoot(uint256 projectId) external view returns (uint256) {
        return _current[projectId];
    }

    /// @inheritdoc IStateRootLog
    function totalOwed(uint256 projectId) external view returns (uint256) {
        return _owed[projectId];
    }
}

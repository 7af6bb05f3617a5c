// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDePINApp} from "../interfaces/IDePINApp.sol";

/// @notice An app hook that records what it hears.
contract RecordingApp is IDePINApp {
    uint256 public calls;
    uint256 public lastStateRoot;

    function onBatchSettled(uint256, uint256, uint256 stateRoot, uint256) external {
        ++calls;
        lastStateRoot = stateRoot;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDePINApp} from "../interfaces/IDePINApp.sol";

/// @notice An app hook that burns all the gas it is given.
contract GasHungryApp is IDePINApp {
    uint256 public sink;

    function onBatchSettled(uint256, uint256, uint256, uint256) external {
        while (true) ++sink;
    }
}

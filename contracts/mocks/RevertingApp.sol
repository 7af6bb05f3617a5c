// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IDePINApp} from "../interfaces/IDePINApp.sol";

/// @notice An app hook that always reverts.
contract RevertingApp is IDePINApp {
    error Nope();

    function onBatchSettled(uint256, uint256, uint256, uint256) external pure {
        revert Nope();
    }
}

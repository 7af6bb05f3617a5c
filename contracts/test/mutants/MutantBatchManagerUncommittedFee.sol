// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchManager} from "../../settlement/BatchManager.sol";

/// @notice Test-only mutant (never deployed by deploy/): commits no fee for a new batch, so
/// the escrow no longer covers open batches (the owner can withdraw their fees). Caught by
/// FEE_ESCROW_COVERS_OPEN_BATCHES in test/invariants/settlement-rewards.invariants.test.ts.
contract MutantBatchManagerUncommittedFee is BatchManager {
    constructor(Config memory config) BatchManager(config) {}

    function _commitFee(uint256 projectId, uint256) internal override {
        super._commitFee(projectId, 0);
    }
}

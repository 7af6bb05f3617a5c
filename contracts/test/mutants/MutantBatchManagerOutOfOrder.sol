// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchManager} from "../../settlement/BatchManager.sol";

/// @notice Test-only mutant (never deployed by deploy/): only rejects sequences already
/// settled, so a later batch settles before an earlier open one. Caught by
/// BATCHES_SETTLE_IN_ORDER_ONCE in test/invariants/settlement-rewards.invariants.test.ts.
contract MutantBatchManagerOutOfOrder is BatchManager {
    constructor(Config memory config) BatchManager(config) {}

    function _checkOrder(
        Batch storage b,
        ProjectState storage state,
        uint256 batchId
    ) internal view override {
        if (b.sequence <= state.settledThrough)
            revert OutOfOrder(batchId, b.sequence, state.settledThrough + 1);
    }
}

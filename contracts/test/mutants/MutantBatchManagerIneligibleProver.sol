// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BatchManager} from "../../settlement/BatchManager.sol";

/// @notice Test-only mutant (never deployed by deploy/): draws from a fixed roster of provers
/// instead of the pool's eligible stake, so a paused or under-staked prover gets batches.
/// Caught by ASSIGNED_PROVER_WAS_ELIGIBLE in test/invariants/settlement-rewards.invariants.test.ts.
contract MutantBatchManagerIneligibleProver is BatchManager {
    address[] private _roster;

    constructor(Config memory config, address[] memory roster) BatchManager(config) {
        _roster = roster;
    }

    function _draw(uint256 batchId, uint256 attempt) internal view override returns (address) {
        uint256 seed = uint256(keccak256(abi.encode(block.prevrandao, batchId, attempt)));
        return _roster[seed % _roster.length];
    }
}

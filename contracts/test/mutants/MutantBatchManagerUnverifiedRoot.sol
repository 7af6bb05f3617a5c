// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProofSystem} from "../../interfaces/IBatchVerifier.sol";
import {BatchManager} from "../../settlement/BatchManager.sol";

/// @notice Test-only mutant (never deployed by deploy/): builds the public signals but never
/// asks the verifier, so a rejected proof moves the state root. Caught by
/// ROOT_CHANGES_ONLY_BY_VERIFIED_SETTLE in test/invariants/settlement-rewards.invariants.test.ts.
contract MutantBatchManagerUnverifiedRoot is BatchManager {
    constructor(Config memory config) BatchManager(config) {}

    function _verify(
        Batch storage,
        ProjectState storage,
        uint256 batchId,
        uint256 newStateRoot,
        uint256 totalUnits,
        ProofSystem,
        bytes calldata
    ) internal view override {
        this.publicSignals(batchId, newStateRoot, totalUnits, msg.sender);
    }
}

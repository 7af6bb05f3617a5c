// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {RewardDistributor} from "../../incentives/RewardDistributor.sol";
import {IDeviceRegistry} from "../../interfaces/IDeviceRegistry.sol";

/// @notice Test-only mutant (never deployed by deploy/): pays a claim in full even when the
/// pool holds less, so Σ paid exceeds Σ funded. Caught by REWARDS_BUDGET in
/// test/invariants/settlement-rewards.invariants.test.ts.
contract MutantRewardDistributorOverBudget is RewardDistributor {
    constructor(IERC721 projects, IDeviceRegistry devices) RewardDistributor(projects, devices) {}

    function _capped(uint256 claimable, uint256) internal pure override returns (uint256) {
        return claimable;
    }
}

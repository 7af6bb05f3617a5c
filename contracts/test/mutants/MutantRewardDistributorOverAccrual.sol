// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

import {RewardDistributor} from "../../incentives/RewardDistributor.sol";
import {IDeviceRegistry} from "../../interfaces/IDeviceRegistry.sol";

/// @notice Test-only mutant (never deployed by deploy/): pays a device its whole accrual on
/// every claim, not the part still unpaid, so a device is paid more than it accrued. Caught by
/// REWARDS_BUDGET in test/invariants/settlement-rewards.invariants.test.ts.
contract MutantRewardDistributorOverAccrual is RewardDistributor {
    constructor(IERC721 projects, IDeviceRegistry devices) RewardDistributor(projects, devices) {}

    function _unpaid(uint256 accruedReward, uint256) internal pure override returns (uint256) {
        return accruedReward;
    }
}

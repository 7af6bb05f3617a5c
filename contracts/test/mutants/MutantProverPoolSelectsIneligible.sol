// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ProverPool} from "../../staking/ProverPool.sol";

/// @title MutantProverPoolSelectsIneligible
/// @notice TEST ONLY, never deployed: a deliberately broken ProverPool that the invariant suite
/// (SELECTION_ONLY_ELIGIBLE in test/invariants/identity-staking.invariants.test.ts) must catch. Selection
/// weighs raw stake, so a paused prover or one below the minimum stake can be drawn.
contract MutantProverPoolSelectsIneligible is ProverPool {
    constructor(
        address owner_,
        IERC20 asset_,
        uint256 minStake_,
        uint64 unbondingPeriod_,
        uint256 beneficiaryBps_,
        address treasury_,
        uint256 capacity_
    ) ProverPool(owner_, asset_, minStake_, unbondingPeriod_, beneficiaryBps_, treasury_, capacity_) {}

    /// @dev The bug: neither the pause nor the minimum stake is applied.
    function _weight(Prover storage p) internal view override returns (uint256) {
        return p.stake;
    }
}

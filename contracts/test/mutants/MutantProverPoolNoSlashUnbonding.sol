// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ProverPool} from "../../staking/ProverPool.sol";

/// @title MutantProverPoolNoSlashUnbonding
/// @notice TEST ONLY, never deployed: a deliberately broken ProverPool that the invariant suite
/// (UNBONDING_STAYS_SLASHABLE in test/invariants/identity-staking.invariants.test.ts) must catch. A slash
/// takes only active stake: a prover escapes a slash by requesting to unstake first.
contract MutantProverPoolNoSlashUnbonding is ProverPool {
    constructor(
        address owner_,
        IERC20 asset_,
        uint256 minStake_,
        uint64 unbondingPeriod_,
        uint256 beneficiaryBps_,
        address treasury_,
        uint256 capacity_
    ) ProverPool(owner_, asset_, minStake_, unbondingPeriod_, beneficiaryBps_, treasury_, capacity_) {}

    /// @dev The bug: a slash takes only active stake.
    function _deduct(Prover storage p, uint256 amount) internal override returns (uint256 fromStake) {
        fromStake = amount < p.stake ? amount : p.stake;
        p.stake -= uint128(fromStake);
    }
}

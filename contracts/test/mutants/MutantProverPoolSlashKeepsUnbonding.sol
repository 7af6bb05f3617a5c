// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {ProverPool} from "../../staking/ProverPool.sol";

/// @title MutantProverPoolSlashKeepsUnbonding
/// @notice TEST ONLY, never deployed: a deliberately broken ProverPool that the invariant suite
/// (POOL_STAKE_CONSERVED in test/invariants/identity-staking.invariants.test.ts) must catch. A slash pays
/// out the unbonding share but leaves it in the queue, so the prover withdraws it again, out of the other
/// provers' stake: the pool owes more than it holds.
contract MutantProverPoolSlashKeepsUnbonding is ProverPool {
    constructor(
        address owner_,
        IERC20 asset_,
        uint256 minStake_,
        uint64 unbondingPeriod_,
        uint256 beneficiaryBps_,
        address treasury_,
        uint256 capacity_
    ) ProverPool(owner_, asset_, minStake_, unbondingPeriod_, beneficiaryBps_, treasury_, capacity_) {}

    /// @dev The bug: `p.unbonding` is never decremented.
    function _deduct(Prover storage p, uint256 amount) internal override returns (uint256) {
        uint256 fromStake = amount < p.stake ? amount : p.stake;
        p.stake -= uint128(fromStake);
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < p.unbonding ? rest : p.unbonding;
        return fromStake + fromUnbonding;
    }
}

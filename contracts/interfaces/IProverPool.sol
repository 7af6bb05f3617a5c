// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title IProverPool
/// @notice The kit's modular security pool (after IoTeX's MSP): provers stake an ERC-20
/// (WIOTX on IoTeX), are drawn to prove batches in proportion to their selection weight,
/// and are slashed when late. Unstaking goes through an unbonding period during which the
/// stake stays slashable.
/// @dev Selection reads `weightOf`, not raw stake, so that weights over several assets
/// (multi-asset restaking) can be introduced without changing how consumers select.
interface IProverPool {
    /// @notice A prover's position.
    /// @param stake active stake (counts for selection when eligible).
    /// @param unbonding stake requested for withdrawal, still slashable.
    /// @param unbondingEndsAt when `unbonding` can be withdrawn.
    /// @param paused whether the prover took itself out of selection.
    /// @param slot the prover's place in the selection tree (1-based); 0 while its active
    /// stake is below the minimum. Slots are freed when the stake falls below it and reused.
    struct Prover {
        uint128 stake;
        uint128 unbonding;
        uint64 unbondingEndsAt;
        bool paused;
        uint32 slot;
    }

    /// @notice Emitted when `prover` adds `amount` to its active stake.
    event Staked(address indexed prover, uint256 amount, uint256 stake);

    /// @notice Emitted when `prover` moves `amount` into unbonding until `availableAt`.
    event UnstakeRequested(address indexed prover, uint256 amount, uint256 unbonding, uint64 availableAt);

    /// @notice Emitted when `prover` withdraws its unbonded stake.
    event Withdrawn(address indexed prover, uint256 amount);

    /// @notice Emitted when a slasher takes `amount` from `prover`.
    event Slashed(
        address indexed prover,
        address indexed slasher,
        address indexed beneficiary,
        uint256 amount,
        uint256 toBeneficiary,
        uint256 toTreasury
    );

    /// @notice Emitted when `prover`'s active stake reaches the minimum and it takes `slot`.
    event SlotAssigned(address indexed prover, uint256 slot);

    /// @notice Emitted when `prover`'s active stake falls below the minimum and `slot` is freed.
    event SlotReleased(address indexed prover, uint256 slot);

    /// @notice Emitted when a prover pauses or resumes its participation in selection.
    event ProverPauseSet(address indexed prover, bool paused);

    /// @notice Emitted when the owner authorises or revokes a slasher.
    event SlasherSet(address indexed slasher, bool allowed);

    /// @notice Thrown for a zero amount.
    error ZeroAmount();

    /// @notice Thrown when unstaking more than the active stake.
    error InsufficientStake(uint256 available, uint256 requested);

    /// @notice Thrown when withdrawing with nothing unbonded.
    error NothingToWithdraw(address prover);

    /// @notice Thrown when withdrawing before the unbonding period ends.
    error UnbondingNotFinished(uint64 availableAt);

    /// @notice Thrown when `account` calls `slash` without being a slasher.
    error NotSlasher(address account);

    /// @notice Thrown when selecting with no eligible stake.
    error NoEligibleProver();

    /// @notice Thrown when every slot is held by a prover with at least the minimum stake.
    error PoolFull(uint256 capacity);

    /// @notice Thrown when pausing a paused prover or resuming a running one.
    error PauseUnchanged(address prover, bool paused);

    /// @notice Thrown at deployment for bad parameters.
    error InvalidParameters();

    /// @notice Adds `amount` of the staking asset (transferred from the caller) to its stake.
    /// A prover takes one of the pool's slots (and becomes drawable) once its active stake
    /// reaches the minimum; below it, the stake is held without a slot.
    function stake(uint256 amount) external;

    /// @notice Moves `amount` of active stake into unbonding; restarts the unbonding period.
    /// Falling below the minimum gives the prover's slot back to the pool.
    function requestUnstake(uint256 amount) external;

    /// @notice Withdraws everything unbonded once the period is over.
    function withdraw() external returns (uint256 amount);

    /// @notice Takes the caller out of selection (its stake stays, and stays slashable).
    function pause() external;

    /// @notice Puts the caller back into selection.
    function unpause() external;

    /// @notice Takes up to `amount` from `prover` (active stake first, then unbonding) and
    /// splits it between `beneficiary` and the treasury. Authorised slashers only.
    /// @return slashed what was taken (less than `amount` if the prover had less).
    function slash(address prover, uint256 amount, address beneficiary) external returns (uint256 slashed);

    /// @notice Authorises or revokes a slasher (the BatchManager). Owner only.
    function setSlasher(address slasher, bool allowed) external;

    /// @notice Draws an eligible prover with probability proportional to its weight, in
    /// O(log capacity) reads (a Fenwick tree over prover slots).
    function selectProver(uint256 seed) external view returns (address);

    /// @notice Slots held by provers with at least the minimum stake.
    function slotsInUse() external view returns (uint256);

    /// @notice The number of slots (provers that can be drawn at once).
    function capacity() external view returns (uint256);

    /// @notice The asset staked.
    function asset() external view returns (IERC20);

    /// @notice A prover's position.
    function proverOf(address prover) external view returns (Prover memory);

    /// @notice A prover's selection weight: its active stake if eligible, else 0.
    function weightOf(address prover) external view returns (uint256);

    /// @notice The sum of all selection weights.
    function totalWeight() external view returns (uint256);

    /// @notice Where the treasury share of slashes goes.
    function treasury() external view returns (address);

    /// @notice Whether `account` may slash.
    function isSlasher(address account) external view returns (bool);
}

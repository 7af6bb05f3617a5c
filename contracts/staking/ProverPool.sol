// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IProverPool} from "../interfaces/IProverPool.sol";

/// @title ProverPool
/// @notice See {IProverPool}.
contract ProverPool is Ownable2Step, ReentrancyGuard, IProverPool {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    uint256 private constant BPS = 10_000;

    IERC20 private immutable _asset;
    uint256 private immutable _minStake;
    uint64 private immutable _unbondingPeriod;
    /// @dev Share of a slash paid to the beneficiary, in basis points; the rest to the treasury.
    uint256 private immutable _beneficiaryBps;
    address private immutable _treasury;
    /// @dev Number of prover slots: a power of two, the size of the Fenwick tree.
    uint256 private immutable _capacity;

    mapping(address prover => Prover) private _provers;
    mapping(uint256 slot => address prover) private _slotOwner;
    /// @dev Fenwick (binary indexed) tree over slots 1..capacity of selection weights.
    mapping(uint256 index => uint256 partialSum) private _tree;
    mapping(address account => bool) private _slashers;
    /// @dev Slots given back by provers whose stake fell below the minimum, reused first.
    uint32[] private _freeSlots;
    /// @dev Slots ever handed out (the highest slot number in use or free).
    uint256 private _slotCount;
    uint256 private _totalWeight;

    constructor(
        address owner_,
        IERC20 asset_,
        uint256 minStake_,
        uint64 unbondingPeriod_,
        uint256 beneficiaryBps_,
        address treasury_,
        uint256 capacity_
    ) Ownable(owner_) {
        // The Fenwick search walks powers of two down from the capacity.
        if (
            address(asset_) == address(0) ||
            minStake_ == 0 ||
            beneficiaryBps_ > BPS ||
            treasury_ == address(0) ||
            capacity_ == 0 ||
            capacity_ & (capacity_ - 1) != 0
        ) revert InvalidParameters();
        _asset = asset_;
        _minStake = minStake_;
        _unbondingPeriod = unbondingPeriod_;
        _beneficiaryBps = beneficiaryBps_;
        _treasury = treasury_;
        _capacity = capacity_;
    }

    /// @inheritdoc IProverPool
    function stake(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Prover storage p = _provers[msg.sender];
        uint256 before = _weight(p);
        p.stake += amount.toUint128();
        // Only a stake of at least the minimum takes one of the pool's slots: dust cannot
        // fill the pool and lock out honest provers.
        if (p.slot == 0 && p.stake >= _minStake) _takeSlot(p, msg.sender);
        _reweigh(p, before);
        _asset.safeTransferFrom(msg.sender, address(this), amount);
        emit Staked(msg.sender, amount, p.stake);
    }

    /// @inheritdoc IProverPool
    function requestUnstake(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Prover storage p = _provers[msg.sender];
        if (amount > p.stake) revert InsufficientStake(p.stake, amount);
        uint256 before = _weight(p);
        p.stake -= uint128(amount);
        p.unbonding += uint128(amount);
        // Adding to the queue restarts its clock: what is unbonding stays slashable the
        // full period after the last request.
        p.unbondingEndsAt = uint64(block.timestamp) + _unbondingPeriod;
        _reweigh(p, before);
        _releaseSlotIfBelowMinimum(p, msg.sender);
        emit UnstakeRequested(msg.sender, amount, p.unbonding, p.unbondingEndsAt);
    }

    /// @inheritdoc IProverPool
    function withdraw() external nonReentrant returns (uint256 amount) {
        Prover storage p = _provers[msg.sender];
        amount = p.unbonding;
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        if (block.timestamp < p.unbondingEndsAt) revert UnbondingNotFinished(p.unbondingEndsAt);
        p.unbonding = 0;
        _asset.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @inheritdoc IProverPool
    function pause() external {
        _setPaused(true);
    }

    /// @inheritdoc IProverPool
    function unpause() external {
        _setPaused(false);
    }

    /// @inheritdoc IProverPool
    function slash(
        address prover,
        uint256 amount,
        address beneficiary
    ) external nonReentrant returns (uint256 slashed) {
        if (!_slashers[msg.sender]) revert NotSlasher(msg.sender);
        Prover storage p = _provers[prover];
        uint256 before = _weight(p);
        slashed = _deduct(p, amount);
        _reweigh(p, before);
        _releaseSlotIfBelowMinimum(p, prover);
        uint256 toBeneficiary = (slashed * _beneficiaryBps) / BPS;
        uint256 toTreasury = slashed - toBeneficiary;
        if (toBeneficiary > 0) _asset.safeTransfer(beneficiary, toBeneficiary);
        if (toTreasury > 0) _asset.safeTransfer(_treasury, toTreasury);
        emit Slashed(prover, msg.sender, beneficiary, slashed, toBeneficiary, toTreasury);
    }

    /// @inheritdoc IProverPool
    function setSlasher(address slasher, bool allowed) external onlyOwner {
        _slashers[slasher] = allowed;
        emit SlasherSet(slasher, allowed);
    }

    /// @inheritdoc IProverPool
    function selectProver(uint256 seed) external view returns (address) {
        uint256 total = _totalWeight;
        if (total == 0) revert NoEligibleProver();
        uint256 target = seed % total;
        // Find the first slot whose prefix sum exceeds target.
        uint256 pos = 0;
        for (uint256 step = _capacity; step > 0; step >>= 1) {
            uint256 next = pos + step;
            if (next <= _capacity) {
                uint256 partialSum = _tree[next];
                if (partialSum <= target) {
                    pos = next;
                    target -= partialSum;
                }
            }
        }
        return _slotOwner[pos + 1];
    }

    /// @inheritdoc IProverPool
    function slotsInUse() external view returns (uint256) {
        return _slotCount - _freeSlots.length;
    }

    /// @inheritdoc IProverPool
    function capacity() external view returns (uint256) {
        return _capacity;
    }

    /// @inheritdoc IProverPool
    function asset() external view returns (IERC20) {
        return _asset;
    }

    /// @inheritdoc IProverPool
    function proverOf(address prover) external view returns (Prover memory) {
        return _provers[prover];
    }

    /// @inheritdoc IProverPool
    function weightOf(address prover) external view returns (uint256) {
        return _weight(_provers[prover]);
    }

    /// @inheritdoc IProverPool
    function totalWeight() external view returns (uint256) {
        return _totalWeight;
    }

    /// @inheritdoc IProverPool
    function isSlasher(address account) external view returns (bool) {
        return _slashers[account];
    }

    /// @notice Stake below which a prover is not drawn.
    function minStake() external view returns (uint256) {
        return _minStake;
    }

    /// @notice Seconds between an unstake request and its withdrawal.
    function unbondingPeriod() external view returns (uint64) {
        return _unbondingPeriod;
    }

    /// @inheritdoc IProverPool
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @notice The beneficiary's share of a slash, in basis points.
    function beneficiaryBps() external view returns (uint256) {
        return _beneficiaryBps;
    }

    function _setPaused(bool paused) private {
        Prover storage p = _provers[msg.sender];
        if (p.paused == paused) revert PauseUnchanged(msg.sender, paused);
        uint256 before = _weight(p);
        p.paused = paused;
        _reweigh(p, before);
        emit ProverPauseSet(msg.sender, paused);
    }

    /// @dev A prover's selection weight. Virtual only so that the invariant suite's mutants
    /// can break it.
    function _weight(Prover storage p) internal view virtual returns (uint256) {
        return p.paused || p.stake < _minStake ? 0 : p.stake;
    }

    /// @dev Takes up to `amount` from `p`, active stake first, then the unbonding queue (which
    /// stays slashable until withdrawn), and returns what it took. Virtual only so that the
    /// invariant suite's mutants can break it.
    function _deduct(Prover storage p, uint256 amount) internal virtual returns (uint256) {
        uint256 fromStake = amount < p.stake ? amount : p.stake;
        p.stake -= uint128(fromStake);
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < p.unbonding ? rest : p.unbonding;
        p.unbonding -= uint128(fromUnbonding);
        return fromStake + fromUnbonding;
    }

    /// @dev Gives `p` a slot: a freed one if any, else the next unused one.
    function _takeSlot(Prover storage p, address prover) private {
        uint256 slot;
        uint256 free = _freeSlots.length;
        if (free > 0) {
            slot = _freeSlots[free - 1];
            _freeSlots.pop();
        } else {
            if (_slotCount == _capacity) revert PoolFull(_capacity);
            slot = ++_slotCount;
        }
        p.slot = slot.toUint32();
        _slotOwner[slot] = prover;
        emit SlotAssigned(prover, slot);
    }

    /// @dev Frees the slot of a prover whose active stake fell below the minimum (withdrawn,
    /// unstaked or slashed). Its weight is already zero, so the Fenwick tree holds nothing
    /// for the slot and it can be handed to the next prover as it is.
    function _releaseSlotIfBelowMinimum(Prover storage p, address prover) private {
        uint256 slot = p.slot;
        if (slot == 0 || p.stake >= _minStake) return;
        p.slot = 0;
        delete _slotOwner[slot];
        _freeSlots.push(uint32(slot));
        emit SlotReleased(prover, slot);
    }

    /// @dev The single choke point of selection weights: updates the Fenwick tree and total.
    function _reweigh(Prover storage p, uint256 before) private {
        uint256 afterWeight = _weight(p);
        if (afterWeight == before || p.slot == 0) return;
        if (afterWeight > before) {
            uint256 delta = afterWeight - before;
            _totalWeight += delta;
            for (uint256 i = p.slot; i <= _capacity; i += i & (~i + 1)) _tree[i] += delta;
        } else {
            uint256 delta = before - afterWeight;
            _totalWeight -= delta;
            for (uint256 i = p.slot; i <= _capacity; i += i & (~i + 1)) _tree[i] -= delta;
        }
    }
}

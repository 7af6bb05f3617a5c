// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Reason: solc 0.8.28's SMTChecker does not model `revert CustomError()` (it reports "does not
// yet implement type error" and checks on as if the call went on), so this harness uses require.
// solhint-disable gas-custom-errors

/// @title StakeAccountingModel
/// @notice SMTChecker harness (`npm run smt`), not deployed: ProverPool's stake arithmetic
/// for one prover, with the formulas copied from `stake`, `requestUnstake`, `withdraw`,
/// `slash`, `_deduct`, `_weight` and `_reweigh` (the Fenwick tree reduced to its total, which
/// is what one prover's slot contributes). Token transfers are implied by the changes they
/// make to `stake + unbonding`.
/// @dev Preconditions (`require`) bound amounts as the contract's `toUint128` does.
/// Invariants proved by CHC over every sequence of calls (the `assert`s):
/// - conservation: every call changes `stake + unbonding` by exactly the tokens it moves in or
///   out (none for an unstake request or a pause), so no token is created or lost;
/// - a slash takes at most what was asked and splits exactly: `toBeneficiary + toTreasury
///   == slashed <= amount`;
/// - the selection total equals the prover's weight (0 when paused or below the minimum).
contract StakeAccountingModel {
    uint256 private constant BPS = 10_000;

    /// @dev The deployed default (SLASH_BENEFICIARY_BPS). A constant keeps the split linear for
    /// the solver; `(slashed * bps) / BPS <= slashed` for any bps <= BPS is the same argument.
    uint256 private constant BENEFICIARY_BPS = 5_000;

    uint256 public immutable minStake;

    /// @dev uint128 in the contract; uint256 here with the same bound as a precondition, since
    /// CHC encodes narrowing casts with `mod`, which the solver does not get through. The
    /// contract's `uint128(x)` casts take values below a uint128 field, so they never wrap.
    uint256 public stake;
    uint256 public unbonding;
    bool public paused;
    uint256 public totalWeight;

    constructor(uint256 minStake_) {
        require(minStake_ > 0); // InvalidParameters
        minStake = minStake_;
    }

    function stakeTokens(uint256 amount) external {
        _uint128Fields();
        require(amount > 0 && amount <= type(uint64).max && stake <= type(uint120).max); // toUint128
        uint256 total = stake + unbonding;
        uint256 before = _weight();
        stake += amount;
        _reweigh(before);
        assert(stake + unbonding == total + amount); // the tokens transferred in
        _check();
    }

    function requestUnstake(uint256 amount) external {
        _uint128Fields();
        require(amount > 0 && unbonding <= type(uint120).max);
        require(amount <= stake); // InsufficientStake
        uint256 total = stake + unbonding;
        uint256 before = _weight();
        stake -= amount;
        unbonding += amount;
        _reweigh(before);
        assert(stake + unbonding == total); // no token moves
        _check();
    }

    function withdraw() external returns (uint256 amount) {
        _uint128Fields();
        uint256 total = stake + unbonding;
        amount = unbonding;
        unbonding = 0;
        assert(stake + unbonding + amount == total); // the tokens transferred out
        _check();
    }

    function setPaused(bool paused_) external {
        uint256 before = _weight();
        paused = paused_;
        _reweigh(before);
        _check();
    }

    function slash(uint256 amount) external returns (uint256 slashed) {
        _uint128Fields();
        uint256 total = stake + unbonding;
        uint256 before = _weight();
        slashed = _deduct(amount);
        _reweigh(before);
        uint256 toBeneficiary = (slashed * BENEFICIARY_BPS) / BPS;
        uint256 toTreasury = slashed - toBeneficiary;
        assert(slashed <= amount);
        assert(toBeneficiary + toTreasury == slashed); // the tokens transferred out
        assert(stake + unbonding + slashed == total);
        _check();
    }

    function _deduct(uint256 amount) private returns (uint256) {
        uint256 fromStake = amount < stake ? amount : stake;
        stake -= fromStake;
        uint256 rest = amount - fromStake;
        uint256 fromUnbonding = rest < unbonding ? rest : unbonding;
        unbonding -= fromUnbonding;
        return fromStake + fromUnbonding;
    }

    function _weight() private view returns (uint256) {
        return paused || stake < minStake ? 0 : stake;
    }

    function _reweigh(uint256 before) private {
        uint256 afterWeight = _weight();
        if (afterWeight == before) return;
        if (afterWeight > before) totalWeight += afterWeight - before;
        else totalWeight -= before - afterWeight;
    }

    /// @dev The contract's fields are uint128: no reachable state exceeds that.
    function _uint128Fields() private view {
        require(stake <= type(uint128).max && unbonding <= type(uint128).max);
    }

    function _check() private view {
        assert(totalWeight == _weight());
    }
}

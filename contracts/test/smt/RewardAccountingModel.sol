// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Reason: solc 0.8.28's SMTChecker does not model `revert CustomError()` (it reports "does not
// yet implement type error" and checks on as if the call went on), so this harness uses require.
// solhint-disable gas-custom-errors

/// @title RewardAccountingModel
/// @notice SMTChecker harness (`npm run smt`), not deployed: RewardDistributor's pool and
/// claim arithmetic for one project and one device, with the formulas copied from
/// `_withdrawable`, `_unpaid`, `_payable` and `_account`. Token transfers, roots and Merkle
/// paths are left out; what the model keeps is what moves the four counters.
/// @dev Preconditions (`require`) bound amounts so that the running sums cannot reach
/// 2^256: a token's total supply bounds them in the real contract.
/// Invariants proved by CHC over every sequence of calls (the `assert`s):
/// - the pool never pays or releases more than was funded: `paid + withdrawn <= funded`;
/// - a device is never paid more than the largest accrual it showed: `devicePaid <= maxAccrued`;
/// - the project's total payout is the device's (one device here): `paid == devicePaid`;
/// - a withdrawal leaves what settled batches still owe: `balance >= liabilities` after it.
contract RewardAccountingModel {
    uint256 private constant MAX_AMOUNT = 2 ** 128;
    uint256 private constant MAX_TOTAL = 2 ** 200;

    uint256 public funded;
    uint256 public withdrawn;
    uint256 public paid;
    uint256 public owed;
    uint256 public devicePaid;
    uint256 public maxAccrued;

    /// @notice BatchManager → onStateRoot: a settled batch owes `amountOwed` more.
    function onStateRoot(uint256 amountOwed) external {
        require(amountOwed <= MAX_AMOUNT && owed <= MAX_TOTAL);
        owed += amountOwed;
    }

    /// @notice fund: `received` tokens arrived (what the balance check measured).
    function fund(uint256 received) external {
        require(received > 0 && received <= MAX_AMOUNT && funded <= MAX_TOTAL);
        funded += received;
    }

    /// @notice withdrawPool, as in the contract.
    function withdrawPool(uint256 amount) external {
        uint256 available = _withdrawable();
        require(amount <= available); // ExceedsWithdrawable
        withdrawn += amount;
        assert(paid + withdrawn <= funded);
        uint256 liabilities = owed > paid ? owed - paid : 0;
        assert(funded - withdrawn - paid >= liabilities || amount == 0);
    }

    /// @notice claim with a leaf showing `accruedReward` under some root that was current.
    function claim(uint256 accruedReward) external returns (uint256 amount) {
        require(accruedReward <= MAX_TOTAL);
        if (accruedReward > maxAccrued) maxAccrued = accruedReward;
        uint256 claimable = _unpaid(accruedReward, devicePaid);
        if (claimable == 0) return 0;
        amount = _payable(claimable);
        if (amount == 0) return 0;
        devicePaid += amount;
        paid += amount;
        assert(amount <= claimable);
        assert(devicePaid <= maxAccrued);
        assert(paid == devicePaid);
        assert(paid + withdrawn <= funded);
    }

    function _unpaid(uint256 accruedReward, uint256 alreadyPaid) private pure returns (uint256) {
        return accruedReward > alreadyPaid ? accruedReward - alreadyPaid : 0;
    }

    function _payable(uint256 claimable) private view returns (uint256) {
        uint256 balance = funded - withdrawn - paid;
        return claimable <= balance ? claimable : balance;
    }

    function _withdrawable() private view returns (uint256) {
        uint256 balance = funded - withdrawn - paid;
        uint256 liabilities = owed > paid ? owed - paid : 0;
        return balance > liabilities ? balance - liabilities : 0;
    }
}

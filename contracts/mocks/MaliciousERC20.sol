// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test double: a reward token that attacks its payer. When `payer` sends tokens,
/// it re-enters `payer` with the recorded call (and bubbles the failure, if told to); it
/// can also refuse every transfer to a blocked address, and take a fee on transfers.
contract MaliciousERC20 is ERC20 {
    address public payer;
    bytes public reentry;
    bool public bubble;
    bool public reentered;
    bool public reentrySucceeded;
    mapping(address account => bool) public blocked;
    uint256 public feeBps;

    error Blocked(address account);

    constructor() ERC20("Malicious", "EVIL") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setReentry(address payer_, bytes calldata reentry_, bool bubble_) external {
        payer = payer_;
        reentry = reentry_;
        bubble = bubble_;
    }

    function setBlocked(address account, bool isBlocked) external {
        blocked[account] = isBlocked;
    }

    function setFeeBps(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (blocked[to]) revert Blocked(to);
        if (from != address(0) && to != address(0) && feeBps > 0) {
            uint256 fee = (value * feeBps) / 10_000;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
        if (from == payer && payer != address(0) && reentry.length > 0 && !reentered) {
            reentered = true;
            // Reason: the mock re-enters its payer with arbitrary calldata, which needs a raw call.
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory data) = payer.call(reentry);
            reentrySucceeded = ok;
            if (!ok && bubble) {
                // Reason: bubbling the re-entered call's revert data verbatim needs assembly.
                // solhint-disable-next-line no-inline-assembly
                assembly ("memory-safe") {
                    revert(add(data, 0x20), mload(data))
                }
            }
        }
    }
}

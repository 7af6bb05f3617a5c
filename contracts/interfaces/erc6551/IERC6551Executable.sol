// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IERC6551Executable
/// @notice The ERC-6551 execution interface (interface id 0x51945447).
interface IERC6551Executable {
    /// @notice Performs `operation` (0 = CALL, 1 = DELEGATECALL, 2 = CREATE, 3 = CREATE2)
    /// from the account; only a valid signer may call it.
    /// @return result what the call returned.
    function execute(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation
    ) external payable returns (bytes memory result);
}

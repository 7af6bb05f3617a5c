// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC6551Registry} from "../interfaces/erc6551/IERC6551Registry.sol";

/// @title MisaddressingERC6551Registry
/// @notice TEST ONLY: a registry that derives accounts some other way than ERC-6551, which
/// the DeviceRegistry must refuse at deployment.
contract MisaddressingERC6551Registry is IERC6551Registry {
    /// @inheritdoc IERC6551Registry
    function createAccount(address, bytes32, uint256, address, uint256) external pure returns (address) {
        revert AccountCreationFailed();
    }

    /// @inheritdoc IERC6551Registry
    function account(
        address,
        bytes32,
        uint256,
        address tokenContract,
        uint256
    ) external pure returns (address) {
        return tokenContract;
    }
}

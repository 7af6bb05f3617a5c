// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

import {IERC6551Registry} from "../interfaces/erc6551/IERC6551Registry.sol";
import {ERC6551Bytecode} from "./ERC6551Bytecode.sol";

/// @title ERC6551Registry
/// @notice A registry with the ERC-6551 interface and account code, for chains without the
/// canonical one (the local chain, tests). It deploys byte-for-byte the accounts the
/// canonical registry would deploy from its own address.
contract ERC6551Registry is IERC6551Registry {
    /// @inheritdoc IERC6551Registry
    function createAccount(
        address implementation,
        bytes32 salt,
        uint256 chainId,
        address tokenContract,
        uint256 tokenId
    ) external returns (address) {
        bytes memory code = ERC6551Bytecode.creationCode(
            implementation,
            salt,
            chainId,
            tokenContract,
            tokenId
        );
        address predicted = Create2.computeAddress(salt, keccak256(code));
        if (predicted.code.length != 0) return predicted;
        address created = _deploy(salt, code);
        emit ERC6551AccountCreated(created, implementation, salt, chainId, tokenContract, tokenId);
        return created;
    }

    /// @inheritdoc IERC6551Registry
    function account(
        address implementation,
        bytes32 salt,
        uint256 chainId,
        address tokenContract,
        uint256 tokenId
    ) external view returns (address) {
        return
            ERC6551Bytecode.accountAddress(
                address(this),
                implementation,
                salt,
                chainId,
                tokenContract,
                tokenId
            );
    }

    function _deploy(bytes32 salt, bytes memory code) private returns (address created) {
        // Reason: CREATE2 of raw creation code has no Solidity syntax.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            created := create2(0, add(code, 0x20), mload(code), salt)
        }
        // Fails only without gas for the code deposit (the existing account was returned above).
        if (created == address(0)) revert AccountCreationFailed();
    }
}

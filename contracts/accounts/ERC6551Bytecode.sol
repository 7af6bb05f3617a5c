// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Create2} from "@openzeppelin/contracts/utils/Create2.sol";

/// @title ERC6551Bytecode
/// @notice The creation code of an ERC-6551 account (v0.3) and the address CREATE2 gives it.
library ERC6551Bytecode {
    /// @notice ERC-1167 proxy creation code with the 0x80-byte footer: `abi.encode(salt,
    /// chainId, tokenContract, tokenId)` follows the proxy's runtime code.
    function creationCode(
        address implementation,
        bytes32 salt,
        uint256 chainId,
        address tokenContract,
        uint256 tokenId
    ) internal pure returns (bytes memory) {
        return
            abi.encodePacked(
                hex"3d60ad80600a3d3981f3363d3d373d3d3d363d73",
                implementation,
                hex"5af43d82803e903d91602b57fd5bf3",
                abi.encode(salt, chainId, tokenContract, tokenId)
            );
    }

    /// @notice The account's address when `registry` deploys it.
    function accountAddress(
        address registry,
        address implementation,
        bytes32 salt,
        uint256 chainId,
        address tokenContract,
        uint256 tokenId
    ) internal pure returns (address) {
        bytes32 codeHash = keccak256(creationCode(implementation, salt, chainId, tokenContract, tokenId));
        return Create2.computeAddress(salt, codeHash, registry);
    }
}

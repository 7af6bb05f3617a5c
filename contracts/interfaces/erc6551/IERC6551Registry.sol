// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IERC6551Registry
/// @notice The ERC-6551 registry interface (v0.3): deploys and computes token-bound
/// accounts. Each account is an ERC-1167 minimal proxy to `implementation` whose runtime
/// code ends with `abi.encode(salt, chainId, tokenContract, tokenId)`, created with CREATE2
/// (salt `salt`) by the registry, so its address depends only on those five values. The
/// canonical instance lives at 0x000000006551c19487814612e58FE06813775758 on chains that
/// have it; any registry that deploys the same code gives the same accounts.
interface IERC6551Registry {
    /// @notice Emitted when an account is deployed (not when it already existed).
    event ERC6551AccountCreated(
        address account,
        address indexed implementation,
        bytes32 salt,
        uint256 chainId,
        address indexed tokenContract,
        uint256 indexed tokenId
    );

    /// @notice Thrown when CREATE2 fails to deploy the account.
    error AccountCreationFailed();

    /// @notice Deploys the token-bound account of `(implementation, salt, chainId,
    /// tokenContract, tokenId)` if it has no code yet; returns its address either way.
    function createAccount(
        address implementation,
        bytes32 salt,
        uint256 chainId,
        address tokenContract,
        uint256 tokenId
    ) external returns (address account);

    /// @notice The address of that token-bound account, deployed or not.
    function account(
        address implementation,
        bytes32 salt,
        uint256 chainId,
        address tokenContract,
        uint256 tokenId
    ) external view returns (address account);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IERC6551Account
/// @notice The ERC-6551 account interface (interface id 0x6faff5f1): an account owned by
/// whoever owns one ERC-721 token.
interface IERC6551Account {
    /// @notice Accepts native currency.
    receive() external payable;

    /// @notice The token that owns this account.
    /// @return chainId the chain the token lives on.
    /// @return tokenContract the ERC-721 contract.
    /// @return tokenId the token id.
    function token() external view returns (uint256 chainId, address tokenContract, uint256 tokenId);

    /// @notice A value that changes every time the account changes state (here: every
    /// successful `execute`), so that signed orders can refer to a state.
    function state() external view returns (uint256);

    /// @notice Returns `IERC6551Account.isValidSigner.selector` (0x523e3260) if `signer`
    /// may act for the account, and `bytes4(0)` otherwise.
    function isValidSigner(address signer, bytes calldata context) external view returns (bytes4 magicValue);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Bytes} from "@openzeppelin/contracts/utils/Bytes.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

import {IERC6551Account} from "../interfaces/erc6551/IERC6551Account.sol";
import {IERC6551Executable} from "../interfaces/erc6551/IERC6551Executable.sol";

/// @title DeviceAccount
/// @notice ERC-6551 account implementation for ioIDs: a wallet that belongs to whoever owns
/// the device's ioID token, and moves with it. It holds what the device earns when the
/// project sends rewards to accounts; the owner spends it with `execute` (CALL only).
/// Every account is an ERC-1167 proxy to one deployment of this contract, with its token
/// in the proxy's code (ERC-6551 footer); the implementation itself has no token.
contract DeviceAccount is IERC165, IERC1271, IERC721Receiver, IERC6551Account, IERC6551Executable {
    /// @dev Runtime code of an ERC-6551 proxy: 0x2d bytes of ERC-1167, then
    /// `abi.encode(salt, chainId, tokenContract, tokenId)`; the token starts after the salt.
    uint256 private constant TOKEN_OFFSET = 0x4d;
    uint256 private constant FOOTER_END = 0xad;
    uint8 private constant OPERATION_CALL = 0;

    uint256 private _state;

    /// @notice Emitted for every call the owner makes through the account.
    event Executed(address indexed to, uint256 value, bytes data, uint256 state);

    /// @notice Thrown when `caller` is not the owner of the account's token.
    error NotTokenOwner(address caller);

    /// @notice Thrown for operations other than CALL (0).
    error UnsupportedOperation(uint8 operation);

    /// @notice Thrown when the account would receive its own token (no one could use it again).
    error OwnershipCycle();

    /// @notice Thrown when the code read is not an ERC-6551 proxy (the implementation itself).
    error NotAnAccount();

    /// @inheritdoc IERC6551Account
    receive() external payable {}

    /// @inheritdoc IERC6551Executable
    function execute(
        address to,
        uint256 value,
        bytes calldata data,
        uint8 operation
    ) external payable returns (bytes memory result) {
        if (msg.sender != owner()) revert NotTokenOwner(msg.sender);
        if (operation != OPERATION_CALL) revert UnsupportedOperation(operation);
        uint256 next = ++_state;
        if (data.length == 0) {
            Address.sendValue(payable(to), value);
        } else {
            result = Address.functionCallWithValue(to, data, value);
        }
        emit Executed(to, value, data, next);
    }

    /// @inheritdoc IERC6551Account
    function token() public view returns (uint256 chainId, address tokenContract, uint256 tokenId) {
        bytes memory code = address(this).code;
        if (code.length != FOOTER_END) revert NotAnAccount();
        return abi.decode(Bytes.slice(code, TOKEN_OFFSET, FOOTER_END), (uint256, address, uint256));
    }

    /// @notice The owner of the account's token; zero if the token lives on another chain.
    function owner() public view returns (address) {
        (uint256 chainId, address tokenContract, uint256 tokenId) = token();
        if (chainId != block.chainid) return address(0);
        return IERC721(tokenContract).ownerOf(tokenId);
    }

    /// @inheritdoc IERC6551Account
    function state() external view returns (uint256) {
        return _state;
    }

    /// @inheritdoc IERC6551Account
    function isValidSigner(address signer, bytes calldata) external view returns (bytes4) {
        return signer != address(0) && signer == owner() ? IERC6551Account.isValidSigner.selector : bytes4(0);
    }

    /// @inheritdoc IERC1271
    /// @dev Valid when the token's owner (an EOA or an ERC-1271 contract) signed `hash`.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        address tokenOwner = owner();
        if (tokenOwner != address(0) && SignatureChecker.isValidSignatureNow(tokenOwner, hash, signature)) {
            return IERC1271.isValidSignature.selector;
        }
        return bytes4(0xffffffff);
    }

    /// @inheritdoc IERC721Receiver
    /// @dev Refuses the account's own token: held by itself, no one could ever use it again.
    function onERC721Received(
        address,
        address,
        uint256 tokenId,
        bytes calldata
    ) external view returns (bytes4) {
        (uint256 chainId, address tokenContract, uint256 ownTokenId) = token();
        if (chainId == block.chainid && msg.sender == tokenContract && tokenId == ownTokenId)
            revert OwnershipCycle();
        return IERC721Receiver.onERC721Received.selector;
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return
            interfaceId == type(IERC165).interfaceId ||
            interfaceId == type(IERC6551Account).interfaceId ||
            interfaceId == type(IERC6551Executable).interfaceId ||
            interfaceId == type(IERC1271).interfaceId ||
            interfaceId == type(IERC721Receiver).interfaceId;
    }
}

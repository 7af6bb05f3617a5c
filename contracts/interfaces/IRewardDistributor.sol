// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IRewardReceiver} from "./IRewardReceiver.sol";

/// @title IRewardDistributor
/// @notice The incentive layer: per-project reward pools and trustless, lazy, cumulative
/// claims. Every settled batch hands the project's new state root and what the batch owes
/// (`totalUnits × rewardRate`, the rate recorded with the batch) to this contract, which
/// keeps every root that was ever current. A device's leaf in the state tree carries its
/// `accruedReward`; anyone proves the leaf with a Merkle path against a root that was
/// current, and the contract pays `accruedReward − paid(device)` to the device's ioID
/// owner. Nothing but public data is needed: no oracle, no admin batch transfer.
///
/// Pools: a project owner chooses the reward token (any ERC-20, fixed once funded);
/// anyone funds; the owner withdraws only what no settled batch is owed. When a pool is
/// short, a claim pays what is there and the rest stays owed to the device.
///
/// Payments never block: a transfer the token refuses (a blocklisted or reverting
/// receiver) is credited to the recipient, who withdraws it later with `withdrawCredit`.
/// @dev The leaf is `Poseidon(keyHash, cumulativeUnits, lastTimestamp, accruedReward)` and
/// nodes are `Poseidon(left, right)` (DESIGN.md §3). The leaf index is the device's index
/// in the DeviceRegistry, never taken from calldata.
interface IRewardDistributor is IRewardReceiver {
    /// @notice The fields of a state-tree leaf.
    struct Leaf {
        uint256 keyHash;
        uint256 cumulativeUnits;
        uint256 lastTimestamp;
        uint256 accruedReward;
    }

    /// @notice A project's reward pool.
    /// @param token the reward token (zero until the owner sets it).
    /// @param funded everything received by `fund`.
    /// @param withdrawn everything the owner took back.
    /// @param owed Σ totalUnits × rewardRate over the project's settled batches.
    /// @param paid everything paid (or credited) to devices' owners.
    struct Pool {
        IERC20 token;
        uint256 funded;
        uint256 withdrawn;
        uint256 owed;
        uint256 paid;
    }

    /// @notice An ioID owner's instruction to pay a device's rewards to `recipient`, for a
    /// claim a relayer submits, paying at least `minAmount` (the relayer chooses the root;
    /// the minimum keeps it from using an old one). Signed as EIP-712
    /// `ClaimAuthorization(uint256 deviceId,address recipient,uint256 minAmount,uint256 nonce,uint256 deadline)`;
    /// the nonce is the owner's. Anyone may still `claim` for the owner instead.
    struct ClaimAuthorization {
        uint256 deviceId;
        address recipient;
        uint256 minAmount;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice Emitted once, when the deploy scripts wire the BatchManager.
    event BatchManagerSet(address batchManager);

    /// @notice Emitted for every settled batch: `stateRoot` is now current for the project.
    event StateRootRecorded(
        uint256 indexed projectId,
        uint256 indexed batchId,
        uint256 stateRoot,
        uint256 amountOwed
    );

    /// @notice Emitted when a project's owner sets its reward token.
    event RewardTokenSet(uint256 indexed projectId, IERC20 indexed token);

    /// @notice Emitted when `from` adds `amount` (as received) to a project's pool.
    event PoolFunded(uint256 indexed projectId, address indexed from, uint256 amount);

    /// @notice Emitted when a project's owner withdraws unowed budget.
    event PoolWithdrawn(uint256 indexed projectId, address indexed to, uint256 amount);

    /// @notice Emitted when a device's rewards are paid; `paidTotal` is all it was paid so far.
    event RewardClaimed(
        uint256 indexed projectId,
        uint256 indexed deviceId,
        address indexed recipient,
        uint256 amount,
        uint256 paidTotal
    );

    /// @notice Emitted when a pool is short: `unpaid` stays owed to the device.
    event RewardShortfall(uint256 indexed projectId, uint256 indexed deviceId, uint256 unpaid);

    /// @notice Emitted when the token refused a payment: it is credited to `recipient`.
    event PaymentCredited(IERC20 indexed token, address indexed recipient, uint256 amount);

    /// @notice Emitted when a relayed claim uses `owner`'s authorization `nonce`.
    event AuthorizationUsed(address indexed owner, uint256 nonce);

    /// @notice Emitted when `account` withdraws its credited payments.
    event CreditWithdrawn(IERC20 indexed token, address indexed account, address to, uint256 amount);

    /// @notice Thrown when `account` calls `onStateRoot` without being the BatchManager.
    error NotBatchManager(address account);

    /// @notice Thrown when `account` calls `setBatchManager` without being the deployer.
    error NotDeployer(address account);

    /// @notice Thrown when wiring the BatchManager a second time.
    error BatchManagerAlreadySet();

    /// @notice Thrown when `account` is not the owner of project `projectId`.
    error NotProjectOwner(uint256 projectId, address account);

    /// @notice Thrown when changing the reward token of a pool that was already funded.
    error RewardTokenLocked(uint256 projectId);

    /// @notice Thrown when funding a pool that has no reward token yet.
    error NoRewardToken(uint256 projectId);

    /// @notice Thrown for a zero amount.
    error ZeroAmount();

    /// @notice Thrown for the zero address as a token or recipient.
    error ZeroAddress();

    /// @notice Thrown when the owner asks for more than the pool holds beyond what it owes.
    error ExceedsWithdrawable(uint256 available, uint256 requested);

    /// @notice Thrown when a device is not registered in the project a claim names.
    error DeviceNotInProject(uint256 deviceId, uint256 projectId);

    /// @notice Thrown when a leaf field is not below the BN254 scalar field: Poseidon reads
    /// its inputs modulo r, so such a leaf would alias another.
    error LeafNotInField();

    /// @notice Thrown when a Merkle path does not have one sibling per level.
    error InvalidPathLength(uint256 length, uint256 depth);

    /// @notice Thrown when a relayed claim would pay less than the owner's `minAmount`.
    error ClaimBelowMinimum(uint256 amount, uint256 minAmount);

    /// @notice Thrown when a leaf and path lead to a root that was never current (or the
    /// leaf index does not fit the tree).
    error UnknownRoot(uint256 projectId, uint256 root);

    /// @notice Thrown when `claimMany`'s devices are not in strictly increasing index order.
    error DevicesNotSorted(uint256 position);

    /// @notice Thrown when `claimMany` names no device.
    error NoDevices();

    /// @notice Thrown when `claimMany`'s arrays disagree in length.
    error LengthMismatch(uint256 devices, uint256 leaves);

    /// @notice Thrown when a multiproof has too few nodes, or nodes left over.
    error InvalidMultiproof();

    /// @notice Thrown for a signed authorization past its deadline.
    error ExpiredDeadline(uint256 deadline);

    /// @notice Thrown when a claim authorization is not signed by the ioID's current owner.
    error InvalidOwnerSignature(address owner);

    /// @notice Thrown when withdrawing credit with none.
    error NothingToWithdraw(address account);

    /// @notice Wires the BatchManager, once (deploy scripts).
    function setBatchManager(address batchManager) external;

    /// @notice Sets a project's reward token. Project owner only; only before the first `fund`.
    function setRewardToken(uint256 projectId, IERC20 token) external;

    /// @notice Adds `amount` of the project's reward token to its pool (anyone; approve first).
    /// Fee-on-transfer tokens are credited with what arrived.
    function fund(uint256 projectId, uint256 amount) external;

    /// @notice Takes back budget no settled batch is owed. Project owner only.
    function withdrawPool(uint256 projectId, uint256 amount, address to) external;

    /// @notice Pays a device's unpaid rewards to its payee: the ioID owner, or the ioID's
    /// token-bound account when the project sends rewards to accounts
    /// (`IDeviceRegistry.payoutOf`). Anyone may call.
    /// @param leaf the device's leaf under a root that was current.
    /// @param siblings its Merkle path, from the leaf level up (one per level).
    /// @return amount what was paid now: 0 for a replayed claim, less than claimable when
    /// the pool is short.
    function claim(
        uint256 projectId,
        uint256 deviceId,
        Leaf calldata leaf,
        uint256[] calldata siblings
    ) external returns (uint256 amount);

    /// @notice Like `claim`, paying the recipient an ioID owner named by signature
    /// (EOA or ERC-1271): gasless claims through a relayer.
    function claimWithAuthorization(
        uint256 projectId,
        ClaimAuthorization calldata authorization,
        bytes calldata ownerSignature,
        Leaf calldata leaf,
        uint256[] calldata siblings
    ) external returns (uint256 amount);

    /// @notice Claims for many devices of one project in one transaction, with one
    /// multiproof against one root: devices in strictly increasing index order, `proof`
    /// the nodes not computable from the leaves, level by level from the leaves up, left
    /// to right (as `src/rewards` builds it). Each device's payee is paid; a device with
    /// nothing to claim pays 0 without reverting the rest.
    /// @return total what was paid in all.
    function claimMany(
        uint256 projectId,
        uint256[] calldata deviceIds,
        Leaf[] calldata leaves,
        uint256[] calldata proof
    ) external returns (uint256 total);

    /// @notice Withdraws the caller's credited payments in `token` to `to`.
    function withdrawCredit(IERC20 token, address to) external returns (uint256 amount);

    /// @notice A project's pool.
    function poolOf(uint256 projectId) external view returns (Pool memory);

    /// @notice What the owner can withdraw now: the pool's balance beyond what it owes.
    function withdrawable(uint256 projectId) external view returns (uint256);

    /// @notice What a device was paid so far.
    function paidOf(uint256 deviceId) external view returns (uint256);

    /// @notice Payments credited to `account` in `token` (refused by the token at claim time).
    function creditOf(IERC20 token, address account) external view returns (uint256);

    /// @notice The batch that made `stateRoot` current for the project (0: never current).
    function rootBatch(uint256 projectId, uint256 stateRoot) external view returns (uint256 batchId);

    /// @notice The project's current state root (0 before its first settlement).
    function currentRoot(uint256 projectId) external view returns (uint256);

    /// @notice The depth of every project's state tree (the DeviceRegistry's).
    function stateDepth() external view returns (uint8);

    /// @notice The BatchManager wired at deployment (zero before).
    function batchManager() external view returns (address);

    /// @notice Poseidon(keyHash, cumulativeUnits, lastTimestamp, accruedReward).
    function leafHash(Leaf calldata leaf) external view returns (uint256);

    /// @notice The EIP-712 digest an ioID owner signs for `claimWithAuthorization`.
    function authorizationDigest(ClaimAuthorization calldata authorization) external view returns (bytes32);

    /// @notice The next nonce `owner` must sign with.
    function nonces(address owner) external view returns (uint256);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {IRewardDistributor} from "../interfaces/IRewardDistributor.sol";
import {IRewardReceiver} from "../interfaces/IRewardReceiver.sol";
import {PoseidonT5} from "../libraries/poseidon/PoseidonT5.sol";
import {RegistryOps} from "../libraries/RegistryOps.sol";
import {StateTreeProofs} from "../libraries/StateTreeProofs.sol";

/// @title RewardDistributor
/// @notice See {IRewardDistributor}.
contract RewardDistributor is ReentrancyGuard, EIP712, Nonces, IRewardDistributor {
    using SafeERC20 for IERC20;

    bytes32 private constant CLAIM_AUTHORIZATION_TYPEHASH = keccak256(
        "ClaimAuthorization(uint256 deviceId,address recipient,uint256 minAmount,uint256 nonce,uint256 deadline)"
    );

    IERC721 private immutable _projects;
    IDeviceRegistry private immutable _devices;
    uint8 private immutable _stateDepth;
    address private immutable _deployer;
    address private _batchManager;

    mapping(uint256 projectId => Pool) private _pools;
    mapping(uint256 projectId => uint256) private _currentRoot;
    mapping(uint256 projectId => mapping(uint256 stateRoot => uint256 batchId)) private _rootBatch;
    mapping(uint256 deviceId => uint256) private _paid;
    mapping(IERC20 token => mapping(address account => uint256)) private _credit;

    /// @dev What a claim needs of a device, read once.
    struct Claimant {
        uint256 deviceId;
        uint256 index;
        address owner;
        address payee;
    }

    /// @param projects the ProjectRegistry (an ERC-721: its token owner owns the pool).
    /// @param devices the DeviceRegistry (device indices, ioID owners, the tree depth).
    constructor(IERC721 projects, IDeviceRegistry devices) EIP712("DePIN Kit RewardDistributor", "1") {
        _projects = projects;
        _devices = devices;
        _stateDepth = devices.stateDepth();
        _deployer = msg.sender;
    }

    /// @inheritdoc IRewardDistributor
    function setBatchManager(address batchManager_) external {
        if (msg.sender != _deployer) revert NotDeployer(msg.sender);
        if (_batchManager != address(0)) revert BatchManagerAlreadySet();
        if (batchManager_ == address(0)) revert ZeroAddress();
        _batchManager = batchManager_;
        emit BatchManagerSet(batchManager_);
    }

    /// @inheritdoc IRewardReceiver
    function onStateRoot(uint256 projectId, uint256 batchId, uint256 stateRoot, uint256 amountOwed) external {
        if (msg.sender != _batchManager) revert NotBatchManager(msg.sender);
        _rootBatch[projectId][stateRoot] = batchId;
        _currentRoot[projectId] = stateRoot;
        _pools[projectId].owed += amountOwed;
        emit StateRootRecorded(projectId, batchId, stateRoot, amountOwed);
    }

    /// @inheritdoc IRewardDistributor
    function setRewardToken(uint256 projectId, IERC20 token) external {
        _checkProjectOwner(projectId);
        if (address(token) == address(0)) revert ZeroAddress();
        Pool storage pool = _pools[projectId];
        if (pool.funded != 0) revert RewardTokenLocked(projectId);
        pool.token = token;
        emit RewardTokenSet(projectId, token);
    }

    /// @inheritdoc IRewardDistributor
    function fund(uint256 projectId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Pool storage pool = _pools[projectId];
        IERC20 token = pool.token;
        if (address(token) == address(0)) revert NoRewardToken(projectId);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        if (received == 0) revert ZeroAmount();
        pool.funded += received;
        emit PoolFunded(projectId, msg.sender, received);
    }

    /// @inheritdoc IRewardDistributor
    function withdrawPool(uint256 projectId, uint256 amount, address to) external nonReentrant {
        _checkProjectOwner(projectId);
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        uint256 available = _withdrawable(_pools[projectId]);
        if (amount > available) revert ExceedsWithdrawable(available, amount);
        Pool storage pool = _pools[projectId];
        pool.withdrawn += amount;
        pool.token.safeTransfer(to, amount);
        emit PoolWithdrawn(projectId, to, amount);
    }

    /// @inheritdoc IRewardDistributor
    function claim(
        uint256 projectId,
        uint256 deviceId,
        Leaf calldata leaf,
        uint256[] calldata siblings
    ) external nonReentrant returns (uint256 amount) {
        Claimant memory c = _claimant(projectId, deviceId);
        _checkRoot(projectId, c.index, leaf, siblings);
        return _claimOne(projectId, c.deviceId, leaf.accruedReward, c.payee);
    }

    /// @inheritdoc IRewardDistributor
    function claimWithAuthorization(
        uint256 projectId,
        ClaimAuthorization calldata authorization,
        bytes calldata ownerSignature,
        Leaf calldata leaf,
        uint256[] calldata siblings
    ) external nonReentrant returns (uint256 amount) {
        if (block.timestamp > authorization.deadline) revert ExpiredDeadline(authorization.deadline);
        if (authorization.recipient == address(0)) revert ZeroAddress();
        Claimant memory c = _claimant(projectId, authorization.deviceId);
        // The signer must own the ioID now: a former owner's authorization is void.
        if (
            !SignatureChecker.isValidSignatureNow(
                c.owner,
                _authorizationDigest(authorization),
                ownerSignature
            )
        ) {
            revert InvalidOwnerSignature(c.owner);
        }
        _useCheckedNonce(c.owner, authorization.nonce);
        emit AuthorizationUsed(c.owner, authorization.nonce);
        _checkRoot(projectId, c.index, leaf, siblings);
        amount = _claimOne(projectId, c.deviceId, leaf.accruedReward, authorization.recipient);
        // The relayer chooses the root: the owner's minimum keeps it from using an old one.
        if (amount < authorization.minAmount) revert ClaimBelowMinimum(amount, authorization.minAmount);
    }

    /// @inheritdoc IRewardDistributor
    function claimMany(
        uint256 projectId,
        uint256[] calldata deviceIds,
        Leaf[] calldata leaves,
        uint256[] calldata proof
    ) external nonReentrant returns (uint256 total) {
        if (deviceIds.length == 0) revert NoDevices();
        if (leaves.length != deviceIds.length) revert LengthMismatch(deviceIds.length, leaves.length);
        Claimant[] memory claimants = _verifyMany(projectId, deviceIds, leaves, proof);
        return _payMany(projectId, claimants, leaves);
    }

    /// @inheritdoc IRewardDistributor
    function withdrawCredit(IERC20 token, address to) external nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = _credit[token][msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _credit[token][msg.sender] = 0;
        token.safeTransfer(to, amount);
        emit CreditWithdrawn(token, msg.sender, to, amount);
    }

    /// @inheritdoc IRewardDistributor
    function poolOf(uint256 projectId) external view returns (Pool memory) {
        return _pools[projectId];
    }

    /// @inheritdoc IRewardDistributor
    function withdrawable(uint256 projectId) external view returns (uint256) {
        return _withdrawable(_pools[projectId]);
    }

    /// @inheritdoc IRewardDistributor
    function paidOf(uint256 deviceId) external view returns (uint256) {
        return _paid[deviceId];
    }

    /// @inheritdoc IRewardDistributor
    function creditOf(IERC20 token, address account) external view returns (uint256) {
        return _credit[token][account];
    }

    /// @inheritdoc IRewardDistributor
    function rootBatch(uint256 projectId, uint256 stateRoot) external view returns (uint256) {
        return _rootBatch[projectId][stateRoot];
    }

    /// @inheritdoc IRewardDistributor
    function currentRoot(uint256 projectId) external view returns (uint256) {
        return _currentRoot[projectId];
    }

    /// @inheritdoc IRewardDistributor
    function stateDepth() external view returns (uint8) {
        return _stateDepth;
    }

    /// @inheritdoc IRewardDistributor
    function batchManager() external view returns (address) {
        return _batchManager;
    }

    /// @inheritdoc IRewardDistributor
    function leafHash(Leaf calldata leaf) external pure returns (uint256) {
        return _leafHash(leaf);
    }

    /// @inheritdoc IRewardDistributor
    function authorizationDigest(ClaimAuthorization calldata authorization) external view returns (bytes32) {
        return _authorizationDigest(authorization);
    }

    /// @inheritdoc IRewardDistributor
    function nonces(address owner) public view override(IRewardDistributor, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @dev The device's leaf index, ioID owner and payee (the owner, or the ioID's
    /// token-bound account if the project says so); the device must belong to the project.
    /// A revoked device keeps its index, its token and what it earned.
    function _claimant(uint256 projectId, uint256 deviceId) private view returns (Claimant memory) {
        IDeviceRegistry.Payout memory p = _devices.payoutOf(deviceId);
        if (p.projectId != projectId) revert DeviceNotInProject(deviceId, projectId);
        return Claimant(deviceId, p.index, p.owner, p.payee);
    }

    /// @dev Reads the devices and checks their leaves against one root with the multiproof.
    function _verifyMany(
        uint256 projectId,
        uint256[] calldata deviceIds,
        Leaf[] calldata leaves,
        uint256[] calldata proof
    ) private view returns (Claimant[] memory claimants) {
        uint256 n = deviceIds.length;
        claimants = new Claimant[](n);
        uint256[] memory indices = new uint256[](n);
        uint256[] memory hashes = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            Claimant memory c = _claimant(projectId, deviceIds[i]);
            if (i > 0 && c.index <= indices[i - 1]) revert DevicesNotSorted(i);
            claimants[i] = c;
            indices[i] = c.index;
            hashes[i] = _leafHash(leaves[i]);
        }
        (bool ok, uint256 root) = StateTreeProofs.multiRoot(indices, hashes, proof, _stateDepth);
        if (!ok) revert InvalidMultiproof();
        if (_rootBatch[projectId][root] == 0) revert UnknownRoot(projectId, root);
    }

    /// @dev Books each device and pays one transfer per run of consecutive devices that
    /// share a payee (a fleet's devices usually share an owner).
    function _payMany(
        uint256 projectId,
        Claimant[] memory claimants,
        Leaf[] calldata leaves
    ) private returns (uint256 total) {
        Pool storage pool = _pools[projectId];
        IERC20 token = pool.token;
        address runOwner;
        uint256 runAmount;
        for (uint256 i = 0; i < claimants.length; ++i) {
            Claimant memory c = claimants[i];
            uint256 amount = _account(pool, projectId, c.deviceId, leaves[i].accruedReward, c.payee);
            if (c.payee != runOwner) {
                if (runAmount > 0) _pay(token, runOwner, runAmount);
                runOwner = c.payee;
                runAmount = 0;
            }
            runAmount += amount;
            total += amount;
        }
        if (runAmount > 0) _pay(token, runOwner, runAmount);
    }

    function _checkRoot(
        uint256 projectId,
        uint256 index,
        Leaf calldata leaf,
        uint256[] calldata siblings
    ) private view {
        if (siblings.length != _stateDepth) revert InvalidPathLength(siblings.length, _stateDepth);
        // The registry keeps indices below 2^depth; checked all the same.
        (bool ok, uint256 root) = StateTreeProofs.root(index, _leafHash(leaf), siblings);
        if (!ok || _rootBatch[projectId][root] == 0) revert UnknownRoot(projectId, root);
    }

    function _claimOne(
        uint256 projectId,
        uint256 deviceId,
        uint256 accruedReward,
        address recipient
    ) private returns (uint256 amount) {
        Pool storage pool = _pools[projectId];
        amount = _account(pool, projectId, deviceId, accruedReward, recipient);
        if (amount > 0) _pay(pool.token, recipient, amount);
    }

    /// @dev Books a device's claim: what it can be paid now (its unpaid accrual, up to what
    /// the pool holds) becomes paid; a shortfall stays owed and is evented.
    function _account(
        Pool storage pool,
        uint256 projectId,
        uint256 deviceId,
        uint256 accruedReward,
        address recipient
    ) private returns (uint256 amount) {
        uint256 paid = _paid[deviceId];
        // An older root may show less than was already paid: nothing to pay, no revert.
        if (accruedReward <= paid) return 0;
        uint256 claimable = _unpaid(accruedReward, paid);
        uint256 balance = pool.funded - pool.withdrawn - pool.paid;
        amount = _capped(claimable, balance);
        if (amount < claimable) emit RewardShortfall(projectId, deviceId, claimable - amount);
        if (amount == 0) return 0;
        paid += amount;
        _paid[deviceId] = paid;
        pool.paid += amount;
        emit RewardClaimed(projectId, deviceId, recipient, amount, paid);
    }

    /// @dev A device's accrual not yet paid (`accruedReward` > `paid`). Virtual for the
    /// invariant suite's mutants (contracts/test/mutants).
    function _unpaid(uint256 accruedReward, uint256 paid) internal pure virtual returns (uint256) {
        return accruedReward - paid;
    }

    /// @dev What of `claimable` a pool holding `balance` pays now. Virtual for the invariant
    /// suite's mutants.
    function _capped(uint256 claimable, uint256 balance) internal pure virtual returns (uint256) {
        return claimable <= balance ? claimable : balance;
    }

    /// @dev A transfer the token refuses is credited, not reverted: one bad receiver cannot
    /// block a batch of claims, and nothing is lost.
    function _pay(IERC20 token, address to, uint256 amount) private {
        if (!token.trySafeTransfer(to, amount)) {
            _credit[token][to] += amount;
            emit PaymentCredited(token, to, amount);
        }
    }

    function _withdrawable(Pool storage pool) private view returns (uint256) {
        uint256 balance = pool.funded - pool.withdrawn - pool.paid;
        // paid ≤ owed: a device is paid at most its accrual, and the circuit makes Σ accruals
        // equal Σ totalUnits × rate (guarded all the same: a broken circuit must not lock funds).
        uint256 liabilities = pool.owed > pool.paid ? pool.owed - pool.paid : 0;
        return balance > liabilities ? balance - liabilities : 0;
    }

    function _leafHash(Leaf calldata leaf) private pure returns (uint256) {
        uint256 r = RegistryOps.SNARK_SCALAR_FIELD;
        if (
            leaf.keyHash >= r ||
            leaf.cumulativeUnits >= r ||
            leaf.lastTimestamp >= r ||
            leaf.accruedReward >= r
        ) revert LeafNotInField();
        return PoseidonT5.hash([leaf.keyHash, leaf.cumulativeUnits, leaf.lastTimestamp, leaf.accruedReward]);
    }

    function _authorizationDigest(ClaimAuthorization calldata a) private view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        CLAIM_AUTHORIZATION_TYPEHASH,
                        a.deviceId,
                        a.recipient,
                        a.minAmount,
                        a.nonce,
                        a.deadline
                    )
                )
            );
    }

    function _checkProjectOwner(uint256 projectId) private view {
        if (_projects.ownerOf(projectId) != msg.sender) revert NotProjectOwner(projectId, msg.sender);
    }
}

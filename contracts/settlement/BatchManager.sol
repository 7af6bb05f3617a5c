// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IBatchManager} from "../interfaces/IBatchManager.sol";
import {BATCH_PUBLIC_SIGNALS, ProofSystem} from "../interfaces/IBatchVerifier.sol";
import {IDePINApp} from "../interfaces/IDePINApp.sol";
import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IProverPool} from "../interfaces/IProverPool.sol";
import {IRewardReceiver} from "../interfaces/IRewardReceiver.sol";
import {IVerifierRegistry} from "../interfaces/IVerifierRegistry.sol";
import {RegistryOps} from "../libraries/RegistryOps.sol";

/// @title BatchManager
/// @notice See {IBatchManager}.
contract BatchManager is ReentrancyGuard, IBatchManager {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice The contracts and parameters a BatchManager is wired with, once, at deployment.
    struct Config {
        IProjectRegistry projects;
        IDeviceRegistry devices;
        IVerifierRegistry verifiers;
        IProverPool pool;
        IERC20 feeToken;
        IRewardReceiver rewards;
        uint256 emptyStateRoot;
        uint64 proofWindow;
        uint256 slashAmount;
        uint256 hookGas;
    }

    /// @dev Gas kept back around the app hook: what settle needs after it, and the 1/64 rule.
    uint256 private constant HOOK_RESERVE = 10_000;
    /// @dev Draws a reassignment makes to avoid the late prover before accepting it again.
    uint256 private constant REASSIGN_DRAWS = 4;

    IProjectRegistry private immutable _projects;
    IDeviceRegistry private immutable _devices;
    IVerifierRegistry private immutable _verifiers;
    IProverPool private immutable _pool;
    IERC20 private immutable _feeToken;
    IRewardReceiver private immutable _rewards;
    uint256 private immutable _emptyStateRoot;
    uint64 private immutable _proofWindow;
    uint256 private immutable _slashAmount;
    uint256 private immutable _hookGas;

    uint256 private _batchCount;
    mapping(uint256 batchId => Batch) private _batches;
    mapping(uint256 projectId => ProjectState) private _state;
    mapping(uint256 projectId => mapping(uint256 sequence => uint256 batchId)) private _sequence;
    mapping(uint256 projectId => uint256) private _escrow;
    mapping(uint256 projectId => uint256) private _committed;
    mapping(uint256 projectId => address) private _apps;
    /// @dev Fees and bounties earned, withdrawn by the prover (a token that refuses a
    /// transfer to a prover cannot block settlement).
    mapping(address prover => uint256) private _earnedFees;
    mapping(address prover => uint256) private _earnedBounties;

    constructor(Config memory config) {
        _projects = config.projects;
        _devices = config.devices;
        _verifiers = config.verifiers;
        _pool = config.pool;
        _feeToken = config.feeToken;
        _rewards = config.rewards;
        _emptyStateRoot = config.emptyStateRoot;
        _proofWindow = config.proofWindow;
        _slashAmount = config.slashAmount;
        _hookGas = config.hookGas;
    }

    /// @inheritdoc IBatchManager
    function submitBatch(
        uint256 projectId,
        uint256 messagesHash,
        uint32 messageCount,
        uint64 opsTo,
        string calldata dataURI
    ) external nonReentrant returns (uint256 batchId) {
        if (_projects.sequencerOf(projectId) != msg.sender) revert NotSequencer(projectId, msg.sender);
        IProjectRegistry.ProjectSettings memory settings = _projects.settingsOf(projectId);
        if (settings.circuitId == bytes32(0)) revert NoCircuit(projectId);
        _checkVerifier(projectId, settings);
        _checkContent(projectId, messagesHash, messageCount, opsTo);
        _commitFee(projectId, settings.proverFee);

        batchId = ++_batchCount;
        Batch storage b = _batches[batchId];
        _record(b, batchId, projectId, messagesHash, messageCount, opsTo, settings);
        emit BatchSubmitted(batchId, projectId, b.sequence, messagesHash, messageCount, opsTo, dataURI);
        _assign(b, batchId, _draw(batchId, 0));
    }

    /// @inheritdoc IBatchManager
    function settle(
        uint256 batchId,
        uint256 newStateRoot,
        uint256 totalUnits,
        ProofSystem proofSystem,
        bytes calldata proof
    ) external nonReentrant {
        Batch storage b = _openBatch(batchId);
        if (b.prover != msg.sender) revert NotAssignedProver(batchId, msg.sender);
        if (block.timestamp > b.deadline) revert DeadlinePassed(batchId, b.deadline);
        if (proofSystem != b.proofSystem) revert WrongProofSystem(batchId, b.proofSystem, proofSystem);
        ProjectState storage state = _state[b.projectId];
        _checkOrder(b, state, batchId);
        _verify(b, state, batchId, newStateRoot, totalUnits, proofSystem, proof);

        state.stateRoot = newStateRoot;
        state.opsCursor = b.opsTo;
        b.status = BatchStatus.Settled;
        _advance(b.projectId, state);
        _pay(b, batchId, newStateRoot, totalUnits);
    }

    /// @inheritdoc IBatchManager
    function reassign(uint256 batchId) external nonReentrant {
        Batch storage b = _openBatch(batchId);
        // A batch behind an open predecessor cannot be settled, so its window has not started:
        // its prover is never slashed for someone else's lateness.
        uint256 expected = _state[b.projectId].settledThrough + 1;
        if (b.sequence != expected) revert OutOfOrder(batchId, b.sequence, expected);
        if (block.timestamp <= b.deadline) revert DeadlineNotPassed(batchId, b.deadline);
        address late = b.prover;
        // The slashed beneficiary share waits here for whoever settles the batch.
        uint256 before = _pool.asset().balanceOf(address(this));
        uint256 slashed = _pool.slash(late, _slashAmount, address(this));
        b.bounty += (_pool.asset().balanceOf(address(this)) - before).toUint128();
        emit BatchReassigned(batchId, late, slashed);
        address next = late;
        for (uint256 i = 1; i <= REASSIGN_DRAWS && next == late; ++i) next = _draw(batchId, i);
        _assign(b, batchId, next);
    }

    /// @inheritdoc IBatchManager
    function voidBatch(uint256 batchId) external nonReentrant {
        Batch storage b = _openBatch(batchId);
        uint256 projectId = b.projectId;
        _checkOwner(projectId);
        b.status = BatchStatus.Voided;
        _committed[projectId] -= b.fee;
        _advance(projectId, _state[projectId]);
        emit BatchVoided(batchId, projectId);
        uint256 bounty = b.bounty;
        if (bounty > 0) {
            b.bounty = 0;
            // Nobody did the work: the beneficiary share goes where the rest of the slash went.
            _pool.asset().safeTransfer(_pool.treasury(), bounty);
        }
    }

    /// @inheritdoc IBatchManager
    function depositFees(uint256 projectId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _projects.sequencerOf(projectId); // reverts for an unknown project
        _escrow[projectId] += amount;
        _feeToken.safeTransferFrom(msg.sender, address(this), amount);
        emit FeesDeposited(projectId, msg.sender, amount);
    }

    /// @inheritdoc IBatchManager
    function withdrawFees(uint256 projectId, uint256 amount, address to) external nonReentrant {
        _checkOwner(projectId);
        uint256 available = _escrow[projectId] - _committed[projectId];
        if (amount > available) revert InsufficientEscrow(available, amount);
        _escrow[projectId] -= amount;
        _feeToken.safeTransfer(to, amount);
        emit FeesWithdrawn(projectId, to, amount);
    }

    /// @inheritdoc IBatchManager
    function withdrawEarnings(address to) external nonReentrant returns (uint256 fees, uint256 bounties) {
        fees = _earnedFees[msg.sender];
        bounties = _earnedBounties[msg.sender];
        if (fees + bounties == 0) revert NothingEarned(msg.sender);
        _earnedFees[msg.sender] = 0;
        _earnedBounties[msg.sender] = 0;
        emit EarningsWithdrawn(msg.sender, to, fees, bounties);
        if (fees > 0) _feeToken.safeTransfer(to, fees);
        if (bounties > 0) _pool.asset().safeTransfer(to, bounties);
    }

    /// @inheritdoc IBatchManager
    function earningsOf(address prover) external view returns (uint256 fees, uint256 bounties) {
        return (_earnedFees[prover], _earnedBounties[prover]);
    }

    /// @inheritdoc IBatchManager
    function setApp(uint256 projectId, address app) external {
        _checkOwner(projectId);
        _apps[projectId] = app;
        emit AppSet(projectId, app);
    }

    /// @inheritdoc IBatchManager
    function publicSignals(
        uint256 batchId,
        uint256 newStateRoot,
        uint256 totalUnits,
        address prover
    ) external view returns (uint256[11] memory) {
        Batch storage b = _batches[batchId];
        if (b.status == BatchStatus.None) revert UnknownBatch(batchId);
        return _signals(b, _state[b.projectId], newStateRoot, totalUnits, prover);
    }

    /// @inheritdoc IBatchManager
    function batchOf(uint256 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    /// @inheritdoc IBatchManager
    function projectStateOf(uint256 projectId) external view returns (ProjectState memory s) {
        s = _state[projectId];
        if (s.stateRoot == 0) s.stateRoot = _emptyStateRoot;
    }

    /// @inheritdoc IBatchManager
    function domainOf(uint256 projectId) public view returns (uint256) {
        return
            uint256(keccak256(abi.encode(block.chainid, address(this), projectId))) %
            RegistryOps.SNARK_SCALAR_FIELD;
    }

    /// @inheritdoc IBatchManager
    function escrowOf(uint256 projectId) external view returns (uint256 balance, uint256 committed) {
        return (_escrow[projectId], _committed[projectId]);
    }

    /// @inheritdoc IBatchManager
    function batchCount() external view returns (uint256) {
        return _batchCount;
    }

    /// @inheritdoc IBatchManager
    function feeToken() external view returns (address) {
        return address(_feeToken);
    }

    /// @notice The app hook of a project (zero: none).
    function appOf(uint256 projectId) external view returns (address) {
        return _apps[projectId];
    }

    function _signals(
        Batch storage b,
        ProjectState storage state,
        uint256 newStateRoot,
        uint256 totalUnits,
        address prover
    ) private view returns (uint256[BATCH_PUBLIC_SIGNALS] memory s) {
        uint256 projectId = b.projectId;
        // Everything but the prover's claims (new root, total units) comes from storage.
        s[0] = domainOf(projectId);
        s[1] = state.stateRoot == 0 ? _emptyStateRoot : state.stateRoot;
        s[2] = newStateRoot;
        s[3] = _devices.opsChainAt(projectId, state.opsCursor);
        s[4] = _devices.opsChainAt(projectId, b.opsTo);
        s[5] = b.messagesHash;
        s[6] = totalUnits;
        s[7] = uint256(uint160(prover));
        s[8] = b.minInterval;
        s[9] = b.maxUnits;
        s[10] = b.rewardRate;
    }

    function _checkContent(
        uint256 projectId,
        uint256 messagesHash,
        uint32 messageCount,
        uint64 opsTo
    ) private {
        ProjectState storage state = _state[projectId];
        if (state.stateRoot == 0) state.stateRoot = _emptyStateRoot;
        uint64 opsFrom = state.opsSubmitted;
        uint256 opCount = _devices.opCount(projectId);
        if (opsTo < opsFrom || opsTo > opCount) revert OpsOutOfRange(opsFrom, opsTo, opCount);
        if (messageCount == 0 && opsTo == opsFrom) revert EmptyBatch();
        // No messages means the empty chain; a chain value must be a field element.
        if ((messageCount == 0) != (messagesHash == 0) || messagesHash >= RegistryOps.SNARK_SCALAR_FIELD) {
            revert InvalidMessagesHash();
        }
    }

    /// @dev Records a batch with the settings it will be proven against.
    function _record(
        Batch storage b,
        uint256 batchId,
        uint256 projectId,
        uint256 messagesHash,
        uint32 messageCount,
        uint64 opsTo,
        IProjectRegistry.ProjectSettings memory settings
    ) private {
        ProjectState storage state = _state[projectId];
        uint64 sequence = ++state.submitted;
        state.opsSubmitted = opsTo;
        _sequence[projectId][sequence] = batchId;
        b.projectId = projectId.toUint64();
        b.sequence = sequence;
        b.opsTo = opsTo;
        b.messageCount = messageCount;
        b.minInterval = settings.minInterval;
        b.maxUnits = settings.maxUnits;
        b.rewardRate = settings.rewardRate;
        b.fee = uint128(settings.proverFee);
        b.messagesHash = messagesHash;
        b.status = BatchStatus.Assigned;
        b.proofSystem = ProofSystem(settings.proofSystem);
        b.circuitId = settings.circuitId;
    }

    /// @dev Checks the proof against the batch's public signals. Virtual for the invariant
    /// suite's mutants (contracts/test/mutants).
    function _verify(
        Batch storage b,
        ProjectState storage state,
        uint256 batchId,
        uint256 newStateRoot,
        uint256 totalUnits,
        ProofSystem proofSystem,
        bytes calldata proof
    ) internal view virtual {
        uint256[BATCH_PUBLIC_SIGNALS] memory signals = _signals(
            b,
            state,
            newStateRoot,
            totalUnits,
            msg.sender
        );
        // The circuit recorded at submission: a later settings change does not reach this proof.
        if (!_verifiers.verify(b.circuitId, proofSystem, signals, proof)) revert InvalidProof(batchId);
    }

    /// @dev Each proof starts from the previous root: batches settle in submission order. (The
    /// op cursor cannot move back: submissions only extend the ops range.) Virtual for the
    /// invariant suite's mutants.
    function _checkOrder(Batch storage b, ProjectState storage state, uint256 batchId) internal view virtual {
        if (b.sequence != state.settledThrough + 1)
            revert OutOfOrder(batchId, b.sequence, state.settledThrough + 1);
    }

    /// @dev Commits a new batch's fee against the project's escrow. Virtual for the invariant
    /// suite's mutants.
    function _commitFee(uint256 projectId, uint256 fee) internal virtual {
        uint256 available = _escrow[projectId] - _committed[projectId];
        // Every open batch's fee is covered by the escrow.
        if (available < fee) revert InsufficientEscrow(available, fee);
        _committed[projectId] += fee;
    }

    /// @dev Fee and bounty to the prover, the root to the reward layer, then the app hook.
    function _pay(Batch storage b, uint256 batchId, uint256 newStateRoot, uint256 totalUnits) private {
        uint256 projectId = b.projectId;
        uint256 fee = b.fee;
        uint256 bounty = b.bounty;
        _committed[projectId] -= fee;
        _escrow[projectId] -= fee;
        if (fee > 0) _earnedFees[msg.sender] += fee;
        if (bounty > 0) _earnedBounties[msg.sender] += bounty;
        emit BatchSettled(batchId, projectId, msg.sender, newStateRoot, totalUnits, fee, bounty);
        _rewards.onStateRoot(projectId, batchId, newStateRoot, totalUnits * b.rewardRate);
        _callApp(projectId, batchId, newStateRoot, totalUnits);
    }

    function _openBatch(uint256 batchId) private view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.status == BatchStatus.None) revert UnknownBatch(batchId);
        if (b.status != BatchStatus.Assigned) revert BatchNotOpen(batchId, b.status);
    }

    /// @dev A stake-weighted draw from the pool's eligible provers. Virtual for the invariant
    /// suite's mutants.
    function _draw(uint256 batchId, uint256 attempt) internal view virtual returns (address) {
        return _pool.selectProver(uint256(keccak256(abi.encode(block.prevrandao, batchId, attempt))));
    }

    function _assign(Batch storage b, uint256 batchId, address prover) private {
        uint64 deadline = uint64(block.timestamp) + _proofWindow;
        b.prover = prover;
        b.deadline = deadline;
        emit BatchAssigned(batchId, prover, deadline);
    }

    /// @dev Moves the project's settled cursor past settled and voided batches, and starts the
    /// proof window of the batch that becomes settleable (a prover cannot be late for a batch
    /// it could not settle).
    function _advance(uint256 projectId, ProjectState storage state) private {
        uint64 first = state.settledThrough + 1;
        uint64 next = first;
        while (next <= state.submitted && _batches[_sequence[projectId][next]].status > BatchStatus.Assigned)
            ++next;
        // Voiding a batch behind the head moves nothing, and starts no window.
        if (next == first || next > state.submitted) {
            state.settledThrough = next - 1;
            return;
        }
        state.settledThrough = next - 1;
        uint256 headId = _sequence[projectId][next];
        Batch storage head = _batches[headId];
        uint64 deadline = uint64(block.timestamp) + _proofWindow;
        if (head.deadline < deadline) {
            head.deadline = deadline;
            emit BatchDeadlineExtended(headId, head.prover, deadline);
        }
    }

    /// @dev A batch must be provable when it is submitted: its circuit has a live verifier for
    /// the project's proof system (else the assigned prover could only be slashed).
    function _checkVerifier(
        uint256 projectId,
        IProjectRegistry.ProjectSettings memory settings
    ) private view {
        if (
            settings.proofSystem > uint8(type(ProofSystem).max) ||
            address(_verifiers.verifierOf(settings.circuitId, ProofSystem(settings.proofSystem))) ==
                address(0)
        ) revert NoVerifier(projectId, settings.circuitId, settings.proofSystem);
    }

    /// @dev The hook gets exactly `_hookGas`, no returndata is copied, and its failure is
    /// only evented: an app cannot block or grief settlement.
    function _callApp(uint256 projectId, uint256 batchId, uint256 stateRoot, uint256 totalUnits) private {
        address app = _apps[projectId];
        if (app == address(0)) return;
        // With less gas left the hook could be starved by the caller on purpose.
        if (gasleft() < _hookGas + _hookGas / 63 + HOOK_RESERVE) revert NotEnoughGasForHook();
        bytes memory data = abi.encodeCall(
            IDePINApp.onBatchSettled,
            (projectId, batchId, stateRoot, totalUnits)
        );
        uint256 gasLimit = _hookGas;
        bool ok;
        // Reason: a Solidity `.call` copies all returndata (a return bomb); this one copies none.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            ok := call(gasLimit, app, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) emit AppHookFailed(batchId, app);
    }

    function _checkOwner(uint256 projectId) private view {
        if (IERC721(address(_projects)).ownerOf(projectId) != msg.sender)
            revert NotProjectOwner(projectId, msg.sender);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ProofSystem} from "./IBatchVerifier.sol";

/// @title IBatchManager
/// @notice Settlement of a project's batches (DESIGN.md §2, §3, §5). The project's sequencer
/// submits a batch (its messages' Poseidon chain, the registry op it reaches and where its
/// data is); the contract records the project's settings with it, escrows the prover fee and
/// draws a prover from the ProverPool by stake, with a deadline in seconds. The assigned
/// prover settles with a proof whose public signals the contract builds itself; the state
/// root and op cursor advance, the fee is credited to the prover (withdrawn with
/// `withdrawEarnings`), the reward layer and the project's app hook hear of it. After the
/// deadline anyone may reassign the batch: the late prover is slashed and the slashed share
/// is paid to whoever settles instead. Batches of a project settle in order; the project
/// owner may void one that cannot be proven.
interface IBatchManager {
    enum BatchStatus {
        None,
        Assigned,
        Settled,
        Voided
    }

    /// @notice A batch as recorded at submission: with everything its verification depends on
    /// (the project's circuit, proof system and settings then), so that a settings change never
    /// invalidates a proof in flight.
    /// @param deadline when the assigned prover's window ends. The window runs from the later
    /// of the assignment and the moment the batch became settleable (its predecessor settled
    /// or was voided); before that the batch cannot be reassigned.
    /// @param bounty the slashed share waiting for whoever settles after a reassignment.
    /// @param proofSystem the project's proof system at submission: `settle` must use it.
    /// @param circuitId the project's circuit at submission: the proof is verified against it.
    struct Batch {
        uint64 projectId;
        uint64 sequence;
        uint64 opsTo;
        uint64 deadline;
        uint32 messageCount;
        uint32 minInterval;
        uint64 maxUnits;
        uint128 rewardRate;
        uint128 fee;
        uint128 bounty;
        uint256 messagesHash;
        address prover;
        BatchStatus status;
        ProofSystem proofSystem;
        bytes32 circuitId;
    }

    /// @notice A project's settlement state.
    struct ProjectState {
        uint256 stateRoot;
        uint64 opsCursor;
        uint64 submitted;
        uint64 settledThrough;
        uint64 opsSubmitted;
    }

    event BatchSubmitted(
        uint256 indexed batchId,
        uint256 indexed projectId,
        uint256 sequence,
        uint256 messagesHash,
        uint256 messageCount,
        uint256 opsTo,
        string dataURI
    );
    event BatchAssigned(uint256 indexed batchId, address indexed prover, uint64 deadline);
    /// @notice Emitted when a batch becomes settleable (its predecessor settled or was voided)
    /// and its prover's window restarts from now, ending at `deadline`.
    event BatchDeadlineExtended(uint256 indexed batchId, address indexed prover, uint64 deadline);
    event BatchSettled(
        uint256 indexed batchId,
        uint256 indexed projectId,
        address indexed prover,
        uint256 newStateRoot,
        uint256 totalUnits,
        uint256 fee,
        uint256 bounty
    );
    event BatchReassigned(uint256 indexed batchId, address indexed lateProver, uint256 slashed);
    event BatchVoided(uint256 indexed batchId, uint256 indexed projectId);
    event FeesDeposited(uint256 indexed projectId, address indexed from, uint256 amount);
    event FeesWithdrawn(uint256 indexed projectId, address indexed to, uint256 amount);
    event AppSet(uint256 indexed projectId, address app);
    event AppHookFailed(uint256 indexed batchId, address indexed app);
    event EarningsWithdrawn(address indexed prover, address indexed to, uint256 fees, uint256 bounties);

    error NotSequencer(uint256 projectId, address account);
    error NotProjectOwner(uint256 projectId, address account);
    error NoCircuit(uint256 projectId);
    /// @notice Thrown at submission when the project's circuit has no live verifier for its
    /// proof system (the batch could not be proven, and its prover would be slashed).
    error NoVerifier(uint256 projectId, bytes32 circuitId, uint8 proofSystem);
    /// @notice Thrown when settling with another proof system than the batch was submitted for.
    error WrongProofSystem(uint256 batchId, ProofSystem expected, ProofSystem given);
    error EmptyBatch();
    error OpsOutOfRange(uint256 opsFrom, uint256 opsTo, uint256 opCount);
    error InvalidMessagesHash();
    error InsufficientEscrow(uint256 available, uint256 required);
    error UnknownBatch(uint256 batchId);
    error BatchNotOpen(uint256 batchId, BatchStatus status);
    error NotAssignedProver(uint256 batchId, address account);
    error DeadlinePassed(uint256 batchId, uint64 deadline);
    error DeadlineNotPassed(uint256 batchId, uint64 deadline);
    /// @notice Thrown when settling, or reassigning, a batch that is not its project's next to
    /// settle (`expected` is the next sequence).
    error OutOfOrder(uint256 batchId, uint256 sequence, uint256 expected);
    error InvalidProof(uint256 batchId);
    error ZeroAmount();
    error NothingEarned(address prover);
    error NotEnoughGasForHook();

    /// @notice Submits a batch; the project's sequencer only.
    /// @param messagesHash the Poseidon chain over the batch's message digests.
    /// @param messageCount how many messages (0 for a batch of registry ops only).
    /// @param opsTo the registry op number the batch's op chain reaches.
    /// @param dataURI where the batch data (the DA copy) is served.
    function submitBatch(
        uint256 projectId,
        uint256 messagesHash,
        uint32 messageCount,
        uint64 opsTo,
        string calldata dataURI
    ) external returns (uint256 batchId);

    /// @notice Settles a batch with a proof; the assigned prover only, before the deadline,
    /// in the proof system recorded with the batch.
    function settle(
        uint256 batchId,
        uint256 newStateRoot,
        uint256 totalUnits,
        ProofSystem proofSystem,
        bytes calldata proof
    ) external;

    /// @notice After the deadline of the project's next batch to settle: slashes the late
    /// prover and draws another. Anyone. A batch waiting for its predecessor cannot be
    /// reassigned (`OutOfOrder`): its window has not started.
    function reassign(uint256 batchId) external;

    /// @notice Voids a batch that cannot be proven; the project owner only. State is unchanged;
    /// a bounty from an earlier reassignment goes to the pool's treasury.
    function voidBatch(uint256 batchId) external;

    /// @notice Adds fees to a project's escrow (from the caller).
    function depositFees(uint256 projectId, uint256 amount) external;

    /// @notice Takes fees out of a project's escrow, never what open batches may owe. Owner only.
    function withdrawFees(uint256 projectId, uint256 amount, address to) external;

    /// @notice Pays the caller's earned fees (fee token) and bounties (staking token) to `to`.
    function withdrawEarnings(address to) external returns (uint256 fees, uint256 bounties);

    /// @notice What a prover has earned and not withdrawn yet.
    function earningsOf(address prover) external view returns (uint256 fees, uint256 bounties);

    /// @notice Sets the project's IDePINApp hook (zero: none). Owner only.
    function setApp(uint256 projectId, address app) external;

    /// @notice The public signals a settlement of `batchId` by `prover` must prove (DESIGN.md §3).
    function publicSignals(
        uint256 batchId,
        uint256 newStateRoot,
        uint256 totalUnits,
        address prover
    ) external view returns (uint256[11] memory);

    function batchOf(uint256 batchId) external view returns (Batch memory);
    function projectStateOf(uint256 projectId) external view returns (ProjectState memory);
    /// @notice `uint256(keccak256(abi.encode(chainid, this, projectId))) % r`.
    function domainOf(uint256 projectId) external view returns (uint256);
    function escrowOf(uint256 projectId) external view returns (uint256 balance, uint256 committed);
    function batchCount() external view returns (uint256);

    /// @notice The token prover fees are escrowed and paid in.
    function feeToken() external view returns (address);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IProjectRegistry
/// @notice Projects of a DePIN: one ERC-721 token per project. A project has a config
/// (a URI of its project file and the hash of that file), a sequencer that submits its
/// batches, operators chosen by its owner, an admission policy for devices and the
/// settlement settings read by the settlement and incentive contracts.
/// @dev Operators are granted by the current owner and keyed by that owner: when the
/// project token changes hands, the new owner starts with no operators.
interface IProjectRegistry {
    /// @notice How devices are admitted to a project.
    /// @param Open any device can register itself.
    /// @param OperatorApproval a device needs an operator's signature in its request or
    /// an allow flag an operator set for its address.
    enum Admission {
        Open,
        OperatorApproval
    }

    /// @notice Settlement settings of a project; recorded with every batch when it is
    /// submitted, so a change applies from the next batch on.
    /// @param circuitId the circuit of the project's batch proofs in the verifier registry
    /// (zero until the project chooses one).
    /// @param proofSystem the proof system the project's provers use for that circuit.
    /// @param minInterval the minimum spacing, in seconds, of a device's messages.
    /// @param maxUnits the most units one message may carry.
    /// @param proverFee the fee paid to the prover of each settled batch.
    /// @param rewardRate the reward owed per proven unit.
    struct ProjectSettings {
        bytes32 circuitId;
        uint8 proofSystem;
        uint32 minInterval;
        uint64 maxUnits;
        uint128 proverFee;
        uint128 rewardRate;
    }

    /// @notice Everything the registry stores of a project, as returned by `project`.
    struct ProjectView {
        address owner;
        string name;
        string configURI;
        bytes32 configHash;
        address sequencer;
        Admission admission;
        bool paused;
        ProjectSettings settings;
    }

    /// @notice Emitted when `owner` registers project `projectId`.
    event ProjectRegistered(
        uint256 indexed projectId,
        address indexed owner,
        string name,
        string configURI,
        bytes32 configHash
    );

    /// @notice Emitted when a project's config changes.
    event ConfigUpdated(uint256 indexed projectId, string configURI, bytes32 configHash);

    /// @notice Emitted when a project's sequencer changes (zero: none).
    event SequencerUpdated(uint256 indexed projectId, address indexed sequencer);

    /// @notice Emitted when `owner` grants or withdraws `operator`'s rights on a project.
    event OperatorUpdated(
        uint256 indexed projectId,
        address indexed owner,
        address indexed operator,
        bool enabled
    );

    /// @notice Emitted when a project's admission policy changes.
    event AdmissionUpdated(uint256 indexed projectId, Admission admission);

    /// @notice Emitted when a project's settlement settings change.
    event SettingsUpdated(uint256 indexed projectId, ProjectSettings settings);

    /// @notice Emitted when `account` pauses device registration for a project.
    event ProjectPaused(uint256 indexed projectId, address indexed account);

    /// @notice Emitted when `account` resumes device registration for a project.
    event ProjectUnpaused(uint256 indexed projectId, address indexed account);

    /// @notice Thrown when `projectId` names no project.
    error UnknownProject(uint256 projectId);

    /// @notice Thrown when `account` is not the owner of project `projectId`.
    error NotProjectOwner(uint256 projectId, address account);

    /// @notice Thrown when `account` is neither the owner nor an operator of project `projectId`.
    error NotProjectOperator(uint256 projectId, address account);

    /// @notice Thrown when a project is registered with an empty name.
    error EmptyProjectName();

    /// @notice Thrown when settings would allow two readings of a device at the same second
    /// (`minInterval` 0), so that one signed reading could be credited twice.
    error ZeroMinInterval(uint256 projectId);

    /// @notice Thrown when pausing a project that is already paused.
    error ProjectAlreadyPaused(uint256 projectId);

    /// @notice Thrown when unpausing a project that is not paused.
    error ProjectNotPaused(uint256 projectId);

    /// @notice Registers a project and mints its token to the caller.
    /// @param name a human-readable name (not unique).
    /// @param configURI where the project file lives (ipfs://, https://, ...).
    /// @param configHash the keccak-256 hash of the project file.
    /// @return projectId the new project's id (sequential, from 1).
    function register(
        string calldata name,
        string calldata configURI,
        bytes32 configHash
    ) external returns (uint256 projectId);

    /// @notice Points a project at a new project file. Owner or operator.
    function setConfig(uint256 projectId, string calldata configURI, bytes32 configHash) external;

    /// @notice Sets the address allowed to submit the project's batches. Owner only.
    function setSequencer(uint256 projectId, address sequencer) external;

    /// @notice Grants or withdraws an operator's rights on a project. Owner only.
    function setOperator(uint256 projectId, address operator, bool enabled) external;

    /// @notice Sets how devices are admitted to a project. Owner only.
    function setAdmission(uint256 projectId, Admission admission) external;

    /// @notice Sets a project's settlement settings. Owner only. `minInterval` must be at least
    /// 1. Batches already submitted keep the settings they were submitted with.
    function setSettings(uint256 projectId, ProjectSettings calldata settings) external;

    /// @notice Stops device registration for a project. Owner or operator.
    function pause(uint256 projectId) external;

    /// @notice Resumes device registration for a project. Owner only.
    function unpause(uint256 projectId) external;

    /// @notice Everything the registry stores of a project; reverts for an unknown project.
    function project(uint256 projectId) external view returns (ProjectView memory);

    /// @notice Whether `account` is the owner or an operator of project `projectId`.
    function isOperator(uint256 projectId, address account) external view returns (bool);

    /// @notice A project's sequencer (zero: none); reverts for an unknown project.
    function sequencerOf(uint256 projectId) external view returns (address);

    /// @notice A project's settlement settings; reverts for an unknown project.
    function settingsOf(uint256 projectId) external view returns (ProjectSettings memory);

    /// @notice What the device registry needs to admit a device, in one call; reverts for
    /// an unknown project.
    function registrationPolicy(uint256 projectId) external view returns (Admission admission, bool paused);

    /// @notice The number of projects registered so far (the last project id).
    function projectCount() external view returns (uint256);
}

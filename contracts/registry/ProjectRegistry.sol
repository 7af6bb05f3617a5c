// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";

/// @title ProjectRegistry
/// @notice ERC-721 registry of DePIN projects. See {IProjectRegistry}.
contract ProjectRegistry is ERC721, IProjectRegistry {
    /// @dev `registered`, `admission` and `paused` share the sequencer's slot, so that the
    /// device registry's one call per registration reads a single slot.
    struct Project {
        address sequencer;
        Admission admission;
        bool paused;
        bool registered;
        bytes32 configHash;
        string name;
        string configURI;
        ProjectSettings settings;
    }

    uint256 private _projectCount;
    mapping(uint256 projectId => Project) private _projects;
    mapping(uint256 projectId => mapping(address owner => mapping(address operator => bool)))
        private _operators;

    constructor() ERC721("DePIN Kit Project", "DEPINPROJ") {}

    modifier onlyProjectOwner(uint256 projectId) {
        _checkProjectOwner(projectId);
        _;
    }

    modifier onlyProjectOperator(uint256 projectId) {
        _checkProjectOperator(projectId);
        _;
    }

    /// @inheritdoc IProjectRegistry
    function register(
        string calldata name,
        string calldata configURI,
        bytes32 configHash
    ) external returns (uint256 projectId) {
        // A name is how people find a project in explorers and task output.
        if (bytes(name).length == 0) revert EmptyProjectName();
        projectId = ++_projectCount;
        Project storage p = _projects[projectId];
        p.registered = true;
        p.name = name;
        p.configURI = configURI;
        p.configHash = configHash;
        _mint(msg.sender, projectId);
        emit ProjectRegistered(projectId, msg.sender, name, configURI, configHash);
    }

    /// @inheritdoc IProjectRegistry
    function setConfig(
        uint256 projectId,
        string calldata configURI,
        bytes32 configHash
    ) external onlyProjectOperator(projectId) {
        Project storage p = _projects[projectId];
        p.configURI = configURI;
        p.configHash = configHash;
        emit ConfigUpdated(projectId, configURI, configHash);
    }

    /// @inheritdoc IProjectRegistry
    function setSequencer(uint256 projectId, address sequencer) external onlyProjectOwner(projectId) {
        _projects[projectId].sequencer = sequencer;
        emit SequencerUpdated(projectId, sequencer);
    }

    /// @inheritdoc IProjectRegistry
    function setOperator(
        uint256 projectId,
        address operator,
        bool enabled
    ) external onlyProjectOwner(projectId) {
        _operators[projectId][msg.sender][operator] = enabled;
        emit OperatorUpdated(projectId, msg.sender, operator, enabled);
    }

    /// @inheritdoc IProjectRegistry
    function setAdmission(uint256 projectId, Admission admission) external onlyProjectOwner(projectId) {
        _projects[projectId].admission = admission;
        emit AdmissionUpdated(projectId, admission);
    }

    /// @inheritdoc IProjectRegistry
    function setSettings(
        uint256 projectId,
        ProjectSettings calldata settings
    ) external onlyProjectOwner(projectId) {
        // Spacing is what keeps one signed reading from being counted twice (DESIGN.md §3).
        if (settings.minInterval == 0) revert ZeroMinInterval(projectId);
        _projects[projectId].settings = settings;
        emit SettingsUpdated(projectId, settings);
    }

    /// @inheritdoc IProjectRegistry
    function pause(uint256 projectId) external onlyProjectOperator(projectId) {
        Project storage p = _projects[projectId];
        if (p.paused) revert ProjectAlreadyPaused(projectId);
        p.paused = true;
        emit ProjectPaused(projectId, msg.sender);
    }

    /// @inheritdoc IProjectRegistry
    function unpause(uint256 projectId) external onlyProjectOwner(projectId) {
        Project storage p = _projects[projectId];
        // Only the owner resumes: an operator may stop registration in an emergency,
        // but deciding that it is over is the owner's call.
        if (!p.paused) revert ProjectNotPaused(projectId);
        p.paused = false;
        emit ProjectUnpaused(projectId, msg.sender);
    }

    /// @inheritdoc IProjectRegistry
    function project(uint256 projectId) external view returns (ProjectView memory) {
        address owner = _requireProject(projectId);
        Project storage p = _projects[projectId];
        return
            ProjectView({
                owner: owner,
                name: p.name,
                configURI: p.configURI,
                configHash: p.configHash,
                sequencer: p.sequencer,
                admission: p.admission,
                paused: p.paused,
                settings: p.settings
            });
    }

    /// @inheritdoc IProjectRegistry
    function isOperator(uint256 projectId, address account) public view returns (bool) {
        address owner = _ownerOf(projectId);
        if (owner == address(0)) return false;
        return account == owner || _operators[projectId][owner][account];
    }

    /// @inheritdoc IProjectRegistry
    function sequencerOf(uint256 projectId) external view returns (address) {
        _requireProject(projectId);
        return _projects[projectId].sequencer;
    }

    /// @inheritdoc IProjectRegistry
    function settingsOf(uint256 projectId) external view returns (ProjectSettings memory) {
        _requireProject(projectId);
        return _projects[projectId].settings;
    }

    /// @inheritdoc IProjectRegistry
    function registrationPolicy(uint256 projectId) external view returns (Admission admission, bool paused) {
        Project storage p = _projects[projectId];
        if (!p.registered) revert UnknownProject(projectId);
        return (p.admission, p.paused);
    }

    /// @inheritdoc IProjectRegistry
    function projectCount() external view returns (uint256) {
        return _projectCount;
    }

    function _requireProject(uint256 projectId) private view returns (address owner) {
        owner = _ownerOf(projectId);
        if (owner == address(0)) revert UnknownProject(projectId);
    }

    function _checkProjectOwner(uint256 projectId) private view {
        if (_requireProject(projectId) != msg.sender) revert NotProjectOwner(projectId, msg.sender);
    }

    function _checkProjectOperator(uint256 projectId) private view {
        _requireProject(projectId);
        if (!isOperator(projectId, msg.sender)) revert NotProjectOperator(projectId, msg.sender);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IDeviceRegistry} from "../interfaces/IDeviceRegistry.sol";
import {IProjectRegistry} from "../interfaces/IProjectRegistry.sol";
import {IERC6551Registry} from "../interfaces/erc6551/IERC6551Registry.sol";
import {RegistryOps} from "../libraries/RegistryOps.sol";
import {ERC6551Bytecode} from "../accounts/ERC6551Bytecode.sol";

/// @title DeviceRegistry
/// @notice The ioID registry of DePIN Kit. See {IDeviceRegistry}.
contract DeviceRegistry is ERC721, EIP712, IDeviceRegistry {
    /// @dev Per-project counters, one storage slot.
    struct ProjectOps {
        uint32 deviceCount;
        uint64 opCount;
        // Token-bound account policy, in the same slot as the counters registration writes.
        bool createAccounts;
        bool rewardsToAccounts;
    }

    bytes32 private constant REGISTRATION_TYPEHASH = keccak256(
        "Registration(address owner,uint256 projectId,address device,uint256 ax,uint256 ay,"
        "bytes32 didHash,string didURI,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant APPROVAL_TYPEHASH = keccak256(
        "Approval(uint256 projectId,address device,address owner,uint256 deadline)"
    );
    bytes32 private constant KEY_ROTATION_TYPEHASH = keccak256(
        "KeyRotation(address device,uint256 ax,uint256 ay,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant DOCUMENT_UPDATE_TYPEHASH = keccak256(
        "DocumentUpdate(address device,bytes32 didHash,string didURI,uint256 nonce,uint256 deadline)"
    );

    /// @dev The largest state depth: device indices are stored as uint32.
    uint8 private constant MAX_STATE_DEPTH = 32;
    /// @dev ERC-6551 salt of every ioID account: one account per ioID and implementation.
    bytes32 private constant ACCOUNT_SALT = bytes32(0);

    IProjectRegistry private immutable _projectRegistry;
    uint8 private immutable _stateDepth;
    uint256 private immutable _capacity;
    IERC6551Registry private immutable _accountRegistry;
    address private immutable _accountImplementation;

    mapping(uint256 deviceId => Device) private _devices;
    mapping(uint256 projectId => ProjectOps) private _projectOps;
    mapping(uint256 projectId => mapping(uint256 opNumber => uint256 opsChain)) private _checkpoints;
    mapping(uint256 projectId => mapping(address device => bool)) private _admitted;

    /// @param projectRegistry_ the project registry whose projects devices join.
    /// @param stateDepth_ the depth of every project's state tree (1..32; the circuits' STATE_DEPTH).
    /// @param accountRegistry_ the ERC-6551 registry for token-bound accounts, and
    /// @param accountImplementation_ their implementation: both zero for a deployment
    /// without accounts, both set otherwise.
    constructor(
        IProjectRegistry projectRegistry_,
        uint8 stateDepth_,
        IERC6551Registry accountRegistry_,
        address accountImplementation_
    ) ERC721("DePIN Kit ioID", "IOID") EIP712("DePIN Kit DeviceRegistry", "1") {
        if (stateDepth_ == 0 || stateDepth_ > MAX_STATE_DEPTH) revert InvalidStateDepth(stateDepth_);
        bool noAccounts = address(accountRegistry_) == address(0) && accountImplementation_ == address(0);
        if (
            !noAccounts &&
            (address(accountRegistry_).code.length == 0 || accountImplementation_.code.length == 0)
        ) revert InvalidAccountSetup(address(accountRegistry_), accountImplementation_);
        _projectRegistry = projectRegistry_;
        _stateDepth = stateDepth_;
        _capacity = uint256(1) << stateDepth_;
        _accountRegistry = accountRegistry_;
        _accountImplementation = accountImplementation_;
        // Accounts are addressed without calling the registry: it must derive them the
        // ERC-6551 way.
        if (
            !noAccounts &&
            accountRegistry_.account(accountImplementation_, ACCOUNT_SALT, block.chainid, address(this), 0) !=
                _accountAddress(0)
        ) revert InvalidAccountSetup(address(accountRegistry_), accountImplementation_);
    }

    /// @inheritdoc IDeviceRegistry
    function register(
        RegistrationRequest calldata request,
        bytes calldata deviceSignature
    ) external returns (uint256 deviceId) {
        return _register(request, deviceSignature);
    }

    /// @inheritdoc IDeviceRegistry
    function registerBatch(
        RegistrationRequest[] calldata requests,
        bytes[] calldata deviceSignatures
    ) external returns (uint256[] memory deviceIds, bool[] memory registered) {
        uint256 count = requests.length;
        if (count == 0 || count != deviceSignatures.length) {
            revert InvalidBatchLength(count, deviceSignatures.length);
        }
        deviceIds = new uint256[](count);
        registered = new bool[](count);
        for (uint256 i = 0; i < count; ++i) {
            RegistrationRequest calldata request = requests[i];
            uint256 deviceId = deviceIdOf(request.device);
            Device storage device = _devices[deviceId];
            // Anyone may relay one signed entry first; that must not sink the manufacturer's
            // batch. Only the very request signed is skipped: anything else still reverts.
            if (
                device.status != DeviceStatus.None &&
                device.registration == bytes11(registrationDigest(request))
            ) {
                deviceIds[i] = deviceId;
                emit RegistrationSkipped(deviceId, i);
                continue;
            }
            deviceIds[i] = _register(request, deviceSignatures[i]);
            registered[i] = true;
        }
    }

    /// @inheritdoc IDeviceRegistry
    function rotateKey(KeyRotation calldata rotation, bytes calldata deviceSignature) external {
        uint256 deviceId = deviceIdOf(rotation.device);
        Device storage device = _activeDevice(deviceId);
        _checkDeadline(rotation.deadline);
        _useNonce(device, rotation.nonce);
        _checkPublicKey(rotation.ax, rotation.ay);
        _checkDeviceSignature(rotation.device, rotationDigest(rotation), deviceSignature);

        uint256 keyHash = RegistryOps.keyHash(deviceId, rotation.ax, rotation.ay);
        _appendOp(device.projectId, device.index, keyHash);
        emit DeviceKeyRotated(deviceId, rotation.ax, rotation.ay, keyHash);
    }

    /// @inheritdoc IDeviceRegistry
    function updateDocument(DocumentUpdate calldata update, bytes calldata deviceSignature) external {
        uint256 deviceId = deviceIdOf(update.device);
        Device storage device = _activeDevice(deviceId);
        _checkDeadline(update.deadline);
        _useNonce(device, update.nonce);
        _checkDeviceSignature(update.device, documentDigest(update), deviceSignature);
        emit DeviceDocumentUpdated(deviceId, update.didHash, update.didURI);
    }

    /// @inheritdoc IDeviceRegistry
    function revoke(uint256 deviceId) external {
        Device storage device = _activeDevice(deviceId);
        address owner = _ownerOf(deviceId);
        // The owner answers for the device; the project's operators police their network.
        if (
            !_isAuthorized(owner, msg.sender, deviceId) &&
            !_projectRegistry.isOperator(device.projectId, msg.sender)
        ) revert NotAuthorizedToRevoke(deviceId, msg.sender);
        device.status = DeviceStatus.Revoked;
        _appendOp(device.projectId, device.index, 0);
        emit DeviceRevoked(deviceId, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function setAdmission(uint256 projectId, address device, bool allowed) external {
        if (!_projectRegistry.isOperator(projectId, msg.sender)) revert NotOperator(projectId, msg.sender);
        _admitted[projectId][device] = allowed;
        emit DeviceAdmissionUpdated(projectId, device, allowed, msg.sender);
    }

    /// @inheritdoc IDeviceRegistry
    function setAccountPolicy(uint256 projectId, bool createAtRegistration, bool rewardsToAccount) external {
        if (IERC721(address(_projectRegistry)).ownerOf(projectId) != msg.sender) {
            revert NotProjectOwner(projectId, msg.sender);
        }
        if ((createAtRegistration || rewardsToAccount) && _accountImplementation == address(0)) {
            revert AccountsUnavailable();
        }
        ProjectOps storage ops = _projectOps[projectId];
        ops.createAccounts = createAtRegistration;
        ops.rewardsToAccounts = rewardsToAccount;
        emit AccountPolicyUpdated(projectId, createAtRegistration, rewardsToAccount);
    }

    function createAccount(uint256 deviceId) external returns (address) {
        _existingDevice(deviceId);
        if (_accountImplementation == address(0)) revert AccountsUnavailable();
        return _createAccount(deviceId);
    }

    function accountPolicy(
        uint256 projectId
    ) external view returns (bool createAtRegistration, bool rewardsToAccount) {
        ProjectOps storage ops = _projectOps[projectId];
        return (ops.createAccounts, ops.rewardsToAccounts);
    }

    function accountOf(uint256 deviceId) external view returns (address) {
        _existingDevice(deviceId);
        if (_accountImplementation == address(0)) revert AccountsUnavailable();
        return _accountAddress(deviceId);
    }

    function payoutOf(uint256 deviceId) external view returns (Payout memory payout) {
        Device storage device = _existingDevice(deviceId);
        uint64 projectId = device.projectId;
        address owner = _ownerOf(deviceId);
        // A policy can only be set with accounts available, so the address is well defined.
        address payee = _projectOps[projectId].rewardsToAccounts ? _accountAddress(deviceId) : owner;
        return Payout(projectId, device.index, owner, payee);
    }

    function accountRegistry() external view returns (address) {
        return address(_accountRegistry);
    }

    function accountImplementation() external view returns (address) {
        return _accountImplementation;
    }

    function deviceOf(uint256 deviceId) external view returns (Device memory) {
        return _existingDevice(deviceId);
    }

    /// @inheritdoc IDeviceRegistry
    function isAdmitted(uint256 projectId, address device) external view returns (bool) {
        return _admitted[projectId][device];
    }

    /// @inheritdoc IDeviceRegistry
    function deviceIdOf(address device) public pure returns (uint256) {
        return uint256(uint160(device));
    }

    /// @inheritdoc IDeviceRegistry
    function didOf(uint256 deviceId) external view returns (string memory) {
        _existingDevice(deviceId);
        return string.concat("did:io:", Strings.toHexString(address(uint160(deviceId))));
    }

    /// @inheritdoc IDeviceRegistry
    function deviceCount(uint256 projectId) external view returns (uint256) {
        return _projectOps[projectId].deviceCount;
    }

    /// @inheritdoc IDeviceRegistry
    function opCount(uint256 projectId) external view returns (uint256) {
        return _projectOps[projectId].opCount;
    }

    /// @inheritdoc IDeviceRegistry
    function opsChainAt(uint256 projectId, uint256 opNumber) external view returns (uint256) {
        if (opNumber > _projectOps[projectId].opCount) revert UnknownCheckpoint(projectId, opNumber);
        return _checkpoints[projectId][opNumber];
    }

    /// @inheritdoc IDeviceRegistry
    function stateDepth() external view returns (uint8) {
        return _stateDepth;
    }

    /// @notice The project registry devices are registered against.
    function projectRegistry() external view returns (IProjectRegistry) {
        return _projectRegistry;
    }

    /// @inheritdoc IDeviceRegistry
    function registrationDigest(RegistrationRequest calldata request) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        REGISTRATION_TYPEHASH,
                        request.owner,
                        request.projectId,
                        request.device,
                        request.ax,
                        request.ay,
                        request.didHash,
                        keccak256(bytes(request.didURI)),
                        request.nonce,
                        request.deadline
                    )
                )
            );
    }

    /// @inheritdoc IDeviceRegistry
    function approvalDigest(RegistrationRequest calldata request) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        APPROVAL_TYPEHASH,
                        request.projectId,
                        request.device,
                        request.owner,
                        request.deadline
                    )
                )
            );
    }

    /// @inheritdoc IDeviceRegistry
    function rotationDigest(KeyRotation calldata rotation) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        KEY_ROTATION_TYPEHASH,
                        rotation.device,
                        rotation.ax,
                        rotation.ay,
                        rotation.nonce,
                        rotation.deadline
                    )
                )
            );
    }

    /// @inheritdoc IDeviceRegistry
    function documentDigest(DocumentUpdate calldata update) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        DOCUMENT_UPDATE_TYPEHASH,
                        update.device,
                        update.didHash,
                        keccak256(bytes(update.didURI)),
                        update.nonce,
                        update.deadline
                    )
                )
            );
    }

    function _register(
        RegistrationRequest calldata request,
        bytes calldata deviceSignature
    ) private returns (uint256 deviceId) {
        _checkDeadline(request.deadline);
        deviceId = deviceIdOf(request.device);
        Device storage device = _devices[deviceId];
        // One ioID per device address, ever: a revoked device keeps its token and a new
        // hardware identity needs a new key.
        if (device.status != DeviceStatus.None) revert DeviceAlreadyRegistered(deviceId);
        if (request.nonce != 0) revert InvalidNonce(request.nonce, 0);
        _checkPublicKey(request.ax, request.ay);

        (IProjectRegistry.Admission admission, bool paused) = _projectRegistry.registrationPolicy(
            request.projectId
        );
        if (paused) revert ProjectPausedForRegistration(request.projectId);
        bytes32 digest = registrationDigest(request);
        _checkDeviceSignature(request.device, digest, deviceSignature);
        if (admission == IProjectRegistry.Admission.OperatorApproval) _checkApproval(request);

        ProjectOps storage ops = _projectOps[request.projectId];
        uint32 index = ops.deviceCount;
        if (index >= _capacity) revert ProjectFull(request.projectId, _capacity);
        ops.deviceCount = index + 1;

        // Project ids are sequential from 1, so a registered project's id fits in 64 bits.
        device.projectId = uint64(request.projectId);
        device.index = index;
        device.nonce = 1;
        device.status = DeviceStatus.Active;
        device.registration = bytes11(digest);

        uint256 keyHash = RegistryOps.keyHash(deviceId, request.ax, request.ay);
        _appendOp(request.projectId, index, keyHash);
        _mint(request.owner, deviceId);
        _emitRegistered(request, deviceId, index, keyHash);
        if (ops.createAccounts) _createAccount(deviceId);
    }

    function _createAccount(uint256 deviceId) private returns (address account) {
        account = _accountAddress(deviceId);
        if (account.code.length != 0) return account;
        // The registry is a trusted, immutable dependency; it deploys at the computed address.
        _accountRegistry.createAccount(
            _accountImplementation,
            ACCOUNT_SALT,
            block.chainid,
            address(this),
            deviceId
        );
        emit DeviceAccountCreated(deviceId, account);
    }

    function _accountAddress(uint256 deviceId) private view returns (address) {
        return
            ERC6551Bytecode.accountAddress(
                address(_accountRegistry),
                _accountImplementation,
                ACCOUNT_SALT,
                block.chainid,
                address(this),
                deviceId
            );
    }

    function _emitRegistered(
        RegistrationRequest calldata request,
        uint256 deviceId,
        uint256 index,
        uint256 keyHash
    ) private {
        emit DeviceRegistered(
            deviceId,
            request.projectId,
            request.owner,
            index,
            request.ax,
            request.ay,
            keyHash,
            request.didHash,
            request.didURI
        );
    }

    /// @dev The single choke point of the op chain: appends `(index, keyHash)`, stores the
    /// new checkpoint and emits it. Virtual only so that the invariant suite's mutants can
    /// break it.
    function _appendOp(uint256 projectId, uint256 index, uint256 keyHash) internal virtual {
        ProjectOps storage ops = _projectOps[projectId];
        uint64 opNumber = ops.opCount;
        uint256 next = RegistryOps.chain(_checkpoints[projectId][opNumber], index, keyHash);
        ++opNumber;
        ops.opCount = opNumber;
        _checkpoints[projectId][opNumber] = next;
        emit RegistryOpAppended(projectId, opNumber, index, keyHash, next);
    }

    function _checkApproval(RegistrationRequest calldata request) private view {
        if (_admitted[request.projectId][request.device]) return;
        if (request.approver == address(0)) revert AdmissionRequired(request.projectId, request.device);
        if (!_projectRegistry.isOperator(request.projectId, request.approver)) {
            revert ApproverNotOperator(request.projectId, request.approver);
        }
        if (
            !SignatureChecker.isValidSignatureNow(
                request.approver,
                approvalDigest(request),
                request.approverSignature
            )
        ) revert InvalidApproverSignature(request.approver);
    }

    function _checkDeviceSignature(address device, bytes32 digest, bytes calldata signature) private view {
        // EOA devices sign with their secp256k1 key; smart devices answer ERC-1271.
        if (!SignatureChecker.isValidSignatureNow(device, digest, signature)) {
            revert InvalidDeviceSignature(device);
        }
    }

    function _checkDeadline(uint256 deadline) private view {
        // Reason: a signature stays valid through its deadline second (EIP-712/2612 convention).
        // solhint-disable-next-line gas-strict-inequalities
        if (block.timestamp > deadline) revert ExpiredDeadline(deadline);
    }

    function _useNonce(Device storage device, uint256 nonce) private {
        uint64 expected = device.nonce;
        if (nonce != expected) revert InvalidNonce(nonce, expected);
        device.nonce = expected + 1;
    }

    function _checkPublicKey(uint256 ax, uint256 ay) private pure {
        // Coordinates must be field elements for Poseidon and the circuit; Ax = 0 is the
        // identity or the point of order two, under which any signature verifies.
        if (ax == 0 || ax >= RegistryOps.SNARK_SCALAR_FIELD || ay >= RegistryOps.SNARK_SCALAR_FIELD) {
            revert InvalidPublicKey(ax, ay);
        }
    }

    function _existingDevice(uint256 deviceId) private view returns (Device storage device) {
        device = _devices[deviceId];
        if (device.status == DeviceStatus.None) revert UnknownDevice(deviceId);
    }

    function _activeDevice(uint256 deviceId) private view returns (Device storage device) {
        device = _existingDevice(deviceId);
        if (device.status == DeviceStatus.Revoked) revert DeviceIsRevoked(deviceId);
    }
}

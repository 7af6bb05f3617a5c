// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IDeviceRegistry
/// @notice The ioID registry: one ERC-721 token per physical device.
///
/// A device holds a secp256k1 key (or is an ERC-1271 contract) whose address is its
/// identity: its DID is `did:io:<address>` and its ioID token id is that address read
/// as a number, so one address can never hold two ioIDs. The device signs its own
/// registration (EIP-712); anyone may submit it. Registration gives the device the
/// project's next device index and appends a registry op `(index, keyHash)` to the
/// project's op chain (DESIGN.md §3), of which every checkpoint is kept so that a batch
/// can end at any op. No Merkle tree is updated on-chain: the key enters the project's
/// state tree through the next proven batch, and registration costs the same at the
/// millionth device as at the first.
///
/// The device's BabyJubJub key `(Ax, Ay)` signs its data. The device rotates it with its
/// own signature; the ioID owner or a project operator revokes the device (terminal: the
/// key hash becomes 0, the token stays with its owner, and what the device earned stays
/// claimable). The DID document (hash and URI) is published in events and updated with the
/// device's signature.
interface IDeviceRegistry {
    /// @notice Lifecycle of an ioID.
    enum DeviceStatus {
        None,
        Active,
        Revoked
    }

    /// @notice What the registry stores per device (one storage slot).
    /// @param projectId the project the device belongs to.
    /// @param index the device's leaf index in the project's state tree.
    /// @param nonce the next nonce the device must sign with.
    /// @param status whether the device is registered, and whether it was revoked.
    /// @param registration the first 11 bytes of the EIP-712 digest of the registration that
    /// registered it (`registrationDigest`), so that a relayed copy of the same signed request
    /// is recognised and skipped by `registerBatch`.
    struct Device {
        uint64 projectId;
        uint32 index;
        uint64 nonce;
        DeviceStatus status;
        bytes11 registration;
    }

    /// @notice A registration. The device signs the EIP-712 struct
    /// `Registration(address owner,uint256 projectId,address device,uint256 ax,uint256 ay,
    /// bytes32 didHash,string didURI,uint256 nonce,uint256 deadline)` made of the first nine
    /// fields. In projects with operator approval, `approver` (an operator) signs
    /// `Approval(uint256 projectId,address device,address owner,uint256 deadline)`, unless
    /// an operator set the device's allow flag beforehand (then `approver` is zero).
    struct RegistrationRequest {
        address owner;
        uint256 projectId;
        address device;
        uint256 ax;
        uint256 ay;
        bytes32 didHash;
        string didURI;
        uint256 nonce;
        uint256 deadline;
        address approver;
        bytes approverSignature;
    }

    /// @notice A key rotation, signed by the device as
    /// `KeyRotation(address device,uint256 ax,uint256 ay,uint256 nonce,uint256 deadline)`.
    struct KeyRotation {
        address device;
        uint256 ax;
        uint256 ay;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A DID document update, signed by the device as
    /// `DocumentUpdate(address device,bytes32 didHash,string didURI,uint256 nonce,uint256 deadline)`.
    struct DocumentUpdate {
        address device;
        bytes32 didHash;
        string didURI;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice Who is paid for a device's rewards, with what a claim needs of the device.
    /// @param projectId the project the device belongs to.
    /// @param index the device's leaf index in the project's state tree.
    /// @param owner the ioID's current owner.
    /// @param payee `owner`, or the ioID's token-bound account if the project sends rewards
    /// to accounts.
    struct Payout {
        uint64 projectId;
        uint32 index;
        address owner;
        address payee;
    }

    /// @notice Emitted by `registerBatch` for entry `position` of the batch, whose device was
    /// already registered by exactly the request signed (relayed by someone else first).
    event RegistrationSkipped(uint256 indexed deviceId, uint256 position);

    /// @notice Emitted when a device is registered; its ioID is minted to `owner`. Carries the
    /// device's first DID document (hash and URI).
    event DeviceRegistered(
        uint256 indexed deviceId,
        uint256 indexed projectId,
        address indexed owner,
        uint256 index,
        uint256 ax,
        uint256 ay,
        uint256 keyHash,
        bytes32 didHash,
        string didURI
    );

    /// @notice Emitted when a device updates its DID document after registration.
    event DeviceDocumentUpdated(uint256 indexed deviceId, bytes32 didHash, string didURI);

    /// @notice Emitted when a device rotates its BabyJubJub key.
    event DeviceKeyRotated(uint256 indexed deviceId, uint256 ax, uint256 ay, uint256 keyHash);

    /// @notice Emitted when `by` revokes a device.
    event DeviceRevoked(uint256 indexed deviceId, address indexed by);

    /// @notice Emitted when a project operator sets or clears a device's allow flag.
    event DeviceAdmissionUpdated(
        uint256 indexed projectId,
        address indexed device,
        bool allowed,
        address indexed operator
    );

    /// @notice Emitted for every registry op; `opNumber` is n+1 and `opsChain` is
    /// `opsChain(n+1)`. Provers replay these to rebuild a project's state tree.
    event RegistryOpAppended(
        uint256 indexed projectId,
        uint256 opNumber,
        uint256 index,
        uint256 keyHash,
        uint256 opsChain
    );

    /// @notice Thrown when a signed request is submitted after its deadline.
    error ExpiredDeadline(uint256 deadline);

    /// @notice Thrown when a signed request carries a nonce other than the device's next one.
    error InvalidNonce(uint256 provided, uint256 expected);

    /// @notice Thrown when the device's signature does not match the request.
    error InvalidDeviceSignature(address device);

    /// @notice Thrown when the approver's signature does not match the request.
    error InvalidApproverSignature(address approver);

    /// @notice Thrown when a project needs operator approval and the request has none.
    error AdmissionRequired(uint256 projectId, address device);

    /// @notice Thrown when the named approver is not an operator of the project.
    error ApproverNotOperator(uint256 projectId, address approver);

    /// @notice Thrown when registering a device address that already has an ioID.
    error DeviceAlreadyRegistered(uint256 deviceId);

    /// @notice Thrown when `deviceId` names no ioID.
    error UnknownDevice(uint256 deviceId);

    /// @notice Thrown when acting on a revoked device.
    error DeviceIsRevoked(uint256 deviceId);

    /// @notice Thrown when a BabyJubJub coordinate is not a field element below `r`, or Ax
    /// is zero (the identity and the point of order two, which any signature opens).
    error InvalidPublicKey(uint256 ax, uint256 ay);

    /// @notice Thrown when a project has used all `capacity` device indices.
    error ProjectFull(uint256 projectId, uint256 capacity);

    /// @notice Thrown when registering into a paused project.
    error ProjectPausedForRegistration(uint256 projectId);

    /// @notice Thrown when `account` may not revoke device `deviceId`.
    error NotAuthorizedToRevoke(uint256 deviceId, address account);

    /// @notice Thrown when `account` is not an operator of project `projectId`.
    error NotOperator(uint256 projectId, address account);

    /// @notice Thrown when a batch's arrays differ in length or are empty.
    error InvalidBatchLength(uint256 requests, uint256 signatures);

    /// @notice Emitted when a project owner changes the project's token-bound account policy.
    event AccountPolicyUpdated(uint256 indexed projectId, bool createAtRegistration, bool rewardsToAccount);

    /// @notice Emitted when the registry deploys a device's ERC-6551 token-bound account.
    event DeviceAccountCreated(uint256 indexed deviceId, address indexed account);

    /// @notice Thrown when `account` is not the owner of project `projectId`.
    error NotProjectOwner(uint256 projectId, address account);

    /// @notice Thrown when this deployment has no ERC-6551 registry and implementation.
    error AccountsUnavailable();

    /// @notice Thrown at deployment when only one of the ERC-6551 registry and the account
    /// implementation is given, or the implementation has no code.
    error InvalidAccountSetup(address registry, address implementation);

    /// @notice Thrown when asking for an op-chain checkpoint that does not exist yet.
    error UnknownCheckpoint(uint256 projectId, uint256 opNumber);

    /// @notice Thrown at deployment for a state depth outside 1..32.
    error InvalidStateDepth(uint8 depth);

    /// @notice Registers a device with its own signature and mints its ioID to `request.owner`.
    /// @return deviceId the ioID token id, `uint256(uint160(request.device))`.
    function register(
        RegistrationRequest calldata request,
        bytes calldata deviceSignature
    ) external returns (uint256 deviceId);

    /// @notice Registers many devices in one transaction (for manufacturers). An entry whose
    /// device is already registered by exactly that signed request (someone relayed it
    /// first) is skipped with `RegistrationSkipped`; any other failing entry reverts the batch.
    /// @return deviceIds the ioID of every entry, registered or skipped.
    /// @return registered whether each entry was registered by this call (false: skipped).
    function registerBatch(
        RegistrationRequest[] calldata requests,
        bytes[] calldata deviceSignatures
    ) external returns (uint256[] memory deviceIds, bool[] memory registered);

    /// @notice Replaces a device's BabyJubJub key, with the device's signature; appends an op.
    function rotateKey(KeyRotation calldata rotation, bytes calldata deviceSignature) external;

    /// @notice Updates a device's DID document, with the device's signature.
    function updateDocument(DocumentUpdate calldata update, bytes calldata deviceSignature) external;

    /// @notice Revokes a device for good; by the ioID owner (or its approved account) or a
    /// project operator. Appends the op `(index, 0)`; the token stays with its owner.
    function revoke(uint256 deviceId) external;

    /// @notice Sets or clears a device address's allow flag in a project. Operator only.
    function setAdmission(uint256 projectId, address device, bool allowed) external;

    /// @notice Sets whether registration deploys each new device's token-bound account, and
    /// whether the project's rewards are paid to those accounts instead of the ioID owners.
    /// Project owner only; needs a deployment with ERC-6551 accounts when either is set.
    function setAccountPolicy(uint256 projectId, bool createAtRegistration, bool rewardsToAccount) external;

    /// @notice Deploys a device's token-bound account (anyone may; the account belongs to
    /// the ioID's owner whoever pays for it). Returns the address whether it existed or not.
    function createAccount(uint256 deviceId) external returns (address account);

    /// @notice A project's token-bound account policy.
    function accountPolicy(
        uint256 projectId
    ) external view returns (bool createAtRegistration, bool rewardsToAccount);

    /// @notice The ERC-6551 account of an ioID (salt 0, this chain), deployed or not; it can
    /// receive tokens before it is deployed. Reverts for an unknown device.
    function accountOf(uint256 deviceId) external view returns (address);

    /// @notice The device's project, index, owner and reward payee, in one call (for
    /// reward distributors). Reverts for an unknown device.
    function payoutOf(uint256 deviceId) external view returns (Payout memory);

    /// @notice The ERC-6551 registry accounts are created with (zero if none).
    function accountRegistry() external view returns (address);

    /// @notice The ERC-6551 account implementation (zero if none).
    function accountImplementation() external view returns (address);

    /// @notice What the registry stores of a device; reverts for an unknown device.
    function deviceOf(uint256 deviceId) external view returns (Device memory);

    /// @notice Whether an operator allowed `device` into `projectId`.
    function isAdmitted(uint256 projectId, address device) external view returns (bool);

    /// @notice The ioID token id of a device address.
    function deviceIdOf(address device) external pure returns (uint256);

    /// @notice The device's DID, `did:io:0x…` in lower case; reverts for an unknown device.
    function didOf(uint256 deviceId) external view returns (string memory);

    /// @notice The number of devices registered in a project (the next device index).
    function deviceCount(uint256 projectId) external view returns (uint256);

    /// @notice The number of registry ops appended in a project (n of the latest checkpoint).
    function opCount(uint256 projectId) external view returns (uint256);

    /// @notice The checkpoint `opsChain(opNumber)`; `opsChain(0)` is 0.
    function opsChainAt(uint256 projectId, uint256 opNumber) external view returns (uint256);

    /// @notice The depth of every project's state tree; a project holds `2**stateDepth` devices.
    function stateDepth() external view returns (uint8);

    /// @notice The EIP-712 digest a device signs to register.
    function registrationDigest(RegistrationRequest calldata request) external view returns (bytes32);

    /// @notice The EIP-712 digest an operator signs to approve a registration.
    function approvalDigest(RegistrationRequest calldata request) external view returns (bytes32);

    /// @notice The EIP-712 digest a device signs to rotate its key.
    function rotationDigest(KeyRotation calldata rotation) external view returns (bytes32);

    /// @notice The EIP-712 digest a device signs to update its DID document.
    function documentDigest(DocumentUpdate calldata update) external view returns (bytes32);
}

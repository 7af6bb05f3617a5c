/**
 * EIP-712 messages of the DeviceRegistry: what a device signs to register, rotate its key
 * or update its DID document, and what an operator signs to approve a registration.
 * The types mirror `IDeviceRegistry`; tests check that these digests equal the contract's.
 */
import { TypedDataEncoder, type TypedDataDomain, type TypedDataField } from "ethers";

/** Anything that signs EIP-712 typed data: an ethers Wallet or JsonRpcSigner. */
export interface TypedDataSigner {
  getAddress(): Promise<string>;
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

export const DEVICE_REGISTRY_EIP712_NAME = "DePIN Kit DeviceRegistry";
export const DEVICE_REGISTRY_EIP712_VERSION = "1";

/** The EIP-712 domain of a DeviceRegistry deployment. */
export function deviceRegistryDomain(chainId: bigint | number, verifyingContract: string): TypedDataDomain {
  return {
    name: DEVICE_REGISTRY_EIP712_NAME,
    version: DEVICE_REGISTRY_EIP712_VERSION,
    chainId,
    verifyingContract,
  };
}

export const REGISTRATION_TYPES = {
  Registration: [
    { name: "owner", type: "address" },
    { name: "projectId", type: "uint256" },
    { name: "device", type: "address" },
    { name: "ax", type: "uint256" },
    { name: "ay", type: "uint256" },
    { name: "didHash", type: "bytes32" },
    { name: "didURI", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export const APPROVAL_TYPES = {
  Approval: [
    { name: "projectId", type: "uint256" },
    { name: "device", type: "address" },
    { name: "owner", type: "address" },
    { name: "deadline", type: "uint256" },
  ],
};

export const KEY_ROTATION_TYPES = {
  KeyRotation: [
    { name: "device", type: "address" },
    { name: "ax", type: "uint256" },
    { name: "ay", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

export const DOCUMENT_UPDATE_TYPES = {
  DocumentUpdate: [
    { name: "device", type: "address" },
    { name: "didHash", type: "bytes32" },
    { name: "didURI", type: "string" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The device-signed part of a registration request. */
export interface Registration {
  owner: string;
  projectId: bigint;
  device: string;
  ax: bigint;
  ay: bigint;
  didHash: string;
  didURI: string;
  nonce: bigint;
  deadline: bigint;
}

/** `IDeviceRegistry.RegistrationRequest`: the registration plus an optional operator approval. */
export interface RegistrationRequest extends Registration {
  approver: string;
  approverSignature: string;
}

export interface KeyRotation {
  device: string;
  ax: bigint;
  ay: bigint;
  nonce: bigint;
  deadline: bigint;
}

export interface DocumentUpdate {
  device: string;
  didHash: string;
  didURI: string;
  nonce: bigint;
  deadline: bigint;
}

function registrationOf(r: Registration): Registration {
  return {
    owner: r.owner,
    projectId: r.projectId,
    device: r.device,
    ax: r.ax,
    ay: r.ay,
    didHash: r.didHash,
    didURI: r.didURI,
    nonce: r.nonce,
    deadline: r.deadline,
  };
}

export function registrationDigest(domain: TypedDataDomain, r: Registration): string {
  return TypedDataEncoder.hash(domain, REGISTRATION_TYPES, registrationOf(r));
}

export function approvalDigest(domain: TypedDataDomain, r: Registration): string {
  return TypedDataEncoder.hash(domain, APPROVAL_TYPES, approvalOf(r));
}

function approvalOf(r: Registration) {
  return { projectId: r.projectId, device: r.device, owner: r.owner, deadline: r.deadline };
}

/** The device's signature over its registration. */
export function signRegistration(
  device: TypedDataSigner,
  domain: TypedDataDomain,
  r: Registration,
): Promise<string> {
  return device.signTypedData(domain, REGISTRATION_TYPES, { ...registrationOf(r) });
}

/** An operator's approval of a registration (projects with operator approval). */
export function signApproval(
  operator: TypedDataSigner,
  domain: TypedDataDomain,
  r: Registration,
): Promise<string> {
  return operator.signTypedData(domain, APPROVAL_TYPES, approvalOf(r));
}

export function signKeyRotation(
  device: TypedDataSigner,
  domain: TypedDataDomain,
  rotation: KeyRotation,
): Promise<string> {
  return device.signTypedData(domain, KEY_ROTATION_TYPES, { ...rotation });
}

export function signDocumentUpdate(
  device: TypedDataSigner,
  domain: TypedDataDomain,
  update: DocumentUpdate,
): Promise<string> {
  return device.signTypedData(domain, DOCUMENT_UPDATE_TYPES, { ...update });
}

export function rotationDigest(domain: TypedDataDomain, rotation: KeyRotation): string {
  return TypedDataEncoder.hash(domain, KEY_ROTATION_TYPES, { ...rotation });
}

export function documentDigest(domain: TypedDataDomain, update: DocumentUpdate): string {
  return TypedDataEncoder.hash(domain, DOCUMENT_UPDATE_TYPES, { ...update });
}

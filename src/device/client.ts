/**
 * The device SDK's chain client: builds and signs a device's registry requests with its
 * own keys and submits them through any account (the device itself rarely holds gas).
 */
import type { ContractTransactionReceipt, TypedDataDomain } from "ethers";

import type { DeviceRegistry } from "../../typechain-types";
import type { BabyJubKeyPair } from "../crypto/babyjub";
import { isValidBabyJubPublicKey } from "../crypto/babyjub";
import { deviceIdOf, didDocument, didDocumentHash } from "../crypto/did";
import {
  deviceRegistryDomain,
  signApproval,
  signDocumentUpdate,
  signKeyRotation,
  signRegistration,
  type DocumentUpdate,
  type KeyRotation,
  type RegistrationRequest,
  type TypedDataSigner,
} from "../crypto/eip712";
import { ZERO_ADDRESS } from "../constants";
import type { DeviceIdentity } from "./identity";

export interface RegistrationParams {
  /** Who receives the ioID (and the device's rewards). */
  owner: string;
  projectId: bigint;
  /** Unix seconds after which the signature is void. */
  deadline: bigint;
  /** Where the DID document is published; the hash of the generated document is signed. */
  didURI?: string;
}

export interface SignedRegistration {
  request: RegistrationRequest;
  signature: string;
}

/** Throws unless `key` is a usable BabyJubJub device key (on the curve, in the subgroup). */
export function assertUsableKey(key: { ax: bigint; ay: bigint }): void {
  if (!isValidBabyJubPublicKey(key)) {
    throw new Error("BabyJubJub key is not a point of the prime-order subgroup");
  }
}

export class DeviceClient {
  constructor(
    readonly identity: DeviceIdentity,
    readonly registry: DeviceRegistry,
  ) {}

  get address(): string {
    return this.identity.wallet.address;
  }

  get deviceId(): bigint {
    return deviceIdOf(this.address);
  }

  async domain(): Promise<TypedDataDomain> {
    const network = await this.registry.runner!.provider!.getNetwork();
    return deviceRegistryDomain(network.chainId, await this.registry.getAddress());
  }

  /** The device's DID document for its current keys. */
  document(key: { ax: bigint; ay: bigint } = this.identity.babyJub): Record<string, unknown> {
    return didDocument(this.address, key);
  }

  /** Builds and signs a registration request with the device's secp256k1 key. */
  async signRegistration(params: RegistrationParams): Promise<SignedRegistration> {
    assertUsableKey(this.identity.babyJub);
    const request: RegistrationRequest = {
      owner: params.owner,
      projectId: params.projectId,
      device: this.address,
      ax: this.identity.babyJub.ax,
      ay: this.identity.babyJub.ay,
      didHash: didDocumentHash(this.document()),
      didURI: params.didURI ?? "",
      nonce: 0n,
      deadline: params.deadline,
      approver: ZERO_ADDRESS,
      approverSignature: "0x",
    };
    const signature = await signRegistration(this.identity.wallet, await this.domain(), request);
    return { request, signature };
  }

  /** Registers the device; the transaction is sent by the registry's runner. */
  async register(
    params: RegistrationParams,
    approval?: { operator: TypedDataSigner },
  ): Promise<ContractTransactionReceipt> {
    const signed = await this.signRegistration(params);
    if (approval !== undefined) await approve(approval.operator, await this.domain(), signed.request);
    const tx = await this.registry.register(signed.request, signed.signature);
    return (await tx.wait())!;
  }

  /** Replaces the device's BabyJubJub key with `next`, signed by the device. */
  async rotateKey(next: BabyJubKeyPair, deadline: bigint): Promise<ContractTransactionReceipt> {
    assertUsableKey(next);
    const { nonce } = await this.registry.deviceOf(this.deviceId);
    const rotation: KeyRotation = { device: this.address, ax: next.ax, ay: next.ay, nonce, deadline };
    const signature = await signKeyRotation(this.identity.wallet, await this.domain(), rotation);
    const tx = await this.registry.rotateKey(rotation, signature);
    return (await tx.wait())!;
  }

  /** Publishes a new DID document location and hash, signed by the device. */
  async updateDocument(didURI: string, deadline: bigint): Promise<ContractTransactionReceipt> {
    const { nonce } = await this.registry.deviceOf(this.deviceId);
    const update: DocumentUpdate = {
      device: this.address,
      didHash: didDocumentHash(this.document()),
      didURI,
      nonce,
      deadline,
    };
    const signature = await signDocumentUpdate(this.identity.wallet, await this.domain(), update);
    const tx = await this.registry.updateDocument(update, signature);
    return (await tx.wait())!;
  }
}

/** Adds an operator's approval to a registration request, in place. */
export async function approve(
  operator: TypedDataSigner,
  domain: TypedDataDomain,
  request: RegistrationRequest,
): Promise<RegistrationRequest> {
  request.approver = await operator.getAddress();
  request.approverSignature = await signApproval(operator, domain, request);
  return request;
}

/**
 * Device identifiers. A device's DID is `did:io:<address>` (lower-case hex, as IoTeX's
 * ioID) and its ioID token id is the same address read as a number.
 */
import { getAddress, keccak256, toUtf8Bytes } from "ethers";

const DID_PREFIX = "did:io:";

/** The DID of a device address. */
export function didOf(device: string): string {
  return DID_PREFIX + getAddress(device).toLowerCase();
}

/** The ioID token id of a device address. */
export function deviceIdOf(device: string): bigint {
  return BigInt(getAddress(device));
}

/** The device address of an ioID token id. */
export function deviceAddressOf(deviceId: bigint): string {
  if (deviceId <= 0n || deviceId >= 1n << 160n) throw new Error(`not an ioID token id: ${deviceId}`);
  return getAddress("0x" + deviceId.toString(16).padStart(40, "0"));
}

/** Parses `did:io:0x…`, a 0x address or a decimal token id into a device address. */
export function parseDeviceRef(ref: string): string {
  const trimmed = ref.trim();
  if (trimmed.startsWith(DID_PREFIX)) return getAddress(trimmed.slice(DID_PREFIX.length));
  if (/^0x[0-9a-fA-F]{40}$/.test(trimmed)) return getAddress(trimmed);
  if (/^[0-9]+$/.test(trimmed)) return deviceAddressOf(BigInt(trimmed));
  throw new Error(`not a device id, address or did:io DID: ${ref}`);
}

/** A minimal W3C DID document for a device: its secp256k1 controller and BabyJubJub data key. */
export function didDocument(device: string, babyJub: { ax: bigint; ay: bigint }): Record<string, unknown> {
  const did = didOf(device);
  return {
    "@context": ["https://www.w3.org/ns/did/v1"],
    id: did,
    verificationMethod: [
      {
        id: `${did}#secp256k1`,
        type: "EcdsaSecp256k1RecoveryMethod2020",
        controller: did,
        blockchainAccountId: `eip155:4690:${getAddress(device)}`,
      },
      {
        id: `${did}#babyjub`,
        type: "BabyJubJubEdDSAPoseidon",
        controller: did,
        publicKeyCoordinates: { ax: babyJub.ax.toString(), ay: babyJub.ay.toString() },
      },
    ],
    authentication: [`${did}#secp256k1`],
    assertionMethod: [`${did}#babyjub`],
  };
}

/** keccak-256 of a DID document's JSON text (keys in the order given). */
export function didDocumentHash(document: Record<string, unknown>): string {
  return keccak256(toUtf8Bytes(JSON.stringify(document)));
}

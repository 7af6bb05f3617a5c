/**
 * The device identity file: the keys a device holds, as one JSON file.
 *
 * ```json
 * { "format": "depin-kit/device-identity@1",
 *   "address": "0x…", "did": "did:io:0x…",
 *   "secp256k1": { "privateKey": "0x…" },
 *   "babyjub": { "privateKey": "0x…", "ax": "…", "ay": "…" },
 *   "createdAt": "2026-…" }
 * ```
 *
 * Loading re-derives the address and the BabyJubJub public key from the private keys and
 * rejects a file whose stored values disagree. Files are written with mode 0600 and never
 * overwritten unless asked.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";

import { Wallet, hexlify, getBytes } from "ethers";
import { z } from "zod";

import { babyJubPublicKey, generateBabyJubKey, type BabyJubKeyPair } from "../crypto/babyjub";
import { didOf } from "../crypto/did";

export const IDENTITY_FORMAT = "depin-kit/device-identity@1";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "expected 32 bytes of 0x-hex");
const decimal = z.string().regex(/^[0-9]+$/, "expected a decimal integer");

const identityFileSchema = z
  .object({
    format: z.literal(IDENTITY_FORMAT),
    address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
    did: z.string(),
    secp256k1: z.object({ privateKey: hex32 }).strict(),
    babyjub: z.object({ privateKey: hex32, ax: decimal, ay: decimal }).strict(),
    createdAt: z.string(),
  })
  .strict();

export type DeviceIdentityFile = z.infer<typeof identityFileSchema>;

/** A device's keys in memory. */
export interface DeviceIdentity {
  /** The secp256k1 key: its address is the device's DID and ioID token id. */
  wallet: Wallet;
  /** The BabyJubJub key that signs the device's data. */
  babyJub: BabyJubKeyPair;
  createdAt: string;
}

/** Raised for an identity file that is missing, unreadable or inconsistent. */
export class IdentityFileError extends Error {
  override name = "IdentityFileError";
}

/** A new identity with fresh keys from the platform's CSPRNG. */
export function generateIdentity(): DeviceIdentity {
  return {
    wallet: new Wallet(Wallet.createRandom().privateKey),
    babyJub: generateBabyJubKey(),
    createdAt: new Date().toISOString(),
  };
}

/** An identity with a new BabyJubJub key (for rotation); the secp256k1 key stays. */
export function withNewBabyJubKey(identity: DeviceIdentity): DeviceIdentity {
  return { ...identity, babyJub: generateBabyJubKey() };
}

export function identityToJson(identity: DeviceIdentity): DeviceIdentityFile {
  return {
    format: IDENTITY_FORMAT,
    address: identity.wallet.address,
    did: didOf(identity.wallet.address),
    secp256k1: { privateKey: identity.wallet.privateKey },
    babyjub: {
      privateKey: hexlify(identity.babyJub.privateKey),
      ax: identity.babyJub.ax.toString(),
      ay: identity.babyJub.ay.toString(),
    },
    createdAt: identity.createdAt,
  };
}

export function identityFromJson(json: unknown, source = "identity"): DeviceIdentity {
  const parsed = identityFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IdentityFileError(`${source}: ${issue.path.join(".") || "file"}: ${issue.message}`);
  }
  const file = parsed.data;
  const wallet = new Wallet(file.secp256k1.privateKey);
  if (wallet.address.toLowerCase() !== file.address.toLowerCase()) {
    throw new IdentityFileError(`${source}: address does not match the secp256k1 private key`);
  }
  const privateKey = getBytes(file.babyjub.privateKey);
  const pub = babyJubPublicKey(privateKey);
  if (pub.ax.toString() !== file.babyjub.ax || pub.ay.toString() !== file.babyjub.ay) {
    throw new IdentityFileError(`${source}: BabyJubJub public key does not match its private key`);
  }
  return { wallet, babyJub: { privateKey, ...pub }, createdAt: file.createdAt };
}

/** Writes an identity file (mode 0600); refuses to replace an existing file unless `overwrite`. */
export async function saveIdentity(
  file: string,
  identity: DeviceIdentity,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const text = JSON.stringify(identityToJson(identity), null, 2) + "\n";
  try {
    await fs.writeFile(file, text, { mode: 0o600, flag: options.overwrite ? "w" : "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") {
      throw new IdentityFileError(`${file} exists; refusing to overwrite a device's keys`);
    }
    throw err;
  }
}

/** Reads and checks an identity file. */
export async function loadIdentity(file: string): Promise<DeviceIdentity> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IdentityFileError(
      code === "ENOENT" ? `no identity file at ${file}` : `cannot read ${file}: ${code}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new IdentityFileError(`${file}: not JSON`);
  }
  return identityFromJson(json, file);
}

/**
 * EdDSA-Poseidon over BabyJubJub, as circomlib's `EdDSAPoseidonVerifier` and circomlibjs's
 * `signPoseidon` / `verifyPoseidon` define it (DESIGN.md §3):
 *
 *   s = prune(blake512(prv))[0..32] (LE), A = B8·(s >> 3)
 *   r = blake512(prune(blake512(prv))[32..64] ‖ msg as 32 LE bytes) mod l, R8 = B8·r
 *   h = Poseidon(R8x, R8y, Ax, Ay, msg), S = (r + h·s) mod l
 *   valid ⇔ R8, A on the curve, S < l, and B8·S = R8 + (8·A)·h
 *
 * Built on @noble/curves' twisted-Edwards arithmetic. Verification is the sequencer's hot
 * path, so it caches a precomputed window table per device key (devices sign many
 * messages) in a bounded LRU.
 */
import type { EdwardsPoint } from "@noble/curves/abstract/edwards";
import { blake512 } from "@noble/hashes/blake1";
import { poseidon } from "./poseidon";

import { BABYJUB_SUBORDER, BabyJubPoint, babyJubSecretScalar, type BabyJubPublicKey } from "./babyjub";
import { SNARK_SCALAR_FIELD as P, leBytesToBigInt } from "./field";

/** A signature: the point R8 and the scalar S. */
export interface EddsaSignature {
  R8x: bigint;
  R8y: bigint;
  S: bigint;
}

const A_COEF = 168700n;
const D_COEF = 168696n;

function bigIntToLeBytes(x: bigint, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Whether (x, y) satisfies a·x² + y² = 1 + d·x²·y² with canonical coordinates. */
export function isOnBabyJub(x: bigint, y: bigint): boolean {
  if (x < 0n || x >= P || y < 0n || y >= P) return false;
  const x2 = (x * x) % P;
  const y2 = (y * y) % P;
  return (A_COEF * x2 + y2) % P === (1n + ((D_COEF * x2) % P) * y2) % P;
}

/** Signs a field element with a 32-byte BabyJubJub private key (circomlibjs `signPoseidon`). */
export function signEddsaPoseidon(privateKey: Uint8Array, msg: bigint): EddsaSignature {
  if (msg < 0n || msg >= P) throw new Error("message must be a field element");
  const h = blake512(privateKey);
  const s = babyJubSecretScalar(privateKey);
  const a = BabyJubPoint.BASE.multiply((s >> 3n) % BABYJUB_SUBORDER).toAffine();
  const compose = new Uint8Array(64);
  compose.set(h.slice(32, 64), 0);
  compose.set(bigIntToLeBytes(msg, 32), 32);
  const r = leBytesToBigInt(blake512(compose)) % BABYJUB_SUBORDER;
  const r8 = BabyJubPoint.BASE.multiply(r).toAffine();
  const hm = poseidon([r8.x, r8.y, a.x, a.y, msg]);
  const S = (r + hm * s) % BABYJUB_SUBORDER;
  return { R8x: r8.x, R8y: r8.y, S };
}

const KEY_CACHE_LIMIT = 4096;
/** Window of the per-key table: 2^(w-1) points, built once a key has been seen this often. */
const WINDOW = 4;
const USES_BEFORE_TABLE = 2;
const keyCache = new Map<string, { a8: EdwardsPoint; uses: number }>();

/**
 * 8·A, cached per key (LRU, bounded). A key seen a few times gets a precomputed window
 * table, which makes its later verifications several times faster; a key seen once does
 * not pay for one.
 */
function cofactorClearedKey(key: BabyJubPublicKey): EdwardsPoint {
  const id = `${key.ax}:${key.ay}`;
  let entry = keyCache.get(id);
  if (entry === undefined) {
    entry = { a8: BabyJubPoint.fromAffine({ x: key.ax, y: key.ay }).double().double().double(), uses: 0 };
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
  } else {
    keyCache.delete(id);
  }
  keyCache.set(id, entry);
  if (++entry.uses === USES_BEFORE_TABLE) entry.a8.precompute(WINDOW);
  return entry.a8;
}

/** Verifies a signature exactly as circomlibjs `verifyPoseidon` does. */
export function verifyEddsaPoseidon(msg: bigint, sig: EddsaSignature, key: BabyJubPublicKey): boolean {
  if (!isOnBabyJub(sig.R8x, sig.R8y) || !isOnBabyJub(key.ax, key.ay)) return false;
  if (sig.S < 0n || sig.S >= BABYJUB_SUBORDER) return false;
  const hm = poseidon([sig.R8x, sig.R8y, key.ax, key.ay, msg]);
  // 8·A lies in the prime-order subgroup, so its multiple by h depends on h mod l only.
  const a8 = cofactorClearedKey(key);
  const left = BabyJubPoint.BASE.multiplyUnsafe(sig.S);
  const hmod = hm % BABYJUB_SUBORDER;
  const right = (hmod === 0n ? BabyJubPoint.ZERO : a8.multiplyUnsafe(hmod)).add(
    BabyJubPoint.fromAffine({ x: sig.R8x, y: sig.R8y }),
  );
  return left.equals(right);
}

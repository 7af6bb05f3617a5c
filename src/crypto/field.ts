/** The BN254 scalar field modulus `r`: Poseidon inputs, circuit signals and keys live below it. */
export const SNARK_SCALAR_FIELD =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** Whether `x` is a canonical field element (0 ≤ x < r). */
export function isFieldElement(x: bigint): boolean {
  return x >= 0n && x < SNARK_SCALAR_FIELD;
}

/** Reads a little-endian byte string as an unsigned integer. */
export function leBytesToBigInt(bytes: Uint8Array): bigint {
  let x = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) x = (x << 8n) | BigInt(bytes[i]);
  return x;
}

/** Parses a decimal or 0x-hex string (or a number) into a bigint; throws on anything else. */
export function toBigInt(value: bigint | number | string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not a safe integer: ${value}`);
    return BigInt(value);
  }
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) throw new Error(`not an integer: ${value}`);
  return BigInt(value);
}

/**
 * Gas from receipts: the execution gas of a transaction that calls a function directly
 * (a verifier, a view): `gasUsed` minus the intrinsic cost (21,000 plus calldata at 4 gas a
 * zero byte, 16 a non-zero byte). Under EIP-7623 (Prague) a transaction pays at least a
 * calldata floor; this refuses to answer for one that did, where `gasUsed` says nothing
 * about execution.
 */
import type { Signer } from "ethers";
import { getBytes } from "ethers";

export function calldataCost(data: string): { standard: bigint; floor: bigint } {
  let zeros = 0n;
  let nonZeros = 0n;
  for (const b of getBytes(data)) {
    if (b === 0) zeros++;
    else nonZeros++;
  }
  return { standard: 4n * zeros + 16n * nonZeros, floor: 10n * (zeros + 4n * nonZeros) };
}

/** Sends `data` to `to` as a transaction and returns the execution gas from its receipt. */
export async function executionGas(signer: Signer, to: string, data: string): Promise<bigint> {
  const receipt = (await (await signer.sendTransaction({ to, data })).wait())!;
  if (receipt.status !== 1) throw new Error(`call to ${to} reverted`);
  const { standard, floor } = calldataCost(data);
  if (receipt.gasUsed <= 21_000n + floor) throw new Error("the calldata floor applied: no execution figure");
  return receipt.gasUsed - 21_000n - standard;
}

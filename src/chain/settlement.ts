/**
 * The prover side of settlement: a built batch and its proof → the `settle` call, with the
 * public signals checked against the ones the contract will build before gas is spent.
 */
import type { ContractTransactionReceipt } from "ethers";

import type { BatchManager } from "../../typechain-types";
import type { BuiltBatch } from "../zk/batch";
import { PROOF_SYSTEM_ID } from "../zk/circuits";
import { encodeProof, type Proof } from "../zk/prove";

export interface SettleCall {
  batchId: bigint;
  newStateRoot: bigint;
  totalUnits: bigint;
  proofSystem: number;
  proof: string;
}

/** The arguments of `BatchManager.settle` for a proof of `built`. */
export async function settleCall(batchId: bigint, built: BuiltBatch, proof: Proof): Promise<SettleCall> {
  return {
    batchId,
    newStateRoot: built.signals.newStateRoot,
    totalUnits: built.signals.totalUnits,
    proofSystem: PROOF_SYSTEM_ID[proof.system],
    proof: await encodeProof(proof),
  };
}

/**
 * Settles `batchId` with `manager`'s signer (the assigned prover). Fails early if the batch was
 * submitted for another proof system, or, with the first differing signal, if the contract
 * would build other public signals than the proof's.
 */
export async function settleBatch(
  manager: BatchManager,
  batchId: bigint,
  built: BuiltBatch,
  proof: Proof,
): Promise<ContractTransactionReceipt> {
  const call = await settleCall(batchId, built, proof);
  const recorded = Number((await manager.batchOf(batchId)).proofSystem);
  if (recorded !== call.proofSystem)
    throw new Error(
      `batch ${batchId} was submitted for proof system ${recorded}, this proof is ${proof.system} (${call.proofSystem})`,
    );
  const prover = await (manager.runner as unknown as { getAddress(): Promise<string> }).getAddress();
  const expected = await manager.publicSignals(batchId, call.newStateRoot, call.totalUnits, prover);
  const differing = expected.findIndex((s, i) => s !== BigInt(proof.publicSignals[i]));
  if (differing >= 0) {
    throw new Error(
      `public signal ${differing} differs: contract ${expected[differing]}, proof ${proof.publicSignals[differing]}`,
    );
  }
  const tx = await manager.settle(
    call.batchId,
    call.newStateRoot,
    call.totalUnits,
    call.proofSystem,
    call.proof,
  );
  return (await tx.wait())!;
}

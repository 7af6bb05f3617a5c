/**
 * The demo's status file (`DEMO_STATUS_FILE`), read by the dashboard server: where the
 * demo's chain and sequencer listen, the kit's contract addresses, and what the prover
 * workers measured that the chain does not record (proving time per batch). JSON, numbers
 * that may exceed 2^53 as decimal strings. Written whole (temporary file + rename) every
 * time it changes, so a reader never sees half a file.
 */
import * as fs from "node:fs";
import { z } from "zod";

import { UserError } from "../errors";

export const DEMO_STATUS_FORMAT = "depin-kit/demo-status@1";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 20-byte hex address");
const decimal = z.string().regex(/^(0|[1-9][0-9]*)$/, "a decimal integer string");

export const kitContractsSchema = z.object({
  projectRegistry: address,
  deviceRegistry: address,
  proverPool: address,
  batchManager: address,
  rewardDistributor: address,
});

export const proofRecordSchema = z.object({
  batchId: decimal,
  projectId: decimal,
  prover: address,
  /** Witness and proof, in milliseconds (the worker's own clock). */
  proveMs: z.number().nonnegative(),
  txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "a 32-byte hex hash"),
  gasUsed: decimal,
  messages: z.number().int().nonnegative(),
});

export const demoStatusSchema = z.object({
  format: z.literal(DEMO_STATUS_FORMAT),
  /** setup → running (devices streaming) → draining → done (claimed; chain still up). */
  phase: z.enum(["setup", "running", "draining", "done"]),
  updatedAt: z.string(),
  chainId: z.number().int().positive(),
  /** Where the demo's chain answers JSON-RPC, if it is reachable from outside the demo. */
  rpcUrl: z.string().url().nullable(),
  sequencerUrl: z.string().url().nullable(),
  /** Where event scans start (the DeviceRegistry's deployment block). */
  fromBlock: z.number().int().nonnegative(),
  contracts: kitContractsSchema,
  projectIds: z.array(decimal),
  proofs: z.array(proofRecordSchema),
});

export type KitContracts = z.infer<typeof kitContractsSchema>;
export type ProofRecord = z.infer<typeof proofRecordSchema>;
export type DemoStatus = z.infer<typeof demoStatusSchema>;

/** Writes the status file atomically (readers poll it while the demo runs). */
export function writeDemoStatus(file: string, status: DemoStatus): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(status, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

/** Reads and checks a status file; a one-line error naming the file and the bad field. */
export function readDemoStatus(file: string): DemoStatus {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UserError(`cannot read the demo status file ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`the demo status file ${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = demoStatusSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `the demo status file ${file} is not a ${DEMO_STATUS_FORMAT} file: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
  }
  return parsed.data;
}

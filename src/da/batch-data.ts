/**
 * The batch data a sequencer publishes for every batch (the DA copy, DESIGN.md §2): the
 * signed messages in batch order, grouped by device. Its message digests chain to the
 * `messagesHash` the BatchManager stores, so anyone can check a copy against the chain;
 * the registry ops of a batch are on-chain already and are not repeated here.
 *
 * JSON, with every number a decimal string (field elements exceed 2^53):
 *
 *     { "format": "depin-kit/batch-data@1", "projectId": "1", "sequence": 1,
 *       "devices": [ { "deviceId": "0x…", "index": 0, "ax": "…", "ay": "…",
 *         "messages": [ { "timestamp": "…", "units": "…", "payloadHash": "…",
 *                         "r8x": "…", "r8y": "…", "s": "…" } ] } ] }
 */
import * as fs from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { z } from "zod";

import { UserError } from "../errors";
import { messageDigest, messagesHashOf, type DeviceMessages } from "../zk/batch";

export const BATCH_DATA_FORMAT = "depin-kit/batch-data@1";

const decimal = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "a decimal integer string");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 20-byte hex address");

const messageSchema = z.object({
  timestamp: decimal,
  units: decimal,
  payloadHash: decimal,
  r8x: decimal,
  r8y: decimal,
  s: decimal,
});

const deviceSchema = z.object({
  deviceId: address,
  index: z.number().int().nonnegative(),
  ax: decimal,
  ay: decimal,
  messages: z.array(messageSchema).min(1),
});

export const batchDataSchema = z.object({
  format: z.literal(BATCH_DATA_FORMAT),
  projectId: decimal,
  sequence: z.number().int().positive(),
  devices: z.array(deviceSchema),
});

export type BatchDataJson = z.infer<typeof batchDataSchema>;

/** Batch data in memory. */
export interface BatchData {
  projectId: bigint;
  sequence: number;
  devices: DeviceMessages[];
}

const hexAddress = (id: bigint) => "0x" + id.toString(16).padStart(40, "0");

export function encodeBatchData(data: BatchData): BatchDataJson {
  return {
    format: BATCH_DATA_FORMAT,
    projectId: data.projectId.toString(),
    sequence: data.sequence,
    devices: data.devices.map((d) => ({
      deviceId: hexAddress(d.deviceId),
      index: d.index,
      ax: d.key.ax.toString(),
      ay: d.key.ay.toString(),
      messages: d.messages.map((m) => ({
        timestamp: m.timestamp.toString(),
        units: m.units.toString(),
        payloadHash: m.payloadHash.toString(),
        r8x: m.signature.R8x.toString(),
        r8y: m.signature.R8y.toString(),
        s: m.signature.S.toString(),
      })),
    })),
  };
}

/** Parses and validates batch data; throws UserError naming the first bad field. */
export function parseBatchData(json: unknown): BatchData {
  const parsed = batchDataSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`invalid batch data at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const j = parsed.data;
  return {
    projectId: BigInt(j.projectId),
    sequence: j.sequence,
    devices: j.devices.map((d) => ({
      deviceId: BigInt(d.deviceId),
      index: d.index,
      key: { ax: BigInt(d.ax), ay: BigInt(d.ay) },
      messages: d.messages.map((m) => ({
        timestamp: BigInt(m.timestamp),
        units: BigInt(m.units),
        payloadHash: BigInt(m.payloadHash),
        signature: { R8x: BigInt(m.r8x), R8y: BigInt(m.r8y), S: BigInt(m.s) },
      })),
    })),
  };
}

/** The number of messages and their `messagesHash` under `domain` (what the chain stores). */
export function batchDataCommitment(
  data: BatchData,
  domain: bigint,
): { messageCount: number; messagesHash: bigint } {
  const digests = data.devices.flatMap((d) =>
    d.messages.map((m) => messageDigest(domain, d.deviceId, m.timestamp, m.units, m.payloadHash)),
  );
  return { messageCount: digests.length, messagesHash: messagesHashOf(digests) };
}

/** Where batch data comes from: `file://` and `http(s)://` URIs by default. */
export type BatchDataLoader = (dataURI: string) => Promise<BatchData>;

const FETCH_TIMEOUT_MS = 30_000;
/** The most bytes a batch's data may have (a hostile URI must not exhaust memory). */
export const MAX_BATCH_DATA_BYTES = 64 * 1024 * 1024;

async function readHttp(dataURI: string, maxBytes: number): Promise<string> {
  const response = await fetch(dataURI, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new UserError(`batch data ${dataURI}: HTTP ${response.status}`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > maxBytes) throw new UserError(`batch data ${dataURI}: larger than ${maxBytes} bytes`);
  if (response.body === null) return "";
  // Streamed with a byte cap: the declared length may lie.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new UserError(`batch data ${dataURI}: larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

async function readFile(dataURI: string, maxBytes: number): Promise<string> {
  const file = dataURI.startsWith("file://") ? fileURLToPath(dataURI) : dataURI;
  const stat = await fs.stat(file).catch(() => undefined);
  if (stat === undefined) throw new UserError(`batch data ${dataURI}: no such file`);
  // Regular files only: a device or a FIFO could be read forever.
  if (!stat.isFile()) throw new UserError(`batch data ${dataURI}: not a regular file`);
  if (stat.size > maxBytes) throw new UserError(`batch data ${dataURI}: larger than ${maxBytes} bytes`);
  return fs.readFile(file, "utf8");
}

/**
 * A loader for `http(s)://` URIs and, unless `files` is false, `file://` URIs and plain
 * paths (local chains and tests; a replayer of a public network may refuse them, since the
 * URI is the sequencer's choice). Bodies are capped at `maxBytes`.
 */
export function batchDataLoader(options: { files?: boolean; maxBytes?: number } = {}): BatchDataLoader {
  const files = options.files ?? true;
  const maxBytes = options.maxBytes ?? MAX_BATCH_DATA_BYTES;
  return async (dataURI) => {
    let text: string;
    if (/^https?:\/\//.test(dataURI)) {
      text = await readHttp(dataURI, maxBytes);
    } else if (files && (dataURI.startsWith("file://") || !/^[a-z][a-z0-9+.-]*:/i.test(dataURI))) {
      text = await readFile(dataURI, maxBytes);
    } else {
      throw new UserError(
        `batch data ${dataURI}: unsupported URI scheme (${files ? "file://, " : ""}http(s):// are built in; ` +
          `pass your own loader for others)`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UserError(`batch data ${dataURI}: not JSON`);
    }
    return parseBatchData(json);
  };
}

/** The default loader: `http(s)://`, `file://` and plain paths, at most 64 MiB. */
export const loadBatchData: BatchDataLoader = batchDataLoader();

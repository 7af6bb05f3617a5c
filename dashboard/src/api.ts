/**
 * The dashboard server's endpoints, from the browser: its own API (`/api`), the chain's
 * JSON-RPC (`/rpc`) and the sequencer (`/sequencer`), each failing with an `ApiFailure`
 * whose message says which upstream did not answer and why.
 */
import type { ApiError, DashboardConfig, ProofsResponse, RewardsResponse } from "../../src/dashboard/api";

export type { DashboardConfig, ProofsResponse, RewardsResponse };

export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

function isApiError(body: unknown): body is ApiError {
  const e = (body as ApiError | null)?.error;
  return typeof e?.code === "string" && typeof e.message === "string";
}

export async function getJson<T>(
  path: string,
  init?: RequestInit,
  /** Whether a non-2xx answer is still the answer (a health endpoint's 503, say). */
  accept: (status: number, body: unknown) => boolean = () => false,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new ApiFailure(
      "dashboard_unreachable",
      `the dashboard server does not answer (${(err as Error).message}): is \`npm run dashboard\` still running?`,
    );
  }
  const body: unknown = await response.json().catch(() => null);
  if ((!response.ok && !accept(response.status, body)) || body === null) {
    if (isApiError(body)) throw new ApiFailure(body.error.code, body.error.message, response.status);
    throw new ApiFailure("bad_response", `${path}: HTTP ${response.status}`, response.status);
  }
  return body as T;
}

export const fetchConfig = () => getJson<DashboardConfig>("/api/config");
export const fetchProofs = () => getJson<ProofsResponse>("/api/proofs");
export const fetchRewards = (projectId: bigint, block: number) =>
  getJson<RewardsResponse>(`/api/rewards/${projectId}?block=${block}`);

/** One JSON-RPC call through the proxy, with the proxy's or the node's error as the message. */
export async function rpc<T>(method: string, params: unknown[] = []): Promise<T> {
  const body = await getJson<{ result?: T; error?: { message?: string } }>("/rpc", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  if (body.error !== undefined || body.result === undefined)
    throw new ApiFailure(
      "chain_error",
      `the chain answered ${method} with ${body.error?.message ?? "no result"}`,
    );
  return body.result;
}

export interface SequencerHealth {
  /** "ok", or "degraded" / "failing" (answered with 503) with the reasons. */
  status: string;
  reasons?: { code: string; message: string }[];
  block: number;
  commitQueue: number;
  total: number;
  batched: number;
  excluded: number;
  unsubmittedBatches: number;
}

export interface SequencerDevice {
  deviceId: string;
  projectId: string;
  index: number;
  status: "active" | "revoked";
  lastTimestamp: string | null;
  accepted: number;
}

/** The sequencer's health; a 503 that carries a health body (degraded, failing) is an answer too. */
export const fetchSequencerHealth = () =>
  getJson<SequencerHealth>(
    "/sequencer/healthz",
    undefined,
    (status, body) => status === 503 && typeof (body as SequencerHealth | null)?.status === "string",
  );
export const fetchSequencerDevice = (deviceId: string) =>
  getJson<SequencerDevice>(`/sequencer/v1/devices/${deviceId}`);

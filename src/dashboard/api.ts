/**
 * The JSON the dashboard server answers under `/api` (types only: the browser app imports
 * them too). Amounts and ids are decimal strings; addresses are checksummed hex.
 *
 *   GET  /api/config                   where the kit is: contracts, first block, projects
 *   GET  /api/proofs                   proving times the prover workers recorded
 *   GET  /api/rewards/:projectId?block=N  units and accrued rewards per leaf, replayed
 *                                      from public data as of block N
 *   POST /rpc                          the chain's JSON-RPC (proxied)
 *   GET  /sequencer/healthz, /sequencer/v1/devices/:id, /sequencer/v1/batches/:id
 *                                      the sequencer (proxied, read-only)
 *
 * Errors, from the API and the proxies alike: an HTTP status and
 * `{ "error": { "code": "…", "message": "…" } }`.
 */

export interface ApiError {
  error: { code: string; message: string };
}

export interface DashboardConfig {
  /** Where the addresses come from: the demo's status file or a hardhat-deploy folder. */
  source: string;
  /** The chain id the addresses belong to, when the source says. */
  chainId: number | null;
  fromBlock: number;
  contracts: {
    projectRegistry: string;
    deviceRegistry: string;
    proverPool: string;
    batchManager: string;
    rewardDistributor: string;
  };
  /** The upstreams the proxies reach (shown on the page). */
  rpcUrl: string;
  sequencerUrl: string | null;
  /** The demo's phase when the source is its status file. */
  phase: string | null;
  pollMs: number;
}

export interface ProofsResponse {
  /** False when no prover reports its timings here (the page shows "—"). */
  available: boolean;
  proofs: {
    batchId: string;
    prover: string;
    proveMs: number;
    txHash: string;
  }[];
}

export interface RewardsResponse {
  projectId: string;
  /** The block the replay read the chain at. */
  block: number;
  /** Settled batches replayed (each checked against the chain's root). */
  settledBatches: number;
  /** Leaves by device index: settled units and accrued rewards (token base units). */
  leaves: { index: number; units: string; accrued: string; lastTimestamp: string }[];
}

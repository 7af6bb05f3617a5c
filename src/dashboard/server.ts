/**
 * The dashboard's server (`npm run dashboard`): serves the built web app (`dashboard/`),
 * proxies the chain's JSON-RPC (`POST /rpc`) and the sequencer's read-only API
 * (`GET /sequencer/...`) so that the browser reaches both from one origin, and answers
 * what the browser cannot read from the chain itself (`src/dashboard/api.ts`): where the
 * contracts are (the demo's status file, or a hardhat-deploy folder), the proving times the
 * prover workers recorded, and each device's units and accrued rewards, replayed from
 * public data (`replayProject`: registry events, settled batches, their DA copies, every
 * root checked against the chain) as of the block the page shows.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { JsonRpcProvider, Network } from "ethers";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { Logger } from "pino";

import { BatchManager__factory, DeviceRegistry__factory } from "../../typechain-types";
import { DEPLOYMENTS } from "../chain/deployments";
import { describeChainError } from "../chain/errors";
import { UserError } from "../errors";
import { replayProject } from "../rewards/replay";
import type { DashboardConfig, ProofsResponse, RewardsResponse } from "./api";
import { readDemoStatus, type DemoStatus, type KitContracts } from "./status";

export interface DashboardServerConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The chain's JSON-RPC; default: the demo status file's, else http://127.0.0.1:8545. */
  rpcUrl?: string;
  /** The sequencer; default: the demo status file's, else none. */
  sequencerUrl?: string;
  /** A running demo's DEMO_STATUS_FILE: addresses, upstreams and proving times. */
  statusFile?: string;
  /** Without a status file: a hardhat-deploy folder (deployments/<network>). */
  deploymentsDir: string;
  /** The built app (index.html and assets). */
  staticDir: string;
  /** How often the page polls the chain. */
  pollMs: number;
}

export const DEFAULT_RPC_URL = "http://127.0.0.1:8545";
const RPC_TIMEOUT_MS = 15_000;
const SEQUENCER_TIMEOUT_MS = 5_000;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Resolved {
  source: string;
  chainId: number | null;
  fromBlock: number;
  contracts: KitContracts;
  rpcUrl: string;
  sequencerUrl: string | null;
  status?: DemoStatus;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

function readDeployments(dir: string): Omit<Resolved, "rpcUrl" | "sequencerUrl"> {
  const read = (name: string) => {
    const file = path.join(dir, `${name}.json`);
    if (!fs.existsSync(file))
      throw new HttpError(
        503,
        "no_deployment",
        `no ${name} deployment in ${dir}: deploy the kit there (\`npx hardhat deploy --network localhost\`) ` +
          `or set DASHBOARD_STATUS_FILE to a demo's DEMO_STATUS_FILE`,
      );
    return JSON.parse(fs.readFileSync(file, "utf8")) as {
      address: string;
      receipt?: { blockNumber?: number };
    };
  };
  const deviceRegistry = read(DEPLOYMENTS.deviceRegistry);
  const chainIdFile = path.join(dir, ".chainId");
  return {
    source: `deployments in ${dir}`,
    chainId: fs.existsSync(chainIdFile) ? Number(fs.readFileSync(chainIdFile, "utf8").trim()) : null,
    fromBlock: deviceRegistry.receipt?.blockNumber ?? 0,
    contracts: {
      projectRegistry: read(DEPLOYMENTS.projectRegistry).address,
      deviceRegistry: deviceRegistry.address,
      proverPool: read(DEPLOYMENTS.proverPool).address,
      batchManager: read(DEPLOYMENTS.batchManager).address,
      rewardDistributor: read(DEPLOYMENTS.rewardDistributor).address,
    },
  };
}

/** Where the contracts and the upstreams are, read afresh (the status file changes). */
function resolve(config: DashboardServerConfig): Resolved {
  if (config.statusFile !== undefined) {
    if (!fs.existsSync(config.statusFile))
      throw new HttpError(
        503,
        "no_status",
        `waiting for the demo's status file ${config.statusFile} (start the demo with DEMO_STATUS_FILE set to it)`,
      );
    let status: DemoStatus;
    try {
      status = readDemoStatus(config.statusFile);
    } catch (err) {
      throw new HttpError(503, "bad_status", (err as Error).message);
    }
    const rpcUrl = config.rpcUrl ?? status.rpcUrl;
    if (rpcUrl === null)
      throw new HttpError(
        503,
        "chain_not_exposed",
        "the demo does not serve its chain over JSON-RPC: run it with DEMO_RPC_PORT (e.g. 8545)",
      );
    return {
      source: `demo status file ${config.statusFile}`,
      chainId: status.chainId,
      fromBlock: status.fromBlock,
      contracts: status.contracts,
      rpcUrl,
      sequencerUrl: config.sequencerUrl ?? status.sequencerUrl,
      status,
    };
  }
  return {
    ...readDeployments(config.deploymentsDir),
    rpcUrl: config.rpcUrl ?? DEFAULT_RPC_URL,
    sequencerUrl: config.sequencerUrl ?? null,
  };
}

/** Where the proxies go: no contract addresses needed. */
function upstreams(config: DashboardServerConfig): { rpcUrl: string; sequencerUrl: string | null } {
  if (config.statusFile !== undefined) return resolve(config);
  return { rpcUrl: config.rpcUrl ?? DEFAULT_RPC_URL, sequencerUrl: config.sequencerUrl ?? null };
}

function reason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError") return "no answer in time";
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** One JSON-RPC call through fetch: clear errors, no provider retry loops. */
async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
    });
  } catch (err) {
    throw new HttpError(502, "chain_unreachable", `no JSON-RPC answer at ${url}: ${reason(err)}`);
  }
  const body = (await response.json().catch(() => null)) as {
    result?: unknown;
    error?: { message?: string };
  } | null;
  if (!response.ok || body === null || body.error !== undefined)
    throw new HttpError(
      502,
      "chain_error",
      `${url} answered ${method} with ${body?.error?.message ?? `HTTP ${response.status}`}`,
    );
  return body.result;
}

interface CachedReplay {
  key: string;
  value: Promise<RewardsResponse>;
}

export interface DashboardServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startDashboard(config: DashboardServerConfig, log: Logger): Promise<DashboardServer> {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  // JSON-RPC bodies go upstream as they came.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) =>
    done(null, body),
  );

  const send = (reply: FastifyReply, err: unknown) => {
    if (err instanceof HttpError)
      return reply.status(err.status).send({ error: { code: err.code, message: err.message } });
    if (err instanceof UserError)
      return reply.status(502).send({ error: { code: "replay_failed", message: err.message } });
    const e = err as { code?: unknown; shortMessage?: unknown };
    if (typeof e.code === "string" && typeof e.shortMessage === "string")
      // An ethers error: the chain refused or failed a read.
      return reply.status(502).send({ error: { code: "chain_error", message: describeChainError(err) } });
    log.error({ err }, "dashboard request failed");
    return reply.status(500).send({ error: { code: "internal", message: reason(err) } });
  };
  app.setErrorHandler((err, _request, reply) => send(reply, err));

  app.get("/api/config", async (): Promise<DashboardConfig> => {
    const r = resolve(config);
    return {
      source: r.source,
      chainId: r.chainId,
      fromBlock: r.fromBlock,
      contracts: r.contracts,
      rpcUrl: r.rpcUrl,
      sequencerUrl: r.sequencerUrl,
      phase: r.status?.phase ?? null,
      pollMs: config.pollMs,
    };
  });

  app.get("/api/proofs", async (): Promise<ProofsResponse> => {
    if (config.statusFile === undefined || !fs.existsSync(config.statusFile))
      return { available: false, proofs: [] };
    const status = resolve(config).status!;
    return {
      available: true,
      proofs: status.proofs.map((p) => ({
        batchId: p.batchId,
        prover: p.prover,
        proveMs: p.proveMs,
        txHash: p.txHash,
      })),
    };
  });

  // Replays are cached per (contracts, project, settled batches): a poll that sees no new
  // settlement costs one call.
  const providers = new Map<string, JsonRpcProvider>();
  const replays = new Map<string, CachedReplay>();
  app.get<{ Params: { projectId: string }; Querystring: { block?: string } }>(
    "/api/rewards/:projectId",
    async (request): Promise<RewardsResponse> => {
      const { projectId: id } = request.params;
      if (!/^[1-9][0-9]{0,18}$/.test(id))
        throw new HttpError(400, "invalid_project_id", "a project id is a positive decimal number");
      const projectId = BigInt(id);
      const asked = request.query.block;
      if (asked !== undefined && !/^[0-9]{1,15}$/.test(asked))
        throw new HttpError(400, "invalid_block", "block is a decimal block number");
      const r = resolve(config);
      const chainId = Number(await rpcCall(r.rpcUrl, "eth_chainId"));
      const head = Number(await rpcCall(r.rpcUrl, "eth_blockNumber"));
      const block = asked === undefined ? head : Number(asked);
      if (block > head)
        throw new HttpError(400, "invalid_block", `block ${block} is ahead of the chain (${head})`);
      const providerKey = `${r.rpcUrl} ${chainId}`;
      let provider = providers.get(providerKey);
      if (provider === undefined) {
        provider = new JsonRpcProvider(r.rpcUrl, undefined, {
          staticNetwork: Network.from(chainId),
        });
        providers.set(providerKey, provider);
      }
      const manager = BatchManager__factory.connect(r.contracts.batchManager, provider);
      const deviceRegistry = DeviceRegistry__factory.connect(r.contracts.deviceRegistry, provider);
      const [state, deviceCount] = await Promise.all([
        manager.projectStateOf(projectId, { blockTag: block }),
        deviceRegistry.deviceCount(projectId, { blockTag: block }),
      ]);
      const key = `${providerKey} ${r.contracts.batchManager} ${projectId} ${state.settledThrough} ${deviceCount}`;
      const cacheKey = `${projectId}`;
      const cached = replays.get(cacheKey);
      if (cached !== undefined && cached.key === key) return { ...(await cached.value), block };
      const value = (async (): Promise<RewardsResponse> => {
        const replay = await replayProject(
          { deviceRegistry, manager, fromBlock: r.fromBlock, toBlock: block },
          projectId,
        );
        const leaves = [];
        for (let index = 0; index < Number(deviceCount); index++) {
          const leaf = replay.tree.leaf(index);
          leaves.push({
            index,
            units: leaf.cumulativeUnits.toString(),
            accrued: leaf.accruedReward.toString(),
            lastTimestamp: leaf.lastTimestamp.toString(),
          });
        }
        return { projectId: id, block, settledBatches: replay.batches.length, leaves };
      })();
      replays.set(cacheKey, { key, value });
      try {
        return { ...(await value), block };
      } catch (err) {
        if (replays.get(cacheKey)?.value === value) replays.delete(cacheKey);
        throw err;
      }
    },
  );

  app.post("/rpc", async (request, reply) => {
    const r = upstreams(config);
    let response: Response;
    try {
      response = await fetch(r.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof request.body === "string" ? request.body : JSON.stringify(request.body),
        signal: AbortSignal.timeout(RPC_TIMEOUT_MS),
      });
    } catch (err) {
      throw new HttpError(502, "chain_unreachable", `no JSON-RPC answer at ${r.rpcUrl}: ${reason(err)}`);
    }
    return reply
      .status(response.status)
      .type(response.headers.get("content-type") ?? "application/json")
      .send(await response.text());
  });

  app.get<{ Params: { "*": string } }>("/sequencer/*", async (request, reply) => {
    const rest = request.params["*"];
    if (!/^(healthz|v1\/devices\/[0-9A-Za-z]+|v1\/batches\/[0-9-]+)$/.test(rest))
      throw new HttpError(404, "not_found", `the dashboard does not proxy /sequencer/${rest}`);
    const { sequencerUrl } = upstreams(config);
    if (sequencerUrl === null)
      throw new HttpError(
        503,
        "no_sequencer",
        "no sequencer configured: set DASHBOARD_SEQUENCER (or run the demo with DEMO_STATUS_FILE)",
      );
    let response: Response;
    try {
      response = await fetch(`${sequencerUrl}/${rest}`, {
        signal: AbortSignal.timeout(SEQUENCER_TIMEOUT_MS),
      });
    } catch (err) {
      throw new HttpError(
        502,
        "sequencer_unreachable",
        `no answer from the sequencer at ${sequencerUrl}: ${reason(err)}`,
      );
    }
    return reply
      .status(response.status)
      .type(response.headers.get("content-type") ?? "application/json")
      .send(await response.text());
  });

  // The built app; unknown paths get index.html (one page).
  const root = path.resolve(config.staticDir);
  app.get<{ Params: { "*": string } }>("/*", async (request, reply) => {
    const rest = request.params["*"];
    if (rest.startsWith("api/")) throw new HttpError(404, "not_found", `no route ${request.url}`);
    const wanted = path.resolve(root, `.${path.posix.normalize(`/${rest}`)}`);
    const file =
      wanted.startsWith(root + path.sep) && fs.existsSync(wanted) && fs.statSync(wanted).isFile()
        ? wanted
        : path.join(root, "index.html");
    if (!fs.existsSync(file))
      throw new HttpError(
        500,
        "not_built",
        `the dashboard app is not built in ${root}: run \`npm run dashboard\` (it builds first)`,
      );
    return reply
      .type(CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream")
      .header("cache-control", file.endsWith("index.html") ? "no-cache" : "public, max-age=3600")
      .send(fs.readFileSync(file));
  });

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  return {
    url,
    app,
    async close() {
      await app.close();
      for (const p of providers.values()) p.destroy();
    },
  };
}

/**
 * The sequencer service: HTTP API (fastify), the chain view, the durable store and one
 * batching loop per project. `startSequencer` returns a handle whose `close()` stops
 * accepting, finishes the loop in progress and closes the database (graceful shutdown).
 *
 *   POST /v1/messages        one message or an array → 202 with receipts (200 if all were
 *                            duplicates); errors: JSON `{ error: { code, message } }`
 *   GET  /v1/batches/:id     batch data (the DA copy) by `<projectId>-<sequence>` or batch id
 *   GET  /v1/devices/:id     status and last accepted timestamp of a device
 *   GET  /healthz            liveness, chain head, queue depth
 *   GET  /metrics            Prometheus
 */
import { getAddress } from "ethers";
import * as os from "node:os";
import Fastify, { type FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

import { Batcher, type BatcherOptions } from "./batcher";
import { ChainView, type ChainContracts } from "./chain-view";
import { ApiError, Ingestor, type IngestOptions } from "./ingest";
import { VerifyPool } from "./verify-pool";
import { SequencerStore } from "./store";

export interface SequencerConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  dbPath: string;
  projectIds: bigint[];
  /** Where clients reach this service (batch data URIs); default http://host:port. */
  publicUrl?: string;
  shape: BatcherOptions["shape"];
  maxBatchAgeMs: number;
  pollMs: number;
  maxBodyBytes: number;
  durability: "process" | "full";
  /** Worker threads checking signatures (0: on the main thread). */
  verifyThreads: number;
  ingest: IngestOptions;
  /** First block to read chain events from. */
  fromBlock?: number;
}

export const DEFAULT_CONFIG: Omit<SequencerConfig, "dbPath" | "projectIds" | "shape"> = {
  host: "127.0.0.1",
  port: 7070,
  maxBatchAgeMs: 10_000,
  pollMs: 1_000,
  maxBodyBytes: 1024 * 1024,
  durability: "process",
  verifyThreads: Math.max(1, os.availableParallelism()),
  // maxPending bounds the messages being checked or committed (≈ 2 s of signature checks at
  // the ~900 messages/s a 2-core host verifies): beyond it, 429 + Retry-After.
  ingest: { skewSeconds: 300, maxPending: 2_000, deviceRate: 5, deviceBurst: 50 },
};

/** Batches a project may cut and submit in one round of the loop. */
const MAX_BATCHES_PER_ROUND = 16;

export interface Sequencer {
  url: string;
  app: FastifyInstance;
  store: SequencerStore;
  view: ChainView;
  ingest: Ingestor;
  batchers: Batcher[];
  metrics: Registry;
  /** Runs one sync + batching round now (tests; the loop runs on its own). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

function makeMetrics() {
  const registry = new Registry();
  const m = {
    accepted: new Counter({
      name: "depin_messages_accepted_total",
      help: "messages stored",
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "depin_messages_duplicate_total",
      help: "duplicates answered with the original receipt",
      registers: [registry],
    }),
    rejected: new Counter({
      name: "depin_messages_rejected_total",
      help: "requests rejected, by error code",
      labelNames: ["code"],
      registers: [registry],
    }),
    excluded: new Counter({
      name: "depin_messages_excluded_total",
      help: "acked messages the chain can no longer accept",
      labelNames: ["reason"],
      registers: [registry],
    }),
    batches: new Counter({
      name: "depin_batches_submitted_total",
      help: "batches submitted",
      registers: [registry],
    }),
    batchedMessages: new Counter({
      name: "depin_batched_messages_total",
      help: "messages in cut batches",
      registers: [registry],
    }),
    pending: new Gauge({
      name: "depin_commit_queue",
      help: "messages waiting for the group commit",
      registers: [registry],
    }),
    ack: new Histogram({
      name: "depin_ack_seconds",
      help: "POST /v1/messages latency (checks + durable commit)",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    commit: new Histogram({
      name: "depin_commit_seconds",
      help: "group commit duration",
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
      registers: [registry],
    }),
  };
  return { registry, m };
}

export async function startSequencer(
  config: SequencerConfig,
  contracts: ChainContracts,
  logger: Logger = pino({ level: process.env.LOG_LEVEL ?? "info" }),
): Promise<Sequencer> {
  const { registry, m } = makeMetrics();
  const store = new SequencerStore(config.dbPath, { durability: config.durability });
  const pool = new VerifyPool(config.verifyThreads);
  const view = new ChainView(contracts, config.projectIds, config.fromBlock ?? 0);
  await view.sync();
  // On-demand syncs for devices registered since the last poll: at most one per 250 ms.
  let lastRefresh = 0;
  let refreshing: Promise<void> | undefined;
  const refresh = async () => {
    if (refreshing) return refreshing;
    if (Date.now() - lastRefresh < 250) return;
    lastRefresh = Date.now();
    refreshing = view
      .sync()
      .then(() => undefined)
      .finally(() => (refreshing = undefined));
    return refreshing;
  };
  const ingest = new Ingestor(
    store,
    view,
    config.ingest,
    {
      accepted: (n) => m.accepted.inc(n),
      duplicate: (n) => m.duplicates.inc(n),
      rejected: (code) => m.rejected.inc({ code }),
      committed: (_n, seconds) => m.commit.observe(seconds),
    },
    refresh,
    (items) => pool.verify(items),
  );

  // Our pino logger writes the service's structured logs; fastify's request logs are off.
  const app = Fastify({ logger: false, bodyLimit: config.maxBodyBytes });
  let publicUrl = config.publicUrl ?? "";
  const batchers = config.projectIds.map(
    (projectId) =>
      new Batcher(
        store,
        view,
        contracts.manager,
        projectId,
        {
          shape: config.shape,
          maxAgeMs: config.maxBatchAgeMs,
          get publicUrl() {
            return publicUrl;
          },
        },
        logger.child({ projectId: projectId.toString() }),
        {
          cut: (n) => m.batchedMessages.inc(n),
          excluded: (reason, n) => m.excluded.inc({ reason }, n),
          submitted: () => m.batches.inc(),
        },
      ),
  );

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof ApiError) {
      if (err.retryAfterSeconds !== undefined)
        void reply.header("Retry-After", String(err.retryAfterSeconds));
      return reply.status(err.status).send({ error: { code: err.code, message: err.message } });
    }
    const e = err as { code?: string; statusCode?: number; message: string };
    const mapped: Record<string, [number, string]> = {
      FST_ERR_CTP_BODY_TOO_LARGE: [413, "body_too_large"],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, "unsupported_media_type"],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, "invalid_json"],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, "invalid_json"],
    };
    const hit = e.code !== undefined ? mapped[e.code] : undefined;
    const [status, code] =
      hit ?? (err instanceof SyntaxError || e.statusCode === 400 ? [400, "invalid_json"] : [500, "internal"]);
    m.rejected.inc({ code });
    if (status === 500) logger.error({ err }, "request failed");
    return reply
      .status(status)
      .send({ error: { code, message: status === 500 ? "internal error" : e.message } });
  });

  // Unknown routes and methods answer in the API's error format too.
  app.setNotFoundHandler((request, reply) => {
    m.rejected.inc({ code: "not_found" });
    return reply
      .status(404)
      .send({ error: { code: "not_found", message: `no route ${request.method} ${request.url}` } });
  });

  app.post("/v1/messages", async (request, reply) => {
    const end = m.ack.startTimer();
    m.pending.set(ingest.pending);
    const receipts = await ingest.submit(request.body);
    end();
    const fresh = receipts.some((r) => !r.duplicate);
    return reply
      .status(fresh ? 202 : 200)
      .send(Array.isArray(request.body) ? { receipts } : { receipt: receipts[0] });
  });

  app.get<{ Params: { id: string } }>("/v1/batches/:id", async (request, reply) => {
    const id = request.params.id;
    const byKey = /^([0-9]+)-([0-9]+)$/.exec(id);
    const batch = byKey
      ? store.batch(BigInt(byKey[1]), Number(byKey[2]))
      : /^[0-9]+$/.test(id)
        ? store.batchById(BigInt(id))
        : undefined;
    if (!batch) throw new ApiError(404, "unknown_batch", `no batch ${id}`);
    return reply.type("application/json").send(batch.data);
  });

  app.get<{ Params: { id: string } }>("/v1/devices/:id", async (request) => {
    const id = request.params.id;
    if (!/^(0x[0-9a-fA-F]{40}|[0-9]{1,49})$/.test(id))
      throw new ApiError(400, "invalid_device_id", "a device address or decimal id");
    const device = view.devices.get(BigInt(id));
    if (!device)
      throw new ApiError(404, "unknown_device", `device ${id} is not registered in a project served here`);
    const stats = store.deviceStats(device.deviceId);
    return {
      deviceId: getAddress("0x" + device.deviceId.toString(16).padStart(40, "0")),
      projectId: device.projectId.toString(),
      index: device.index,
      status: device.revoked ? "revoked" : "active",
      lastTimestamp: stats.lastTimestamp?.toString() ?? null,
      accepted: stats.accepted,
    };
  });

  let head = 0;
  app.get("/healthz", async () => ({
    status: "ok",
    block: head,
    commitQueue: ingest.pending,
    ...store.counts(),
    unsubmittedBatches: config.projectIds.reduce((n, p) => n + store.unsubmittedBatches(p).length, 0),
  }));
  app.get("/metrics", async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );

  // The loop: sync the chain, then each project's batcher; one round at a time.
  let round: Promise<void> = Promise.resolve();
  let stopped = false;
  for (const b of batchers) await b.recover();
  const runRound = async () => {
    head = await view.sync();
    // Several batches per round when a backlog is due (bounded, so a round stays short).
    for (const b of batchers) for (let n = 0; n < MAX_BATCHES_PER_ROUND && (await b.tick()); n++);
  };
  const tick = () => {
    round = round.then(runRound).catch((err) => logger.error({ err }, "batching round failed"));
    return round;
  };
  const timer = setInterval(() => {
    if (!stopped) void tick();
  }, config.pollMs);

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const url = `http://${config.host}:${port}`;
  publicUrl ||= url;
  logger.info({ url, projects: config.projectIds.map(String) }, "sequencer listening");

  return {
    url,
    app,
    store,
    view,
    ingest,
    batchers,
    metrics: registry,
    tick,
    async close() {
      stopped = true;
      clearInterval(timer);
      await app.close();
      await round;
      await pool.close();
      store.close();
      logger.info("sequencer stopped");
    },
  };
}

/**
 * The sequencer service: HTTP API (fastify), the chain view, the durable store and one
 * batching loop per project. `startSequencer` returns a handle whose `close()` stops
 * accepting, finishes the loop in progress and closes the database (graceful shutdown).
 *
 *   POST /v1/messages        one message or an array → 202 with receipts (200 if all were
 *                            duplicates)
 *   GET  /v1/batches/:id     batch data (the DA copy) by `<projectId>-<sequence>` or batch id
 *   GET  /v1/devices/:id     status and last accepted timestamp of a device
 *   GET  /healthz            200 `ok`, or 503 `degraded`/`failing` with reasons: the last
 *                            batching round failed, no round succeeded for `healthStaleMs`,
 *                            or the chain cannot be read now; chain head, queue depth
 *   GET  /metrics            Prometheus
 *
 * Every error, whoever raises it (a route, fastify, Node's HTTP parser), is answered as JSON
 * `{ error: { code, message } }` with its status (`http-errors.ts`).
 */
import { getAddress } from "ethers";
import * as os from "node:os";
import Fastify, { type FastifyInstance, type FastifyReply, type HTTPMethods } from "fastify";
import pino, { type Logger } from "pino";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

import { Batcher, type BatcherOptions } from "./batcher";
import { ChainView, type ChainContracts } from "./chain-view";
import { clientErrorAnswer, errorAnswer, writeErrorToSocket, type ErrorAnswer } from "./http-errors";
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
  /**
   * `/healthz` reports the loop stale (503) when no batching round has succeeded for this
   * long; default `max(10 × pollMs, 5 min)` (a round may submit many batches).
   */
  healthStaleMs?: number;
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
  // the ~900 messages/s a 2-core host verifies): beyond it, 429 + Retry-After. A request of
  // more than maxPerRequest messages gets 413.
  ingest: { skewSeconds: 300, maxPending: 2_000, maxPerRequest: 500, deviceRate: 5, deviceBurst: 50 },
};

/** Batches a project may cut and submit in one round of the loop. */
const MAX_BATCHES_PER_ROUND = 16;
/** Consecutive failed rounds from which `/healthz` says `failing` (before: `degraded`). */
export const HEALTH_FAILING_AFTER_ROUNDS = 3;
/** How long `/healthz` waits for the chain's block number. */
const HEALTH_CHAIN_TIMEOUT_MS = 2_000;
/** The shortest default `healthStaleMs`. */
const MIN_HEALTH_STALE_MS = 5 * 60_000;
/** Longest error text kept for `/healthz` (a revert's data can be long). */
const MAX_REASON_CHARS = 500;

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
    roundsFailed: new Counter({
      name: "depin_batch_rounds_failed_total",
      help: "batching rounds that failed (chain sync or a project's cut/submit)",
      registers: [registry],
    }),
    lastRoundSuccess: new Gauge({
      name: "depin_batch_round_last_success_timestamp_seconds",
      help: "when the last batching round succeeded (the startup sync and recovery count as one)",
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
  let head = await view.sync();
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
    // Chunks at the pool at once: enough to keep every thread busy.
    2 * Math.max(1, config.verifyThreads),
  );

  /** Sends `answer` as the API's error; counts it unless the ingestor did (its ApiErrors). */
  const sendAnswer = (reply: FastifyReply, answer: ErrorAnswer, counted = false) => {
    if (!counted) m.rejected.inc({ code: answer.code });
    if (answer.retryAfterSeconds !== undefined)
      void reply.header("Retry-After", String(answer.retryAfterSeconds));
    return reply
      .status(answer.status)
      .type("application/json; charset=utf-8")
      .send({ error: { code: answer.code, message: answer.message, ...answer.details } });
  };
  const sendError = (err: unknown, reply: FastifyReply) => {
    const answer = errorAnswer(err);
    if (answer.status >= 500) logger.error({ err }, "request failed");
    return sendAnswer(reply, answer, err instanceof ApiError);
  };

  // Our pino logger writes the service's structured logs; fastify's request logs are off.
  // Errors fastify meets before any route (URL decoding, a path parameter past
  // maxParamLength) and requests Node's HTTP parser rejects get the same answer as the rest.
  const app = Fastify({
    logger: false,
    bodyLimit: config.maxBodyBytes,
    frameworkErrors: (err, _request, reply) => void sendError(err, reply),
    clientErrorHandler: (err, socket) => {
      if (err.code === "ECONNRESET" || socket.destroyed) return;
      const answer = clientErrorAnswer(err);
      m.rejected.inc({ code: answer.code });
      writeErrorToSocket(socket, answer);
    },
  });
  // JSON only: fastify would otherwise parse text/plain bodies into strings.
  app.removeContentTypeParser("text/plain");
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

  app.setErrorHandler((err, _request, reply) => sendError(err, reply));

  // A path served for other methods: 405 with Allow; else 404.
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.split("?")[0];
    const allow = app.supportedMethods.filter(
      (method) => app.findRoute({ method: method as HTTPMethods, url }) !== null,
    );
    if (allow.length === 0)
      return sendAnswer(reply, {
        status: 404,
        code: "not_found",
        message: `no route ${request.method} ${request.url}`,
      });
    void reply.header("Allow", allow.join(", "));
    return sendAnswer(reply, {
      status: 405,
      code: "method_not_allowed",
      message: `${request.method} is not served at ${url} (allowed: ${allow.join(", ")})`,
    });
  });

  app.post("/v1/messages", async (request, reply) => {
    const end = m.ack.startTimer();
    m.pending.set(ingest.pending);
    // Signature checks are shared fairly between connections.
    const client = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
    const receipts = await ingest.submit(request.body, client);
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

  // The batching loop's record, for /healthz and /metrics. The startup sync and recovery
  // (startSequencer fails without them) count as a successful round.
  const loop = { lastSuccessAt: Date.now(), failedInARow: 0, lastFailure: "" };
  m.lastRoundSuccess.set(loop.lastSuccessAt / 1000);
  const staleMs = config.healthStaleMs ?? Math.max(10 * config.pollMs, MIN_HEALTH_STALE_MS);
  const provider = contracts.deviceRegistry.runner!.provider!;

  /** Why the chain cannot be read now (its block number, within a timeout), if it cannot. */
  const chainProblem = async (): Promise<string | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`eth_blockNumber timed out after ${HEALTH_CHAIN_TIMEOUT_MS} ms`)),
        HEALTH_CHAIN_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([provider.getBlockNumber(), timeout]);
      return undefined;
    } catch (err) {
      return describeError(err);
    } finally {
      clearTimeout(timer);
    }
  };

  // 200 `ok`, or 503 with a reason per problem: `degraded` while rounds fail, `failing` when
  // the chain cannot be read, the loop is stale, or HEALTH_FAILING_AFTER_ROUNDS rounds in a
  // row failed.
  app.get("/healthz", async (_request, reply) => {
    const reasons: { code: string; message: string }[] = [];
    const chain = await chainProblem();
    if (chain !== undefined) reasons.push({ code: "chain_unreadable", message: chain });
    if (loop.failedInARow > 0)
      reasons.push({
        code: "round_failed",
        message: `${loop.failedInARow} batching round(s) failed in a row; the last: ${loop.lastFailure}`,
      });
    const sinceSuccess = Date.now() - loop.lastSuccessAt;
    if (sinceSuccess > staleMs)
      reasons.push({
        code: "loop_stale",
        message: `no batching round has succeeded for ${(sinceSuccess / 1000).toFixed(1)} s (limit ${staleMs / 1000} s)`,
      });
    const failing =
      chain !== undefined || sinceSuccess > staleMs || loop.failedInARow >= HEALTH_FAILING_AFTER_ROUNDS;
    return reply.status(reasons.length === 0 ? 200 : 503).send({
      status: reasons.length === 0 ? "ok" : failing ? "failing" : "degraded",
      reasons,
      block: head,
      commitQueue: ingest.pending,
      ...store.counts(),
      unsubmittedBatches: config.projectIds.reduce((n, p) => n + store.unsubmittedBatches(p).length, 0),
      consecutiveFailedRounds: loop.failedInARow,
      lastSuccessfulRoundAt: new Date(loop.lastSuccessAt).toISOString(),
    });
  });
  app.get("/metrics", async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );

  // The loop: sync the chain, then each project's batcher; one round at a time. A round
  // fails if the sync or any project fails; a failing project does not stop the others.
  let round: Promise<void> = Promise.resolve();
  let stopped = false;
  for (const b of batchers) await b.recover();
  const runRound = async (): Promise<string[]> => {
    try {
      head = await view.sync();
    } catch (err) {
      logger.error({ err }, "chain sync failed");
      return [`chain sync: ${describeError(err)}`];
    }
    const failures: string[] = [];
    for (const b of batchers) {
      try {
        // Several batches per round when a backlog is due (bounded, so a round stays short).
        for (let n = 0; n < MAX_BATCHES_PER_ROUND && (await b.tick()); n++);
      } catch (err) {
        b.log.error({ err }, "batching failed");
        failures.push(`project ${b.projectId}: ${describeError(err)}`);
      }
    }
    return failures;
  };
  const recordRound = (failures: string[]) => {
    if (failures.length === 0) {
      loop.failedInARow = 0;
      loop.lastFailure = "";
      loop.lastSuccessAt = Date.now();
      m.lastRoundSuccess.set(loop.lastSuccessAt / 1000);
      return;
    }
    loop.failedInARow++;
    loop.lastFailure = failures.join("; ");
    m.roundsFailed.inc();
  };
  const tick = () => {
    round = round
      .then(runRound)
      .catch((err: unknown) => {
        logger.error({ err }, "batching round failed");
        return [`round: ${describeError(err)}`];
      })
      .then(recordRound);
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

/** One line for an error: a revert's custom error and arguments, else ethers' short message. */
function describeError(err: unknown): string {
  const e = err as {
    revert?: { name: string; args: unknown[] };
    shortMessage?: string;
    message?: string;
    error?: { message?: string };
  };
  let text: string;
  if (e?.revert) text = `${e.revert.name}(${e.revert.args.map(String).join(", ")})`;
  else {
    text = e?.shortMessage ?? e?.message ?? String(err);
    // ethers wraps a provider's own failure ("could not coalesce error"): keep its message.
    if (e?.error?.message && !text.includes(e.error.message)) text += `: ${e.error.message}`;
  }
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS)}…` : text;
}

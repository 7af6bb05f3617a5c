/**
 * The sequencer service over real HTTP against the in-process chain: one test per
 * rejection reason (status, code, nothing stored), duplicates and conflicts, the device
 * and health endpoints, metrics, and a batch cut, submitted and served as DA data that
 * hashes to the chain's messagesHash.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pino from "pino";

import { SNARK_SCALAR_FIELD, signEddsaPoseidon } from "../../src/crypto";
import { batchDataCommitment, parseBatchData } from "../../src/da/batch-data";
import { ApiError, DEFAULT_CONFIG, startSequencer, type Sequencer } from "../../src/sequencer";
import { messageDigest } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { rewardsFixture, type ScenarioDevice } from "../helpers/rewards";

const NOW = Math.floor(Date.now() / 1000);

async function sequencerFixture(
  overrides: {
    maxPending?: number;
    maxPerRequest?: number;
    deviceBurst?: number;
    maxBodyBytes?: number;
  } = {},
) {
  const f = await rewardsFixture(3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-seq-"));
  const { R, D, K } = CIRCUIT_CONFIGS.dev;
  const seq = await startSequencer(
    {
      ...DEFAULT_CONFIG,
      port: 0,
      dbPath: path.join(dir, "sequencer.db"),
      projectIds: [f.projectId],
      shape: { R, D, K },
      pollMs: 3_600_000, // ticks are driven by the test
      maxBatchAgeMs: 0,
      maxBodyBytes: overrides.maxBodyBytes ?? DEFAULT_CONFIG.maxBodyBytes,
      ingest: {
        skewSeconds: 3600,
        maxPending: overrides.maxPending ?? 1000,
        maxPerRequest: overrides.maxPerRequest,
        deviceRate: 1,
        deviceBurst: overrides.deviceBurst ?? 100,
      },
    },
    {
      deviceRegistry: f.deviceRegistry,
      projectRegistry: f.projectRegistry,
      manager: f.manager.connect(f.sequencer),
    },
    pino({ level: "silent" }),
  );
  const domain = await f.manager.domainOf(f.projectId);
  const message = (d: ScenarioDevice, timestamp: number, units = 5n, key = d.identity.babyJub.privateKey) => {
    const payloadHash = BigInt(timestamp) * 31n;
    const digest = messageDigest(domain, d.deviceId, BigInt(timestamp), units, payloadHash);
    const sig = signEddsaPoseidon(key, digest);
    return {
      deviceId: d.identity.wallet.address,
      timestamp,
      units: units.toString(),
      payloadHash: payloadHash.toString(),
      signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
    };
  };
  return { ...f, seq, message, devices: f.scenario.devices };
}

interface ApiBody {
  receipt?: Record<string, unknown>;
  receipts?: Record<string, unknown>[];
  error: { code: string; message: string; limit?: number };
}

async function post(seq: Sequencer, body: unknown, raw?: string) {
  const response = await fetch(`${seq.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: raw ?? JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    json: (await response.json()) as ApiBody,
  };
}

describe("sequencer service", function () {
  this.timeout(60_000);
  let seq: Sequencer | undefined;
  afterEach(async () => {
    await seq?.close();
    seq = undefined;
  });

  it("acks a valid message after storing it, and answers a duplicate with the original receipt", async function () {
    const f = await sequencerFixture();
    seq = f.seq;
    const m = f.message(f.devices[0], NOW - 600);
    const first = await post(seq, m);
    expect(first.status).to.equal(202);
    expect(first.json.receipt).to.include({
      deviceId: m.deviceId,
      timestamp: String(m.timestamp),
      duplicate: false,
    });
    expect(seq.store.counts().total).to.equal(1);
    const again = await post(seq, m);
    expect(again.status).to.equal(200);
    expect(again.json.receipt).to.deep.equal({ ...first.json.receipt, duplicate: true });
    expect(seq.store.counts().total).to.equal(1);
  });

  it("rejects each bad input with its status and code, storing nothing", async function () {
    const f = await sequencerFixture({ maxBodyBytes: 8192 });
    seq = f.seq;
    const [d0, d1, d2] = f.devices;
    await post(seq, f.message(d0, NOW - 1200)); // the one stored message
    await f.deviceRegistry.connect(f.deviceOwner).revoke(d2.deviceId);
    await seq.tick(); // the view sees the revocation

    const good = f.message(d1, NOW - 1200);
    const cases: [string, () => Promise<Awaited<ReturnType<typeof post>>>, number, string][] = [
      ["malformed JSON", () => post(seq!, undefined, "{not json"), 400, "invalid_json"],
      ["schema", () => post(seq!, { ...good, units: -1 }), 400, "invalid_message"],
      ["extra field", () => post(seq!, { ...good, extra: 1 }), 400, "invalid_message"],
      ["oversize body", () => post(seq!, Array(200).fill(good)), 413, "body_too_large"],
      [
        "unknown device",
        () => post(seq!, { ...good, deviceId: "0x" + "12".repeat(20) }),
        404,
        "unknown_device",
      ],
      ["revoked device", () => post(seq!, f.message(d2, NOW - 1200)), 403, "device_revoked"],
      [
        "bad signature",
        () => post(seq!, { ...good, signature: f.message(d1, NOW - 1140).signature }),
        401,
        "bad_signature",
      ],
      ["clock skew", () => post(seq!, f.message(d1, NOW + 7200)), 422, "timestamp_out_of_window"],
      ["units above maxUnits", () => post(seq!, f.message(d1, NOW - 1200, 1001n)), 422, "units_above_max"],
      ["spacing", () => post(seq!, f.message(d0, NOW - 1170)), 422, "interval_too_short"],
      ["conflict", () => post(seq!, f.message(d0, NOW - 1200, 6n)), 409, "conflict"],
      [
        "one bad message fails the array",
        () => post(seq!, [good, f.message(d1, NOW - 1140, 5000n)]),
        422,
        "units_above_max",
      ],
    ];
    for (const [name, call, status, code] of cases) {
      const r = await call();
      expect(r.status, name).to.equal(status);
      expect(r.json.error.code, name).to.equal(code);
      expect(r.json.error.message, name).to.be.a("string").and.not.equal("");
      expect(seq.store.counts().total, `${name}: nothing stored`).to.equal(1);
    }
    const metrics = await (await fetch(`${seq.url}/metrics`)).text();
    expect(metrics).to.match(/depin_messages_rejected_total\{code="bad_signature"\} 1/);
    expect(metrics).to.match(/depin_messages_accepted_total 1/);
  });

  it("answers 429 with Retry-After per device and when the commit queue is full", async function () {
    const f = await sequencerFixture({ deviceBurst: 2, maxPending: 3 });
    seq = f.seq;
    const [d0, d1, d2] = f.devices;
    expect((await post(seq, [f.message(d0, NOW - 900), f.message(d0, NOW - 840)])).status).to.equal(202);
    const over = await post(seq, f.message(d0, NOW - 780));
    expect(over.status).to.equal(429);
    expect(over.json.error.code).to.equal("rate_limited");
    expect(over.headers.get("retry-after")).to.equal("1");
    // Two requests at once that fit one at a time: the second waits for the first.
    const first = seq.ingest.submit([f.message(d1, NOW - 600), f.message(d1, NOW - 540)], "client-a");
    const second = await seq.ingest
      .submit([f.message(d2, NOW - 600), f.message(d2, NOW - 540)], "client-b")
      .then(
        () => undefined,
        (err: ApiError) => err,
      );
    expect(second).to.be.instanceOf(ApiError);
    expect(second).to.include({ status: 429, code: "overloaded", retryAfterSeconds: 1 });
    expect(await first).to.have.length(2);
    expect(seq.store.counts().total).to.equal(4);
  });

  it("rejects field elements at or above the BN254 scalar field r, naming the field (400)", async function () {
    const f = await sequencerFixture();
    seq = f.seq;
    const m = f.message(f.devices[0], NOW - 600);
    const plusR = (x: string) => (BigInt(x) + SNARK_SCALAR_FIELD).toString();
    const cases: [string, unknown][] = [
      // Same digest (inputs are read mod r), so the signature would verify.
      ["payloadHash", { ...m, payloadHash: plusR(m.payloadHash) }],
      ["payloadHash", { ...m, payloadHash: SNARK_SCALAR_FIELD.toString() }],
      ["units", { ...m, units: plusR(m.units) }],
      ["signature.r8x", { ...m, signature: { ...m.signature, r8x: plusR(m.signature.r8x) } }],
      ["signature.r8y", { ...m, signature: { ...m.signature, r8y: plusR(m.signature.r8y) } }],
      ["signature.s", { ...m, signature: { ...m.signature, s: plusR(m.signature.s) } }],
    ];
    for (const [field, body] of cases) {
      const r = await post(seq, body);
      expect(r.status, `${field}: ${r.json.error?.message}`).to.equal(400);
      expect(r.json.error.code, field).to.equal("invalid_message");
      expect(r.json.error.message, field).to.match(new RegExp(`^${field.replace(".", "\\.")}: `));
      expect(seq.store.counts().total, `${field}: nothing stored`).to.equal(0);
    }
    // The device's own reading is still its first at that timestamp.
    expect((await post(seq, m)).status).to.equal(202);
  });

  it("answers a request that can never fit with 413 request_too_large and the limit, never 429", async function () {
    const f = await sequencerFixture({ maxPending: 8, deviceBurst: 3 });
    seq = f.seq;
    const [d0, d1, d2] = f.devices;
    const readings = (n: number) =>
      [d0, d1, d2].flatMap((d) => [0, 1, 2].map((k) => f.message(d, NOW - 900 + 60 * k))).slice(0, n);
    // The per-request limit defaults to at most maxPending.
    const tooMany = await post(seq, readings(9));
    expect(tooMany.status).to.equal(413);
    expect(tooMany.json.error).to.include({ code: "request_too_large", limit: 8 });
    expect(tooMany.json.error.message).to.match(/\b8\b/);
    expect(tooMany.headers.get("retry-after")).to.equal(null);
    // More readings of one device than its burst can never pass the rate limit either.
    const burst = await post(
      seq,
      [0, 1, 2, 3].map((k) => f.message(d0, NOW - 1800 + 60 * k)),
    );
    expect(burst.status).to.equal(413);
    expect(burst.json.error).to.include({ code: "request_too_large", limit: 3 });
    expect(seq.store.counts().total).to.equal(0);
    expect((await post(seq, readings(8))).status).to.equal(202);
  });

  it("takes its per-request limit from the configuration", async function () {
    const f = await sequencerFixture({ maxPending: 8, maxPerRequest: 2 });
    seq = f.seq;
    const d = f.devices[0];
    const three = await post(
      seq,
      [0, 1, 2].map((k) => f.message(d, NOW - 900 + 60 * k)),
    );
    expect(three.status).to.equal(413);
    expect(three.json.error).to.include({ code: "request_too_large", limit: 2 });
    expect(
      (
        await post(
          seq,
          [0, 1].map((k) => f.message(d, NOW - 900 + 60 * k)),
        )
      ).status,
    ).to.equal(202);
  });

  it("serves devices and health", async function () {
    const f = await sequencerFixture();
    seq = f.seq;
    const d = f.devices[1];
    await post(seq, [f.message(d, NOW - 600), f.message(d, NOW - 540)]);
    const device = await (await fetch(`${seq.url}/v1/devices/${d.identity.wallet.address}`)).json();
    expect(device).to.include({
      status: "active",
      lastTimestamp: String(NOW - 540),
      accepted: 2,
      index: d.index,
    });
    expect((await fetch(`${seq.url}/v1/devices/0x${"ab".repeat(20)}`)).status).to.equal(404);
    expect((await fetch(`${seq.url}/v1/devices/nope`)).status).to.equal(400);
    const health = await (await fetch(`${seq.url}/healthz`)).json();
    expect(health).to.include({ status: "ok", total: 2 });
  });

  it("cuts a batch, submits it, and serves its data hashing to the chain's messagesHash", async function () {
    const f = await sequencerFixture();
    seq = f.seq;
    const [d0, d1, d2] = f.devices;
    // Three devices, two device slots of two messages in the dev circuit: one batch takes
    // four messages of two devices, the rest waits.
    const accepted = await post(seq, [
      f.message(d0, NOW - 900),
      f.message(d1, NOW - 900),
      f.message(d0, NOW - 840),
      f.message(d2, NOW - 900),
      f.message(d1, NOW - 840),
    ]);
    expect(accepted.status).to.equal(202);
    // Ops 1..3 are pending and the dev circuit takes one op per batch (R = 1): one round
    // cuts three batches, each with the readings of the device its op brings in.
    await seq.tick();
    const all = await f.manager.queryFilter(f.manager.filters.BatchSubmitted(undefined, f.projectId));
    expect(all.map((l) => l.args.opsTo)).to.deep.equal([1n, 2n, 3n]);
    expect(all.map((l) => l.args.messageCount)).to.deep.equal([2n, 2n, 1n]);
    const submitted = all[0].args;
    const data = parseBatchData(await (await fetch(submitted.dataURI)).json());
    expect(data.sequence).to.equal(1);
    const commitment = batchDataCommitment(data, await f.manager.domainOf(f.projectId));
    expect(commitment.messagesHash).to.equal(submitted.messagesHash);
    expect(BigInt(commitment.messageCount)).to.equal(submitted.messageCount);
    // Only device 0's op is in range of batch 1 (opsTo = 1): its two readings.
    expect(data.devices.map((d) => d.deviceId)).to.deep.equal([d0.deviceId]);
    const byId = await (await fetch(`${seq.url}/v1/batches/${submitted.batchId}`)).json();
    expect(parseBatchData(byId)).to.deep.equal(data);
    expect((await fetch(`${seq.url}/v1/batches/9-9`)).status).to.equal(404);
    expect(seq.store.counts()).to.deep.equal({ total: 5, batched: 5, excluded: 0 });
  });
});

/**
 * The sequencer's error shape and health, over real sockets against the in-process chain.
 * - Errors fastify raises before (or instead of) a route — a path parameter past
 *   `maxParamLength`, bad URL encoding, a bad Content-Type, malformed JSON, an oversized
 *   body, a method no route has, a request line HTTP cannot parse — each answer with the
 *   documented `{ error: { code, message } }`, its status, a rejection count in /metrics,
 *   and store nothing.
 * - `/healthz` follows the batching loop and the chain: 503 with reasons while rounds fail
 *   (submitBatch reverting: the sequencer replaced, the fee escrow emptied), while the
 *   chain cannot be read (an RPC that refuses or hangs), or when no round has succeeded for
 *   a while; 200 again after a successful round. Failed rounds are counted in /metrics.
 */
import { expect } from "chai";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import { network } from "hardhat";
import * as net from "node:net";

import { fundFees } from "../../src/chain/scenario";
import { HEALTH_FAILING_AFTER_ROUNDS, type Sequencer } from "../../src/sequencer";
import { FEES_DEPOSIT } from "../helpers/settlement";
import { serviceFixture, signReading } from "./service-fixture";

const NOW = Math.floor(Date.now() / 1000);
/** The body limit of the error tests' sequencer. */
const MAX_BODY_BYTES = 4096;

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `text` as is over a socket; resolves with the parsed answer (status 0: none). */
function rawHttp(seq: Sequencer, text: string | Buffer): Promise<RawAnswer> {
  const { port } = new URL(seq.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      const all = Buffer.concat(chunks).toString("latin1");
      const split = all.indexOf("\r\n\r\n");
      const head = split < 0 ? all : all.slice(0, split);
      const [statusLine, ...lines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = split < 0 ? "" : all.slice(split + 4);
      if (headers["content-length"] !== undefined) body = body.slice(0, Number(headers["content-length"]));
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body });
    });
    socket.write(text);
  });
}

function request(method: string, target: string, headers: Record<string, string> = {}, body = ""): string {
  const lines = [`${method} ${target} HTTP/1.1`, "Host: 127.0.0.1", "Connection: close"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  if (body !== "" && headers["Transfer-Encoding"] === undefined)
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

/** The answer is the documented error: its status, JSON `{ error: { code, message } }`. */
function expectApiError(a: RawAnswer, status: number, code: string, what: string): void {
  expect(a.status, `${what}: ${a.body.slice(0, 200)}`).to.equal(status);
  expect(a.headers["content-type"], what).to.match(/^application\/json/);
  const body = JSON.parse(a.body) as { error: { code: unknown; message: unknown } };
  expect(Object.keys(body), what).to.deep.equal(["error"]);
  expect(Object.keys(body.error).sort(), what).to.deep.equal(["code", "message"]);
  expect(body.error.code, what).to.equal(code);
  expect(body.error.message, what).to.be.a("string").and.not.equal("");
}

interface Health {
  status: string;
  reasons: { code: string; message: string }[];
  block: number;
  commitQueue: number;
  total: number;
  batched: number;
  unsubmittedBatches: number;
  consecutiveFailedRounds: number;
  lastSuccessfulRoundAt: string;
}

async function health(seq: Sequencer): Promise<{ status: number; body: Health }> {
  const r = await fetch(`${seq.url}/healthz`);
  return { status: r.status, body: (await r.json()) as Health };
}

/** A metric's value in the Prometheus text (undefined: not there). */
async function metric(seq: Sequencer, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${seq.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(" ")[1]);
}

/** Hardhat's provider behind a switch: up, down (connection refused) or hanging. */
class SwitchableRpc implements Eip1193Provider {
  mode: "up" | "down" | "hang" = "up";

  async request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown> {
    while (this.mode === "hang") await new Promise((r) => setTimeout(r, 20));
    if (this.mode === "down")
      throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:8545"), { code: "ECONNREFUSED" });
    return network.provider.request(args as { method: string; params?: unknown[] });
  }
}

describe("sequencer error shape", function () {
  this.timeout(120_000);
  let seq: Sequencer | undefined;
  afterEach(async () => {
    await seq?.close();
    seq = undefined;
  });

  it("answers every framework error with { error: { code, message } } and its status, storing nothing", async function () {
    const f = await serviceFixture(2, { maxBodyBytes: MAX_BODY_BYTES, verifyThreads: 0 });
    seq = f.seq;
    const [d0, d1] = f.devices;
    const stored = JSON.stringify(signReading(f.domain, d0, NOW - 600));
    expect(
      (await rawHttp(seq, request("POST", "/v1/messages", { "Content-Type": "application/json" }, stored)))
        .status,
    ).to.equal(202);
    // A valid reading sent only inside rejected requests: it must not be stored by any.
    const good = JSON.stringify(signReading(f.domain, d1, NOW - 600));
    const json = { "Content-Type": "application/json" };
    const oversized = `[${Array(Math.ceil(MAX_BODY_BYTES / good.length) + 1)
      .fill(good)
      .join(",")}]`;

    const cases: [string, string, number, string, string?][] = [
      ["long batch id", request("GET", `/v1/batches/${"1".repeat(500)}`), 414, "uri_too_long"],
      ["long device id", request("GET", `/v1/devices/0x${"ab".repeat(200)}`), 414, "uri_too_long"],
      ["GET /%", request("GET", "/%"), 400, "bad_url"],
      ["GET /%zz", request("GET", "/%zz"), 400, "bad_url"],
      ["bad encoding in a device id", request("GET", "/v1/devices/%zz"), 400, "bad_url"],
      ["truncated UTF-8 in a batch id", request("GET", "/v1/batches/%E0%A4%A"), 400, "bad_url"],
      [
        "text/plain",
        request("POST", "/v1/messages", { "Content-Type": "text/plain" }, good),
        415,
        "unsupported_media_type",
      ],
      [
        "form content type",
        request("POST", "/v1/messages", { "Content-Type": "application/x-www-form-urlencoded" }, good),
        415,
        "unsupported_media_type",
      ],
      [
        "garbled content type",
        request("POST", "/v1/messages", { "Content-Type": ";;=application/json" }, good),
        415,
        "unsupported_media_type",
      ],
      ["no content type", request("POST", "/v1/messages", {}, good), 415, "unsupported_media_type"],
      ["malformed JSON", request("POST", "/v1/messages", json, good.slice(0, -3)), 400, "invalid_json"],
      [
        "prototype poisoning",
        request("POST", "/v1/messages", json, `{"__proto__":{"x":1},${good.slice(1)}`),
        400,
        "invalid_json",
      ],
      [
        "empty JSON body",
        request("POST", "/v1/messages", { ...json, "Content-Length": "0" }),
        400,
        "invalid_json",
      ],
      ["oversized body", request("POST", "/v1/messages", json, oversized), 413, "body_too_large"],
      [
        "oversized chunked body",
        request(
          "POST",
          "/v1/messages",
          { ...json, "Transfer-Encoding": "chunked" },
          `${Buffer.byteLength(oversized).toString(16)}\r\n${oversized}\r\n0\r\n\r\n`,
        ),
        413,
        "body_too_large",
      ],
      [
        "DELETE /v1/messages",
        request("DELETE", "/v1/messages", json, good),
        405,
        "method_not_allowed",
        "POST",
      ],
      ["GET /v1/messages", request("GET", "/v1/messages"), 405, "method_not_allowed", "POST"],
      [
        "PUT /v1/devices/:id",
        request("PUT", "/v1/devices/1", json, good),
        405,
        "method_not_allowed",
        "GET, HEAD",
      ],
      ["POST /healthz", request("POST", "/healthz", json, good), 405, "method_not_allowed", "GET, HEAD"],
      ["unknown path", request("GET", "/v2/messages"), 404, "not_found"],
      ["a method HTTP does not know", request("FROB", "/v1/messages", json, good), 400, "bad_request"],
      ["not HTTP", "GARBAGE\r\n\r\n", 400, "bad_request"],
      [
        "headers too large",
        request(
          "GET",
          "/healthz",
          Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`X-H${i}`, "y".repeat(20)])),
        ),
        431,
        "headers_too_large",
      ],
    ];
    // Every case is checked; the mismatches are reported together.
    const wrong: string[] = [];
    for (const [what, text, status, code, allow] of cases) {
      const a = await rawHttp(seq, text);
      try {
        expectApiError(a, status, code, what);
        if (allow !== undefined) expect(a.headers.allow, `${what}: Allow`).to.equal(allow);
      } catch (err) {
        wrong.push(`${(err as Error).message} (answer: ${a.status} ${a.body.slice(0, 120)})`);
      }
      expect(seq.store.counts().total, `${what}: nothing stored`).to.equal(1);
    }
    expect(wrong).to.deep.equal([]);

    // Each rejection is counted under its code.
    const text = await (await fetch(`${seq.url}/metrics`)).text();
    for (const code of new Set(cases.map((c) => c[3])))
      expect(text, code).to.match(new RegExp(`depin_messages_rejected_total\\{code="${code}"\\} [1-9]`));
    // The reading carried by every rejected request was never stored: it is new now.
    const accepted = await rawHttp(seq, request("POST", "/v1/messages", json, good));
    expect(accepted.status, accepted.body).to.equal(202);
    expect(seq.store.counts().total).to.equal(2);
  });
});

describe("sequencer health", function () {
  this.timeout(120_000);
  let seq: Sequencer | undefined;
  afterEach(async () => {
    await seq?.close();
    seq = undefined;
  });

  it("is 503 while submitBatch reverts (sequencer replaced), counts the failed rounds, and 200 after a good round", async function () {
    const f = await serviceFixture(1, { verifyThreads: 0 });
    seq = f.seq;
    const before = await health(seq);
    expect(before.status).to.equal(200);
    expect(before.body).to.include({ status: "ok", consecutiveFailedRounds: 0 });
    expect(before.body.reasons).to.deep.equal([]);
    const lastSuccess = await metric(seq, "depin_batch_round_last_success_timestamp_seconds");
    expect(lastSuccess).to.be.a("number").and.greaterThan(0);
    expect(await metric(seq, "depin_batch_rounds_failed_total")).to.equal(0);

    const r = await seq.app.inject({
      method: "POST",
      url: "/v1/messages",
      payload: signReading(f.domain, f.devices[0], NOW - 600),
    });
    expect(r.statusCode, r.body).to.equal(202);
    await f.projectRegistry.connect(f.projectOwner).setSequencer(f.projectId, f.stranger.address);

    for (let round = 1; round <= HEALTH_FAILING_AFTER_ROUNDS; round++) {
      await seq.tick();
      const h = await health(seq);
      expect(h.status, `round ${round}`).to.equal(503);
      expect(h.body.status, `round ${round}`).to.equal(
        round < HEALTH_FAILING_AFTER_ROUNDS ? "degraded" : "failing",
      );
      expect(h.body.consecutiveFailedRounds).to.equal(round);
      expect(h.body.reasons.map((x) => x.code)).to.deep.equal(["round_failed"]);
      expect(h.body.reasons[0].message).to.match(/NotSequencer/);
      // the existing fields are still there
      expect(h.body).to.include({ total: 1, batched: 1, unsubmittedBatches: 1, commitQueue: 0 });
      expect(h.body.block).to.be.a("number").and.greaterThan(0);
      expect(await metric(seq, "depin_batch_rounds_failed_total")).to.equal(round);
    }
    expect(await metric(seq, "depin_batch_round_last_success_timestamp_seconds")).to.equal(lastSuccess);

    await f.projectRegistry.connect(f.projectOwner).setSequencer(f.projectId, f.sequencer.address);
    await seq.tick();
    const after = await health(seq);
    expect(after.status).to.equal(200);
    expect(after.body).to.include({ status: "ok", consecutiveFailedRounds: 0, unsubmittedBatches: 0 });
    expect(after.body.reasons).to.deep.equal([]);
    expect(await metric(seq, "depin_batch_rounds_failed_total")).to.equal(HEALTH_FAILING_AFTER_ROUNDS);
    expect(await metric(seq, "depin_batch_round_last_success_timestamp_seconds")).to.be.above(lastSuccess!);
    expect(Date.parse(after.body.lastSuccessfulRoundAt)).to.be.closeTo(Date.now(), 10_000);
  });

  it("is 503 while the fee escrow is empty (InsufficientEscrow), and 200 once it is funded again", async function () {
    const f = await serviceFixture(1, { verifyThreads: 0 });
    seq = f.seq;
    const [balance] = await f.manager.escrowOf(f.projectId);
    await f.manager.connect(f.projectOwner).withdrawFees(f.projectId, balance, f.projectOwner.address);
    const r = await seq.app.inject({
      method: "POST",
      url: "/v1/messages",
      payload: signReading(f.domain, f.devices[0], NOW - 600),
    });
    expect(r.statusCode, r.body).to.equal(202);

    await seq.tick();
    const failing = await health(seq);
    expect(failing.status).to.equal(503);
    expect(failing.body.status).to.equal("degraded");
    expect(failing.body.reasons[0].message).to.match(/InsufficientEscrow/);
    expect(await metric(seq, "depin_batch_rounds_failed_total")).to.equal(1);

    await fundFees(f, f.projectOwner, f.projectId, FEES_DEPOSIT);
    await seq.tick();
    const ok = await health(seq);
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include({ status: "ok", unsubmittedBatches: 0 });
  });

  it("is 503 while the chain cannot be read (RPC refusing or hanging), and 200 after a good round", async function () {
    const rpc = new SwitchableRpc();
    const f = await serviceFixture(1, { verifyThreads: 0 }, async (fx) => {
      const signer = await new BrowserProvider(rpc, undefined, {
        cacheTimeout: -1,
        pollingInterval: 20,
      }).getSigner(fx.sequencer.address);
      return {
        deviceRegistry: fx.deviceRegistry.connect(signer),
        projectRegistry: fx.projectRegistry.connect(signer),
        manager: fx.manager.connect(signer),
      };
    });
    seq = f.seq;
    expect((await health(seq)).status).to.equal(200);

    // Refused: health sees it at once (no round needed), and the next round fails.
    rpc.mode = "down";
    const down = await health(seq);
    expect(down.status).to.equal(503);
    expect(down.body.status).to.equal("failing");
    expect(down.body.reasons.map((x) => x.code)).to.deep.equal(["chain_unreadable"]);
    expect(down.body.reasons[0].message).to.match(/ECONNREFUSED/);
    await seq.tick();
    const roundFailed = await health(seq);
    expect(roundFailed.status).to.equal(503);
    expect(roundFailed.body.reasons.map((x) => x.code)).to.deep.equal(["chain_unreadable", "round_failed"]);
    expect(await metric(seq, "depin_batch_rounds_failed_total")).to.equal(1);

    // Hanging: health answers within its chain timeout anyway.
    rpc.mode = "hang";
    const started = Date.now();
    const hung = await health(seq);
    expect(Date.now() - started).to.be.below(10_000);
    expect(hung.status).to.equal(503);
    expect(hung.body.reasons.map((x) => x.code)).to.include("chain_unreadable");
    expect(hung.body.reasons[0].message).to.match(/timed out|timeout/i);

    rpc.mode = "up";
    await seq.tick();
    const up = await health(seq);
    expect(up.status).to.equal(200);
    expect(up.body).to.include({ status: "ok", consecutiveFailedRounds: 0 });
  });

  it("is 503 when no round has succeeded for longer than healthStaleMs, and 200 after one", async function () {
    const staleMs = 1_000;
    const f = await serviceFixture(1, { verifyThreads: 0, healthStaleMs: staleMs });
    seq = f.seq;
    // The loop is not ticking (pollMs is an hour): it is stale once staleMs have passed.
    await new Promise((r) => setTimeout(r, staleMs + 200));
    const stale = await health(seq);
    expect(stale.status).to.equal(503);
    expect(stale.body.status).to.equal("failing");
    expect(stale.body.reasons.map((x) => x.code)).to.deep.equal(["loop_stale"]);
    await seq.tick();
    const fresh = await health(seq);
    expect(fresh.status).to.equal(200);
    expect(fresh.body.status).to.equal("ok");
  });
});

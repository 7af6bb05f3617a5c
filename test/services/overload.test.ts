/**
 * Overload: a sequencer on the in-process chain (admission bound maxPending = 600, signature
 * checks on worker threads, batching off as in the throughput bench) first serves a closed-loop load
 * that stays under its admission bound — the measured capacity, in accepted messages per
 * second — then is offered about twice that, paced, from a client thread whose devices
 * retry rejected requests at once (quick profile 15 s, full profile 60 s). Asserted:
 * - the overload was real (offered ≥ 1.6× capacity) and was shed with 429s, every one with
 *   Retry-After; nothing else failed;
 * - accepted throughput under overload ≥ 0.6× capacity;
 * - messages admitted at once never exceed `maxPending`, and the process's resident memory
 *   grows by at most 256 MiB over its level at the start of the overload;
 * - once the load stops, a normal request is accepted within 3 s.
 * Readings are signed beforehand on two worker threads (the slow part of the test).
 */
import { expect } from "chai";
import { Worker } from "node:worker_threads";

import { PROFILE } from "../invariants/profile";
import { MOCK_CIRCUIT } from "../helpers/rewards";
import { SETTLEMENT_SETTINGS } from "../helpers/settlement";
import { serviceFixture, signInWorkers, signReading } from "./service-fixture";

const OVERLOAD_SECONDS = PROFILE === "full" ? 60 : 15;
const CAPACITY_SECONDS = PROFILE === "full" ? 10 : 6;
/** Completions in the first seconds of a phase are ramp-up: not counted. */
const WARMUP_SECONDS = 2;
const DEVICES = 16; // the dev state tree (depth 4) holds 16
const PER_REQUEST = 60;
/** Devices of the capacity run: their requests stay under the admission bound. */
const CAPACITY_DEVICES = 8;
/** The project's minInterval is set to this for the test (readings 1 s apart). */
const MIN_INTERVAL = 1;
const RSS_BOUND_MIB = 256;
/**
 * The admission bound of the test's sequencer: the default (2,000) needs more messages in
 * flight than 16 devices (the dev state tree's size) send one request at a time.
 */
const MAX_PENDING = 600;
const MIN_THROUGHPUT_RATIO = 0.6;

/**
 * The load client: per device, one request at a time, in order; a 429 keeps the request for
 * the next send. `rate` > 0 paces all sends to that many messages per second.
 */
const CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, bodies, per } = workerData;
const next = bodies.map(() => 0);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
parentPort.on("message", async ({ devices, rate, ms, warmupMs }) => {
  const start = performance.now();
  const end = start + ms;
  let nextAt = start;
  const s = { offered: 0, accepted: 0, acceptedInWindow: 0, rejected429: 0, missingRetryAfter: 0,
    other: {}, exhausted: false, seconds: ms / 1000, windowSeconds: (ms - warmupMs) / 1000 };
  async function lane(d) {
    for (;;) {
      if (next[d] >= bodies[d].length) { s.exhausted = true; return; }
      const now = performance.now();
      if (now >= end) return;
      if (rate > 0) {
        const at = Math.max(now, nextAt);
        if (at >= end) return;
        nextAt = at + (per / rate) * 1000;
        if (at > now) await sleep(at - now);
      }
      s.offered += per;
      let r;
      try {
        r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: bodies[d][next[d]] });
      } catch (err) {
        s.other["fetch:" + err.message] = (s.other["fetch:" + err.message] || 0) + 1;
        continue;
      }
      const text = await r.text();
      const t = performance.now() - start;
      if (r.status === 202) {
        next[d]++;
        s.accepted += per;
        if (t >= warmupMs && t <= ms) s.acceptedInWindow += per;
      } else if (r.status === 429) {
        s.rejected429 += per;
        if (!/^[0-9]+$/.test(r.headers.get("retry-after") || "")) s.missingRetryAfter++;
      } else {
        const key = r.status + " " + text.slice(0, 120);
        s.other[key] = (s.other[key] || 0) + 1;
      }
    }
  }
  await Promise.all(devices.map(lane));
  parentPort.postMessage(s);
});
`;

interface PhaseStats {
  offered: number;
  accepted: number;
  acceptedInWindow: number;
  rejected429: number;
  missingRetryAfter: number;
  other: Record<string, number>;
  exhausted: boolean;
  seconds: number;
  windowSeconds: number;
}

describe("sequencer overload (about twice its capacity)", function () {
  this.timeout(PROFILE === "full" ? 1_800_000 : 600_000);

  it(`sheds load with 429 + Retry-After, keeps throughput and memory bounded, recovers`, async function () {
    const maxPending = MAX_PENDING;
    expect(DEVICES * PER_REQUEST, "the client can exceed the admission bound").to.be.greaterThan(
      1.5 * maxPending,
    );
    expect(CAPACITY_DEVICES * PER_REQUEST).to.be.lessThan(maxPending);
    // Readings 1 s apart, from a day ago.
    const span = 86_400;
    const f = await serviceFixture(DEVICES, {
      maxBatchAgeMs: 3_600_000,
      maxBodyBytes: 4 * 1024 * 1024,
      ingest: { skewSeconds: span + 3600, deviceRate: 10_000, deviceBurst: 10_000, maxPending },
    });
    const seq = f.seq;
    await f.projectRegistry.connect(f.projectOwner).setSettings(f.projectId, {
      ...SETTLEMENT_SETTINGS,
      circuitId: MOCK_CIRCUIT,
      minInterval: MIN_INTERVAL,
    });
    await seq.view.sync();
    expect(seq.view.projects.get(f.projectId)!.minInterval).to.equal(BigInt(MIN_INTERVAL));
    const now = Math.floor(Date.now() / 1000);
    const url = `${seq.url}/v1/messages`;
    const sign = (requestsPerDevice: number[], from: number[]) =>
      signInWorkers(
        f.domain,
        f.devices.map((d, i) => ({
          key: d.identity.babyJub.privateKey,
          deviceId: d.deviceId,
          address: d.identity.wallet.address,
          from: from[i],
          requests: requestsPerDevice[i],
        })),
        PER_REQUEST,
        MIN_INTERVAL,
      );

    try {
      // 1. Capacity: a closed loop under the admission bound, sized for up to 2,000 messages/s
      // over the warm-up and the measured window (an idle 2-core machine does about 950).
      const signStart = performance.now();
      const capRequests =
        Math.ceil((2000 * (WARMUP_SECONDS + CAPACITY_SECONDS)) / CAPACITY_DEVICES / PER_REQUEST) + 2;
      const capBodies = await sign(
        f.devices.map((_, i) => (i < CAPACITY_DEVICES ? capRequests : 0)),
        f.devices.map(() => now - span),
      );
      let signSeconds = (performance.now() - signStart) / 1000;
      const run = (worker: Worker, msg: object) =>
        new Promise<PhaseStats>((resolve, reject) => {
          worker.once("message", resolve);
          worker.once("error", reject);
          worker.postMessage(msg);
        });
      const capClient = new Worker(CLIENT, {
        eval: true,
        workerData: { url, bodies: capBodies, per: PER_REQUEST },
      });
      const cap = await run(capClient, {
        devices: Array.from({ length: CAPACITY_DEVICES }, (_, i) => i),
        rate: 0,
        ms: CAPACITY_SECONDS * 1000,
        warmupMs: WARMUP_SECONDS * 1000,
      });
      await capClient.terminate();
      expect(cap.exhausted, "enough signed readings for the capacity run").to.equal(false);
      expect(cap.rejected429, "the capacity run stays under the bound").to.equal(0);
      expect(cap.other).to.deep.equal({});
      const capacity = cap.acceptedInWindow / cap.windowSeconds;
      expect(capacity).to.be.greaterThan(0);

      // 2. Overload: about twice the capacity, paced, for OVERLOAD_SECONDS.
      const offeredRate = 2 * capacity;
      const perDevice = Math.ceil((capacity * OVERLOAD_SECONDS * 1.3) / DEVICES / PER_REQUEST) + 3;
      const signMore = performance.now();
      // Each device continues after every reading signed for it so far.
      const sent = capBodies.map((b) => b.length);
      const bodies = await sign(
        f.devices.map(() => perDevice),
        f.devices.map((_, i) => now - span + sent[i] * PER_REQUEST * MIN_INTERVAL),
      );
      signSeconds += (performance.now() - signMore) / 1000;
      const client = new Worker(CLIENT, { eval: true, workerData: { url, bodies, per: PER_REQUEST } });

      const rssStart = process.memoryUsage().rss;
      let rssPeak = rssStart;
      let heapPeak = process.memoryUsage().heapUsed;
      let admittedPeak = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        rssPeak = Math.max(rssPeak, m.rss);
        heapPeak = Math.max(heapPeak, m.heapUsed);
        admittedPeak = Math.max(admittedPeak, seq.ingest.admittedCount);
      }, 100);
      const loadPromise = run(client, {
        devices: Array.from({ length: DEVICES }, (_, i) => i),
        rate: offeredRate,
        ms: OVERLOAD_SECONDS * 1000,
        warmupMs: WARMUP_SECONDS * 1000,
      });
      // 3. Right when the load stops, a device sends a normal request (retrying after 429).
      await new Promise((r) => setTimeout(r, OVERLOAD_SECONDS * 1000));
      const stopped = performance.now();
      const extra = signReading(f.domain, f.devices[0], now + 600, 3n);
      let recoveredMs = -1;
      for (let i = 0; i < 50 && recoveredMs < 0; i++) {
        const r = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(extra),
        });
        if (r.status === 202) recoveredMs = performance.now() - stopped;
        else {
          expect(r.status, await r.text()).to.equal(429);
          await new Promise((res) => setTimeout(res, 1000 * Number(r.headers.get("retry-after"))));
        }
      }
      const load = await loadPromise;
      clearInterval(sampler);
      await client.terminate();

      const offered = load.offered / load.seconds;
      const accepted = load.acceptedInWindow / load.windowSeconds;
      const mib = (x: number) => (x / 2 ** 20).toFixed(0);
      console.log(
        `      capacity ${capacity.toFixed(0)} msg/s (closed loop, ${CAPACITY_SECONDS} s); ` +
          `overload ${OVERLOAD_SECONDS} s: offered ${offered.toFixed(0)} msg/s (${(offered / capacity).toFixed(2)}×), ` +
          `accepted ${accepted.toFixed(0)} msg/s (${(accepted / capacity).toFixed(2)}× capacity), ` +
          `${load.rejected429} messages answered 429 (all with Retry-After: ${load.missingRetryAfter === 0})`,
      );
      console.log(
        `      admitted at once ≤ ${admittedPeak} (bound ${maxPending}); RSS ${mib(rssStart)} → peak ${mib(rssPeak)} MiB ` +
          `(bound +${RSS_BOUND_MIB}), heap peak ${mib(heapPeak)} MiB; normal request accepted ` +
          `${recoveredMs.toFixed(0)} ms after the load stopped; signing took ${signSeconds.toFixed(0)} s`,
      );

      expect(load.exhausted, "enough signed readings for the overload").to.equal(false);
      expect(load.other, "only 202 and 429 under overload").to.deep.equal({});
      expect(offered / capacity, "the load was about twice the capacity").to.be.at.least(1.6);
      expect(load.rejected429, "overload is shed with 429").to.be.greaterThan(0);
      expect(load.missingRetryAfter, "every 429 carries Retry-After").to.equal(0);
      expect(accepted / capacity, "accepted throughput under overload").to.be.at.least(MIN_THROUGHPUT_RATIO);
      expect(admittedPeak, "admitted messages stay under the bound").to.be.at.most(maxPending);
      expect(rssPeak - rssStart, "resident memory growth").to.be.at.most(RSS_BOUND_MIB * 2 ** 20);
      expect(recoveredMs, "normal request accepted after the load").to.be.within(0, 3000);
      const c = seq.store.counts();
      expect(c.total).to.equal(cap.accepted + load.accepted + 1);
    } finally {
      await seq.close();
    }
  });
});

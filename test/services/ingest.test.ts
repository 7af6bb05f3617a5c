/**
 * The sequencer's intake (src/sequencer/ingest.ts) under overlapping requests, driven
 * directly with a verifier the test holds and releases (issue 15, items 6, 7 and 12):
 * - a request that fails changes nothing another request sees: no device clock, key, rate
 *   token or duplicate entry of it is visible while its signatures are checked, and none is
 *   left behind when it fails, however failing requests overlap;
 * - a check that only fails once a request's signatures are verified (a request verified in
 *   the meantime took the key, the spacing or the tokens) gives that check's normal answer;
 * - signature checks are shared fairly between clients: a client waits for at most one check
 *   of every other client, and for none of a client that recently sent a bad signature; a
 *   request stops at its first bad signature; a full admission bound turns away the client
 *   with the most messages waiting rather than a smaller one.
 * The store and the chain view are a real sequencer's (in-process chain); its own intake
 * stays idle.
 */
import { expect } from "chai";

import {
  ApiError,
  DEFAULT_VERIFY_SLOTS,
  Ingestor,
  type IngestOptions,
  type Receipt,
} from "../../src/sequencer";
import { verifyInline, type VerifyItem, type VerifyResult } from "../../src/sequencer/verify-pool";
import { SETTLEMENT_SETTINGS } from "../helpers/settlement";
import type { ScenarioDevice } from "../helpers/rewards";
import { serviceFixture, signReading, type Reading } from "./service-fixture";

const NOW = Math.floor(Date.now() / 1000);
const MIN_INTERVAL = SETTLEMENT_SETTINGS.minInterval;
const OPTIONS: IngestOptions = { skewSeconds: 86_400, maxPending: 1000, deviceRate: 1000, deviceBurst: 1000 };

type Outcome = { status: number; code?: string; receipts?: Receipt[] };

/** The answer the service would give, without rejecting (so a test can await it later). */
function settle(p: Promise<Receipt[]>): Promise<Outcome> {
  return p.then(
    (receipts) => ({ status: receipts.some((r) => !r.duplicate) ? 202 : 200, receipts }),
    (err: unknown) => {
      if (!(err instanceof ApiError)) throw err;
      return { status: err.status, code: err.code };
    },
  );
}

/** Polls `done` every event-loop turn; throws after `ms`. */
async function until(done: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A verifier (the real checks, inline) that holds the calls `hold` picks until the test
 * releases them, and records every item it checked.
 */
function heldVerifier(hold: (items: VerifyItem[], results: VerifyResult[]) => boolean) {
  const held: { items: VerifyItem[]; release: () => void }[] = [];
  const checked: VerifyItem[] = [];
  let open = false;
  return {
    held,
    checked,
    verify(items: VerifyItem[]): Promise<VerifyResult[]> {
      checked.push(...items);
      const results = verifyInline(items);
      if (open || !hold(items, results)) return Promise.resolve(results);
      return new Promise((resolve) => held.push({ items, release: () => resolve(results) }));
    },
    /** Releases the first held call. */
    releaseFirst(): VerifyItem[] {
      const call = held.shift();
      if (!call) throw new Error("no held call");
      call.release();
      return call.items;
    },
    /** Releases held calls from position `keep` on, as they come, until `p` settles. */
    async releaseUntil(p: Promise<unknown>, keep = 0): Promise<void> {
      let settled = false;
      void p.finally(() => (settled = true));
      while (!settled) {
        if (held.length > keep) held.splice(keep, 1)[0].release();
        await new Promise((r) => setImmediate(r));
      }
    },
    /** Releases every held call and holds none from now on. */
    openAll(): void {
      open = true;
      while (held.length > 0) held.shift()!.release();
    },
  };
}

/** A reading with a signature of another reading: on the curve, checked in full, wrong. */
function badReading(domain: bigint, d: ScenarioDevice, timestamp: number, units = 5n): Reading {
  return {
    ...signReading(domain, d, timestamp, units),
    signature: signReading(domain, d, timestamp + 1).signature,
  };
}

/** `count` bad readings of `d`, `MIN_INTERVAL` apart from `from`. */
function badReadings(domain: bigint, d: ScenarioDevice, from: number, count: number): Reading[] {
  const signature = signReading(domain, d, from - 1).signature;
  return Array.from({ length: count }, (_, k) => ({
    ...signReading(domain, d, from + k * MIN_INTERVAL),
    signature,
  }));
}

describe("sequencer intake under overlapping requests", function () {
  this.timeout(120_000);
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  async function fixture(options: Partial<IngestOptions>, hold: Parameters<typeof heldVerifier>[0]) {
    const f = await serviceFixture(3);
    close = () => f.seq.close();
    const verifier = heldVerifier(hold);
    const ingest = new Ingestor(
      f.seq.store,
      f.seq.view,
      { ...OPTIONS, ...options },
      undefined,
      undefined,
      (items) => verifier.verify(items),
    );
    return { ...f, ingest, verifier };
  }
  const holdBad = (_items: VerifyItem[], results: VerifyResult[]) => results.some((r) => !r.ok);

  it("leaves a device's clock as it was when overlapping bad-signature requests fail (item 6)", async function () {
    const f = await fixture({}, holdBad);
    const [d] = f.devices;
    const t = NOW - 1800;
    expect((await settle(f.ingest.submit(signReading(f.domain, d, t)))).status).to.equal(202);

    // Two bad requests of the device overlap; the first one fails first.
    const first = settle(f.ingest.submit(badReading(f.domain, d, t + MIN_INTERVAL), "attacker-1"));
    await until(() => f.verifier.held.length === 1, "the first bad request at the verifier");
    const second = settle(f.ingest.submit(badReading(f.domain, d, t + 2 * MIN_INTERVAL), "attacker-2"));
    await until(() => f.verifier.held.length === 2, "the second bad request at the verifier");
    f.verifier.releaseFirst();
    expect(await first).to.deep.equal({ status: 401, code: "bad_signature" });
    f.verifier.releaseFirst();
    expect(await second).to.deep.equal({ status: 401, code: "bad_signature" });

    // The device's next valid reading is as welcome as if nothing had been sent.
    const valid = await settle(f.ingest.submit(signReading(f.domain, d, t + MIN_INTERVAL), "device"));
    expect(valid.status, valid.code).to.equal(202);
    expect(f.seq.store.deviceStats(d.deviceId)).to.include({ lastTimestamp: BigInt(t + MIN_INTERVAL) });
  });

  it("answers other requests as if a request whose signatures are being checked were not there (item 7)", async function () {
    // Three tokens per device, none refilled during the test. A valid request waits at most
    // orderWaitMs for an earlier one of its device that is still held at the verifier.
    const f = await fixture({ deviceBurst: 3, deviceRate: 1e-6, orderWaitMs: 200 }, holdBad);
    const [d0, d1] = f.devices;
    const t = NOW - 1800;
    expect((await settle(f.ingest.submit(signReading(f.domain, d0, t)))).status).to.equal(202);

    // A bad reading of d0 at t + 2·minInterval waits for its signature check...
    const bad = badReading(f.domain, d0, t + 2 * MIN_INTERVAL);
    const attack = settle(f.ingest.submit(bad, "attacker-1"));
    await until(() => f.verifier.held.length === 1, "the bad request at the verifier");
    // ... and the very same bad reading again: checked on its own, not taken for a duplicate.
    const replay = settle(f.ingest.submit(bad, "attacker-2"));

    // Meanwhile d0's valid readings before and at that timestamp are accepted.
    const earlier = await settle(f.ingest.submit(signReading(f.domain, d0, t + MIN_INTERVAL), "device-0"));
    expect(earlier.status, `earlier reading: ${earlier.code}`).to.equal(202);
    const same = await settle(f.ingest.submit(signReading(f.domain, d0, t + 2 * MIN_INTERVAL), "device-0"));
    expect(same.status, `same timestamp: ${same.code}`).to.equal(202);

    // A bad request for all three of d1's tokens does not spend them while it is checked.
    const greedy = settle(f.ingest.submit(badReadings(f.domain, d1, t, 3), "attacker-3"));
    await until(
      () => f.verifier.held.some((h) => h.items.some((i) => i.deviceId === d1.deviceId)),
      "d1's bad request at the verifier",
    );
    const d1Valid = await settle(f.ingest.submit(signReading(f.domain, d1, t), "device-1"));
    expect(d1Valid.status, `d1's reading: ${d1Valid.code}`).to.equal(202);

    f.verifier.openAll();
    for (const [name, p] of [
      ["attack", attack],
      ["replay", replay],
      ["greedy", greedy],
    ] as const)
      expect(await p, name).to.deep.equal({ status: 401, code: "bad_signature" });
    expect(f.seq.store.counts().total).to.equal(4);
    // The failed requests took no tokens: d1 has two left, then none.
    const twoMore = [1, 2].map((k) => signReading(f.domain, d1, t + k * MIN_INTERVAL));
    expect((await settle(f.ingest.submit(twoMore, "device-1"))).status).to.equal(202);
    const third = await settle(f.ingest.submit(signReading(f.domain, d1, t + 3 * MIN_INTERVAL), "device-1"));
    expect(third).to.deep.equal({ status: 429, code: "rate_limited" });
  });

  it("gives a check's own answer when it fails only after the request's signatures verified", async function () {
    // Every call is held: the test decides which of two overlapping requests finishes first.
    const f = await fixture({ deviceBurst: 4, deviceRate: 1e-6 }, () => true);
    const [d0, d1, d2] = f.devices;
    const t = NOW - 1800;
    const race = async (a: Reading | Reading[], b: Reading | Reading[]) => {
      const first = settle(f.ingest.submit(a, "client-a"));
      await until(() => f.verifier.held.length === 1, "the first request at the verifier");
      const second = settle(f.ingest.submit(b, "client-b"));
      await until(() => f.verifier.held.length === 2, "the second request at the verifier");
      // The first request's first check, then its later ones (queued behind the second's first).
      f.verifier.releaseFirst();
      await f.verifier.releaseUntil(first, 1);
      await f.verifier.releaseUntil(second);
      return [await first, await second];
    };

    // Same key, other content: the later one conflicts.
    const [won, conflict] = await race(signReading(f.domain, d0, t), signReading(f.domain, d0, t, 6n));
    expect(won.status).to.equal(202);
    expect(conflict).to.deep.equal({ status: 409, code: "conflict" });
    // Same key, same content: the later one gets the original's receipt.
    const m = signReading(f.domain, d0, t + MIN_INTERVAL);
    const [original, duplicate] = await race(m, m);
    expect(original.status).to.equal(202);
    expect(duplicate.status).to.equal(200);
    expect(duplicate.receipts).to.deep.equal(original.receipts!.map((r) => ({ ...r, duplicate: true })));
    // Too close to a reading verified meanwhile: interval_too_short.
    const [spaced, tooClose] = await race(
      signReading(f.domain, d1, t),
      signReading(f.domain, d1, t + MIN_INTERVAL / 2),
    );
    expect(spaced.status).to.equal(202);
    expect(tooClose).to.deep.equal({ status: 422, code: "interval_too_short" });
    // More than the tokens left once the other request took its own: rate_limited.
    const [spent, limited] = await race(
      [0, 1, 2].map((k) => signReading(f.domain, d2, t + k * MIN_INTERVAL)),
      [3, 4].map((k) => signReading(f.domain, d2, t + k * MIN_INTERVAL)),
    );
    expect(spent.status).to.equal(202);
    expect(limited).to.deep.equal({ status: 429, code: "rate_limited" });
    expect(f.seq.store.counts().total).to.equal(2 + 1 + 3);
  });

  it("takes one device's requests in arrival order, whatever order their signatures verify in", async function () {
    const f = await fixture({}, () => true);
    const [d0] = f.devices;
    const t = NOW - 1800;
    // A device sending faster than its acks, over two connections: t, then t + minInterval.
    const first = settle(f.ingest.submit(signReading(f.domain, d0, t), "connection-a"));
    await until(() => f.verifier.held.length === 1, "the first request at the verifier");
    const second = settle(f.ingest.submit(signReading(f.domain, d0, t + MIN_INTERVAL), "connection-b"));
    await until(() => f.verifier.held.length === 2, "the second request at the verifier");
    // The second reading's signature verifies first; it still waits for the first reading.
    f.verifier.held.splice(1, 1)[0].release();
    await new Promise((r) => setTimeout(r, 50));
    f.verifier.releaseFirst();
    expect((await first).status, `first: ${(await first).code}`).to.equal(202);
    expect((await second).status, `second: ${(await second).code}`).to.equal(202);
    expect(f.seq.store.counts().total).to.equal(2);
  });

  it("checks one signature of a request of bad signatures (item 12)", async function () {
    const f = await fixture({}, () => false);
    const bad = badReadings(f.domain, f.devices[2], NOW - 30_000, 100);
    expect(await settle(f.ingest.submit(bad, "attacker"))).to.deep.equal({
      status: 401,
      code: "bad_signature",
    });
    expect(f.verifier.checked).to.have.length(1);
  });

  it("checks each client in turn under a flood of clients (item 12)", async function () {
    const f = await fixture({}, () => true);
    const [d0, d1] = f.devices;
    const clients = 30;
    const flood = Array.from({ length: clients }, (_, c) =>
      settle(f.ingest.submit(badReadings(f.domain, d1, NOW - 30_000 + c * 1000, 10), `flood-${c}`)),
    );
    const valid = settle(f.ingest.submit(signReading(f.domain, d0, NOW - 1800), "device"));
    let answered = false;
    void valid.then(() => (answered = true));
    while (!answered) {
      await until(() => f.verifier.held.length > 0 || answered, "a call at the verifier");
      if (f.verifier.held.length > 0) f.verifier.releaseFirst();
      await new Promise((r) => setImmediate(r));
    }
    expect((await valid).status).to.equal(202);
    const before = f.verifier.checked.findIndex((i) => i.deviceId === d0.deviceId);
    expect(before, "checks of other clients before the device's one").to.be.at.most(clients);
    f.verifier.openAll();
    for (const p of flood) expect(await p).to.deep.equal({ status: 401, code: "bad_signature" });
    expect(f.verifier.checked, "one check per bad request").to.have.length(clients + 1);
  });

  it("checks a client that sent a bad signature after the others (item 12)", async function () {
    let holding = false;
    const f = await fixture({}, () => holding);
    const [d0, d1] = f.devices;
    const clients = 10;
    // Each flood client has had a request fail on a bad signature...
    for (let c = 0; c < clients; c++)
      expect(
        await settle(f.ingest.submit(badReadings(f.domain, d1, NOW - 30_000 + c * 1000, 2), `flood-${c}`)),
      ).to.deep.equal({ status: 401, code: "bad_signature" });
    // ... and sends another, which waits at the verifier, as does a valid client's reading.
    holding = true;
    const start = f.verifier.checked.length;
    const flood = Array.from({ length: clients }, (_, c) =>
      settle(f.ingest.submit(badReadings(f.domain, d1, NOW - 20_000 + c * 1000, 10), `flood-${c}`)),
    );
    const valid = settle(f.ingest.submit(signReading(f.domain, d0, NOW - 1800), "device"));
    await f.verifier.releaseUntil(valid);
    expect((await valid).status).to.equal(202);
    const at = f.verifier.checked.findIndex((i) => i.deviceId === d0.deviceId) - start;
    // At most the checks already in flight, and one in SUSPECT_SHARE of the next, go first.
    expect(at, "flood checks before the valid client's one").to.be.at.most(DEFAULT_VERIFY_SLOTS + 1);
    f.verifier.openAll();
    for (const p of flood) expect(await p).to.deep.equal({ status: 401, code: "bad_signature" });
  });

  it("turns away the biggest waiting client, not a smaller newcomer, at the admission bound (item 12)", async function () {
    const f = await fixture({ maxPending: 100 }, () => true);
    const [d0, d1] = f.devices;
    // Ten clients with ten bad readings each fill the bound while their checks wait.
    const flood = Array.from({ length: 10 }, (_, c) =>
      settle(f.ingest.submit(badReadings(f.domain, d1, NOW - 30_000 + c * 1000, 10), `flood-${c}`)),
    );
    await until(() => f.ingest.admittedCount === 100, "the flood admitted");
    // One more of the same size is turned away...
    const late = await settle(f.ingest.submit(badReadings(f.domain, d1, NOW - 10_000, 10), "flood-10"));
    expect(late).to.deep.equal({ status: 429, code: "overloaded" });
    // ... but a client with one reading gets in, and one flood request makes room for it.
    const valid = settle(f.ingest.submit(signReading(f.domain, d0, NOW - 1800), "device"));
    expect(f.ingest.admittedCount).to.be.at.most(100);
    f.verifier.openAll();
    expect((await valid).status).to.equal(202);
    const answers = await Promise.all(flood);
    expect(answers.filter((a) => a.code === "overloaded")).to.have.length(1);
    expect(answers.filter((a) => a.code === "bad_signature")).to.have.length(9);
  });

  it("refuses a per-request limit above maxPending (item 9)", async function () {
    const f = await serviceFixture(1);
    close = () => f.seq.close();
    expect(
      () => new Ingestor(f.seq.store, f.seq.view, { ...OPTIONS, maxPending: 10, maxPerRequest: 11 }),
    ).to.throw(/maxPerRequest/);
  });
});

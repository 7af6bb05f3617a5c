/**
 * Garbage in, 4xx out: ≥ 10,000 generated malformed requests (fast-check) against a sequencer
 * on the in-process chain, through fastify's `inject` (no sockets) plus a few hundred
 * malformed raw HTTP requests over a real socket. Inputs: any JSON value, valid readings
 * with one field replaced (wrong types, huge numbers, 77-digit integers past the field,
 * unicode, prototype keys), missing and extra fields, truncated JSON, random bytes, giant
 * arrays, arrays mixing valid and bad readings, replays and conflicting replays of stored
 * readings, wrong signatures, wrong content types, empty bodies, bad ids on the GET routes
 * and unknown routes. Checked for every request: no status ≥ 500, every error a JSON
 * `{ error: { code, message } }` (429 with Retry-After), no 202, nothing stored (the store's
 * row count never moves; replays of stored readings get their original receipt), and the
 * service still accepts a valid reading at the end. PROFILE=full runs 5× the requests.
 */
import { expect } from "chai";
import fc from "fast-check";
import * as net from "node:net";

import type { Sequencer } from "../../src/sequencer";
import { PROFILE } from "../invariants/profile";
import { serviceFixture, signReading, type Reading } from "./service-fixture";

const REQUESTS = PROFILE === "full" ? 50_000 : 10_000;
const RAW_REQUESTS = PROFILE === "full" ? 1_000 : 200;
const NOW = Math.floor(Date.now() / 1000);
const SEED = process.env.INVARIANT_SEED === undefined ? undefined : Number(process.env.INVARIANT_SEED);

interface Req {
  kind: string;
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  url: string;
  contentType?: string;
  payload?: string | Buffer;
  /** A replay of stored readings only: 200 with duplicate receipts is the right answer. */
  replay?: boolean;
}

type Json = unknown;

/** Values that are wrong somewhere a reading's field is expected. */
const badValue: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom(
    -1,
    -0,
    0.5,
    1e308,
    Number.MAX_SAFE_INTEGER + 2,
    "-1",
    "01",
    "1e3",
    "0x10",
    " 1",
    "1".repeat(77),
    "9".repeat(77),
    "9".repeat(78),
    (2n ** 256n).toString(),
    (2n ** 64n).toString(),
    "21888242871839275222246405745257275088548364400416034343698204186575808495617",
    "\u0000",
    "\ud800",
    "０",
    null,
    true,
    [],
    {},
    { r8x: "1", r8y: "2", s: "3" },
  ),
  fc.bigInt({ min: 0n, max: 10n ** 77n - 1n }).map(String),
  fc.double(),
);

const FIELDS = [
  "deviceId",
  "timestamp",
  "units",
  "payloadHash",
  "signature",
  "signature.r8x",
  "signature.r8y",
  "signature.s",
] as const;

function get(o: Record<string, unknown>, p: string): unknown {
  return p.split(".").reduce<unknown>((x, k) => (x as Record<string, unknown>)?.[k], o);
}

function withField(m: Reading, p: string, value: Json | undefined): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
  const keys = p.split(".");
  let at = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys[keys.length - 1]];
  else at[keys[keys.length - 1]] = value;
  return copy;
}

function requests(stored: Reading[], fresh: Reading[]): fc.Arbitrary<Req> {
  const post = (kind: string, body: Json, extra: Partial<Req> = {}): Req => ({
    kind,
    method: "POST",
    url: "/v1/messages",
    contentType: "application/json",
    payload: JSON.stringify(body) ?? "",
    ...extra,
  });
  // String() throws for objects without a prototype (fast-check makes them): fall back.
  const text = (x: unknown): string => {
    try {
      return String(x);
    } catch {
      return Object.prototype.toString.call(x);
    }
  };
  const base = fc.constantFrom(...stored, ...fresh);
  const freshOne = fc.constantFrom(...fresh);
  const mutated = fc
    .tuple(base, fc.constantFrom(...FIELDS), badValue)
    .filter(
      ([m, p, v]) =>
        JSON.stringify(v) !== JSON.stringify(get(m as never, p)) && text(v) !== text(get(m as never, p)),
    )
    .map(([m, p, v]) => withField(m, p, v));
  const missing = fc.tuple(base, fc.constantFrom(...FIELDS)).map(([m, p]) => withField(m, p, undefined));
  const extra = fc
    .tuple(base, fc.constantFrom("extra", "__proto__", "constructor", "prototype", "toString", ""), badValue)
    .map(([m, k, v]) => {
      const o = JSON.parse(JSON.stringify(m)) as Record<string, unknown>;
      Object.defineProperty(o, k, { value: v ?? 0, enumerable: true, writable: true, configurable: true });
      return o;
    });
  const bad = fc.oneof(mutated, missing, extra);
  const uintString = fc.bigInt({ min: 0n, max: 10n ** 77n - 1n }).map(String);

  return fc.oneof(
    fc.jsonValue().map((v) => post("any JSON", v)),
    mutated.map((m) => post("mutated field", m)),
    missing.map((m) => post("missing field", m)),
    extra.map((m) => post("extra field", m)),
    // valid readings and one bad one: all or nothing
    fc.tuple(fc.array(freshOne, { maxLength: 6 }), bad, fc.nat()).map(([good, b, at]) => {
      const all: Json[] = [...good];
      all.splice(at % (good.length + 1), 0, b);
      return post("array with a bad reading", all);
    }),
    // the same fresh reading twice in an array with a different-content twin: a conflict
    fc
      .tuple(freshOne, fc.integer({ min: 1, max: 999 }))
      .filter(([m, u]) => String(u) !== m.units)
      .map(([m, u]) => post("conflicting twins", [m, { ...m, units: String(u) }])),
    fc
      .tuple(fc.constantFrom(...stored), fc.integer({ min: 0, max: 999 }))
      .map(([m, u]) =>
        String(u) === m.units
          ? post("replay", m, { replay: true })
          : post("conflicting replay", { ...m, units: String(u) }),
      ),
    fc
      .array(fc.constantFrom(...stored), { minLength: 1, maxLength: 5 })
      .map((ms) => post("replayed array", ms, { replay: true })),
    // wrong signatures: another reading's, or any in-schema integers (past the field too)
    fc
      .tuple(freshOne, fc.constantFrom(...stored, ...fresh), uintString, fc.constantFrom("r8x", "r8y", "s"))
      .map(([m, other, x, which]) =>
        other.signature.s === m.signature.s
          ? post("wrong signature", { ...m, signature: { ...m.signature, [which]: x } })
          : post("wrong signature", { ...m, signature: other.signature }),
      ),
    fc
      .tuple(freshOne, uintString, uintString, uintString)
      .map(([m, r8x, r8y, s]) => post("random signature", { ...m, signature: { r8x, r8y, s } })),
    fc
      .tuple(
        fc.oneof(
          freshOne.map((m) => JSON.stringify(m)),
          fc.array(freshOne, { minLength: 1, maxLength: 4 }).map((ms) => JSON.stringify(ms)),
        ),
        fc.nat(),
      )
      .map(([text, cut]) =>
        post("truncated JSON", null, { payload: text.slice(0, 1 + (cut % (text.length - 1))) }),
      ),
    fc
      .uint8Array({ maxLength: 2048 })
      .map((bytes) => post("random bytes", null, { payload: Buffer.from(bytes) })),
    fc
      .string({ unit: "binary", maxLength: 300 })
      .map((text) => post("unicode text", null, { payload: text })),
    fc
      .tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom<Json>(0, null, {}, "x", []))
      .map(([n, v]) => post("giant array of junk", Array(n).fill(v))),
    fc
      .tuple(fc.integer({ min: 250, max: 1_500 }), freshOne)
      // ≥ 250 copies: past the 64 KiB body limit (fewer would be one reading and duplicates)
      .map(([n, m]) => post("giant array of readings", Array(n).fill(m))),
    fc
      .tuple(fc.integer({ min: 1, max: 70_000 }), fc.constantFrom("[", "{", '{"a":', "[[", '["'))
      .map(([n, open]) => post("deep nesting", null, { payload: open.repeat(n) })),
    fc
      .tuple(
        freshOne,
        fc.constantFrom(
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/octet-stream",
          "application/jsonx",
          "json",
          "text/json",
          "*/*",
          "application/",
          "; charset=utf-8",
          "application/json-patch+json",
        ),
      )
      .map(([m, ct]) => post("wrong content type", m, { contentType: ct })),
    fc
      .tuple(
        fc.constantFrom("", " ", "\n", "\t\r\n"),
        fc.constantFrom("application/json", "text/plain", undefined),
      )
      .map(([payload, ct]) => post("empty body", null, { payload, contentType: ct })),
    fc
      .oneof(
        fc.string({ unit: "grapheme", maxLength: 60 }),
        fc.stringMatching(/^[0-9]{1,400}$/),
        fc.stringMatching(/^[0-9]{1,40}-[0-9]{1,400}$/),
        fc.constantFrom("-1", "1-", "-", "1--1", "0x1", "1e3", "%00", "..%2f..", "NaN", "99-99"),
      )
      .chain((id) =>
        fc.constantFrom<Req>(
          { kind: "bad batch id", method: "GET", url: `/v1/batches/${encodeURIComponent(id)}` },
          { kind: "bad device id", method: "GET", url: `/v1/devices/${encodeURIComponent(id)}` },
        ),
      ),
    fc
      .tuple(
        fc.constantFrom<Req["method"]>("GET", "PUT", "DELETE", "PATCH", "POST"),
        fc.constantFrom("/v1/messages", "/v1/batches", "/v1/devices/", "/", "/v2/messages", "/healthz/x"),
        fc.string({ unit: "grapheme-ascii", maxLength: 20 }),
      )
      .filter(([method, p]) => !(method === "POST" && p === "/v1/messages"))
      .map(([method, p, tail]) => ({
        kind: "unknown route",
        method,
        url: p + encodeURIComponent(tail),
      })),
  );
}

/** Malformed HTTP over a real socket; resolves with the status line's code (0: none). */
function raw(seq: Sequencer, text: string): Promise<number> {
  const { port } = new URL(seq.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    let answer = "";
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on("data", (d) => {
      answer += d.toString("latin1");
      if (answer.includes("\r\n")) socket.end();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.write(text, "latin1", () => socket.end());
  });
}

describe("sequencer under garbage input", function () {
  this.timeout(PROFILE === "full" ? 1_800_000 : 300_000);
  let seq: Sequencer | undefined;
  after(async () => seq?.close());

  it(`answers ${REQUESTS} malformed requests with 4xx JSON errors and stores nothing`, async function () {
    const f = await serviceFixture(3, { maxBodyBytes: 64 * 1024, ingest: { maxPending: 1000 } });
    seq = f.seq;
    const s = seq;
    const stored = f.devices.map((d) => signReading(f.domain, d, NOW - 1800, 7n));
    const response = await s.app.inject({ method: "POST", url: "/v1/messages", payload: stored });
    expect(response.statusCode).to.equal(202);
    // Valid readings never sent alone: each goes in a request that also holds a bad one.
    const fresh = f.devices.flatMap((d) =>
      [1, 2, 3, 4].map((k) => signReading(f.domain, d, NOW - 1800 + 60 * k, BigInt(10 + k))),
    );
    const baseline = s.store.counts().total;
    expect(baseline).to.equal(stored.length);

    const statuses = new Map<number, number>();
    const codes = new Map<string, number>();
    const kinds = new Map<string, number>();
    let fiveHundreds = 0;
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(requests(stored, fresh), async (req) => {
        const r = await s.app.inject({
          method: req.method,
          url: req.url,
          headers: req.contentType === undefined ? {} : { "content-type": req.contentType },
          payload: req.payload,
        });
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        kinds.set(req.kind, (kinds.get(req.kind) ?? 0) + 1);
        if (r.statusCode >= 500) fiveHundreds++;
        expect(r.statusCode, `${req.kind}: ${r.body.slice(0, 300)}`).to.be.below(500);
        expect(s.store.counts().total, `${req.kind}: nothing stored`).to.equal(baseline);
        const body = r.json() as {
          error?: { code?: unknown; message?: unknown };
          receipt?: { duplicate: boolean };
          receipts?: { duplicate: boolean }[];
        };
        if (req.replay && r.statusCode < 400) {
          expect(r.statusCode, req.kind).to.equal(200);
          const receipts = body.receipts ?? [body.receipt!];
          expect(
            receipts.every((x) => x.duplicate === true),
            req.kind,
          ).to.equal(true);
          return;
        }
        const isDeviceOrBatchRead =
          req.method === "GET" && /^\/v1\/(devices|batches)\//.test(req.url) && r.statusCode === 200;
        if (isDeviceOrBatchRead) return; // an id that happens to exist (e.g. a device address)
        expect(r.statusCode, `${req.kind}: ${r.body.slice(0, 300)}`).to.be.within(400, 499);
        expect(body.error?.code, `${req.kind}: ${r.body.slice(0, 300)}`)
          .to.be.a("string")
          .and.match(/^[a-z_]+$/);
        expect(body.error?.message, req.kind).to.be.a("string");
        codes.set(body.error!.code as string, (codes.get(body.error!.code as string) ?? 0) + 1);
        if (r.statusCode === 429) expect(r.headers["retry-after"], req.kind).to.match(/^[0-9]+$/);
      }),
      { numRuns: REQUESTS, seed: SEED, endOnFailure: true },
    );
    const injectSeconds = (performance.now() - started) / 1000;

    // Malformed HTTP itself, over a socket: bad lengths, truncated bodies, junk framing.
    const good = JSON.stringify(fresh[0]);
    const rawCases = fc.sample(
      fc.oneof(
        fc
          .nat({ max: 100_000 })
          .map(
            (n) =>
              `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${n}\r\n\r\n${good}`,
          ),
        fc.constantFrom(
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\n\r\n${good}`,
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n${good}`,
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${good}\r\n0\r\n\r\n`,
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\n{}\r\n0\r\n\r\n`,
          `POST /v1/messages HTTP/9.9\r\n\r\n`,
          `GARBAGE\r\n\r\n`,
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
          `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${"X-A: b\r\n".repeat(5000)}\r\n`,
        ),
        fc
          .string({ unit: "binary-ascii", maxLength: 500 })
          .map((junk) => `POST /v1/messages HTTP/1.1\r\nHost: x\r\n${junk}\r\n\r\n`),
      ),
      { numRuns: RAW_REQUESTS, seed: SEED },
    );
    let rawFiveHundreds = 0;
    for (const text of rawCases) {
      const status = await raw(s, text);
      if (status >= 500) rawFiveHundreds++;
      expect(status, JSON.stringify(text.slice(0, 200))).to.be.below(500);
      expect(s.store.counts().total).to.equal(baseline);
    }

    // Still serving: a valid reading is accepted, the replays still answer.
    const after = await fetch(`${s.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fresh[0]),
    });
    expect(after.status).to.equal(202);
    expect(s.store.counts().total).to.equal(baseline + 1);
    const health = (await (await fetch(`${s.url}/healthz`)).json()) as { status: string };
    expect(health.status).to.equal("ok");
    expect(fiveHundreds + rawFiveHundreds).to.equal(0);

    const top = (m: Map<string | number, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
    console.log(
      `      ${REQUESTS} injected requests in ${injectSeconds.toFixed(1)} s + ${rawCases.length} raw HTTP; ` +
        `5xx: ${fiveHundreds + rawFiveHundreds}; rows stored for rejected input: 0`,
    );
    console.log(`      statuses: ${top(statuses as Map<string | number, number>)}`);
    console.log(`      codes: ${top(codes as Map<string | number, number>)}`);
    console.log(`      kinds: ${top(kinds as Map<string | number, number>)}`);
  });
});

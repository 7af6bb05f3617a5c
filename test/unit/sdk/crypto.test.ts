/** The SDK's crypto against circomlibjs, the reference the circuits are written for. */
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { Wallet } from "ethers";

import {
  BASE8,
  OpChain,
  SNARK_SCALAR_FIELD,
  babyJubPublicKey,
  deviceAddressOf,
  deviceIdOf,
  didOf,
  generateBabyJubKey,
  isValidBabyJubPublicKey,
  keyHash,
  nextOpsChain,
  parseDeviceRef,
} from "../../../src/crypto";

const VECTORS = 16;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe("crypto (SDK)", function () {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const circomlibjs = require("circomlibjs") as Any;
  let babyjub: Any;
  let eddsa: Any;
  let poseidon: Any;

  before(async function () {
    babyjub = await circomlibjs.buildBabyjub();
    eddsa = await circomlibjs.buildEddsa();
    poseidon = await circomlibjs.buildPoseidon();
  });

  it("derives the same BabyJubJub public key as circomlibjs prv2pub", function () {
    for (let i = 0; i < VECTORS; i++) {
      const prv = randomBytes(32);
      const [x, y] = eddsa.prv2pub(prv);
      const ours = babyJubPublicKey(prv);
      expect(ours.ax).to.equal(babyjub.F.toObject(x));
      expect(ours.ay).to.equal(babyjub.F.toObject(y));
    }
  });

  it("uses circomlibjs's Base8", function () {
    expect(BASE8.x).to.equal(babyjub.F.toObject(babyjub.Base8[0]));
    expect(BASE8.y).to.equal(babyjub.F.toObject(babyjub.Base8[1]));
  });

  it("accepts generated keys and rejects unusable points", function () {
    const key = generateBabyJubKey();
    expect(isValidBabyJubPublicKey(key)).to.equal(true);
    // Off the curve.
    expect(isValidBabyJubPublicKey({ ax: key.ax, ay: key.ay + 1n })).to.equal(false);
    // Not canonical.
    expect(isValidBabyJubPublicKey({ ax: key.ax + SNARK_SCALAR_FIELD, ay: key.ay })).to.equal(false);
    // The identity and the point of order two.
    expect(isValidBabyJubPublicKey({ ax: 0n, ay: 1n })).to.equal(false);
    expect(isValidBabyJubPublicKey({ ax: 0n, ay: SNARK_SCALAR_FIELD - 1n })).to.equal(false);
    // On the curve but outside the prime-order subgroup: the full group's generator.
    const g = { ax: babyjub.F.toObject(babyjub.Generator[0]), ay: babyjub.F.toObject(babyjub.Generator[1]) };
    expect(babyjub.inCurve(babyjub.Generator)).to.equal(true);
    expect(isValidBabyJubPublicKey(g)).to.equal(false);
  });

  it("computes key hashes and the op chain with circomlibjs's Poseidon", function () {
    const chain = new OpChain();
    let expected = 0n;
    for (let i = 0n; i < 5n; i++) {
      const key = generateBabyJubKey();
      const deviceId = deviceIdOf(Wallet.createRandom().address);
      const kh = keyHash(deviceId, key.ax, key.ay);
      expect(kh).to.equal(poseidon.F.toObject(poseidon([deviceId, key.ax, key.ay])));
      const op = { index: i, keyHash: i === 3n ? 0n : kh };
      expected = poseidon.F.toObject(poseidon([expected, op.index, op.keyHash]));
      expect(chain.append(op)).to.equal(expected);
      expect(nextOpsChain(chain.checkpoints[Number(i)], op)).to.equal(expected);
    }
    expect(chain.opCount).to.equal(5);
    expect(chain.checkpoints[0]).to.equal(0n);
  });

  it("maps device addresses, ioID token ids and DIDs onto each other", function () {
    const { address } = Wallet.createRandom();
    const id = deviceIdOf(address);
    expect(deviceAddressOf(id)).to.equal(address);
    expect(didOf(address)).to.equal(`did:io:${address.toLowerCase()}`);
    expect(parseDeviceRef(didOf(address))).to.equal(address);
    expect(parseDeviceRef(id.toString())).to.equal(address);
    expect(parseDeviceRef(address.toLowerCase())).to.equal(address);
    expect(() => parseDeviceRef("device-7")).to.throw("not a device id");
    expect(() => deviceAddressOf(0n)).to.throw("not an ioID token id");
  });
});

/** EdDSA-Poseidon: ours against circomlibjs, on every vector, valid and invalid. */
import { expect } from "chai";
import { randomBytes } from "node:crypto";

import {
  BABYJUB_SUBORDER,
  SNARK_SCALAR_FIELD,
  generateBabyJubKey,
  isOnBabyJub,
  signEddsaPoseidon,
  verifyEddsaPoseidon,
} from "../../../src/crypto";

const VECTORS = 24;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

describe("EdDSA-Poseidon (SDK)", function () {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const circomlibjs = require("circomlibjs") as Any;
  let eddsa: Any;
  let F: Any;

  before(async function () {
    eddsa = await circomlibjs.buildEddsa();
    F = eddsa.babyJub.F;
  });

  const theirsVerify = (
    msg: bigint,
    sig: { R8x: bigint; R8y: bigint; S: bigint },
    key: { ax: bigint; ay: bigint },
  ) =>
    eddsa.verifyPoseidon(F.e(msg), { R8: [F.e(sig.R8x), F.e(sig.R8y)], S: sig.S }, [
      F.e(key.ax),
      F.e(key.ay),
    ]);

  it("signs exactly as circomlibjs signPoseidon", function () {
    for (let i = 0; i < VECTORS; i++) {
      const key = generateBabyJubKey();
      const msg = BigInt("0x" + randomBytes(31).toString("hex"));
      const ours = signEddsaPoseidon(key.privateKey, msg);
      const theirs = eddsa.signPoseidon(key.privateKey, F.e(msg));
      expect(ours.S).to.equal(theirs.S);
      expect(ours.R8x).to.equal(F.toObject(theirs.R8[0]));
      expect(ours.R8y).to.equal(F.toObject(theirs.R8[1]));
    }
  });

  it("agrees with circomlibjs verifyPoseidon on valid and tampered signatures", function () {
    for (let i = 0; i < VECTORS; i++) {
      const key = generateBabyJubKey();
      const other = generateBabyJubKey();
      const msg = BigInt("0x" + randomBytes(31).toString("hex"));
      const sig = signEddsaPoseidon(key.privateKey, msg);
      const cases: [bigint, typeof sig, { ax: bigint; ay: bigint }][] = [
        [msg, sig, key],
        [msg + 1n, sig, key],
        [msg, { ...sig, S: (sig.S + 1n) % BABYJUB_SUBORDER }, key],
        [msg, { ...sig, S: sig.S + BABYJUB_SUBORDER }, key],
        [msg, { ...sig, R8x: other.ax, R8y: other.ay }, key],
        [msg, sig, other],
        [msg, { ...sig, R8y: (sig.R8y + 1n) % SNARK_SCALAR_FIELD }, key],
      ];
      for (const [m, s, k] of cases) {
        const expected = Boolean(theirsVerify(m, s, k));
        expect(verifyEddsaPoseidon(m, s, k)).to.equal(expected);
      }
      expect(verifyEddsaPoseidon(msg, sig, key)).to.equal(true);
    }
  });

  it("keeps verifying correctly once a key's window table is built", function () {
    const key = generateBabyJubKey();
    for (let i = 0; i < 6; i++) {
      const msg = BigInt(i + 1);
      const sig = signEddsaPoseidon(key.privateKey, msg);
      expect(verifyEddsaPoseidon(msg, sig, key)).to.equal(true);
      expect(verifyEddsaPoseidon(msg + 1n, sig, key)).to.equal(false);
    }
  });

  it("checks curve membership of R8 and A", function () {
    const key = generateBabyJubKey();
    expect(isOnBabyJub(key.ax, key.ay)).to.equal(true);
    expect(isOnBabyJub(key.ax, key.ay + 1n)).to.equal(false);
    const sig = signEddsaPoseidon(key.privateKey, 5n);
    expect(verifyEddsaPoseidon(5n, sig, { ax: key.ax, ay: key.ay + 1n })).to.equal(false);
    expect(() => signEddsaPoseidon(key.privateKey, SNARK_SCALAR_FIELD)).to.throw("field element");
  });
});

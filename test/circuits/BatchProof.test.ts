/**
 * BatchProof(R, D, K, STATE_DEPTH) at the `dev` shape: witnesses built by the prover's own
 * batch builder pass; every rule of DESIGN.md §4, broken on purpose (with the builder's
 * checks off), fails; hint-computed signals cannot be tampered with.
 */
import { expect } from "chai";

import { batchTester } from "../helpers/circuits";
import {
  SETTINGS,
  START,
  messagesFor,
  projectState,
  registerOp,
  signedMessage,
  simDevice,
} from "../helpers/batches";
import { BatchError, buildBatch, messagesHashOf, type CircuitInput } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { generateBabyJubKey, signEddsaPoseidon } from "../../src/crypto";

const SHAPE = CIRCUIT_CONFIGS.dev;
const COMPILE_TIMEOUT_MS = 300_000;

/** The part of circomkit's WitnessTester these tests use, over our string-valued inputs. */
interface Tester {
  expectPass(input: CircuitInput): Promise<void>;
  expectFail(input: CircuitInput): Promise<void>;
  calculateWitness(input: CircuitInput): Promise<bigint[]>;
  editWitness(witness: bigint[], values: Record<string, bigint>): Promise<bigint[]>;
  expectConstraintFail(witness: bigint[]): Promise<void>;
}

/** A project with 3 registered devices (indices 0..2) and room for more. */
function scenario() {
  return projectState(SHAPE.depth, 3);
}

function clone(input: CircuitInput): CircuitInput {
  return JSON.parse(JSON.stringify(input));
}

describe("BatchProof (dev shape)", function () {
  this.timeout(COMPILE_TIMEOUT_MS);
  let circuit: Tester;

  before(async function () {
    circuit = (await batchTester(SHAPE)) as unknown as Tester;
  });

  describe("accepts", function () {
    it("a full batch: one registry op and two devices with two messages each", async function () {
      const { tree, devices, context } = scenario();
      const newcomer = simDevice(3);
      const batch = buildBatch(
        SHAPE,
        tree,
        context,
        [registerOp(newcomer)],
        [messagesFor(devices[0], [5n, 7n]), messagesFor(devices[1], [1n, 1_000n])],
      );
      expect(batch.signals.totalUnits).to.equal(1_013n);
      expect(tree.leaf(0).accruedReward).to.equal(12n * SETTINGS.rewardRate);
      expect(tree.leaf(3).keyHash).to.equal(registerOp(newcomer).keyHash);
      await circuit.expectPass(batch.input);
    });

    it("a partial batch with padding: one device, one message", async function () {
      const { tree, devices, context } = scenario();
      const batch = buildBatch(SHAPE, tree, context, [], [messagesFor(devices[2], [9n])]);
      expect(batch.signals.opsChainTo).to.equal(context.opsChainFrom);
      await circuit.expectPass(batch.input);
    });

    it("ops only", async function () {
      const { tree, context } = scenario();
      const oldRoot = tree.root;
      const batch = buildBatch(SHAPE, tree, context, [registerOp(simDevice(3))], []);
      expect(batch.signals.messagesHash).to.equal(0n);
      expect(batch.signals.totalUnits).to.equal(0n);
      expect(batch.signals.newStateRoot).to.not.equal(oldRoot);
      await circuit.expectPass(batch.input);
    });

    it("messages only", async function () {
      const { tree, devices, context } = scenario();
      const batch = buildBatch(
        SHAPE,
        tree,
        context,
        [],
        [messagesFor(devices[0], [1n, 2n]), messagesFor(devices[1], [3n])],
      );
      await circuit.expectPass(batch.input);
    });

    it("any values in padding slots, with the same public signals", async function () {
      const { tree, devices, context } = scenario();
      const batch = buildBatch(SHAPE, tree, context, [], [messagesFor(devices[0], [1n])]);
      const input = clone(batch.input);
      input.opIndex = ["5"];
      input.opKeyHash = ["123456789"];
      input.opLeaf = [["1", "2", "3", "4"]];
      (input.devId as string[])[1] = "77";
      (input.devLeaf as string[][])[1] = ["9", "9", "9", "9"];
      (input.msgUnits as string[][])[0][1] = "999999";
      (input.msgTimestamp as string[][])[0][1] = "3";
      (input.msgPayloadHash as string[][])[1][0] = "42";
      await circuit.expectPass(input);
    });
  });

  describe("rejects", function () {
    it("an enabled op disabled by the prover (the op chain no longer reaches opsChainTo)", async function () {
      const { tree, context } = scenario();
      const batch = buildBatch(SHAPE, tree, context, [registerOp(simDevice(3))], []);
      const input = clone(batch.input);
      input.opEnabled = ["0"];
      input.newStateRoot = batch.input.oldStateRoot;
      await circuit.expectFail(input);
    });

    it("an enabled message disabled by the prover (messagesHash no longer matches)", async function () {
      const { tree, devices, context } = scenario();
      const batch = buildBatch(SHAPE, tree, context, [], [messagesFor(devices[0], [1n, 2n])]);
      const input = clone(batch.input);
      (input.msgEnabled as string[][])[0][1] = "0";
      input.totalUnits = "1";
      await circuit.expectFail(input);
    });

    it("a bad signature", async function () {
      const { tree, devices, context } = scenario();
      const slot = messagesFor(devices[0], [1n, 2n]);
      slot.messages[1].signature = { ...slot.messages[1].signature, S: slot.messages[1].signature.S + 1n };
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [slot])).to.throw(
        BatchError,
        "bad signature",
      );
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [slot], { check: false }).input);
    });

    it("a key that does not match the leaf's key hash", async function () {
      const { tree, devices, context } = scenario();
      const impostor = { ...devices[0], key: generateBabyJubKey() };
      const slot = messagesFor(impostor, [1n]);
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [slot])).to.throw(
        BatchError,
        "key does not match",
      );
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [slot], { check: false }).input);
    });

    it("a revoked key", async function () {
      const { tree, devices, context } = scenario();
      tree.applyOp({ index: 0n, keyHash: 0n });
      const slot = messagesFor(devices[0], [1n]);
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [slot])).to.throw(
        BatchError,
        "no usable key",
      );
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [slot], { check: false }).input);
    });

    it("units above maxUnits", async function () {
      const { tree, devices, context } = scenario();
      const slot = messagesFor(devices[0], [SETTINGS.maxUnits + 1n]);
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [slot])).to.throw(
        BatchError,
        "exceed maxUnits",
      );
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [slot], { check: false }).input);
    });

    it("messages closer than minInterval", async function () {
      const { tree, devices, context } = scenario();
      const slot = messagesFor(devices[0], [1n, 1n], START, SETTINGS.minInterval - 1n);
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [slot])).to.throw(BatchError, "minInterval");
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [slot], { check: false }).input);
    });

    it("a first message closer than minInterval to the leaf's last timestamp", async function () {
      const { tree, devices, context } = scenario();
      buildBatch(SHAPE, tree, context, [], [messagesFor(devices[0], [1n], START)]);
      const next = messagesFor(devices[0], [1n], START + SETTINGS.minInterval - 1n);
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [next])).to.throw(BatchError, "minInterval");
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [next], { check: false }).input);
    });

    it("a wrong old root", async function () {
      const { tree, devices, context } = scenario();
      const input = clone(buildBatch(SHAPE, tree, context, [], [messagesFor(devices[0], [1n])]).input);
      input.oldStateRoot = (BigInt(input.oldStateRoot as string) + 1n).toString();
      await circuit.expectFail(input);
    });

    it("a wrong op chain", async function () {
      const { tree, context } = scenario();
      const input = clone(buildBatch(SHAPE, tree, context, [registerOp(simDevice(3))], []).input);
      input.opsChainFrom = "1";
      await circuit.expectFail(input);
    });

    it("reordered messages (messagesHash changes)", async function () {
      const { tree, devices, context } = scenario();
      const a = messagesFor(devices[0], [1n]);
      const b = messagesFor(devices[1], [2n]);
      const inOrder = buildBatch(SHAPE, tree.clone(), context, [], [a, b]);
      const swapped = buildBatch(SHAPE, tree.clone(), context, [], [b, a]);
      expect(swapped.signals.messagesHash).to.not.equal(inOrder.signals.messagesHash);
      expect(messagesHashOf([...inOrder.digests].reverse())).to.equal(swapped.signals.messagesHash);
      // The reordered witness against the committed messagesHash.
      const input = clone(swapped.input);
      input.messagesHash = inOrder.signals.messagesHash.toString();
      await circuit.expectFail(input);
    });

    it("a message moved to another device's slot", async function () {
      const { tree, devices, context } = scenario();
      const moved = signedMessage(devices[0], START + 600n, 4n);
      const slot = messagesFor(devices[1], [2n]);
      slot.messages.push(moved);
      expect(() => buildBatch(SHAPE, tree.clone(), context, [], [slot])).to.throw(
        BatchError,
        "bad signature",
      );
      await circuit.expectFail(buildBatch(SHAPE, tree, context, [], [slot], { check: false }).input);
    });

    it("a message after a padding message in its slot", async function () {
      const { tree, devices, context } = scenario();
      const input = clone(buildBatch(SHAPE, tree, context, [], [messagesFor(devices[0], [1n])]).input);
      // Move the only message to position 1 and leave position 0 as padding.
      for (const name of [
        "msgEnabled",
        "msgTimestamp",
        "msgUnits",
        "msgPayloadHash",
        "msgR8x",
        "msgR8y",
        "msgS",
      ]) {
        const row = (input[name] as string[][])[0];
        [row[0], row[1]] = [row[1], row[0]];
      }
      await circuit.expectFail(input);
    });

    it("a signature replayed under another domain", async function () {
      const { tree, devices, context } = scenario();
      const slot = messagesFor(devices[0], [1n]);
      const otherDomain = { ...context, domain: context.domain + 1n };
      await circuit.expectFail(buildBatch(SHAPE, tree, otherDomain, [], [slot], { check: false }).input);
    });
  });

  describe("tampered witness", function () {
    async function symbol(pattern: RegExp): Promise<string> {
      const c = circuit as unknown as {
        loadSymbols(): Promise<void>;
        symbols: Record<string, { varIdx: number }>;
      };
      await c.loadSymbols();
      const name = Object.keys(c.symbols).find((n) => pattern.test(n) && c.symbols[n].varIdx >= 0);
      if (name === undefined) throw new Error(`no witness signal matches ${pattern}`);
      return name;
    }

    async function validWitness() {
      const { tree, devices, context } = scenario();
      const batch = buildBatch(
        SHAPE,
        tree,
        context,
        [registerOp(simDevice(3))],
        [messagesFor(devices[0], [5n, 6n])],
      );
      return circuit.calculateWitness(batch.input);
    }

    const hints: [string, RegExp][] = [
      [
        "a units range-check bit (Num2Bits `<--`)",
        /^main\.AtMost_\d+_\d+\[0\]\.RangeCheck_\d+_\d+\.bits\[0\]$/,
      ],
      ["a Merkle index bit (Num2Bits `<--`)", /^main\.devPath\[0\]\.bits\[0\]$/],
      ["the revoked check's inverse (IsZero `<--`)", /^main\.IsZero_\d+_\d+\[0\]\.inv$/],
      [
        "a spacing comparison (LessThan over Num2Bits `<--`)",
        /^main\.LessEqThan_\d+_\d+\[0\]\.lt\.n2b\.out\[0\]$/,
      ],
      ["a signature point addition (BabyAdd `<--`)", /\.addRight\.xout$/],
    ];
    for (const [name, pattern] of hints) {
      it(`rejects forging ${name}`, async function () {
        const witness = await validWitness();
        const target = await symbol(pattern);
        const c = circuit as unknown as { symbols: Record<string, { varIdx: number }> };
        const forged = await circuit.editWitness(witness, {
          [target]: witness[c.symbols[target].varIdx] + 1n,
        });
        await circuit.expectConstraintFail(forged);
      });
    }
  });

  it("signs what the sequencer signs: our EdDSA under the circuit", async function () {
    const { tree, devices, context } = scenario();
    const slot = messagesFor(devices[0], [1n]);
    // Re-sign with the library directly, as a device would.
    slot.messages[0].signature = signEddsaPoseidon(
      devices[0].key.privateKey,
      (await import("../../src/zk/batch")).messageDigest(
        context.domain,
        devices[0].deviceId,
        START,
        1n,
        slot.messages[0].payloadHash,
      ),
    );
    await circuit.expectPass(buildBatch(SHAPE, tree, context, [], [slot]).input);
  });
});

/**
 * src/rewards and src/da: multiproofs (built and checked like the contract does), the
 * batch-data format, and a replay of a project's state from public data only.
 */
import { expect } from "chai";
import fc from "fast-check";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

import {
  batchDataCommitment,
  encodeBatchData,
  loadBatchData,
  parseBatchData,
  type BatchData,
} from "../../../src/da/batch-data";
import { buildMultiproof, multiproofRoot, multiproofSize, replayProject } from "../../../src/rewards";
import { StateTree, leafHash } from "../../../src/trees";
import { rewardsFixture } from "../../helpers/rewards";

const DEPTH = 6;

function randomTree(entries: [number, bigint][]): StateTree {
  const tree = new StateTree(DEPTH);
  for (const [index, units] of entries)
    tree.set(index, {
      keyHash: BigInt(index) + 1n,
      cumulativeUnits: units,
      lastTimestamp: 7n,
      accruedReward: units * 3n,
    });
  return tree;
}

const indexSet = fc.uniqueArray(fc.integer({ min: 0, max: 2 ** DEPTH - 1 }), { minLength: 1, maxLength: 20 });

describe("rewards library", function () {
  describe("multiproofs", function () {
    it("lead to the tree's root for any set of leaves (property)", function () {
      fc.assert(
        fc.property(
          fc.array(
            fc.tuple(fc.integer({ min: 0, max: 2 ** DEPTH - 1 }), fc.bigInt({ min: 0n, max: 1000n })),
            {
              maxLength: 30,
            },
          ),
          indexSet,
          (entries, picked) => {
            const tree = randomTree(entries);
            const indices = [...picked].sort((a, b) => a - b);
            const proof = buildMultiproof(tree, indices);
            const leaves = indices.map((i) => leafHash(tree.leaf(i)));
            expect(multiproofRoot(indices, leaves, proof, DEPTH)).to.equal(tree.root);
            expect(proof.length).to.equal(multiproofSize(indices, DEPTH));
            // Never more nodes than separate paths would need.
            expect(proof.length).to.be.at.most(indices.length * DEPTH);
          },
        ),
        { numRuns: 150 },
      );
    });

    it("share nodes between adjacent leaves", function () {
      // 8 adjacent leaves at depth 20: 17 nodes above their subtree, none inside it.
      expect(multiproofSize([0, 1, 2, 3, 4, 5, 6, 7], 20)).to.equal(17);
      expect(multiproofSize([8], 20)).to.equal(20);
      expect(multiproofSize([0, 2], 20)).to.equal(2 + 18); // their parents 0 and 1 pair up
    });

    it("are refused when tampered, short or long", function () {
      const tree = randomTree([
        [3, 5n],
        [9, 7n],
      ]);
      const indices = [3, 9, 10];
      const proof = buildMultiproof(tree, indices);
      const leaves = indices.map((i) => leafHash(tree.leaf(i)));
      const tampered = [...proof];
      tampered[1] += 1n;
      expect(multiproofRoot(indices, leaves, tampered, DEPTH)).to.not.equal(tree.root);
      expect(() => multiproofRoot(indices, leaves, proof.slice(1), DEPTH)).to.throw("too short");
      expect(() => multiproofRoot(indices, leaves, [...proof, 0n], DEPTH)).to.throw("unused");
      expect(() => buildMultiproof(tree, [3, 3])).to.throw("strictly increasing");
      expect(() => buildMultiproof(tree, [])).to.throw("at least one");
    });
  });

  describe("batch data", function () {
    const sample: BatchData = {
      projectId: 3n,
      sequence: 2,
      devices: [
        {
          deviceId: 0xabcn,
          index: 4,
          key: { ax: 11n, ay: 12n },
          messages: [{ timestamp: 100n, units: 5n, payloadHash: 9n, signature: { R8x: 1n, R8y: 2n, S: 3n } }],
        },
      ],
    };

    it("round-trips through JSON and commits to the chain's messagesHash", function () {
      const json = JSON.parse(JSON.stringify(encodeBatchData(sample)));
      expect(json.devices[0].deviceId).to.equal("0x0000000000000000000000000000000000000abc");
      expect(parseBatchData(json)).to.deep.equal(sample);
      const c = batchDataCommitment(sample, 77n);
      expect(c.messageCount).to.equal(1);
      expect(c.messagesHash).to.not.equal(batchDataCommitment(sample, 78n).messagesHash);
    });

    it("names the first bad field", function () {
      const json = encodeBatchData(sample);
      expect(() => parseBatchData({ ...json, format: "other" })).to.throw("invalid batch data at format");
      const bad = JSON.parse(JSON.stringify(json));
      bad.devices[0].messages[0].units = "-1";
      expect(() => parseBatchData(bad)).to.throw("devices.0.messages.0.units");
      bad.devices[0].messages = [];
      expect(() => parseBatchData(bad)).to.throw("devices.0.messages");
    });

    it("loads file URIs and refuses what it cannot fetch", async function () {
      await expect(loadBatchData("ipfs://bafy")).to.be.rejectedWith("unsupported URI scheme");
      await expect(loadBatchData("file:///nonexistent/depin.json")).to.be.rejectedWith("no such file");
    });
  });

  describe("replayProject", function () {
    it("rebuilds the settled state from events and batch data, batch by batch", async function () {
      const f = await rewardsFixture(3);
      await f.scenario.settle([{ device: 0, units: [5n, 7n] }]);
      await f.deviceRegistry.connect(f.deviceOwner).revoke(f.scenario.devices[2].deviceId);
      await f.scenario.settle([]); // ops only
      await f.scenario.settle([
        { device: 1, units: [1n] },
        { device: 0, units: [2n, 2n, 2n] },
      ]);
      const seen: number[] = [];
      const replay = await replayProject(
        { deviceRegistry: f.deviceRegistry, manager: f.manager },
        f.projectId,
        {
          onBatch: (done) => seen.push(done),
        },
      );
      expect(seen).to.deep.equal([1, 2, 3]);
      expect(replay.tree.root).to.equal(f.scenario.tree.root);
      expect(replay.batches.map((b) => b.stateRoot)).to.deep.equal(f.scenario.history.map((h) => h.root));
      for (const d of f.scenario.devices)
        expect(replay.tree.leaf(d.index)).to.deep.equal(f.scenario.tree.leaf(d.index));
      expect(replay.tree.leaf(f.scenario.devices[2].index).keyHash).to.equal(0n);
      expect(replay.opsCursor).to.equal(4); // three registrations and a revocation
    });

    it("refuses batch data that does not match the chain", async function () {
      const f = await rewardsFixture(1);
      await f.scenario.settle([{ device: 0, units: [5n] }]);
      const uri = (await f.manager.queryFilter(f.manager.filters.BatchSubmitted()))[0].args.dataURI;
      const file = fileURLToPath(uri);
      const json = JSON.parse(fs.readFileSync(file, "utf8"));
      json.devices[0].messages[0].units = "6";
      fs.writeFileSync(file, JSON.stringify(json));
      await expect(
        replayProject({ deviceRegistry: f.deviceRegistry, manager: f.manager }, f.projectId),
      ).to.be.rejectedWith("does not match the chain's messagesHash");
    });
  });
});

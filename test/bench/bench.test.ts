/**
 * The benchmark's machinery (scripts/bench): timings, constraint counts from R1CS headers,
 * execution gas from receipts, and the charts. (The check that a committed bench/ report is
 * the rendering of its measurements lands with the first full run's files.)
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ethers } from "hardhat";

import { calldataCost, executionGas } from "../../scripts/lib/gas";
import { timing } from "../../scripts/bench/stats";
import { logChart } from "../../scripts/bench/svg";
import { r1csConstraints, r1csPath } from "../../scripts/bench/zk";
import type { ConstraintsFile } from "../../src/zk/build";

const ROOT = path.resolve(__dirname, "../..");

describe("bench (scripts/bench)", function () {
  describe("pieces", function () {
    it("timing: median of odd and even counts, min, max", function () {
      expect(timing([5, 1, 3])).to.deep.include({ median: 3, min: 1, max: 5 });
      expect(timing([4, 1, 3, 2]).median).to.equal(2.5);
      expect(() => timing([])).to.throw("no runs");
    });

    it("reads the constraint count from an R1CS header", async function () {
      const pinned: ConstraintsFile = JSON.parse(readFileSync(path.join(ROOT, "circuits/constraints.json"), "utf8"));
      expect(await r1csConstraints(r1csPath("dev"))).to.equal(pinned.dev.r1cs);
      expect(await r1csConstraints(r1csPath("tiny"))).to.equal(pinned.tiny.r1cs);
      await r1csConstraints(path.join(ROOT, "package.json")).then(
        () => expect.fail("read a non-R1CS file"),
        (e: Error) => expect(e.message).to.include("not an R1CS file"),
      );
    });

    it("execution gas: receipt minus 21,000 and calldata; refuses when the calldata floor applied", async function () {
      const [signer] = await ethers.getSigners();
      const target = await (await ethers.getContractFactory("MockERC20")).deploy("T", "T");
      const data = target.interface.encodeFunctionData("balanceOf", [signer.address]);
      expect(calldataCost("0x00ff")).to.deep.equal({ standard: 20n, floor: 50n });
      const gas = await executionGas(signer, await target.getAddress(), data);
      const est = await ethers.provider.estimateGas({ to: await target.getAddress(), data });
      expect(gas).to.equal(est - 21_000n - calldataCost(data).standard);
      // A call that does almost nothing with long calldata pays the EIP-7623 floor.
      const padded = data + "ff".repeat(2000);
      await executionGas(signer, await target.getAddress(), padded).then(
        () => expect.fail("answered under the calldata floor"),
        (e: Error) => expect(e.message).to.include("calldata floor"),
      );
    });

    it("log charts: a polyline per series, a marker per anchor; non-positive values refused", function () {
      const svg = logChart({
        title: "t <&>",
        xLabel: "x",
        yLabel: "y",
        series: [
          { name: "a", color: "#000", dots: true, points: [[1, 10], [10, 100]] },
          { name: "b", color: "#111", line: false, points: [[3, 30]] },
        ],
        anchors: [{ label: "anchor", x: 5, y: 50 }],
      });
      expect(svg.startsWith("<svg")).to.equal(true);
      expect(svg).to.include("t &lt;&amp;&gt;");
      expect(svg.match(/<polyline/g)).to.have.length(1);
      expect(svg.match(/<circle/g)).to.have.length(3);
      expect(() => logChart({ title: "", xLabel: "", yLabel: "", series: [{ name: "z", color: "#000", points: [[0, 1]] }] })).to.throw("> 0");
    });
  });
});

/**
 * The benchmark's machinery (scripts/bench): timings, constraint counts from R1CS headers,
 * execution gas from receipts, and the charts; and the committed full report (bench/): every
 * key of the issue measured, and results.json, REPORT.md and the charts exactly the rendering
 * of the run's measurements (bench/details.json), so nothing in them is typed by hand.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ethers } from "hardhat";

import { benchEddsa } from "../../scripts/bench-eddsa";
import { calldataCost, executionGas } from "../../scripts/lib/gas";
import { RESULT_KEYS, charts, flatResults, renderReport, resultsOf, type Details } from "../../scripts/bench/report";
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

    it("EdDSA bench: five runs (the full run's count), each with fresh keys of its own", async function () {
      this.timeout(60_000);
      const r = await benchEddsa(0.05, 5);
      for (const runs of [r.runs.oursCached, r.runs.oursFresh, r.runs.circomlibjs]) {
        expect(runs).to.have.length(5);
        for (const x of runs) expect(x).to.be.greaterThan(0);
      }
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

  describe("the committed full report (bench/)", function () {
    const dir = path.join(ROOT, "bench");
    const read = (name: string) => readFileSync(path.join(dir, name), "utf8");
    const details = (): Details => JSON.parse(read("details.json"));

    it("comes from a full run that measured every key, each a finite number", function () {
      const d = details();
      expect(d.meta.quick).to.equal(false);
      expect(d.meta.omitted ?? []).to.deep.equal([]);
      const flat = flatResults(d);
      expect(Object.keys(flat).sort()).to.deep.equal([...RESULT_KEYS].sort());
      const results = JSON.parse(read("results.json")) as Record<string, Record<string, unknown>>;
      const keys = Object.entries(results).flatMap(([g, o]) => Object.keys(o).map((k) => `${g}.${k}`));
      expect(keys.sort()).to.deep.equal([...RESULT_KEYS].sort());
      for (const [g, o] of Object.entries(results))
        for (const [k, v] of Object.entries(o))
          expect(Number.isFinite(v), `${g}.${k}`).to.equal(true);
      // The report states the machine and the date.
      expect(read("REPORT.md")).to.include(`Node ${d.meta.node}`).and.include(d.meta.date);
    });

    it("results.json, REPORT.md and the charts are the rendering of details.json", function () {
      const d = details();
      expect(JSON.parse(read("results.json"))).to.deep.equal(resultsOf(d));
      expect(read("REPORT.md")).to.equal(renderReport(d));
      for (const [name, svg] of Object.entries(charts(d))) expect(read(name), name).to.equal(svg);
    });
  });
});

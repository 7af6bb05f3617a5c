/**
 * The benchmark's machinery (scripts/bench): the committed report is the rendering of the
 * committed measurements (nothing typed by hand), results.json holds every key as a
 * number, and the pieces that turn runs into figures are right.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { ethers } from "hardhat";

import { calldataCost, executionGas } from "../../scripts/lib/gas";
import {
  GROTH16_FLOOR,
  QUICK_OMITS,
  RESULT_KEYS,
  charts,
  flatResults,
  renderReport,
  resultsOf,
  type Details,
} from "../../scripts/bench/report";
import { timing } from "../../scripts/bench/stats";
import { logChart } from "../../scripts/bench/svg";
import { r1csConstraints, r1csPath } from "../../scripts/bench/zk";
import type { ConstraintsFile } from "../../src/zk/build";
import { PUBLIC_SIGNAL_NAMES } from "../../src/zk/batch";

const ROOT = path.resolve(__dirname, "../..");
const BENCH = path.join(ROOT, "bench");
const read = (f: string) => readFileSync(path.join(BENCH, f), "utf8");
const details = (): Details => JSON.parse(read("details.json"));

describe("bench (scripts/bench)", function () {
  describe("the committed report (bench/)", function () {
    it("results.json has every key of the issue, each a finite number, and no other", function () {
      const results = JSON.parse(read("results.json")) as Record<string, Record<string, unknown>>;
      const flat = Object.entries(results).flatMap(([g, o]) => Object.entries(o).map(([k, v]) => [`${g}.${k}`, v]));
      expect(flat.map(([k]) => k).sort()).to.deep.equal([...RESULT_KEYS].sort());
      for (const [k, v] of flat) expect(Number.isFinite(v), `${k}`).to.equal(true);
    });

    it("results.json, REPORT.md and the charts are the rendering of details.json", function () {
      const d = details();
      expect(d.meta.quick).to.equal(false);
      expect(JSON.parse(read("results.json"))).to.deep.equal(resultsOf(d));
      expect(read("REPORT.md")).to.equal(renderReport(d));
      for (const [name, svg] of Object.entries(charts(d))) expect(read(name), name).to.equal(svg);
    });

    it("agrees with the pinned constraint counts and the Groth16 floor formula", function () {
      const d = details();
      const pinned: ConstraintsFile = JSON.parse(readFileSync(path.join(ROOT, "circuits/constraints.json"), "utf8"));
      expect(d.zk.constraints.dev).to.equal(pinned.dev.r1cs);
      expect(d.zk.constraints.prod).to.equal(pinned.prod.r1cs);
      expect(GROTH16_FLOOR).to.equal(181_000 + 6_150 * PUBLIC_SIGNAL_NAMES.length);
      // Every timing's median lies within its runs.
      for (const t of Object.values(d.zk.prove)) {
        expect(t.runs.length).to.be.greaterThanOrEqual(3);
        expect(t.median).to.be.within(t.min, t.max);
      }
    });
  });

  describe("results from measurements", function () {
    it("refuses a full run with a figure missing, allows the quick run's omissions only", function () {
      const d = details();
      const noDemo = { ...d, demo: undefined };
      expect(() => flatResults(noDemo)).to.throw("demo.wallSeconds");
      const quick = { ...noDemo, meta: { ...d.meta, quick: true } };
      expect(Object.keys(flatResults(quick))).to.not.include("demo.wallSeconds");
      const noVerify = { ...quick, settlement: { ...d.settlement, verify: {} } };
      expect(() => flatResults(noVerify)).to.throw("gas.verifyGroth16");
      expect(QUICK_OMITS.every((k) => (RESULT_KEYS as readonly string[]).includes(k))).to.equal(true);
    });

    it("derives per-message settle gas from the steady-state dev settle", function () {
      const d = details();
      const r = flatResults(d);
      expect(r["gas.settlePerMessage64"]).to.equal(Math.round(r["gas.settleGroth16"]! / 64));
      const steady = d.settlement.settle.filter((s) => s.config === "dev" && !s.first && !s.hook).map((s) => s.gas);
      expect(steady.length).to.be.greaterThanOrEqual(2);
      expect(r["gas.settleGroth16"]).to.be.within(Math.min(...steady), Math.max(...steady));
    });
  });

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
          { name: "a", color: "#000", points: [[1, 10], [10, 100]] },
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

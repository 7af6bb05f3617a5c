/**
 * The dashboard end to end: a small demo serving its in-process chain (DEMO_RPC_PORT) and
 * writing its status file, `npm run dashboard` against it, and the page in headless
 * Chromium (Debian's `chromium`, driven by playwright-core). Once a batch is settled the
 * page is paused and every number it shows is checked against the chain at the block it
 * shows: projects, devices (status, units, accrued, paid, claimable), batches (status,
 * prover, settle gas, proving time), provers (stake, slashes, batches settled). Also: the
 * page follows new blocks, and says which upstream is unreachable. The screenshot is kept
 * in test-artifacts/dashboard.png.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider } from "ethers";
import pino from "pino";
import { chromium, type Browser, type Page } from "playwright-core";

import {
  BatchManager__factory,
  DeviceRegistry__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
  RewardDistributor__factory,
} from "../../typechain-types";
import { startDashboard, type DashboardServer } from "../../src/dashboard/server";
import { readDemoStatus, type DemoStatus } from "../../src/dashboard/status";
import { replayProject } from "../../src/rewards/replay";
import { repoRoot } from "../../src/zk/circuits";
import { startProcess, waitForFreePort, type StartedProcess as Started } from "../helpers/processes";

const ROOT = repoRoot();
const CHROMIUM = process.env.DASHBOARD_CHROMIUM ?? "/usr/bin/chromium";
// Ports of their own: other suites use 8545, 8546, 7191 and 7192.
const RPC_PORT = 8547;
const SEQUENCER_PORT = 7193;
const DASHBOARD_PORT = 5173;
const DEMO_DEVICES = 3;
const STAKES = [200n, 300n, 500n].map((x) => x * 10n ** 18n);
const STATUS = ["none", "assigned", "settled", "voided"];
const ARTIFACT = path.join(ROOT, "test-artifacts", "dashboard.png");

/** SIGTERM to the process group (the demo closes its chain and sequencer), SIGKILL if it lingers. */
async function stop(started: Started | undefined, port: number): Promise<void> {
  const pid = started?.child.pid;
  if (pid === undefined) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is gone
    }
  };
  signal("SIGTERM");
  try {
    await waitForFreePort(port, 20_000);
  } finally {
    signal("SIGKILL");
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

interface Row {
  key: string;
  status?: string;
  fields: Record<string, { text: string; raw: string | null }>;
}

async function rows(page: Page, testid: string, key: string): Promise<Row[]> {
  return page.$$eval(
    `[data-testid=${testid}]`,
    (trs, key) =>
      trs.map((tr) => ({
        key: tr.getAttribute(key) ?? "",
        status: tr.getAttribute("data-status") ?? undefined,
        fields: Object.fromEntries(
          [...tr.querySelectorAll("td")].map((td) => [
            td.getAttribute("data-field") ?? "",
            { text: td.textContent ?? "", raw: td.getAttribute("data-raw") },
          ]),
        ),
      })),
    key,
  );
}

describe("dashboard end to end (demo → npm run dashboard → headless Chromium)", function () {
  this.timeout(600_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-dashboard-"));
  const statusFile = path.join(dir, "demo-status.json");
  let demo: Started | undefined;
  let dashboard: Started | undefined;
  let browser: Browser | undefined;
  const servers: DashboardServer[] = [];
  let status: DemoStatus;
  let page: Page;

  before(async function () {
    if (!fs.existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's package (\`apt-get install -y chromium\`, as .ci/run does) ` +
          "or point DASHBOARD_CHROMIUM at a Chromium binary",
      );
    for (const port of [RPC_PORT, SEQUENCER_PORT, DASHBOARD_PORT]) await waitForFreePort(port, 60_000);
    demo = await startProcess(
      process.execPath,
      [path.join(ROOT, "node_modules", ".bin", "hardhat"), "run", "scripts/demo.ts"],
      /demo status in /,
      {
        DEMO_DEVICES: String(DEMO_DEVICES),
        DEMO_SECONDS: "20",
        DEMO_RPC_PORT: String(RPC_PORT),
        DEMO_SEQUENCER_PORT: String(SEQUENCER_PORT),
        DEMO_STATUS_FILE: statusFile,
        DEMO_KEEP_ALIVE: "1",
        LOG_LEVEL: "warn",
      },
      { detached: true, timeoutMs: 240_000 },
    );
    dashboard = await startProcess(
      "npm",
      ["run", "dashboard"],
      /dashboard at http:/,
      {
        DASHBOARD_PORT: String(DASHBOARD_PORT),
        DASHBOARD_STATUS_FILE: statusFile,
        DASHBOARD_POLL_MS: "1000",
        LOG_LEVEL: "warn",
      },
      { detached: true, timeoutMs: 240_000 },
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  });

  after(async function () {
    await browser?.close();
    for (const s of servers) await s.close();
    await stop(dashboard, DASHBOARD_PORT);
    await stop(demo, RPC_PORT);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows the demo's projects, devices, batches and provers as the chain has them", async function () {
    const errors: string[] = [];
    page.on("pageerror", (err) => errors.push(err.message));
    await page.goto(`http://127.0.0.1:${DASHBOARD_PORT}/`);
    // A settled batch with its proving time, and a device with something to claim.
    try {
      await page.waitForSelector(
        "[data-testid=batch-row][data-status=settled] [data-field=prove-ms][data-raw]",
        { timeout: 300_000 },
      );
      // Page functions as strings: the tests compile without the DOM library.
      await page.waitForFunction(
        `[...document.querySelectorAll("[data-testid=device-row] [data-field=claimable]")]
           .some((td) => BigInt(td.getAttribute("data-raw") ?? "0") > 0n)`,
        undefined,
        { timeout: 120_000 },
      );
    } catch (err) {
      throw new Error(
        `the page never showed a settled batch: ${(err as Error).message}\n` +
          `banners: ${await page.textContent("#banners")}\ndemo output:\n${demo!.output()}`,
      );
    }

    // Live: a new block shows up without reloading.
    const provider = new JsonRpcProvider(`http://127.0.0.1:${RPC_PORT}`, undefined, { staticNetwork: true });
    const before = Number(await page.getAttribute("#updated", "data-block"));
    await provider.send("evm_mine", []);
    await page.waitForFunction(
      `Number(document.querySelector("#updated").getAttribute("data-block")) > ${before}`,
      undefined,
      { timeout: 30_000 },
    );

    // Pause, then compare what the page shows with the chain at the block it shows.
    await page.click("#live-toggle");
    await page.waitForSelector("body[data-live=paused]", { timeout: 60_000 });
    const block = Number(await page.getAttribute("#updated", "data-block"));
    expect(await page.textContent("#updated")).to.contain(`Block #${block}`);
    expect(await page.$$("#banners .banner.error")).to.have.length(
      0,
      (await page.textContent("#banners")) ?? "",
    );
    const at = { blockTag: block };
    status = readDemoStatus(statusFile);
    const c = status.contracts;
    const projectRegistry = ProjectRegistry__factory.connect(c.projectRegistry, provider);
    const deviceRegistry = DeviceRegistry__factory.connect(c.deviceRegistry, provider);
    const pool = ProverPool__factory.connect(c.proverPool, provider);
    const manager = BatchManager__factory.connect(c.batchManager, provider);
    const rewards = RewardDistributor__factory.connect(c.rewardDistributor, provider);
    const projectId = BigInt(status.projectIds[0]);

    // Projects.
    const projects = await rows(page, "project-row", "data-project-id");
    expect(projects.map((p) => p.key)).to.deep.equal(
      Array.from({ length: Number(await projectRegistry.projectCount(at)) }, (_, i) => String(i + 1)),
    );
    const state = await manager.projectStateOf(projectId, at);
    const project = projects.find((p) => p.key === projectId.toString())!;
    expect(project.fields.name.text).to.equal((await projectRegistry.project(projectId, at)).name);
    expect(project.fields.devices.raw).to.equal((await deviceRegistry.deviceCount(projectId, at)).toString());
    expect(project.fields.batches.raw).to.equal(`${state.settledThrough}/${state.submitted}`);
    expect(project.fields["pool-owed"].raw).to.equal((await rewards.poolOf(projectId, at)).owed.toString());

    // Devices: status from the registry, units and accrued from a replay at the block,
    // paid from the distributor, claimable the difference.
    const devices = await rows(page, "device-row", "data-device-id");
    expect(devices).to.have.length(DEMO_DEVICES);
    expect(devices.length).to.equal(Number(await deviceRegistry.deviceCount(projectId, at)));
    const registered = await deviceRegistry.queryFilter(
      deviceRegistry.filters.DeviceRegistered(undefined, projectId),
      status.fromBlock,
      block,
    );
    expect(devices.map((d) => BigInt(d.key)).sort()).to.deep.equal(
      registered.map((l) => l.args.deviceId).sort(),
    );
    const replay = await replayProject(
      { deviceRegistry, manager, fromBlock: status.fromBlock, toBlock: block },
      projectId,
    );
    expect(BigInt(replay.batches.length)).to.equal(state.settledThrough);
    let accruedTotal = 0n;
    let withReadings = 0;
    for (const d of devices) {
      const device = await deviceRegistry.deviceOf(d.key, at);
      expect(d.fields.status.text).to.equal(device.status === 1n ? "active" : "revoked");
      const leaf = replay.tree.leaf(Number(device.index));
      const paid = await rewards.paidOf(d.key, at);
      expect(d.fields.index.raw).to.equal(device.index.toString());
      expect(d.fields.units.raw).to.equal(leaf.cumulativeUnits.toString());
      expect(d.fields.accrued.raw).to.equal(leaf.accruedReward.toString());
      expect(d.fields.paid.raw).to.equal(paid.toString());
      expect(d.fields.claimable.raw).to.equal((leaf.accruedReward - paid).toString());
      // The sequencer's view moves on after the pause: the page's is at most the current one.
      const seq = (await (await fetch(`${status.sequencerUrl}/v1/devices/${d.key}`)).json()) as {
        lastTimestamp: string | null;
        accepted: number;
      };
      const accepted = Number(d.fields.accepted.raw);
      expect(accepted, `device ${d.key}: readings accepted`).to.be.within(0, seq.accepted);
      if (accepted > 0) {
        expect(d.fields["last-reading"].raw, `device ${d.key}: last reading`).to.match(/^[0-9]+$/);
        expect(Number(d.fields["last-reading"].raw)).to.be.at.most(Number(seq.lastTimestamp));
        withReadings++;
      } else expect(d.fields["last-reading"].text).to.equal("none yet");
      accruedTotal += BigInt(d.fields.accrued.raw!);
    }
    expect(withReadings).to.be.greaterThan(0);
    // Independently of the replay: what settled batches handed the distributor.
    const settledLogs = await manager.queryFilter(
      manager.filters.BatchSettled(undefined, projectId),
      status.fromBlock,
      block,
    );
    let owed = 0n;
    for (const l of settledLogs)
      owed += l.args.totalUnits * (await manager.batchOf(l.args.batchId)).rewardRate;
    expect(accruedTotal).to.equal(owed);
    expect(devices.some((d) => BigInt(d.fields.claimable.raw!) > 0n)).to.equal(true);

    // Batches: every submitted one, its status and prover at the block, the gas of its
    // settle transaction, the proving time the prover worker recorded.
    const batches = await rows(page, "batch-row", "data-batch-id");
    const submitted = await manager.queryFilter(manager.filters.BatchSubmitted(), status.fromBlock, block);
    expect(batches.map((b) => b.key).sort()).to.deep.equal(
      submitted.map((l) => l.args.batchId.toString()).sort(),
    );
    const settleTx = new Map(settledLogs.map((l) => [l.args.batchId.toString(), l.transactionHash]));
    const proofs = new Map(readDemoStatus(statusFile).proofs.map((p) => [p.batchId, p]));
    let timed = 0;
    for (const b of batches) {
      const record = await manager.batchOf(b.key, at);
      expect(b.status, `batch ${b.key}`).to.equal(STATUS[Number(record.status)]);
      expect(b.fields.prover.raw, `batch ${b.key}`).to.equal(record.prover);
      expect(b.fields.messages.raw).to.equal(record.messageCount.toString());
      if (b.status === "settled") {
        const receipt = await provider.getTransactionReceipt(settleTx.get(b.key)!);
        expect(b.fields.gas.raw, `batch ${b.key} gas`).to.equal(receipt!.gasUsed.toString());
        const proof = proofs.get(b.key);
        if (b.fields["prove-ms"].raw !== null) {
          expect(proof, `batch ${b.key}: a proving time nobody recorded`).to.not.equal(undefined);
          expect(Number(b.fields["prove-ms"].raw)).to.equal(proof!.proveMs);
          expect(proof!.txHash).to.equal(settleTx.get(b.key));
          timed++;
        }
      } else {
        expect(b.fields.gas.text).to.equal("—");
        expect(b.fields["prove-ms"].text).to.equal("—");
      }
    }
    expect(timed).to.be.greaterThan(0);

    // Provers: stake at the block (the demo's 200/300/500), slashes, batches settled.
    const provers = await rows(page, "prover-row", "data-prover");
    const staked = await pool.queryFilter(pool.filters.Staked(), status.fromBlock, block);
    expect(provers.map((p) => p.key).sort()).to.deep.equal(
      [...new Set(staked.map((l) => l.args.prover))].sort(),
    );
    const slashed = await pool.queryFilter(pool.filters.Slashed(), status.fromBlock, block);
    const stakes: bigint[] = [];
    for (const p of provers) {
      const onChain = await pool.proverOf(p.key, at);
      expect(p.fields.stake.raw).to.equal(onChain.stake.toString());
      expect(p.fields.unbonding.raw).to.equal(onChain.unbonding.toString());
      expect(p.fields.slashes.raw).to.equal(String(slashed.filter((l) => l.args.prover === p.key).length));
      expect(p.fields.settled.raw).to.equal(
        String(settledLogs.filter((l) => l.args.prover === p.key).length),
      );
      stakes.push(onChain.stake);
    }
    if (slashed.length === 0) expect(stakes.sort()).to.deep.equal([...STAKES].sort());

    fs.mkdirSync(path.dirname(ARTIFACT), { recursive: true });
    await page.screenshot({ path: ARTIFACT, fullPage: true });
    expect(fs.statSync(ARTIFACT).size).to.be.greaterThan(10_000);
    expect(errors, "errors in the page").to.deep.equal([]);
  });

  it("says which upstream does not answer", async function () {
    const silent = pino({ level: "silent" });
    const closed = `http://127.0.0.1:${await freePort()}`;
    const common = {
      host: "127.0.0.1",
      port: 0,
      statusFile,
      deploymentsDir: path.join(dir, "none"),
      staticDir: path.join(ROOT, "dashboard", "dist"),
      pollMs: 1000,
    };
    const noChain = await startDashboard({ ...common, rpcUrl: closed }, silent);
    servers.push(noChain);
    const p = await browser!.newPage();
    await p.goto(noChain.url);
    const chain = await p.waitForSelector("#banners [data-kind=chain]", { timeout: 30_000 });
    expect(await chain.textContent())
      .to.contain("Chain unreachable")
      .and.contain(closed);
    expect(await p.getAttribute("body", "data-stale")).to.equal("1");

    const noSequencer = await startDashboard({ ...common, sequencerUrl: closed }, silent);
    servers.push(noSequencer);
    await p.goto(noSequencer.url);
    const seq = await p.waitForSelector("#banners [data-kind=sequencer]", { timeout: 30_000 });
    expect(await seq.textContent())
      .to.contain("Sequencer unreachable")
      .and.contain(closed);
    // The chain's numbers are still there.
    await p.waitForSelector("[data-testid=device-row]", { timeout: 30_000 });
    expect(await p.$$("[data-testid=device-row]")).to.have.length(DEMO_DEVICES);
    await p.close();
  });
});

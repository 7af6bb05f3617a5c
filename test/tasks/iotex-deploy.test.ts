/**
 * Deploying to IoTeX, tested against a local `hardhat node` that answers as chain 4690:
 * `deploy:plan --network iotexTestnet` (the dry run) lists the suite with gas and cost and
 * sends nothing; `deploy --network iotexTestnet` then deploys exactly what it planned, at
 * the planned addresses; a second plan finds nothing left to deploy; and
 * `deploy:verify --dry` resolves IoTeXScan through hardhat-verify's custom chains.
 */
import { expect } from "chai";
import { execFile, type ChildProcess } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { JsonRpcProvider, Wallet } from "ethers";

import { MockERC20__factory } from "../../typechain-types";
import { startHardhat, stopAll } from "../helpers/processes";

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, "../..");
const PORT = 8546;
const RPC = `http://127.0.0.1:${PORT}`;
/** Hardhat's well-known development account #1: the "live" deployer here. */
const DEPLOYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
const DEPLOYMENTS_DIR = path.join(ROOT, "deployments", "iotexTestnet");

async function cli(args: string[], env: Record<string, string>) {
  const { stdout } = await run("npx", ["hardhat", ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    timeout: 300_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** `deploy NAME ADDRESS GAS gas` lines of a plan. */
function planned(stdout: string): Map<string, { address: string; gas: bigint }> {
  const out = new Map<string, { address: string; gas: bigint }>();
  for (const m of stdout.matchAll(/^\s+deploy (\S+)\s+(0x[0-9a-fA-F]{40})\s+([\d,]+) gas$/gm))
    out.set(m[1], { address: m[2], gas: BigInt(m[3].replace(/,/g, "")) });
  return out;
}

describe("tasks: IoTeX deployment (a local node as chain 4690)", function () {
  this.timeout(900_000);
  const children: ChildProcess[] = [];
  after(async () => {
    await stopAll(children);
    await fs.rm(DEPLOYMENTS_DIR, { recursive: true, force: true });
  });

  it("plans the suite without sending anything, deploys what it planned, verifies on IoTeXScan (dry)", async function () {
    if (existsSync(DEPLOYMENTS_DIR))
      throw new Error(`${DEPLOYMENTS_DIR} exists: this test would overwrite a real deployment record`);
    children.push(
      await startHardhat(
        ["node", "--port", String(PORT), "--no-deploy"],
        /Started HTTP and WebSocket JSON-RPC server/,
        {
          DEPIN_HARDHAT_CHAIN_ID: "4690",
        },
      ),
    );
    const provider = new JsonRpcProvider(RPC, undefined, { cacheTimeout: -1 });
    expect((await provider.getNetwork()).chainId).to.equal(4690n);
    // The network's wrapped IOTX, as it exists on IoTeX before the kit.
    const wiotx = await new MockERC20__factory(await provider.getSigner(0)).deploy("Wrapped IOTX", "WIOTX");
    await wiotx.waitForDeployment();
    const deployer = new Wallet(DEPLOYER_KEY).address;
    const env = {
      IOTEX_TESTNET_RPC: RPC,
      DEPLOYER_PRIVATE_KEY: DEPLOYER_KEY,
      WIOTX_ADDRESS: await wiotx.getAddress(),
      DEPIN_TOKEN: "1",
      STATE_DEPTH: "4",
    };
    const nonceBefore = await provider.getTransactionCount(deployer);

    const plan = await cli(["deploy:plan", "--network", "iotexTestnet", "--gas-price-gwei", "1000"], env);
    expect(plan).to.include("Dry run on iotexTestnet (chain 4690): nothing was sent.");
    const steps = planned(plan);
    for (const name of [
      "ProjectRegistry",
      "DeviceRegistry",
      "DeviceAccount",
      "ERC6551Registry",
      "ProverPool",
      "BatchManager",
      "RewardDistributor",
      "DePINToken",
    ])
      expect(steps.has(name), `${name} in the plan:\n${plan}`).to.equal(true);
    // The live branch: the network's WIOTX, no mock staking token.
    expect(steps.has("StakingToken")).to.equal(false);
    const total = BigInt(/([\d,]+) gas × 1000(?:\.0)? gwei/.exec(plan)![1].replace(/,/g, ""));
    expect(total).to.be.greaterThan([...steps.values()].reduce((s, x) => s + x.gas, 0n) - 1n);
    expect(plan).to.match(/balance covers it/);
    // Nothing reached the node.
    expect(await provider.getTransactionCount(deployer)).to.equal(nonceBefore);
    for (const { address } of steps.values()) expect(await provider.getCode(address)).to.equal("0x");

    await cli(["deploy", "--network", "iotexTestnet"], env);
    const deployed = new Map<string, string>();
    for (const file of await fs.readdir(DEPLOYMENTS_DIR))
      if (file.endsWith(".json"))
        deployed.set(
          file.slice(0, -5),
          JSON.parse(await fs.readFile(path.join(DEPLOYMENTS_DIR, file), "utf8")).address,
        );
    for (const [name, { address }] of steps) {
      expect(deployed.get(name), name).to.equal(address);
      expect(await provider.getCode(address)).to.not.equal("0x");
    }
    // The gas the deployment used equals the plan's.
    let used = 0n;
    const nonceAfter = await provider.getTransactionCount(deployer);
    const latest = await provider.getBlockNumber();
    for (let n = 0; n <= latest; n++) {
      const block = await provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions)
        if (tx.from === deployer) used += (await provider.getTransactionReceipt(tx.hash))!.gasUsed;
    }
    expect(nonceAfter - nonceBefore).to.equal(plan.match(/^\s+(deploy|call)\s/gm)!.length);
    expect(Number(used)).to.be.closeTo(Number(total), Number(total) / 100);

    const again = await cli(["deploy:plan", "--network", "iotexTestnet", "--gas-price-gwei", "1000"], env);
    expect(again, again).to.include("0 contracts, 0 transactions");

    const verify = await cli(["deploy:verify", "--network", "iotexTestnet", "--dry"], env);
    expect(verify).to.include("iotexTestnet (chain 4690): https://testnet.iotexscout.io/api");
    expect(verify).to.match(
      /ProjectRegistry\s+contracts\/registry\/ProjectRegistry\.sol:ProjectRegistry\s+https:\/\/testnet\.iotexscan\.io\/address\/0x/,
    );
  });
});

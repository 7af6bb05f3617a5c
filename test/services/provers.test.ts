/**
 * Two prover processes on one chain (`prover:start --network localhost` against a
 * `hardhat node`), real `dev` Groth16 proofs: the test submits batches as the project's
 * sequencer (publishing their data as files); each prover proves and settles what is
 * assigned to it, and every batch is settled exactly once.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { JsonRpcProvider } from "ethers";

import { stakeProvers } from "../../src/chain/scenario";
import { signEddsaPoseidon } from "../../src/crypto";
import { keyHash } from "../../src/crypto/registry";
import { encodeBatchData } from "../../src/da/batch-data";
import { DeviceClient, generateIdentity } from "../../src/device";
import { StateTree } from "../../src/trees";
import { buildBatch, messageDigest, type DeviceMessages } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS, circuitId } from "../../src/zk/circuits";
import {
  BatchManager__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
} from "../../typechain-types";
import { provingKey } from "../helpers/proofs";
import { LOCAL_RPC, localDeployment, startHardhat, stopAll } from "../helpers/processes";

const SHAPE = CIRCUIT_CONFIGS.dev;

describe("two prover processes on one chain (real dev proofs)", function () {
  this.timeout(600_000);
  const children: ChildProcess[] = [];
  after(() => stopAll(children));

  it("settles every batch exactly once", async function () {
    provingKey("dev", "groth16"); // fails early when the keys are not built
    children.push(
      await startHardhat(["node", "--port", "8545"], /Started HTTP and WebSocket JSON-RPC server/, {
        STATE_DEPTH: String(SHAPE.depth),
      }),
    );
    const provider = new JsonRpcProvider(LOCAL_RPC, undefined, { cacheTimeout: -1 });
    const [deployer, owner, sequencer, relayer, deviceOwner, proverA, proverB] = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6].map((i) => provider.getSigner(i)),
    );
    const projects = ProjectRegistry__factory.connect(localDeployment("ProjectRegistry"), owner);
    const registry = DeviceRegistry__factory.connect(localDeployment("DeviceRegistry"), relayer);
    const manager = BatchManager__factory.connect(localDeployment("BatchManager"), sequencer);
    const pool = ProverPool__factory.connect(localDeployment("ProverPool"), deployer);
    const token = MockERC20__factory.connect(localDeployment("StakingToken"), deployer);
    await (await projects.register("Two provers", "ipfs://p", "0x" + "00".repeat(32))).wait();
    const projectId = await projects.projectCount();
    await (await projects.setSequencer(projectId, await sequencer.getAddress())).wait();
    await (
      await projects.setSettings(projectId, {
        circuitId: circuitId("dev"),
        proofSystem: 0,
        minInterval: 60,
        maxUnits: 1000n,
        proverFee: 0n,
        rewardRate: 1n,
      })
    ).wait();
    await stakeProvers(
      { projectRegistry: projects, manager, pool, token },
      [proverA, proverB],
      [10n ** 21n, 10n ** 21n],
    );

    // Four devices, then four batches (one op each, two devices' readings each).
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp) + 3600n;
    const devices = [];
    for (let i = 0; i < 4; i++) {
      const identity = generateIdentity();
      const client = new DeviceClient(identity, registry);
      await client.register({ owner: await deviceOwner.getAddress(), projectId, deadline });
      devices.push({ identity, deviceId: client.deviceId, index: i });
    }
    const domain = await manager.domainOf(projectId);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-provers-"));
    const tree = new StateTree(SHAPE.depth);
    const settings = { minInterval: 60n, maxUnits: 1000n, rewardRate: 1n };
    for (let b = 0; b < 4; b++) {
      const op = {
        index: BigInt(b),
        keyHash: keyHash(devices[b].deviceId, devices[b].identity.babyJub.ax, devices[b].identity.babyJub.ay),
      };
      const slots: DeviceMessages[] = devices
        .slice(0, b + 1)
        .slice(-2)
        .map((d) => ({
          deviceId: d.deviceId,
          index: d.index,
          key: { ax: d.identity.babyJub.ax, ay: d.identity.babyJub.ay },
          messages: [1_700_000_000n + BigInt(b) * 600n].map((timestamp) => {
            const units = BigInt(b + 1);
            const payloadHash = timestamp + units;
            return {
              timestamp,
              units,
              payloadHash,
              signature: signEddsaPoseidon(
                d.identity.babyJub.privateKey,
                messageDigest(domain, d.deviceId, timestamp, units, payloadHash),
              ),
            };
          }),
        }));
      const built = buildBatch(SHAPE, tree, { domain, opsChainFrom: 0n, prover: 0n, settings }, [op], slots);
      const file = path.join(dir, `batch-${b + 1}.json`);
      fs.writeFileSync(file, JSON.stringify(encodeBatchData({ projectId, sequence: b + 1, devices: slots })));
      await (
        await manager.submitBatch(
          projectId,
          built.signals.messagesHash,
          built.digests.length,
          b + 1,
          pathToFileURL(file).href,
        )
      ).wait();
    }

    for (const account of ["5", "6"]) {
      children.push(
        await startHardhat(
          ["prover:start", "--network", "localhost", "--account", account, "--poll-ms", "500"],
          /prover worker started/,
        ),
      );
    }
    for (let i = 0; i < 240; i++) {
      const state = await manager.projectStateOf(projectId);
      if (state.settledThrough === 4n) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const settled = await manager.queryFilter(manager.filters.BatchSettled(undefined, projectId));
    expect(settled.map((l) => l.args.batchId).sort()).to.deep.equal([1n, 2n, 3n, 4n]);
    expect((await manager.projectStateOf(projectId)).stateRoot).to.equal(tree.root);
    const byProver = new Map<string, number>();
    for (const l of settled) byProver.set(l.args.prover, (byProver.get(l.args.prover) ?? 0) + 1);
    for (const [p] of byProver)
      expect([await proverA.getAddress(), await proverB.getAddress()]).to.include(p);
    console.log(
      `      4 batches settled once each: ${[...byProver.values()].join(" + ")} by the two processes`,
    );
  });
});

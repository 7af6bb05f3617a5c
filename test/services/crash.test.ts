/**
 * Crash safety of the sequencer, across processes: a `hardhat node` chain, the sequencer
 * as its own process (`sequencer:start --network localhost`), devices streaming from this
 * process. The sequencer is killed with SIGKILL mid-stream and restarted on the same
 * database; afterwards every acked reading is in exactly one submitted batch, and every
 * batch's data hashes to the messagesHash the chain recorded.
 */
import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider, type Signer } from "ethers";

import { signEddsaPoseidon } from "../../src/crypto";
import { batchDataCommitment, parseBatchData } from "../../src/da/batch-data";
import { DeviceClient, generateIdentity, type DeviceIdentity } from "../../src/device";
import { SequencerStore } from "../../src/sequencer/store";
import { messageDigest } from "../../src/zk/batch";
import {
  BatchManager__factory,
  DeviceRegistry__factory,
  MockERC20__factory,
  ProjectRegistry__factory,
  ProverPool__factory,
} from "../../typechain-types";
import { stakeProvers } from "../../src/chain/scenario";
import {
  LOCAL_RPC,
  localDeployment as deployment,
  startHardhat as start,
  stopAll,
} from "../helpers/processes";
import { circuitId } from "../../src/zk/circuits";

describe("sequencer crash (kill -9 while devices stream)", function () {
  this.timeout(600_000);
  const children: ChildProcess[] = [];
  after(() => stopAll(children));

  it("loses and repeats nothing that was acked", async function () {
    children.push(
      await start(["node", "--port", "8545"], /Started HTTP and WebSocket JSON-RPC server/, {
        STATE_DEPTH: "4",
      }),
    );
    const provider = new JsonRpcProvider(LOCAL_RPC, undefined, { cacheTimeout: -1 });
    const [deployer, owner, , relayer, deviceOwner]: Signer[] = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => provider.getSigner(i)),
    );
    const projects = ProjectRegistry__factory.connect(deployment("ProjectRegistry"), owner);
    const registry = DeviceRegistry__factory.connect(deployment("DeviceRegistry"), relayer);
    const manager = BatchManager__factory.connect(deployment("BatchManager"), deployer);
    await (await projects.register("Crash test", "ipfs://c", "0x" + "00".repeat(32))).wait();
    const projectId = await projects.projectCount();
    await (await projects.setSequencer(projectId, await deployer.getAddress())).wait();
    await (
      await projects.setSettings(projectId, {
        // Any circuit with a live verifier (submission requires one); nobody proves here.
        circuitId: circuitId("dev"),
        proofSystem: 0,
        minInterval: 1,
        maxUnits: 100n,
        proverFee: 0n,
        rewardRate: 1n,
      })
    ).wait();
    // One staked prover: submission assigns every batch to a prover.
    const prover = await provider.getSigner(5);
    await stakeProvers(
      {
        projectRegistry: projects,
        manager,
        pool: ProverPool__factory.connect(deployment("ProverPool"), deployer),
        token: MockERC20__factory.connect(deployment("StakingToken"), deployer),
      },
      [prover],
      [10n ** 21n],
    );
    const deadline = BigInt((await provider.getBlock("latest"))!.timestamp) + 3600n;
    const devices: { identity: DeviceIdentity; deviceId: bigint; next: number }[] = [];
    for (let i = 0; i < 3; i++) {
      const identity = generateIdentity();
      const client = new DeviceClient(identity, registry);
      await client.register({ owner: await deviceOwner.getAddress(), projectId, deadline });
      devices.push({ identity, deviceId: client.deviceId, next: Math.floor(Date.now() / 1000) - 250 });
    }
    const domain = await manager.domainOf(projectId);

    const db = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "depin-crash-")), "sequencer.db");
    const sequencerArgs = [
      "sequencer:start",
      "--network",
      "localhost",
      "--project",
      projectId.toString(),
      "--port",
      "7191",
      "--db",
      db,
      "--max-age-ms",
      "300",
    ];
    const url = "http://127.0.0.1:7191/v1/messages";
    let seq = await start(sequencerArgs, /sequencer at /);
    children.push(seq);

    const acked = new Set<string>();
    const unacked: Record<string, unknown>[] = [];
    const send = async (body: Record<string, unknown>) => {
      try {
        const r = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        if (r.status === 202 || r.status === 200) acked.add(`${body.deviceId}:${body.timestamp}`);
        else unacked.push(body);
      } catch {
        unacked.push(body); // the process is gone: no ack, maybe stored
      }
    };
    const reading = (d: (typeof devices)[number]) => {
      const timestamp = d.next++;
      const units = BigInt(1 + (timestamp % 50));
      const payloadHash = BigInt(timestamp) * 3n;
      const sig = signEddsaPoseidon(
        d.identity.babyJub.privateKey,
        messageDigest(domain, d.deviceId, BigInt(timestamp), units, payloadHash),
      );
      return {
        deviceId: d.identity.wallet.address,
        timestamp,
        units: units.toString(),
        payloadHash: payloadHash.toString(),
        signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
      };
    };

    // Stream; kill -9 the sequencer while requests are in flight.
    let killed = false;
    for (let round = 0; round < 40; round++) {
      const inFlight = devices.map((d) => send(reading(d)));
      if (round === 20) {
        seq.kill("SIGKILL");
        killed = true;
      }
      await Promise.all(inFlight);
    }
    expect(killed).to.equal(true);
    expect(acked.size).to.be.greaterThan(20);

    // Restart on the same database; resend what got no answer (a duplicate if it was
    // stored before the kill), stream a little more, let the batches drain.
    seq = await start(sequencerArgs, /sequencer at /);
    children.push(seq);
    for (const body of unacked.splice(0)) await send(body);
    for (let round = 0; round < 5; round++) await Promise.all(devices.map((d) => send(reading(d))));
    for (let i = 0; i < 60; i++) {
      const health = (await (await fetch("http://127.0.0.1:7191/healthz")).json()) as {
        total: number;
        batched: number;
        unsubmittedBatches: number;
      };
      if (health.total === health.batched && health.unsubmittedBatches === 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    seq.kill("SIGTERM");
    await new Promise((r) => seq.once("exit", r));

    // Every acked reading is in exactly one submitted batch, each batch as the chain has it.
    const store = new SequencerStore(db);
    const logs = await manager.queryFilter(manager.filters.BatchSubmitted(undefined, projectId));
    const seen = new Map<string, number>();
    for (const log of logs) {
      const batch = store.batch(projectId, Number(log.args.sequence));
      expect(batch, `batch ${log.args.sequence} in the database`).to.not.equal(undefined);
      const data = parseBatchData(JSON.parse(batch!.data));
      expect(batchDataCommitment(data, domain).messagesHash).to.equal(log.args.messagesHash);
      for (const d of data.devices)
        for (const m of d.messages) {
          const key = `0x${d.deviceId.toString(16).padStart(40, "0")}:${m.timestamp}`.toLowerCase();
          seen.set(key, (seen.get(key) ?? 0) + 1);
        }
    }
    expect(store.unsubmittedBatches(projectId)).to.deep.equal([]);
    store.close();
    for (const key of acked) expect(seen.get(key.toLowerCase()), `acked ${key}`).to.equal(1);
    for (const [key, n] of seen) expect(n, key).to.equal(1);
    console.log(
      `      ${acked.size} acked readings, ${logs.length} batches, every acked reading batched once`,
    );
  });
});

/**
 * The services end to end with real `dev` Groth16 proofs: devices register and stream
 * signed readings to the sequencer over HTTP; the sequencer cuts and submits batches;
 * prover workers (one per staked prover) prove and settle the batches assigned to them;
 * owners claim from a replay of public data. Totals agree across the sequencer, the chain
 * and the claims.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pino from "pino";
import { time } from "@nomicfoundation/hardhat-network-helpers";

import { signEddsaPoseidon } from "../../src/crypto";
import { DeviceClient, generateIdentity } from "../../src/device";
import { ProverWorker } from "../../src/prover/worker";
import { claimManyArgs, replayProject } from "../../src/rewards";
import { DEFAULT_CONFIG, startSequencer } from "../../src/sequencer";
import { messageDigest } from "../../src/zk/batch";
import { CIRCUIT_CONFIGS } from "../../src/zk/circuits";
import { releaseSnarkjs } from "../../src/zk/snarkjs";
import { provingKey } from "../helpers/proofs";
import { SETTLEMENT_SETTINGS, settlementFixture } from "../helpers/settlement";

const SHAPE = CIRCUIT_CONFIGS.dev;

describe("services end to end (sequencer, prover workers, claims; real dev proofs)", function () {
  this.timeout(600_000);
  after(releaseSnarkjs);

  it("register → stream → batch → settle → claim, with consistent totals", async function () {
    const f = await settlementFixture();
    const silent = pino({ level: "silent" });
    const deadline = BigInt(await time.latest()) + 3600n;
    const devices = [];
    for (let i = 0; i < 3; i++) {
      const identity = generateIdentity();
      const client = new DeviceClient(identity, f.deviceRegistry);
      await client.register({ owner: f.deviceOwner.address, projectId: f.projectId, deadline });
      devices.push({ identity, deviceId: client.deviceId });
    }
    await f.rewards.connect(f.projectOwner).setRewardToken(f.projectId, f.rewardToken);
    await f.rewardToken.approve(f.rewards, 10n ** 21n);
    await f.rewards.fund(f.projectId, 10n ** 21n);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "depin-e2e-seq-"));
    const seq = await startSequencer(
      {
        ...DEFAULT_CONFIG,
        port: 0,
        dbPath: path.join(dir, "sequencer.db"),
        projectIds: [f.projectId],
        shape: { R: SHAPE.R, D: SHAPE.D, K: SHAPE.K },
        pollMs: 3_600_000,
        maxBatchAgeMs: 0,
      },
      {
        deviceRegistry: f.deviceRegistry,
        projectRegistry: f.projectRegistry,
        manager: f.manager.connect(f.sequencer),
      },
      silent,
    );
    try {
      // Each device streams three readings, a minute apart.
      const domain = await f.manager.domainOf(f.projectId);
      const now = Math.floor(Date.now() / 1000) - 200; // within the default 300 s skew
      let sent = 0n;
      for (const [i, d] of devices.entries()) {
        for (let k = 0; k < 3; k++) {
          const timestamp = BigInt(now + k * SETTLEMENT_SETTINGS.minInterval);
          const units = BigInt(10 * (i + 1) + k);
          const payloadHash = timestamp + 1n;
          const sig = signEddsaPoseidon(
            d.identity.babyJub.privateKey,
            messageDigest(domain, d.deviceId, timestamp, units, payloadHash),
          );
          const response = await fetch(`${seq.url}/v1/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              deviceId: d.identity.wallet.address,
              timestamp: timestamp.toString(),
              units: units.toString(),
              payloadHash: payloadHash.toString(),
              signature: { r8x: sig.R8x.toString(), r8y: sig.R8y.toString(), s: sig.S.toString() },
            }),
          });
          expect(response.status).to.equal(202);
          sent += units;
        }
      }

      const key = provingKey("dev", "groth16");
      const workers = f.provers.map(
        (p) =>
          new ProverWorker({
            manager: f.manager.connect(p),
            deviceRegistry: f.deviceRegistry,
            shape: SHAPE,
            system: "groth16",
            key,
            log: silent,
          }),
      );
      // Rounds: the sequencer cuts and submits, every worker proves what is its turn.
      for (let round = 0; round < 20; round++) {
        await seq.tick();
        for (const w of workers) await w.tick();
        const counts = seq.store.counts();
        const state = await f.manager.projectStateOf(f.projectId);
        if (counts.batched === 9 && state.settledThrough === state.submitted && state.opsCursor === 3n) break;
      }
      expect(seq.store.counts()).to.deep.equal({ total: 9, batched: 9, excluded: 0 });
      const settledLogs = await f.manager.queryFilter(f.manager.filters.BatchSettled(undefined, f.projectId));
      const submitted = await f.manager.queryFilter(f.manager.filters.BatchSubmitted(undefined, f.projectId));
      expect(settledLogs).to.have.length(submitted.length);
      const settledUnits = settledLogs.reduce((s, l) => s + l.args.totalUnits, 0n);
      expect(settledUnits).to.equal(sent);
      const byWorker = workers.map((w) => w.settled.length);
      expect(byWorker.reduce((a, b) => a + b)).to.equal(submitted.length);
      const proveMs = workers.flatMap((w) => w.settled.map((s) => s.proveMs));
      console.log(
        `      ${submitted.length} batches, settled by workers ${byWorker.join("/")}; ` +
          `proving ${Math.round(proveMs.reduce((a, b) => a + b) / proveMs.length)} ms per batch on average`,
      );

      // Owners claim from public data: the DA copies the sequencer serves.
      const replay = await replayProject(
        { deviceRegistry: f.deviceRegistry, manager: f.manager },
        f.projectId,
      );
      const indices = await Promise.all(
        devices.map(async (d) => (await f.deviceRegistry.deviceOf(d.deviceId)).index),
      );
      const args = claimManyArgs(
        replay.tree,
        devices.map((d, i) => ({ deviceId: d.deviceId, index: Number(indices[i]) })),
      );
      await f.rewards.claimMany(f.projectId, args.deviceIds, args.leaves, args.proof);
      expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(
        sent * SETTLEMENT_SETTINGS.rewardRate,
      );
      expect((await f.rewards.poolOf(f.projectId)).owed).to.equal(sent * SETTLEMENT_SETTINGS.rewardRate);
    } finally {
      await seq.close();
    }
  });
});

/** sequencer:start and devices:simulate, in-process, against the settlement deployment. */
import { expect } from "chai";
import * as os from "node:os";
import * as path from "node:path";

import { UserError } from "../../src/errors";
import { SETTLEMENT_SETTINGS, settlementFixture } from "../helpers/settlement";
import { runTask } from "../helpers/tasks";

describe("tasks: services", function () {
  this.timeout(120_000);

  it("runs a sequencer and simulated devices with faults; every answer is the expected one", async function () {
    const f = await settlementFixture();
    // The tasks sign with the first account: make it the sequencer; readings a second apart.
    await f.projectRegistry.connect(f.projectOwner).setSequencer(f.projectId, f.deployer.address);
    await f.projectRegistry
      .connect(f.projectOwner)
      .setSettings(f.projectId, { ...SETTLEMENT_SETTINGS, minInterval: 1 });
    const port = 17_000 + Math.floor(Math.random() * 1000);
    const sequencer = runTask<{ total: number }>("sequencer:start", {
      project: f.projectId.toString(),
      host: "127.0.0.1",
      port,
      db: path.join(os.tmpdir(), `depin-task-seq-${port}-${Date.now()}.db`),
      circuit: "dev",
      maxAgeMs: 60_000,
      skew: 300,
      durationMs: 9_000,
    });
    await new Promise((r) => setTimeout(r, 1500));
    const stats = await runTask<{
      accepted: number;
      sent: number;
      unexpected: unknown[];
      faults: Record<string, { injected: number; expected: number }>;
    }>("devices:simulate", {
      project: f.projectId.toString(),
      url: `http://127.0.0.1:${port}`,
      count: 3,
      rate: 2,
      seconds: 4,
      faults: "badSignature=0.2,replay=0.1,unregistered=0.1,skew=0.1",
    });
    const result = await sequencer;
    expect(stats.unexpected).to.deep.equal([]);
    expect(stats.accepted).to.be.greaterThan(0);
    expect(result.total).to.equal(stats.accepted);
    const injected = Object.values(stats.faults).reduce((n, x) => n + x.injected, 0);
    const expected = Object.values(stats.faults).reduce((n, x) => n + x.expected, 0);
    expect(expected).to.equal(injected);
  });

  it("answers bad input with one-line errors", async function () {
    const f = await settlementFixture();
    await expect(
      runTask("sequencer:start", {
        project: f.projectId.toString(),
        host: "127.0.0.1",
        port: 0,
        db: ":memory:",
        circuit: "dev",
        maxAgeMs: 1,
        skew: 300,
        durationMs: 1,
      }),
    ).to.be.rejectedWith(UserError, "is not project");
    await expect(
      runTask("sequencer:start", {
        project: "1",
        host: "127.0.0.1",
        port: 0,
        db: ":memory:",
        circuit: "nope",
        maxAgeMs: 1,
        skew: 300,
        durationMs: 1,
      }),
    ).to.be.rejectedWith(UserError, "unknown configuration");
    await expect(
      runTask("sequencer:start", {
        project: "1",
        host: "127.0.0.1",
        port: 0,
        db: ":memory:",
        circuit: "dev",
        maxAgeMs: 1,
        skew: 300,
        maxPerRequest: 1_000_000,
        durationMs: 1,
      }),
    ).to.be.rejectedWith(UserError, "--max-per-request");
    await expect(
      runTask("devices:simulate", {
        project: "1",
        url: "http://127.0.0.1:1",
        count: 1,
        rate: 1,
        seconds: 1,
        faults: "meteor=1",
      }),
    ).to.be.rejectedWith(UserError, "--faults");
  });
});

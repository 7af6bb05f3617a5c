/** rewards:* tasks, in-process, against a project whose batches the rewards scenario settles. */
import { expect } from "chai";

import { UserError } from "../../src/errors";
import { rewardsFixture } from "../helpers/rewards";
import { runTask } from "../helpers/tasks";

describe("tasks: rewards", function () {
  async function fixture() {
    const f = await rewardsFixture(3);
    // The tasks sign with the first account: make it the project's owner.
    await f.projectRegistry
      .connect(f.projectOwner)
      .transferFrom(f.projectOwner.address, f.deployer.address, f.projectId);
    return f;
  }

  it("sets the token and rate, funds, shows and claims from public data", async function () {
    const f = await fixture();
    const project = f.projectId.toString();
    await runTask("rewards:set-token", { project, token: await f.rewardToken.getAddress() });
    await f.rewardToken.mint(f.deployer.address, 1_000n);
    await runTask("rewards:fund", { project, amount: "1000" });
    await runTask("rewards:set-rate", { project, rate: "5" });
    expect((await f.projectRegistry.settingsOf(f.projectId)).rewardRate).to.equal(5n);

    await f.scenario.settle([
      { device: 0, units: [10n, 20n] },
      { device: 1, units: [4n] },
    ]);
    const [d0, d1, d2] = f.scenario.devices.map((d) => d.identity.wallet.address);
    const shown = await runTask<{
      units: bigint;
      accrued: bigint;
      paid: bigint;
      claimable: bigint;
      owner: string;
    }>("rewards:show", { device: d0 });
    expect(shown).to.include({
      units: 30n,
      accrued: 150n,
      paid: 0n,
      claimable: 150n,
      owner: f.deviceOwner.address,
    });

    const claimed = await runTask<{ paid: { amount: bigint }[] }[]>("rewards:claim", {
      devices: [d0, d1, d2],
    });
    expect(claimed).to.have.length(1);
    expect(claimed[0].paid.map((p) => p.amount)).to.deep.equal([150n, 20n]);
    expect(await f.rewardToken.balanceOf(f.deviceOwner.address)).to.equal(170n);

    const again = await runTask<{ paid: unknown[] }[]>("rewards:claim", { devices: [`did:io:${d0}`] });
    expect(again[0].paid).to.deep.equal([]);
    const after = await runTask<{ paid: bigint; claimable: bigint }>("rewards:show", { device: d0 });
    expect(after).to.include({ paid: 150n, claimable: 0n });
    const pool = await runTask<{ funded: bigint; owed: bigint; paid: bigint; withdrawable: bigint }>(
      "rewards:pool",
      { project },
    );
    expect(pool).to.include({ funded: 1_000n, owed: 170n, paid: 170n, withdrawable: 830n });
  });

  it("reports a shortfall and answers bad input with one-line errors", async function () {
    const f = await fixture();
    const project = f.projectId.toString();
    await f.scenario.settle([{ device: 0, units: [10n] }]);
    const d0 = f.scenario.devices[0].identity.wallet.address;
    const short = await runTask<{ shortfall: { unpaid: bigint }[] }[]>("rewards:claim", { devices: [d0] });
    expect(short[0].shortfall.map((s) => s.unpaid)).to.deep.equal([30n]);

    await expect(runTask("rewards:fund", { project, amount: "0" })).to.be.rejectedWith(UserError, "positive");
    await expect(runTask("rewards:fund", { project: "99", amount: "1" })).to.be.rejectedWith(
      UserError,
      "project 99 has no reward token",
    );
    await expect(runTask("rewards:set-rate", { project: "99", rate: "1" })).to.be.rejectedWith(
      UserError,
      "UnknownProject(99)",
    );
    await expect(runTask("rewards:show", { device: "0x" + "11".repeat(20) })).to.be.rejectedWith(
      UserError,
      "is not registered",
    );
    await expect(runTask("rewards:claim", { devices: ["not-a-device"] })).to.be.rejectedWith(
      UserError,
      'device "not-a-device"',
    );
    await expect(runTask("rewards:set-token", { project, token: "0x1234" })).to.be.rejectedWith(
      UserError,
      "--token must be an address",
    );
  });
});
